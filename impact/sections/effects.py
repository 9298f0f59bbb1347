"""Change since the kick-off: paired tests with Holm correction, d_z with its non-central t
interval, the mixed model over all waves beside the completers, attrition (completers
against drop-outs at the kick-off) and the design-sensitivity check.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from impact import fmt
from impact.change import d_z_interval
from impact.disclosure import differ_by_few, protect_nested
from impact.pipeline import Programme
from impact.sections.common import (
    _in_outcome_order,
    _in_sentence,
    _k,
    _scale_wave_labels,
    outcomes,
    per_programme,
    scale_label,
    scale_with_range,
    wave_label,
)
from impact.sections.scores import described_outcomes, wave_levels


def change_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Paired change from the kick-off to each wave up to ``milestone`` (numbers); the pairs'
    pre and post means blanked where they would give away those who left or joined late
    (:func:`impact.disclosure.protect_nested`)."""
    return protect_nested(
        programme.change(until=milestone),
        levels=wave_levels(programme, milestone),
        k=_k(programme),
    )


def dz_interval(t: float, df: float, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of d_z from the non-central t distribution.

    The limits are the non-centrality parameters under which the observed ``t`` is the
    upper and lower ``(1 − level) / 2`` quantile, divided by √n (n = df + 1), as in R's
    ``effectsize::cohens_d(paired = TRUE)``; computed by :func:`impact.change.d_z_interval`.

    Examples
    --------
    >>> low, high = dz_interval(3.162, 5)
    >>> round(low, 3), round(high, 3)
    (0.146, 2.376)
    """
    if t is None or df is None or not (math.isfinite(t) and math.isfinite(df)) or df < 1:
        return (math.nan, math.nan)
    low, high = d_z_interval(t, df, int(df) + 1, level)
    return (float(low), float(high))


@per_programme
def effect_sizes(programme: Programme, milestone: str) -> pd.DataFrame:
    """d_z with its 95% CI for each outcome and wave up to ``milestone``.

    Uses the CI columns of :meth:`Programme.change` when it offers them (``d_z_ci_low``,
    ``d_z_ci_high``), otherwise :func:`dz_interval`.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``, ``n``
        - ``d_z``: mean difference / SD of the differences
        - ``ci_low``, ``ci_high``: its 95% confidence interval
    """
    change = change_results(programme, milestone)
    change = change[change["scale"].isin(outcomes(programme))]
    if {"d_z_ci_low", "d_z_ci_high"} <= set(change.columns):
        low, high = change["d_z_ci_low"].to_numpy(), change["d_z_ci_high"].to_numpy()
    else:
        limits = [dz_interval(t, df) for t, df in zip(change["t"], change["df"], strict=True)]
        low = np.array([lo for lo, _ in limits], dtype=float)
        high = np.array([hi for _, hi in limits], dtype=float)
    return pd.DataFrame(
        {
            "scale": change["scale"].to_numpy(),
            "wave": change["wave"].to_numpy(),
            "n": change["n"].to_numpy(),
            "d_z": change["d_z"].to_numpy(),
            "ci_low": low,
            "ci_high": high,
        }
    )


def effect_plot_data(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """The headline effect size d_av with its 95% CI per outcome and wave, with display
    names, as :func:`impact.plots.effect_sizes` takes it.

    d_av (the change over the mean of the SDs before and after) and not d_z: d_z grows with
    the correlation of pre and post and would make the figure look larger than the change
    in units of the scores' spread (Lakens, 2013).
    """
    change = change_results(programme, milestone)
    change = _in_outcome_order(change[change["scale"].isin(outcomes(programme))], programme)
    return pd.DataFrame(
        {
            "label": [scale_label(programme, s, language) for s in change["scale"]],
            "wave_label": [wave_label(programme, str(w), language) for w in change["wave"]],
            "estimate": change["d_av"].to_numpy(dtype=float),
            "ci_low": change["d_av_ci_low"].to_numpy(dtype=float),
            "ci_high": change["d_av_ci_high"].to_numpy(dtype=float),
        }
    )


def change_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`change_results`, translated and formatted APA-style: the difference with its
    CI, the paired t-test, its Holm-adjusted p, d_z with its CI and the Wilcoxon test."""
    t = fmt.texts(language)
    change = change_results(programme, milestone)
    effects = effect_sizes(programme, milestone).set_index(["scale", "wave"])
    keys = list(zip(change["scale"], change["wave"], strict=True))
    return pd.DataFrame(
        {
            **_scale_wave_labels(programme, change, language),
            t["col_n"]: change["n"].to_numpy(),
            t["col_mean_pre"]: [fmt.number(v, 2, language) for v in change["mean_pre"]],
            t["col_mean_post"]: [fmt.number(v, 2, language) for v in change["mean_post"]],
            t["col_diff_ci"]: [
                _change_text(r.mean_diff, r.ci_low, r.ci_high, 2, language)
                for r in change.itertuples()
            ],
            t["col_test"]: [fmt.apa_t(r.t, r.df, r.p_value, language) for r in change.itertuples()],
            t["col_p_holm"]: [fmt.p_value(p, language) for p in change["p_adjusted"]],
            t["col_d_z_ci"]: [
                f"{fmt.number(effects.loc[key, 'd_z'], 2, language)} "
                + fmt.interval(effects.loc[key, "ci_low"], effects.loc[key, "ci_high"], 2, language)
                if key in effects.index
                else fmt.DASH
                for key in keys
            ],
            t["col_wilcoxon"]: [fmt.apa_wilcoxon(r, language) for r in change.to_dict("records")],
        }
    )


# -- sentences -----------------------------------------------------------------------------
def is_finding(row: dict) -> bool:
    """A change counts as a finding only when its CI excludes zero *and* its p-value
    stays below .05 after the multiplicity correction across the wave's outcomes."""
    p_adjusted = row.get("p_adjusted", row.get("p_value"))
    return (
        _ci_excludes_zero(row["ci_low"], row["ci_high"])
        and p_adjusted is not None
        and not math.isnan(p_adjusted)
        and p_adjusted < 0.05
    )


def _ci_excludes_zero(low: float, high: float) -> bool:
    return not (math.isnan(low) or math.isnan(high) or low <= 0 <= high)


def change_statistics(row: dict, language: str) -> str:
    """The statistics behind a change sentence, headline effect first: the
    Holm-corrected t-test, d_av with its CI (the change in units of the scores' SD, which
    a high pre–post correlation does not inflate as it does d_z) and r(pre, post).

    Examples
    --------
    >>> row = {"t": 6.87, "df": 42, "p_adjusted": 0.00001, "d_av": 0.5047,
    ...        "d_av_ci_low": 0.33, "d_av_ci_high": 0.68, "r_pre_post": 0.9}
    >>> change_statistics(row, "en")
    't(42) = 6.87, p (Holm) < .001, d_av = 0.50, 95% CI [0.33, 0.68], r(pre, post) = .90'
    """
    t = fmt.texts(language)
    p_adjusted = row.get("p_adjusted", row.get("p_value"))
    parts = [
        f"t({fmt.number(row['df'], 0, language)}) = {fmt.number(row['t'], 2, language)}, "
        f"p (Holm) {fmt.p_value(p_adjusted, language)}",
        fmt.apa_effect(
            "d_av", row.get("d_av"), row.get("d_av_ci_low"), row.get("d_av_ci_high"), language
        ),
    ]
    r = row.get("r_pre_post")
    if r is not None and not math.isnan(r):
        parts.append(f"{t['r_pre_post']} = {fmt.no_leading_zero(r, 2, language)}")
    return ", ".join(parts)


def change_sentence(programme: Programme, row: dict, language: str) -> str:
    """One plain-language sentence about one change result, in the scale's units with its
    range and, where the instrument defines one, its minimal important change (MIC).

    The wording follows the evidence: a rise or decline is stated only when the CI excludes
    zero and the Holm-corrected p stays below .05 (:func:`is_finding`); a CI that excludes
    zero before but not after the correction is said to be so; otherwise uncertain.
    """
    decimals = 1 if abs(row["mean_diff"]) >= 1 else 2
    mic = programme.instrument_of(row["scale"]).minimal_important_change
    values = dict(
        scale=scale_with_range(programme, row["scale"], language),
        wave=wave_label(programme, row["wave"], language),
        diff=fmt.signed(row["mean_diff"], decimals, language),
        ci=fmt.interval(row["ci_low"], row["ci_high"], decimals, language),
        mic=""
        if mic is None
        else fmt.text(
            "change_mic_one" if mic == 1 else "change_mic",
            language,
            mic=fmt.number(mic, 0 if float(mic).is_integer() else 1, language),
        ),
        apa=change_statistics(row, language),
        n=row["n"],
    )
    if math.isnan(row["ci_low"]) and row["n"] >= 2:
        key = "change_no_spread"  # everyone changed alike: no CI, t or d_z (impact.change)
    elif is_finding(row):
        key = "change_improved" if row["mean_diff"] > 0 else "change_declined"
    elif _ci_excludes_zero(row["ci_low"], row["ci_high"]):
        key = "change_not_after_holm"
    else:
        key = "change_uncertain"
    return fmt.text(key, language, **values)


def holm_sentence(change: pd.DataFrame, language: str) -> str:
    """For how many of the outcomes the change at one wave is a finding after Holm's
    correction (``change``: the rows of one wave)."""
    return fmt.text(
        "summary_holm",
        language,
        below=int(sum(is_finding(row) for row in change.to_dict("records"))),
        outcomes=len(change),
    )


def effects_alt(data: pd.DataFrame, language: str) -> str:
    """Alt text of the effect-size figure (``data`` as from :func:`effect_plot_data`)."""
    effects = "; ".join(
        f"{r.label}, {r.wave_label}: {fmt.number(r.estimate, 2, language)} "
        f"{fmt.interval(r.ci_low, r.ci_high, 2, language)}"
        for r in data.itertuples()
    )
    return fmt.text("alt_effects", language, effects=effects)


# -- all waves: mixed model beside completers ----------------------------------------------
@per_programme
def all_waves(programme: Programme, milestone: str) -> pd.DataFrame:
    """Mixed-model means (every response) beside the completers-only change, per later wave.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``
        - ``n_obs``: scores at the wave entering the model
        - ``estimate``, ``ci_low``, ``ci_high``: model mean and Wald 95% CI
        - ``diff``, ``diff_ci_low``, ``diff_ci_high``: model difference from the kick-off
        - ``n_completers``: participants who answered every wave up to ``milestone``
        - ``completers_diff``, ``completers_ci_low``, ``completers_ci_high``: their paired
          change from the kick-off

        Empty when the model cannot be estimated (a singular design: too few participants
        or waves).
    """
    compared = [s for s in outcomes(programme) if s not in described_outcomes(programme)]
    columns = [
        "scale",
        "wave",
        "n_obs",
        "estimate",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "n_completers",
        "completers_diff",
        "completers_ci_low",
        "completers_ci_high",
    ]
    try:
        model = programme.mixed_model(milestone)
    except np.linalg.LinAlgError:  # too few participants or waves to estimate the model
        return pd.DataFrame(columns=columns)
    model = model[model["scale"].isin(compared)]
    completers = programme.completers_change(milestone)
    completers = completers.rename(
        columns={
            "n": "n_completers",
            "mean_diff": "completers_diff",
            "ci_low": "completers_ci_low",
            "ci_high": "completers_ci_high",
        }
    )
    completers["wave"] = completers["wave"].astype(str)
    model = model.assign(wave=model["wave"].astype(str))
    merged = model.merge(
        completers[
            ["scale", "wave", "n_completers", "completers_diff"]
            + ["completers_ci_low", "completers_ci_high"]
        ],
        on=["scale", "wave"],
        how="left",
    )
    merged = merged[merged["wave"] != programme.baseline]
    hidden = _completers_nested(programme, milestone, merged)
    merged.loc[hidden, ["completers_diff", "completers_ci_low", "completers_ci_high"]] = np.nan
    return _in_outcome_order(merged[columns], programme).reset_index(drop=True)


def _completers_nested(programme: Programme, milestone: str, table: pd.DataFrame) -> np.ndarray:
    """Rows whose completers differ by 1 to k − 1 people from the pairs of their wave or
    from the completers another report counts at that wave (those who answered every wave
    up to another milestone): their changes side by side would give those few's change."""
    k = _k(programme)
    sizes: dict[tuple[str, str], set[int]] = {}
    for record in programme.change(until=milestone).itertuples():
        sizes.setdefault((str(record.scale), str(record.wave)), set()).add(int(record.n))
    for later in [wave.id for wave in programme.survey.waves][1:]:
        for record in programme.completers_change(later).itertuples():
            sizes.setdefault((str(record.scale), str(record.wave)), set()).add(int(record.n))
    return np.array(
        [
            pd.notna(n) and differ_by_few({int(n), *sizes.get((s, w), ())}, k=k)
            for s, w, n in zip(table["scale"], table["wave"], table["n_completers"], strict=True)
        ],
        dtype=bool,
    )


def all_waves_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`all_waves`, translated and formatted."""
    t = fmt.texts(language)
    table = all_waves(programme, milestone)

    def decimals(scale: str) -> int:
        return 1 if programme.instrument_of(scale).score_range()[1] > 10 else 2

    return pd.DataFrame(
        {
            **_scale_wave_labels(programme, table, language),
            t["col_model_n"]: table["n_obs"].to_numpy(),
            t["col_model_mean"]: [
                f"{fmt.number(r.estimate, decimals(r.scale), language)} "
                f"{fmt.interval(r.ci_low, r.ci_high, decimals(r.scale), language)}"
                for r in table.itertuples()
            ],
            t["col_model_diff"]: [
                f"{fmt.signed(r.diff, decimals(r.scale), language)} "
                f"{fmt.interval(r.diff_ci_low, r.diff_ci_high, decimals(r.scale), language)}"
                for r in table.itertuples()
            ],
            t["col_completers_n"]: [
                fmt.DASH if pd.isna(n) else str(int(n)) for n in table["n_completers"]
            ],
            t["col_completers_diff"]: [
                # withheld where it would give away the change of the few between sets
                fmt.text("suppressed_value", language, k=_k(programme))
                if pd.notna(r.n_completers) and pd.isna(r.completers_diff)
                else _change_text(
                    r.completers_diff,
                    r.completers_ci_low,
                    r.completers_ci_high,
                    decimals(r.scale),
                    language,
                )
                for r in table.itertuples()
            ],
        }
    )


def _change_text(diff: float, low: float, high: float, decimals: int, language: str) -> str:
    return f"{fmt.signed(diff, decimals, language)} {fmt.interval(low, high, decimals, language)}"


# -- attrition -----------------------------------------------------------------------------
@per_programme
def attrition_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Kick-off scores of those who answered ``milestone`` (stayers) and those who did not.

    The leavers' statistics are blanked when fewer than k of them had a kick-off score.

    Returns
    -------
    DataFrame
        The columns of :func:`impact.longitudinal.attrition` (``scale``, ``n_stayers``,
        ``mean_stayers``, ``sd_stayers``, ``n_leavers``, ``mean_leavers``, ``sd_leavers``,
        ``diff``, ``t``, ``df``, ``p_value``, ``g``), plus ``suppressed``.
    """
    table = programme.attrition(milestone)
    compared = [s for s in outcomes(programme) if s not in described_outcomes(programme)]
    table = _in_outcome_order(table[table["scale"].isin(compared)], programme).copy()
    table["suppressed"] = table["n_leavers"] < _k(programme)
    # the stayers' mean too: with the kick-off's mean it would give the leavers'
    hidden = ["mean_leavers", "sd_leavers", "diff", "t", "df", "p_value", "g"]
    hidden += ["mean_stayers", "sd_stayers"]
    table.loc[table["suppressed"], hidden] = np.nan
    return table.reset_index(drop=True)


def attrition_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`attrition_results`, translated and formatted."""
    t = fmt.texts(language)
    table = attrition_results(programme, milestone)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
            t["col_stayers"]: [
                fmt.text("suppressed_value", language, k=_k(programme))
                if r.suppressed
                else f"{fmt.number(r.mean_stayers, 2, language)} (n = {r.n_stayers})"
                for r in table.itertuples()
            ],
            t["col_leavers"]: [
                fmt.text("suppressed_value", language, k=_k(programme))
                if r.suppressed
                else f"{fmt.number(r.mean_leavers, 2, language)} (n = {r.n_leavers})"
                for r in table.itertuples()
            ],
            t["col_test"]: [
                fmt.DASH
                if r.suppressed
                else f"{fmt.apa_t(r.t, r.df, r.p_value, language)}, g = "
                f"{fmt.number(r.g, 2, language)}"
                for r in table.itertuples()
            ],
        }
    )


def attrition_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """The limitation about who stopped answering: the largest kick-off difference between
    leavers and stayers with its direction (g is leavers − stayers), and what it implies."""
    table = attrition_results(programme, milestone).dropna(subset=["g"])
    if table.empty:
        return None
    largest = table.iloc[table["g"].abs().to_numpy().argmax()]
    return fmt.text(
        "limitation_leavers",
        language,
        n=int(largest["n_leavers"]),
        wave=wave_label(programme, milestone, language),
        direction=fmt.texts(language)[
            "direction_lower" if largest["g"] < 0 else "direction_higher"
        ],
        g=fmt.number(largest["g"], 2, language),
        scale=_in_sentence(scale_label(programme, largest["scale"], language), language),
        p=fmt.p_value(largest["p_value"], language),
    )


# -- design sensitivity --------------------------------------------------------------------
@per_programme
def sensitivity_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """The smallest d_z detectable with 80% power at α = .05 at ``milestone``, per outcome.

    Returns
    -------
    DataFrame
        ``scale, wave, n, min_d_z, power, alpha`` (see :meth:`Programme.design_sensitivity`).
    """
    table = programme.design_sensitivity(milestone)
    return _in_outcome_order(table[table["wave"] == milestone], programme).reset_index(drop=True)


def sensitivity_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """One methods sentence: the smallest n and the d_z it detects with 80% power."""
    table = sensitivity_results(programme, milestone)
    if table.empty:
        return None
    worst = table.iloc[table["n"].to_numpy().argmin()]
    return fmt.text(
        "methods_sensitivity",
        language,
        n_min=int(table["n"].min()),
        n_max=int(table["n"].max()),
        wave=wave_label(programme, milestone, language),
        d=fmt.number(worst["min_d_z"], 2, language),
        power=fmt.percent(worst["power"], language),
    )
