"""HTML for the report: headings, paragraphs, lists, tables, the title block, key-figure cards
and quotes. Every piece of free text is escaped here before it reaches the page.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.scrub import scrub
from impact.sections.common import milestone_kind


def key_figures_html(table: pd.DataFrame) -> str:
    """Key figures as a row of escaped cards."""
    cards = "".join(
        f"<div class='impact-kf'><div class='impact-kf-value'>{html.escape(v)}</div>"
        f"<div class='impact-kf-label'>{html.escape(label)}</div></div>"
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
    """A table as escaped HTML for the report."""
    return table.to_html(index=False, escape=True, border=0, classes="impact-table", na_rep="–")


def html_paragraphs(sentences: list[str]) -> str:
    """Sentences as escaped HTML paragraphs."""
    return "\n".join(f"<p>{html.escape(s)}</p>" for s in sentences)


def html_list(items: list[str]) -> str:
    """Items as an escaped bulleted list."""
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def heading(text: str, level: int = 2) -> str:
    """An escaped section heading."""
    return f"<h{level}>{html.escape(text)}</h{level}>"


def title_html(
    programme: Programme, milestone: str, language: str, today: dt.date | None = None
) -> str:
    """The report's heading, subtitle and (for demo data) the synthetic-data notice."""
    t = fmt.texts(language)
    wave = programme.survey.wave(milestone)
    kind = milestone_kind(programme, milestone)
    title = fmt.text("report_title", language, programme=programme.survey.programme.name[language])
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='impact-kind'>{html.escape(t['milestone_' + kind])}</p>",
        "<p class='impact-subtitle'>"
        + html.escape(
            fmt.text(
                "report_subtitle",
                language,
                wave_label=wave.label[language],
                wave_date=fmt.date(wave.date, language),
                today=fmt.date(today or dt.date.today(), language),
            )
        )
        + "</p>",
    ]
    if programme.survey.programme.synthetic:
        parts.append(f"<p class='impact-notice'>{html.escape(t['synthetic_notice'])}</p>")
    return "\n".join(parts)
