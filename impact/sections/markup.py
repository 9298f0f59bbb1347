"""HTML for the report: headings, paragraphs, lists, tables, the title block, key-figure cards
and quotes. Every piece of free text is escaped here before it reaches the page.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable

import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.scrub import scrub
from impact.sections.common import milestone_kind

# A statistic's subscript written with an underscore in the texts (d_z, g_av, r_rb, ω_t,
# S_diff): a lone letter, "_", a short lower-case index, not part of a longer identifier.
_SUBSCRIPT = re.compile(r"(?<![\w.])([A-Za-zα-ω])_([a-z]{1,4})(?![\w])")


def escape(text: str) -> str:
    """Text as escaped HTML, a statistic's subscript as a subscript.

    Examples
    --------
    >>> escape("d_z = 0,44 < 1; r_rb, clinical_cutoff")
    'd<sub>z</sub> = 0,44 &lt; 1; r<sub>rb</sub>, clinical_cutoff'
    """
    return _SUBSCRIPT.sub(r"\1<sub>\2</sub>", html.escape(text))


def key_figures_html(table: pd.DataFrame) -> str:
    """Key figures as a row of escaped cards."""
    cards = "".join(
        f"<div class='impact-kf'><div class='impact-kf-value'>{escape(v)}</div>"
        f"<div class='impact-kf-label'>{escape(label)}</div></div>"
        for label, v in zip(table["label"], table["value"], strict=True)
    )
    return f"<div class='impact-kfs'>{cards}</div>"


def quotes_html(texts: Iterable[str | None], *, names: Iterable[str], enabled: bool) -> str:
    """Free-text answers as escaped block quotes, scrubbed first; nothing unless enabled.

    Examples
    --------
    >>> quotes_html(["Great, thanks Anna <3"], names=["Anna"], enabled=True)
    "<blockquote class='impact-quote'>Great, thanks [name] &lt;3</blockquote>"
    >>> quotes_html(["Great"], names=[], enabled=False)
    ''
    """
    if not enabled:
        return ""
    answers = pd.Series(list(texts), dtype="object").dropna()
    answers = answers[answers.str.strip() != ""]
    cleaned = scrub(answers, names=names)
    return "\n".join(
        f"<blockquote class='impact-quote'>{html.escape(text)}</blockquote>" for text in cleaned
    )


# -- HTML --------------------------------------------------------------------------------------
def html_table(table: pd.DataFrame) -> str:
    """A table as escaped HTML for the report: column headers marked as such
    (``<th scope="col">``), columns of numbers right-aligned, a dash for a missing value.

    Examples
    --------
    >>> page = html_table(pd.DataFrame({"scale": ["WHO-5"], "n": [44], "d_z": ["0,26"]}))
    >>> page[:48]
    '<table class="impact-table impact-short"><thead>'
    >>> for cell in re.findall(r"<t[hd](?: [^>]*)?>.*?</t[hd]>", page):
    ...     print(cell)
    <th scope="col">scale</th>
    <th scope="col" class="num">n</th>
    <th scope="col" class="num">d<sub>z</sub></th>
    <td><span class="nw">WHO-5</span></td>
    <td class="num">44</td>
    <td class="num">0,26</td>
    """
    cells = table.astype("object").where(table.notna(), "–").astype(str)
    numeric = [
        bool(len(cells)) and bool(cells[column].map(_looks_numeric).all())
        for column in cells.columns
    ]

    def _class(is_number: bool) -> str:
        return ' class="num"' if is_number else ""

    head = "".join(
        f'<th scope="col"{_class(n)}>{_unbroken(str(c), _WORDS)}</th>'
        for c, n in zip(cells.columns, numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{_class(n)}>{_unbroken(v, _PHRASES)}</td>"
            for v, n in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in cells.itertuples(index=False, name=None)
    )
    # A short table is kept on one page.
    classes = "impact-table impact-short" if len(cells) <= _SHORT_TABLE_ROWS else "impact-table"
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# Where a cell may wrap: after ", " and before "[" outside brackets (so "t(43) = 1,71,"
# "p = ,095" and "[0,12; 0,45]" each stay whole); a header between words.
_PHRASES = re.compile(r"(?<=,) (?![^\[]*\])| (?=\[)")
_WORDS = re.compile(r" ")
_SHORT_TABLE_ROWS = 8
# Only a phrase with a number in it is kept whole ("Milestone 1", "[95% CI]"); words wrap.
_DIGIT = re.compile(r"\d")
# A phrase this long is text, not a statistic: it wraps as text does.
_LONGEST_UNBROKEN = 24


def _unbroken(text: str, breaks: re.Pattern) -> str:
    """Escaped text whose phrases cannot be broken inside (``<span class="nw">``).

    >>> _unbroken("t(43) = 1,71, p = ,095", _PHRASES)
    '<span class="nw">t(43) = 1,71,</span> <span class="nw">p = ,095</span>'
    >>> _unbroken("Meilenstein 1", _PHRASES)
    '<span class="nw">Meilenstein 1</span>'
    >>> _unbroken("Selbstwirksamkeit (SWE)", _PHRASES)
    'Selbstwirksamkeit (SWE)'
    >>> _unbroken("44", _PHRASES)
    '44'
    """
    phrases = breaks.split(text)
    return " ".join(
        f'<span class="nw">{escape(phrase)}</span>'
        if _DIGIT.search(phrase)
        and (" " in phrase or "-" in phrase)
        and len(phrase) <= _LONGEST_UNBROKEN
        else escape(phrase)
        for phrase in phrases
    )


# A formatted number, count, percentage, interval or dash (German or English notation).
_NUMBER = re.compile(r"^[-+−–<>≤≥]?\s?[\d.,\s]*\d[\d.,]*\s?%?(\s?\[[^\]]*\])?$|^[–-]$")


def _looks_numeric(value: str) -> bool:
    return bool(_NUMBER.match(value.strip()))


def html_paragraphs(sentences: list[str]) -> str:
    """Sentences as escaped HTML paragraphs."""
    return "\n".join(f"<p>{escape(s)}</p>" for s in sentences)


def html_list(items: list[str]) -> str:
    """Items as an escaped bulleted list."""
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def heading(text: str, level: int = 2) -> str:
    """An escaped section heading."""
    return f"<h{level}>{escape(text)}</h{level}>"


def title_html(
    programme: Programme, milestone: str, language: str, today: dt.date | None = None
) -> str:
    """The report's cover: programme, title, kind of report, milestone with its date, the
    rendering date and (for demo data) the synthetic-data notice.

    The ``data-`` attributes carry what the printed document states about itself (the
    running footer, the PDF's author and subject): see :func:`impact.report.export_html`.
    """
    t = fmt.texts(language)
    wave = programme.survey.wave(milestone)
    kind = milestone_kind(programme, milestone)
    name = programme.survey.programme.name[language]
    title = fmt.text("report_title", language, programme=name)
    wave_text = f"{wave.label[language]} ({fmt.date(wave.date, language)})"
    subtitle = fmt.text(
        "report_subtitle",
        language,
        wave_label=wave.label[language],
        wave_date=fmt.date(wave.date, language),
        today=fmt.date(today or dt.date.today(), language),
    )
    attributes = {
        "data-programme": name,
        "data-kind": t["milestone_" + kind],
        "data-wave": wave_text,
    }
    parts = [
        "<header class='impact-cover' "
        + " ".join(f"{k}='{html.escape(v, quote=True)}'" for k, v in attributes.items())
        + ">",
        f"<p class='impact-cover-programme'>{html.escape(name)}</p>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='impact-kind'>{html.escape(t['milestone_' + kind])}</p>",
        f"<p class='impact-subtitle'>{html.escape(subtitle)}</p>",
    ]
    if programme.survey.programme.synthetic:
        parts.append(f"<p class='impact-notice'>{html.escape(t['synthetic_notice'])}</p>")
    parts.append("</header>")
    return "\n".join(parts)


def report_labels(programme: Programme, milestone: str, language: str) -> dict[str, str]:
    """What the cover names, in ``language``: the programme, the kind of report and the
    wave (for the index page, which reads ``results.json``)."""
    t = fmt.texts(language)
    wave = programme.survey.wave(milestone)
    return {
        "programme": programme.survey.programme.name[language],
        "report": t["milestone_" + milestone_kind(programme, milestone)],
        "wave": wave.label[language],
    }
