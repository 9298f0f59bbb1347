"""Change per person: reliable change (Jacobson–Truax) counts and the learning comparison with
response-shift control (pre, then and post ratings).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.disclosure import differ_by_few, protect
from impact.pipeline import Programme
from impact.sections.common import (
    _count_text,
    _excludes_zero,
    _in_outcome_order,
    _k,
    per_programme,
    scale_label,
    wave_label,
)
from impact.sections.scores import wave_levels


def _sentence_count(n: float, k: int, language: str) -> str:
    return fmt.text("fewer_than_k", language, k=k) if pd.isna(n) else str(int(n))


# -- individual reliable change ------------------------------------------------------------
@per_programme
def reliable_change_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Participants per reliable and clinical change category at ``milestone`` (aggregates).

    Counts of 1 to k − 1 are blanked.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``
        - ``kind``: ``reliable_change`` (Jacobson–Truax RCI) or ``clinical_change``
          (where the instrument has a cut-off)
        - ``category``: improved / no reliable change / deteriorated, or recovered /
          improved / unchanged / deteriorated
        - ``n`` (missing when suppressed), ``total``, ``share``
        - ``suppressed``: True for a count of 1 to k − 1
        - ``reliability``, ``reliability_source``: the r_xx of the RCI and where it came
          from (``definition`` or ``baseline alpha``); ``sd_baseline``: the SD used
    """
    counts = programme.reliable_change_counts(milestone)
    counts = counts[counts["wave"] == milestone]
    counts = _in_outcome_order(counts, programme).copy()
    individual = programme.reliable_change(milestone)
    used = individual.groupby("scale", observed=True)[
        ["reliability", "reliability_source", "sd_baseline"]
    ].first()
    counts = counts.join(used, on="scale")
    counts = protect(
        counts,
        count="n",
        k=_k(programme),
        within=["scale", "wave", "kind"],
        total="total",
        columns=["share"],
    )
    counts["wave"] = counts["wave"].astype(str)
    return counts.reset_index(drop=True)


def reliable_change_table(
    programme: Programme, milestone: str, language: str, *, kind: str = "reliable_change"
) -> pd.DataFrame:
    """:func:`reliable_change_results` of one ``kind``: a row per outcome, a column per
    category."""
    t = fmt.texts(language)
    table = reliable_change_results(programme, milestone)
    table = table[table["kind"] == kind]
    rows = []
    for scale, part in table.groupby("scale", sort=False, observed=True):
        row = {
            t["col_scale"]: scale_label(programme, scale, language),
            t["col_n"]: int(part["total"].iloc[0]),
        }
        for r in part.itertuples():
            row[t[f"category_{r.category.replace(' ', '_')}"]] = _count_text(
                r.n, _k(programme), language
            )
        rows.append(row)
    return pd.DataFrame(rows)


def reliable_change_plot_data(programme: Programme, milestone: str, language: str):
    """:func:`reliable_change_results` (reliable change only) with display names, as
    :func:`impact.plots.reliable_change_counts` takes it."""
    t = fmt.texts(language)
    table = reliable_change_results(programme, milestone)
    table = table[table["kind"] == "reliable_change"]
    return pd.DataFrame(
        {
            "label": [scale_label(programme, s, language) for s in table["scale"]],
            "category": [t[f"category_{c.replace(' ', '_')}"] for c in table["category"]],
            "n": table["n"].astype(float).to_numpy(),
            "suppressed": table["suppressed"].to_numpy(),
        }
    )


def reliable_change_alt(data: pd.DataFrame, language: str, k: int) -> str:
    """Alt text of the reliable-change figure: every count it shows, in words."""
    hidden = fmt.text("suppressed_value", language, k=k)
    parts = []
    for label, part in data.groupby("label", sort=False, observed=True):
        counts = ", ".join(
            f"{r.category} {hidden if r.suppressed else int(r.n)}" for r in part.itertuples()
        )
        parts.append(f"{label}: {counts}")
    return fmt.text("alt_reliable_change", language, counts="; ".join(parts))


def reliable_change_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """Summary: how many participants changed reliably on each outcome."""
    table = reliable_change_results(programme, milestone)
    table = table[table["kind"] == "reliable_change"]
    if table.empty:
        return None
    k = _k(programme)
    parts = []
    for scale, part in table.groupby("scale", sort=False, observed=True):
        by = part.set_index("category")
        parts.append(
            fmt.text(
                "reliable_change_part",
                language,
                scale=scale_label(programme, scale, language),
                improved=_sentence_count(by.loc["improved", "n"], k, language),
                deteriorated=_sentence_count(by.loc["deteriorated", "n"], k, language),
                total=int(part["total"].iloc[0]),
            )
        )
    return fmt.text(
        "reliable_change_sentence",
        language,
        wave=wave_label(programme, milestone, language),
        parts="; ".join(parts),
    )


# -- learning with response-shift control --------------------------------------------------
@per_programme
def response_shift_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Pre vs post, then vs post and pre vs then at ``milestone`` (empty without then
    ratings at that wave).

    Returns
    -------
    DataFrame
        ``scale, comparison, first, second`` and from :func:`impact.change.paired_statistics`
        ``n, mean_pre, mean_post, mean_diff, ci_low, ci_high, t, df, p_value, d_z,
        d_z_ci_low, d_z_ci_high`` (``mean_pre`` is the first rating, ``mean_post`` the
        second).
    """
    columns = ["scale", "comparison", "first", "second", "n", "mean_pre", "mean_post"]
    columns += ["mean_diff", "ci_low", "ci_high", "t", "df", "p_value", "d_z"]
    columns += ["d_z_ci_low", "d_z_ci_high"]
    scores = programme.scores
    at_wave = scores[(scores["wave"] == milestone) & (scores["frame"] != "now")]
    if at_wave["score"].notna().sum() == 0:
        return pd.DataFrame(columns=columns)
    table = programme.response_shift(milestone)[columns].copy()
    # the comparisons' means are of nested sets of people (those with a then rating among
    # the pairs, who are among each wave's respondents): blanked when any two differ by
    # 1 to k − 1 people, whose mean they would give away
    levels = wave_levels(programme, milestone)
    k = _k(programme)
    for scale, rows in table.groupby("scale", sort=False):
        sizes = set(rows["n"].astype(int))
        sizes |= set(
            levels.loc[
                (levels["scale"] == scale)
                & levels["wave"].astype(str).isin([programme.baseline, milestone]),
                "n",
            ].astype(int)
        )
        if differ_by_few(sizes, k=k):
            table.loc[rows.index, ["mean_pre", "mean_post"]] = np.nan
    return table


def response_shift_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`response_shift_results`, translated and formatted APA-style."""
    t = fmt.texts(language)
    table = response_shift_results(programme, milestone)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
            t["col_comparison"]: [t[f"comparison_{c}"] for c in table["comparison"]],
            t["col_n"]: table["n"].to_numpy(),
            t["col_first"]: [fmt.number(v, 2, language) for v in table["mean_pre"]],
            t["col_second"]: [fmt.number(v, 2, language) for v in table["mean_post"]],
            t["col_diff"]: [
                f"{fmt.signed(r.mean_diff, 2, language)} "
                f"{fmt.interval(r.ci_low, r.ci_high, 2, language)}"
                for r in table.itertuples()
            ],
            t["col_test"]: [fmt.apa_change(r, language) for r in table.to_dict("records")],
        }
    )


def response_shift_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """Summary: the change against one yardstick (then vs post) and the shift (pre vs then)."""
    table = response_shift_results(programme, milestone)
    sentences = []
    for scale, part in table.groupby("scale", sort=False, observed=True):
        by = part.set_index("comparison")
        then_post, pre_then = by.loc["then_post"], by.loc["pre_then"]
        clear = _excludes_zero(then_post.ci_low, then_post.ci_high)
        learning = "learning_clear" if clear else "learning_uncertain"
        if not _excludes_zero(pre_then.ci_low, pre_then.ci_high):
            shift = "shift_none"
        else:
            shift = "shift_lower" if pre_then.mean_diff < 0 else "shift_higher"
        sentences.append(
            fmt.text(learning, language, scale=scale_label(programme, scale, language))
            + " "
            + fmt.text(
                "learning_numbers",
                language,
                diff=fmt.signed(then_post.mean_diff, 2, language),
                ci=fmt.interval(then_post.ci_low, then_post.ci_high, 2, language),
                d=fmt.number(then_post.d_z, 2, language),
                n=int(then_post.n),
            )
            + " "
            + fmt.text(
                shift,
                language,
                diff=fmt.signed(pre_then.mean_diff, 2, language),
                ci=fmt.interval(pre_then.ci_low, pre_then.ci_high, 2, language),
            )
        )
    return sentences
