"""Open feedback: comments counted by theme (keywords from the locales, any language) and the
quotes a report may show, scrubbed of participant names.
"""

from __future__ import annotations

import re

import pandas as pd

from impact import fmt
from impact.definitions import item_targets
from impact.pipeline import Programme
from impact.scrub import registry_names
from impact.sections.common import _k, per_programme, wave_label
from impact.sections.markup import quotes_html

# -- feedback ------------------------------------------------------------------------------
THEMES = ("exchange", "learning", "time", "organisation")


def _theme_keywords(theme: str) -> list[str]:
    """The keywords of a theme in every language: a comment may be in either."""
    words = []
    for language in fmt.LOCALES:
        words += [
            w.strip().lower() for w in fmt.texts(language)[f"theme_{theme}_keywords"].split(",")
        ]
    return [w for w in dict.fromkeys(words) if w]


@per_programme
def feedback_results(programme: Programme, milestone: str) -> dict:
    """The number of comments at ``milestone`` and a keyword count of themes.

    A theme counts a comment that contains one of its keywords (German and English word
    stems in ``impact/locales``): a simple, transparent count, not a qualitative analysis.
    Theme counts are given only when at least k comments were written.

    Returns
    -------
    dict
        ``comments``: the number of comments; ``themes``: records of ``theme, comments``
        (empty below k comments).
    """
    feedback = programme.feedback()
    texts = feedback.loc[feedback["wave"] == milestone, "text"].astype(str).str.lower()
    themes = []
    if len(texts) >= _k(programme):
        for theme in THEMES:
            pattern = "|".join(re.escape(w) for w in _theme_keywords(theme))
            themes.append({"theme": theme, "comments": int(texts.str.contains(pattern).sum())})
    return {"comments": int(len(texts)), "themes": themes}


def feedback_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`feedback_results`' themes, translated."""
    t = fmt.texts(language)
    themes = feedback_results(programme, milestone)["themes"]
    return pd.DataFrame(
        {
            t["col_theme"]: [t[f"theme_{r['theme']}"] for r in themes],
            t["col_comments"]: [r["comments"] for r in themes],
        }
    )


def feedback_asked(programme: Programme, milestone: str) -> bool:
    """Whether the questionnaire of ``milestone`` asked for open comments: a column of one
    of its export files is mapped to a free-text instrument that may be analysed."""
    texts = {i.id for i in programme.instruments.values() if i.kind == "text" and not i.identifying}
    return any(
        target.instrument in texts
        for file in programme.survey.wave(milestone).files
        for target in item_targets(programme.survey, file.mapping).values()
    )


def feedback_sentence(programme: Programme, milestone: str, language: str) -> str:
    """How many comments there are and whether they are quoted; at a survey that wrote none,
    or asked for none, that said instead."""
    results = feedback_results(programme, milestone)
    wave = wave_label(programme, milestone, language)
    if not results["comments"]:
        key = "feedback_none" if feedback_asked(programme, milestone) else "feedback_not_asked"
        return fmt.text(key, language, wave=wave)
    key = "feedback_quoted" if programme.survey.privacy.quotes else "feedback_not_quoted"
    return fmt.text(key, language, n=results["comments"], wave=wave)


def feedback_quotes_html(programme: Programme, milestone: str) -> str:
    """The comments at ``milestone`` as scrubbed, escaped quotes; empty unless
    ``privacy.quotes`` is true."""
    if not programme.survey.privacy.quotes:
        return ""
    feedback = programme.feedback()
    names = registry_names(programme.survey, programme.base)
    return quotes_html(
        feedback.loc[feedback["wave"] == milestone, "text"], names=names, enabled=True
    )
