"""Scale scores per wave: summaries with confidence intervals, trajectories, reliability
(Cronbach's alpha, McDonald's omega) and the outcomes that are only described because they
were first asked after the kick-off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.describe import share_below
from impact.disclosure import withheld_levels
from impact.pipeline import Programme
from impact.sections.common import (
    _scale_wave_labels,
    outcomes,
    per_programme,
    scale_label,
    wave_label,
)


# -- scores -----------------------------------------------------------------------------
@per_programme
def score_summary(programme: Programme, milestone: str) -> pd.DataFrame:
    """Mean, SD, n and the 95% CI of the mean of each scale per wave up to ``milestone``.

    A wave's mean is withheld where it, with the kick-off's and the mean change, would give
    away the mean of the 1 to k − 1 people who left or joined late
    (:func:`impact.disclosure.withheld_levels`).

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``
        - ``n``: participants with a score
        - ``mean``, ``sd`` (missing when withheld)
        - ``ci_low``, ``ci_high``: 95% CI of the mean (t distribution)
        - ``suppressed``: True where the mean is withheld
    """
    table = wave_levels(programme, milestone)
    withheld = withheld_levels(
        programme.change(until=milestone), levels=table, k=programme.survey.privacy.min_group_size
    )
    table["suppressed"] = [
        (s, str(w)) in withheld for s, w in zip(table["scale"], table["wave"], strict=True)
    ]
    table.loc[table["suppressed"], ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    return table


@per_programme
def wave_levels(programme: Programme, milestone: str) -> pd.DataFrame:
    """:func:`score_summary` before any mean is withheld (what disclosure control checks
    the published numbers against; not itself published): :meth:`Programme.wave_summary`
    up to ``milestone``."""
    return programme.wave_summary(until=milestone)


def scores_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`score_summary`, translated and formatted."""
    t = fmt.texts(language)
    summary = score_summary(programme, milestone)
    return pd.DataFrame(
        {
            **_scale_wave_labels(programme, summary, language),
            t["col_n"]: summary["n"].to_numpy(),
            t["col_mean"]: [fmt.number(v, 2, language) for v in summary["mean"]],
            t["col_sd"]: [fmt.number(v, 2, language) for v in summary["sd"]],
            t["col_ci"]: [
                fmt.interval(lo, hi, 2, language)
                for lo, hi in zip(summary["ci_low"], summary["ci_high"], strict=True)
            ],
        }
    )


def trajectory_data(programme: Programme, milestone: str) -> pd.DataFrame:
    """The scores the trajectory figure draws: outcomes rated now, waves up to ``milestone``,
    without the waves whose mean :func:`score_summary` withholds."""
    scores = programme.scores
    keep = (
        scores["wave"].isin(programme.waves_until(milestone))
        & scores["scale"].isin(outcomes(programme))
        & scores["score"].notna()
    )
    withheld = score_summary(programme, milestone).query("suppressed")
    hidden = pd.MultiIndex.from_arrays([withheld["scale"], withheld["wave"].astype(str)])
    shown = ~pd.MultiIndex.from_arrays(
        [scores["scale"].astype(str), scores["wave"].astype(str)]
    ).isin(hidden)
    return scores.loc[keep & shown, ["participant", "scale", "wave", "score"]]


# -- alt texts -------------------------------------------------------------------------------
def trajectories_alt(programme: Programme, milestone: str, language: str) -> str:
    """Alt text of the trajectory figure: every mean it shows, in words."""
    summary = score_summary(programme, milestone)
    parts = []
    for scale in outcomes(programme):
        rows = summary[summary["scale"] == scale]
        means = ", ".join(
            f"{wave_label(programme, str(r.wave), language)} {fmt.number(r.mean, 1, language)}"
            for r in rows.itertuples()
            if not r.suppressed
        )
        parts.append(f"{scale_label(programme, scale, language)}: {means}")
    return fmt.text("alt_trajectories", language, means="; ".join(parts))


# -- reliability ---------------------------------------------------------------------------
def reliability_summary(programme: Programme, milestone: str) -> pd.DataFrame:
    """Cronbach's alpha (Feldt 95% CI) and omega total at the kick-off and at ``milestone``.

    A scale first asked later (e.g. partnership quality) shows its first wave up to
    ``milestone`` instead of the kick-off.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``
        - ``n``: participants with at least one item answered; ``n_items``
        - ``alpha``, ``ci_low``, ``ci_high``: Cronbach's alpha and its Feldt CI
        - ``omega_total``: McDonald's omega total (one-factor model)
    """
    table = programme.reliability(milestone)
    first = table.groupby("scale", observed=True)["wave"].transform("min")
    keep = (table["wave"] == first) | (table["wave"] == milestone)
    columns = ["scale", "wave", "n", "n_items", "alpha", "ci_low", "ci_high", "omega_total"]
    return table.loc[keep, columns].reset_index(drop=True)


def reliability_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`reliability_summary`, translated, APA-style."""
    t = fmt.texts(language)
    table = reliability_summary(programme, milestone)
    return pd.DataFrame(
        {
            **_scale_wave_labels(programme, table, language),
            t["col_n"]: table["n"].to_numpy(),
            t["col_items"]: table["n_items"].to_numpy(),
            t["col_reliability"]: [
                fmt.apa_reliability(r, language) for r in table.to_dict("records")
            ],
        }
    )


# -- described outcomes (no kick-off value: partnership quality) ---------------------------
@per_programme
def described_outcomes(programme: Programme) -> list[str]:
    """Outcomes first asked after the kick-off: described per wave, never compared with it."""
    scores = programme.scores.dropna(subset=["score"])
    at_baseline = set(scores.loc[scores["wave"] == programme.baseline, "scale"])
    return [s for s in outcomes(programme) if s not in at_baseline]


def described_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`scores_table` of the described outcomes only (e.g. partnership quality)."""
    summary = score_summary(programme, milestone)
    keep = summary["scale"].isin(described_outcomes(programme)).to_numpy()
    return scores_table(programme, milestone, language)[keep].reset_index(drop=True)


def described_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """Per described outcome: its mean at ``milestone`` with CI, and the earlier waves."""
    summary = score_summary(programme, milestone)
    sentences = []
    for scale in described_outcomes(programme):
        rows = summary[summary["scale"] == scale]
        now = rows[rows["wave"] == milestone]
        if now.empty:
            continue
        now = now.iloc[0]
        low, high = programme.instrument_of(scale).score_range()
        decimals = 1 if high > 10 else 2
        earlier = "; ".join(
            f"{wave_label(programme, str(r.wave), language)} "
            f"{fmt.number(r.mean, decimals, language)}"
            for r in rows[rows["wave"] != milestone].itertuples()
        )
        values = dict(
            scale=scale_label(programme, scale, language),
            wave=wave_label(programme, milestone, language),
            mean=fmt.number(now["mean"], decimals, language),
            ci=fmt.interval(now["ci_low"], now["ci_high"], decimals, language),
            low=fmt.number(low, 0, language),
            high=fmt.number(high, 0, language),
            n=int(now["n"]),
            earlier=earlier,
        )
        key = "described_sentence_earlier" if earlier else "described_sentence"
        sentences.append(fmt.text(key, language, **values))
    return sentences


@per_programme
def below_midpoint(programme: Programme, milestone: str) -> pd.DataFrame:
    """An early warning for the described outcomes (partnership quality): per wave up to
    ``milestone``, the share of respondents whose score lies below the midpoint of the
    scale's range, with its Wilson 95% CI (:func:`impact.describe.share_below`).

    Both counts, below and at or above the midpoint, are protected: either one of 1 to
    k − 1 people blanks the row's counts, share and interval.

    Returns
    -------
    DataFrame
        ``scale, wave, midpoint, n, n_below, share, ci_low, ci_high``; ``few``: which
        count is withheld as fewer than k (``below``, ``above``, ``respondents``; None
        when none is); ``suppressed``
    """
    from impact.sections.common import _k, _small

    k = _k(programme)
    scores = programme.scores
    scores = scores[
        scores["wave"].isin(programme.waves_until(milestone)) & (scores["frame"] == "now")
    ]
    midpoints = {}
    for scale in described_outcomes(programme):
        low, high = programme.instrument_of(scale).score_range()
        midpoints[scale] = (low + high) / 2
    table = share_below(scores, values=midpoints).rename(columns={"value": "midpoint"})
    few_below = _small(table["n_below"], k)
    few_above = _small(table["n"] - table["n_below"], k) & ~few_below
    hidden = few_below | few_above | (table["n"] < k)
    # which count is the small one: what the report may say in its place ("fewer than k")
    table["few"] = np.select(
        [table["n"] < k, few_below, few_above], ["respondents", "below", "above"], None
    )
    table["suppressed"] = hidden.astype(bool)
    table["n_below"] = table["n_below"].astype("Int64")
    table.loc[table["suppressed"], "n_below"] = pd.NA
    table.loc[table["suppressed"], ["share", "ci_low", "ci_high"]] = np.nan
    return table


def midpoint_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """Per described outcome at ``milestone``: the share rating it below the scale's
    midpoint, with its CI (an early warning of partnerships that do not work)."""
    table = below_midpoint(programme, milestone)
    table = table[table["wave"] == milestone]
    sentences = []
    k = programme.survey.privacy.min_group_size
    for row in table.itertuples():
        low, high = programme.instrument_of(row.scale).score_range()
        values = dict(
            scale=scale_label(programme, row.scale, language),
            wave=wave_label(programme, milestone, language),
            midpoint=fmt.number(
                row.midpoint, 0 if float(row.midpoint).is_integer() else 1, language
            ),
            low=fmt.number(low, 0, language),
            high=fmt.number(high, 0, language),
            n=int(row.n),
            k=k,
        )
        if row.suppressed:
            sentences.append(fmt.text(f"midpoint_few_{row.few}", language, **values))
        else:
            separator = "; " if language == "de" else ", "
            ci = (
                f"[{fmt.percent(row.ci_low, language)}{separator}"
                f"{fmt.percent(row.ci_high, language)}]"
            )
            sentences.append(
                fmt.text(
                    "midpoint_sentence",
                    language,
                    share=fmt.percent(row.share, language),
                    ci=ci,
                    below=int(row.n_below),
                    **values,
                )
            )
    return sentences
