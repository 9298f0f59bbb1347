"""Labels and helpers that every report section shares.

Display names of scales, waves, groups and milestones come from the definitions (never from
code); ``_k`` is the suppression threshold, ``_small`` and ``_count_text`` hide counts
below it, and ``_records`` turns a table into JSON-ready records for ``results.json``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.errors import ReportError
from impact.pipeline import Programme, memoised

# The numbers behind a section are asked for again and again within one report (summary,
# key figures, tables, figures, results.json): computed once per programme.
per_programme = memoised


# -- labels ------------------------------------------------------------------------------
def scale_label(programme: Programme, scale: str, language: str) -> str:
    """The display name of a scale (``competences_then`` → 'Competences (retrospective)')."""
    return programme.scale_label(scale, language)


def scale_range(programme: Programme, scale: str, language: str) -> str:
    """A scale's possible range as a reader writes it: ``0–100``, ``1–5``.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> scale_range(load_programme(DEMO_SURVEY), "who5", "de")
    '0–100'
    """
    low, high = programme.instrument_of(scale).score_range()
    decimals = 0 if float(low).is_integer() and float(high).is_integer() else 1
    return f"{fmt.number(low, decimals, language)}–{fmt.number(high, decimals, language)}"


def scale_with_range(programme: Programme, scale: str, language: str) -> str:
    """A scale's display name with its range, one pair of brackets:
    'Wohlbefinden (WHO-5; Skala 0–100)', 'Competences (range 1–5)'.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> demo = load_programme(DEMO_SURVEY)
    >>> scale_with_range(demo, "who5", "de"), scale_with_range(demo, "competences", "en")
    ('Wohlbefinden (WHO-5; Skala 0–100)', 'Competences (range 1–5)')
    """
    label = scale_label(programme, scale, language)
    scope = fmt.text("scale_range", language, range=scale_range(programme, scale, language))
    if label.endswith(")"):
        return f"{label[:-1]}; {scope})"
    return f"{label} ({scope})"


def wave_label(programme: Programme, wave: str, language: str) -> str:
    """The display name of a wave in the report's language (``final`` → 'Abschluss')."""
    return programme.survey.wave(wave).label[language]


def attribute_label(programme: Programme, attribute: str, value: str, language: str) -> str:
    """The display name of a registry value (``survey.yml``: ``registry.labels``), German
    in the programme's ``language_style``."""
    return _styled(programme, programme.survey.registry.label(attribute, value, language), language)


def attribute_name(programme: Programme, attribute: str, language: str) -> str:
    """The display name of a registry attribute (``survey.yml``: ``registry.names``), German
    in the programme's ``language_style``."""
    return _styled(programme, programme.survey.registry.name(attribute, language), language)


def _styled(programme: Programme, text: str, language: str) -> str:
    if language != "de":
        return text
    return fmt.inclusive(text, programme.survey.language_style)


def _in_sentence(name: str, language: str) -> str:
    """An attribute's display name inside an English sentence starts in lower case
    (``Sector`` → ``sector``; ``NGO`` stays); German nouns keep their capital."""
    if language == "en" and name[:1].isupper() and name[1:2].islower():
        return name[0].lower() + name[1:]
    return name


def _scale_wave_labels(programme: Programme, table: pd.DataFrame, language: str) -> dict:
    """The first two columns of a table of results by scale and wave: their display names
    under the translated headings."""
    t = fmt.texts(language)
    return {
        t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
        t["col_wave"]: [wave_label(programme, str(w), language) for w in table["wave"]],
    }


def milestone_kind(programme: Programme, milestone: str) -> str:
    """``kickoff``, ``progress`` or ``final``: which kind of report a wave gets."""
    if milestone == programme.survey.wave_ids[0]:
        return "kickoff"
    return "final" if milestone == programme.survey.wave_ids[-1] else "progress"


@per_programme
def outcomes(programme: Programme) -> list[str]:
    """The scales rated now (not retrospectively), in the order of the survey's instruments.

    A single-item instrument (e.g. the Cantril ladder) gives one scale per item.
    """
    now = programme.scores.loc[programme.scores["frame"] == "now", ["instrument", "scale"]]
    scales = now.drop_duplicates()
    ordered = []
    for instrument in programme.survey.instruments:
        ordered += sorted(scales.loc[scales["instrument"] == instrument, "scale"])
    return ordered


def _in_outcome_order(table: pd.DataFrame, programme: Programme) -> pd.DataFrame:
    order = {scale: i for i, scale in enumerate(outcomes(programme))}
    table = table[table["scale"].isin(order)]
    return table.iloc[np.argsort(table["scale"].map(order).to_numpy(), kind="stable")]


def _k(programme: Programme) -> int:
    return programme.survey.privacy.min_group_size


def require_responses(programme: Programme, milestone: str) -> None:
    """Stop a report whose milestone has no kept responses: there is nothing to report.

    Raises
    ------
    ReportError
        Naming the milestone and how many submissions were excluded.
    """
    submissions = programme.cleaned.submissions
    at_wave = submissions[submissions["wave"] == milestone]
    if not at_wave["status"].eq("kept").any():
        raise ReportError(
            f"milestone {milestone!r} has no responses to report: {len(at_wave)} submission(s) "
            "in its exports, none kept (see the cleaning log: `impact check`)"
        )


# -- results.json --------------------------------------------------------------------------
def _records(table: pd.DataFrame) -> list[dict]:
    table = table.copy()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype(str)
    # JSON has no infinity: a value beyond a double (a Bayes factor of thousands of pairs)
    # is written as null, like a missing one.
    numbers = table.select_dtypes("number").columns
    table[numbers] = table[numbers].where(np.isfinite(table[numbers].astype(float)))
    table = table.astype(object).where(table.notna(), None)
    return [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in table.to_dict("records")
    ]


def _small(n: pd.Series, k: int) -> pd.Series:
    """Counts that would point at fewer than k people (zero points at nobody)."""
    return (n > 0) & (n < k)


def _count_text(n: float, k: int, language: str) -> str:
    if pd.isna(n):
        return fmt.text("suppressed_value", language, k=k)
    return str(int(n))


def _excludes_zero(low: float, high: float) -> bool:
    return not (pd.isna(low) or pd.isna(high) or low <= 0 <= high)
