"""The content of each report section as data: sentences and formatted tables.

The report notebook only displays what these functions return, so everything a funder
reads is computed and tested here. Number functions (``score_summary``, ``effect_sizes``,
``group_participation`` …) return tidy DataFrames that also go into ``results.json``; their
``*_table`` siblings translate headers and format numbers per locale. Every breakdown by
group goes through :mod:`impact.scrub`; :func:`html_table` and :func:`html_paragraphs`
escape all text.

The order of a report: summary → key figures → figures → methods → limitations →
data-quality appendix → glossary (see ``notebooks/evaluation_report.ipynb``).

Examples
--------
>>> from impact.pipeline import load_programme
>>> programme = load_programme("surveys/demo/survey.yml")
>>> participation_table(programme, "milestone-1", "en").columns.tolist()
['Wave', 'Registered', 'Responded', 'Response rate']
>>> effect_sizes(programme, "milestone-1").columns.tolist()
['scale', 'wave', 'n', 'd_z', 'ci_low', 'ci_high']

What each kind of report adds (every table below also goes into ``results.json``):

>>> described_outcomes(programme)          # first asked after the kick-off: described only
['partnership']
>>> profile_classes(programme, "kickoff")[["category", "n", "suppressed"]]
     category     n  suppressed
0    thriving    20       False
1   suffering  <NA>        True
2  struggling    28       False
>>> counts = reliable_change_results(programme, "final")
>>> competences = counts.query("scale == 'competences' and kind == 'reliable_change'")
>>> dict(zip(competences["category"], competences["n"].astype(int).tolist()))
{'improved': 12, 'no reliable change': 31, 'deteriorated': 0}
>>> response_shift_results(programme, "final")["comparison"].tolist()
['pre_post', 'then_post', 'pre_then']
>>> ei_results(programme, "final")["change"][0]["ci_low"] > 0   # silo crossing, bootstrap CI
True
>>> sdg_coverage(programme, "final")[["item", "projects", "answered"]].head(2)
  item  projects  answered
0 sdg1         2        24
1 sdg2         2        24
>>> feedback_results(programme, "final")["comments"]
7
>>> bool(subgroup_results(programme, "final").query("group == 'Moshi'")["n"].isna().all())
True
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import optimize, stats

from impact import fmt
from impact.errors import ReportError
from impact.pipeline import Programme
from impact.scrub import combine_small_groups, registry_names, scrub, suppress_small_groups

GROUP_ATTRIBUTES = ("sector", "role", "site")
GLOSSARY = (
    "ci",
    "d_z",
    "p",
    "holm",
    "paired",
    "response_rate",
    "cut_off",
    "reliability",
    "mixed_model",
    "reliable_change",
    "response_shift",
    "ei_index",
    "suppression",
)


# -- labels ------------------------------------------------------------------------------


def scale_label(programme: Programme, scale: str, language: str) -> str:
    """The display name of a scale (``competences_then`` → 'Competences (retrospective)')."""
    return programme.scale_label(scale, language)


def wave_label(programme: Programme, wave: str, language: str) -> str:
    """The display name of a wave in the report's language (``final`` → 'Abschluss')."""
    return programme.survey.wave(wave).label[language]


def attribute_label(programme: Programme, attribute: str, value: str, language: str) -> str:
    """The display name of a registry value (``survey.yml``: ``registry.labels``)."""
    return programme.survey.registry.label(attribute, value, language)


def milestone_kind(programme: Programme, milestone: str) -> str:
    """``kickoff``, ``progress`` or ``final``: which kind of report a wave gets."""
    if milestone == programme.survey.wave_ids[0]:
        return "kickoff"
    return "final" if milestone == programme.survey.wave_ids[-1] else "progress"


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


# -- cohort and participation ------------------------------------------------------------


def cohort_counts(programme: Programme, *, by: str = "sector") -> pd.DataFrame:
    """Registered participants per group; groups below k combined (:func:`combine_small_groups`).

    Returns
    -------
    DataFrame
        - ``group``: the registry value, or None for the combined small groups
        - ``n``: registered participants
        - ``combined``: how many groups the row stands for
    """
    counts = programme.registry[by].fillna("?").value_counts(sort=False)
    table = pd.DataFrame({"group": counts.index.astype(object), "n": counts.to_numpy()})
    combined = combine_small_groups(table, group="group", count="n", k=_k(programme), other="")
    combined["group"] = combined["group"].replace("", None)
    return combined


def cohort_table(programme: Programme, language: str, *, by: str = "sector") -> pd.DataFrame:
    """:func:`cohort_counts` with display names."""
    t = fmt.texts(language)
    counts = cohort_counts(programme, by=by)
    other = t["other_sectors"] if by == "sector" else t["other_groups"]
    return pd.DataFrame(
        {
            t["col_sector"] if by == "sector" else t["col_group"]: [
                other if g is None else attribute_label(programme, by, g, language)
                for g in counts["group"]
            ],
            t["col_participants"]: counts["n"].to_numpy(),
        }
    )


def participation_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """Registered, responded and response rate for each wave up to ``milestone``."""
    t = fmt.texts(language)
    table = programme.participation()
    table = table[table["wave"].isin(programme.waves_until(milestone))]
    return pd.DataFrame(
        {
            t["col_wave"]: [wave_label(programme, w, language) for w in table["wave"]],
            t["col_registered"]: table["registered"].to_numpy(),
            t["col_responded"]: table["responded"].to_numpy(),
            t["col_response_rate"]: [fmt.percent(r, language) for r in table["response_rate"]],
        }
    )


def group_participation(programme: Programme, milestone: str) -> pd.DataFrame:
    """Registered and responding participants per sector, role and site at ``milestone``.

    Groups with fewer than k registered participants are blanked
    (:func:`impact.scrub.suppress_small_groups`).

    Returns
    -------
    DataFrame
        - ``attribute``: ``sector``, ``role`` or ``site``
        - ``group``: the registry value
        - ``registered``, ``responded``: participants (missing when suppressed)
        - ``response_rate``: responded / registered (missing when suppressed)
        - ``suppressed``: True for a group below k
    """
    submissions = programme.cleaned.submissions
    kept = submissions[(submissions["wave"] == milestone) & submissions["status"].eq("kept")]
    answered = programme.registry["participant"].isin(set(kept["participant"]))
    registry = programme.registry.assign(responded=answered.astype(int))
    tables = []
    for attribute in GROUP_ATTRIBUTES:
        if attribute not in registry.columns:
            continue
        grouped = (
            registry.assign(group=registry[attribute].fillna("?"))
            .groupby("group", sort=True, observed=True)
            .agg(registered=("participant", "size"), responded=("responded", "sum"))
            .reset_index()
        )
        grouped["response_rate"] = grouped["responded"] / grouped["registered"]
        grouped.insert(0, "attribute", attribute)
        tables.append(grouped)
    table = pd.concat(tables, ignore_index=True)
    table["group"] = table["group"].astype(object)
    suppressed = suppress_small_groups(
        table,
        count="registered",
        k=_k(programme),
        columns=["registered", "responded", "response_rate"],
    )
    suppressed["responded"] = suppressed["responded"].astype("Int64")
    return suppressed


def groups_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`group_participation`, translated; suppressed groups show ``< k``."""
    t = fmt.texts(language)
    table = group_participation(programme, milestone)
    hidden = fmt.text("suppressed_value", language, k=_k(programme))

    def count(values: pd.Series) -> list[str]:
        return [hidden if pd.isna(v) else str(int(v)) for v in values]

    return pd.DataFrame(
        {
            t["col_attribute"]: [t[f"attribute_{a}"] for a in table["attribute"]],
            t["col_group"]: [
                attribute_label(programme, a, g, language)
                for a, g in zip(table["attribute"], table["group"], strict=True)
            ],
            t["col_registered"]: count(table["registered"]),
            t["col_responded"]: count(table["responded"]),
            t["col_response_rate"]: [
                fmt.DASH if pd.isna(r) else fmt.percent(r, language) for r in table["response_rate"]
            ],
        }
    )


# -- scores and change -------------------------------------------------------------------


def score_summary(programme: Programme, milestone: str) -> pd.DataFrame:
    """Mean, SD, n and the 95% CI of the mean of each scale per wave up to ``milestone``.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``
        - ``n``: participants with a score
        - ``mean``, ``sd``
        - ``ci_low``, ``ci_high``: 95% CI of the mean (t distribution)
    """
    scores = programme.scores
    scores = scores[scores["wave"].isin(programme.waves_until(milestone))].dropna(subset=["score"])
    table = (
        scores.groupby(["scale", "wave"], observed=True)["score"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )
    table["scale"] = table["scale"].astype(str)  # an aggregate: plain text, as every table
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = stats.t.ppf(0.975, table["n"] - 1) * table["sd"] / np.sqrt(table["n"])
    table["ci_low"] = table["mean"] - margin
    table["ci_high"] = table["mean"] + margin
    return table


def scores_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`score_summary`, translated and formatted."""
    t = fmt.texts(language)
    summary = score_summary(programme, milestone)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in summary["scale"]],
            t["col_wave"]: [wave_label(programme, w, language) for w in summary["wave"]],
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
    """The scores the trajectory figure draws: outcomes rated now, waves up to ``milestone``."""
    scores = programme.scores
    keep = (
        scores["wave"].isin(programme.waves_until(milestone))
        & scores["scale"].isin(outcomes(programme))
        & scores["score"].notna()
    )
    return scores.loc[keep, ["participant", "scale", "wave", "score"]]


def change_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Paired change from the kick-off to each wave up to ``milestone`` (numbers)."""
    return programme.change(until=milestone)


def dz_interval(t: float, df: float, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of d_z from the non-central t distribution.

    The limits are the non-centrality parameters under which the observed ``t`` is the
    upper and lower ``(1 − level) / 2`` quantile, divided by √n (n = df + 1), as in R's
    ``effectsize::cohens_d(paired = TRUE)``.

    Examples
    --------
    >>> low, high = dz_interval(3.162, 5)
    >>> round(low, 3), round(high, 3)
    (0.146, 2.376)
    """
    if t is None or df is None or not (math.isfinite(t) and math.isfinite(df)) or df < 1:
        return (math.nan, math.nan)
    alpha = (1 - level) / 2

    def f(ncp: float, quantile: float) -> float:
        return stats.nct.cdf(t, df, ncp) - quantile

    # The limits lie about z · SE(ncp) from t; step out by that SE until the sign changes
    # (too wide a bracket makes the non-central t's CDF numerically undefined).
    step = 1 + abs(t) / math.sqrt(2 * df)

    def limit(quantile: float, direction: int) -> float:
        inner = float(t)
        outer = inner + direction * step
        while f(outer, quantile) * f(inner, quantile) > 0:
            inner, outer = outer, outer + direction * step
        return optimize.brentq(f, min(inner, outer), max(inner, outer), (quantile,), xtol=1e-12)

    n = df + 1
    return (limit(1 - alpha, -1) / math.sqrt(n), limit(alpha, +1) / math.sqrt(n))


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
    """:func:`effect_sizes` with display names, as :func:`impact.plots.effect_sizes` takes it."""
    effects = _in_outcome_order(effect_sizes(programme, milestone), programme)
    return pd.DataFrame(
        {
            "label": [scale_label(programme, s, language) for s in effects["scale"]],
            "wave_label": [wave_label(programme, str(w), language) for w in effects["wave"]],
            "estimate": effects["d_z"].to_numpy(),
            "ci_low": effects["ci_low"].to_numpy(),
            "ci_high": effects["ci_high"].to_numpy(),
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
            t["col_scale"]: [scale_label(programme, s, language) for s in change["scale"]],
            t["col_wave"]: [wave_label(programme, w, language) for w in change["wave"]],
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


def change_sentence(programme: Programme, row: dict, language: str) -> str:
    """One plain-language sentence about one change result; wording follows the CI."""
    decimals = 1 if abs(row["mean_diff"]) >= 1 else 2
    values = dict(
        scale=scale_label(programme, row["scale"], language),
        wave=wave_label(programme, row["wave"], language),
        diff=fmt.signed(row["mean_diff"], decimals, language),
        ci=fmt.interval(row["ci_low"], row["ci_high"], decimals, language),
        apa=fmt.apa_change(row, language),
        n=row["n"],
    )
    if math.isnan(row["ci_low"]) or row["ci_low"] <= 0 <= row["ci_high"]:
        key = "change_uncertain"
    else:
        key = "change_improved" if row["mean_diff"] > 0 else "change_declined"
    return fmt.text(key, language, **values)


def summary_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """The plain-language summary that opens the report.

    Participation first; then the baseline (kick-off) or the change so far with its
    uncertainty and effect sizes; then who is compared; last, the missing control group.
    """
    t = fmt.texts(language)
    participation = programme.participation().set_index("wave").loc[milestone]
    wave = wave_label(programme, milestone, language)
    sentences = [
        fmt.text(
            "participation_sentence",
            language,
            responded=int(participation["responded"]),
            registered=int(participation["registered"]),
            rate=fmt.percent(participation["response_rate"], language),
            wave=wave,
        )
    ]
    kind = milestone_kind(programme, milestone)
    if kind == "kickoff":
        sentences.extend(baseline_sentences(programme, language))
        sentences.extend(profile_sentences(programme, milestone, language))
        sentences.extend(filter(None, [network_sentence(programme, milestone, language)]))
        sentences.append(t["no_change_yet"])
        return sentences
    change = change_results(programme, milestone)
    latest = _in_outcome_order(change[change["wave"] == milestone], programme)
    sentences.extend(change_sentence(programme, row, language) for row in latest.to_dict("records"))
    if len(latest):
        sentences.append(holm_sentence(latest, language))
    effects = effect_sizes(programme, milestone)
    effects = _in_outcome_order(effects[effects["wave"] == milestone], programme)
    if len(effects):
        listed = "; ".join(
            f"{scale_label(programme, r.scale, language)} {fmt.number(r.d_z, 2, language)} "
            f"{fmt.interval(r.ci_low, r.ci_high, 2, language)}"
            for r in effects.itertuples()
        )
        sentences.append(fmt.text("summary_effect_sizes", language, wave=wave, effects=listed))
    sentences.extend(described_sentences(programme, milestone, language))
    if kind == "final":
        extra = [
            reliable_change_sentence(programme, milestone, language),
            *response_shift_sentences(programme, milestone, language),
            network_sentence(programme, milestone, language),
            sdg_sentence(programme, milestone, language),
            feedback_sentence(programme, milestone, language),
        ]
        sentences.extend(s for s in extra if s)
    sentences.append(fmt.text("summary_attrition", language, wave=wave))
    sentences.append(t["no_control_group"])
    return sentences


def holm_sentence(change: pd.DataFrame, language: str) -> str:
    """How many of the outcomes' changes at one wave stay below p = .05 after Holm's
    correction (``change``: the rows of one wave)."""
    return fmt.text(
        "summary_holm",
        language,
        below=int((change["p_adjusted"] < 0.05).sum()),
        outcomes=len(change),
    )


def baseline_instruments(programme: Programme) -> list[str]:
    """Outcomes with a published cut-off, compared against it in the baseline report."""
    return [
        scale
        for scale in outcomes(programme)
        if programme.instrument_of(scale).clinical_cutoff is not None
    ]


def baseline_scores(programme: Programme, scale: str) -> pd.Series:
    """The kick-off scores of one scale (missing scores dropped)."""
    scores = programme.scores
    keep = (scores["scale"] == scale) & (scores["wave"] == programme.survey.wave_ids[0])
    return scores.loc[keep, "score"].dropna()


def baseline_sentences(programme: Programme, language: str) -> list[str]:
    """Baseline scores against each instrument's published cut-off."""
    sentences = []
    for scale in baseline_instruments(programme):
        instrument = programme.instrument_of(scale)
        baseline = baseline_scores(programme, scale)
        if baseline.empty:
            continue
        cutoff = instrument.clinical_cutoff
        band = next((b for b in instrument.bands if b.max == cutoff), None)
        sentences.append(
            fmt.text(
                "baseline_sentence",
                language,
                scale=scale_label(programme, scale, language),
                share=fmt.percent(float((baseline <= cutoff).mean()), language),
                n=len(baseline),
                cutoff=fmt.number(cutoff, 0, language),
                band=band.label[language] if band else fmt.number(cutoff, 0, language),
                mean=fmt.number(baseline.mean(), 1, language),
            )
        )
    return sentences


def baseline_bands(programme: Programme, scale: str) -> pd.DataFrame:
    """Kick-off participants per score band of an instrument; bands below k blanked.

    Returns
    -------
    DataFrame
        - ``band``: position of the band in the instrument definition (0 = lowest)
        - ``max``: the band's upper limit (missing for the top band)
        - ``n``: participants in the band (missing when suppressed)
        - ``suppressed``: True for a band with fewer than k participants
    """
    instrument = programme.instrument_of(scale)
    baseline = baseline_scores(programme, scale).to_numpy()
    edges = [b.max for b in instrument.bands]
    lower = -np.inf
    counts = []
    for upper in edges:
        top = np.inf if upper is None else upper
        counts.append(int(((baseline > lower) & (baseline <= top)).sum()))
        lower = top
    table = pd.DataFrame(
        {"band": range(len(edges)), "max": [np.nan if e is None else e for e in edges], "n": counts}
    )
    return suppress_small_groups(table, count="n", k=_k(programme), columns=["n"])


def baseline_bands_table(programme: Programme, scale: str, language: str) -> pd.DataFrame:
    """:func:`baseline_bands` with the bands' labels."""
    t = fmt.texts(language)
    bands = baseline_bands(programme, scale)
    labels = [b.label[language] for b in programme.instrument_of(scale).bands]
    hidden = fmt.text("suppressed_value", language, k=_k(programme))
    return pd.DataFrame(
        {
            t["col_band"]: [labels[i] for i in bands["band"]],
            t["col_participants"]: [hidden if pd.isna(n) else str(int(n)) for n in bands["n"]],
        }
    )


# -- key figures -----------------------------------------------------------------------------


def key_figures(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """The handful of numbers a reader sees first.

    Returns
    -------
    DataFrame
        - ``key``: stable identifier (``registered``, ``responded``, ``sectors``,
          ``tandems``, ``change:<scale>``)
        - ``label``: what the number is, in ``language``
        - ``value``: the number, formatted
        - ``number``: the number itself (for ``results.json``)
    """
    registry = programme.registry
    participation = programme.participation().set_index("wave").loc[milestone]
    wave = wave_label(programme, milestone, language)
    rows = [
        ("registered", fmt.texts(language)["kf_registered"], str(len(registry)), len(registry)),
        (
            "responded",
            fmt.text("kf_responded", language, wave=wave),
            f"{int(participation['responded'])} "
            f"({fmt.percent(participation['response_rate'], language)})",
            int(participation["responded"]),
        ),
    ]
    for attribute, key in (("sector", "kf_sectors"), ("tandem", "kf_tandems")):
        if attribute in registry.columns:
            n = int(registry[attribute].nunique())
            rows.append((f"{attribute}s", fmt.texts(language)[key], str(n), n))
    if milestone_kind(programme, milestone) != "kickoff":
        change = change_results(programme, milestone)
        latest = _in_outcome_order(change[change["wave"] == milestone], programme)
        for row in latest.itertuples():
            decimals = 1 if abs(row.mean_diff) >= 1 else 2
            rows.append(
                (
                    f"change:{row.scale}",
                    fmt.text(
                        "kf_change", language, scale=scale_label(programme, row.scale, language)
                    ),
                    fmt.text(
                        "kf_change_value",
                        language,
                        diff=fmt.signed(row.mean_diff, decimals, language),
                        d=fmt.number(row.d_z, 2, language),
                    ),
                    float(row.mean_diff),
                )
            )
    return pd.DataFrame(rows, columns=["key", "label", "value", "number"])


def key_figures_html(table: pd.DataFrame) -> str:
    """Key figures as a row of escaped cards."""
    cards = "".join(
        f"<div class='impact-kf'><div class='impact-kf-value'>{html.escape(v)}</div>"
        f"<div class='impact-kf-label'>{html.escape(label)}</div></div>"
        for label, v in zip(table["label"], table["value"], strict=True)
    )
    return f"<div class='impact-kfs'>{cards}</div>"


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
        )
        parts.append(f"{scale_label(programme, scale, language)}: {means}")
    return fmt.text("alt_trajectories", language, means="; ".join(parts))


def effects_alt(data: pd.DataFrame, language: str) -> str:
    """Alt text of the effect-size figure (``data`` as from :func:`effect_plot_data`)."""
    effects = "; ".join(
        f"{r.label}, {r.wave_label}: {fmt.number(r.estimate, 2, language)} "
        f"{fmt.interval(r.ci_low, r.ci_high, 2, language)}"
        for r in data.itertuples()
    )
    return fmt.text("alt_effects", language, effects=effects)


def cohort_alt(table: pd.DataFrame, language: str) -> str:
    """Alt text of the cohort figure (``table`` as from :func:`cohort_table`)."""
    group, count = table.columns[:2]
    counts = ", ".join(f"{g} {n}" for g, n in zip(table[group], table[count], strict=True))
    return fmt.text("alt_cohort", language, counts=counts)


def baseline_alt(programme: Programme, scale: str, language: str) -> str:
    """Alt text of a baseline histogram."""
    baseline = baseline_scores(programme, scale)
    return fmt.text(
        "alt_baseline",
        language,
        scale=scale_label(programme, scale, language),
        n=len(baseline),
        mean=fmt.number(baseline.mean(), 1, language),
        cutoffs=", ".join(fmt.number(c, 0, language) for c in cutoffs(programme, scale)),
    )


def cutoffs(programme: Programme, scale: str) -> list[float]:
    """The published band limits of an instrument (its cut-offs)."""
    return [b.max for b in programme.instrument_of(scale).bands if b.max is not None]


# -- methods, limitations, glossary, quotes -------------------------------------------------


def methods_paragraphs(programme: Programme, milestone: str, language: str) -> list[str]:
    """How the numbers were made, for this kind of report."""
    t = fmt.texts(language)
    quotes = t["methods_quotes_on" if programme.survey.privacy.quotes else "methods_quotes_off"]
    kind = milestone_kind(programme, milestone)
    paragraphs = [t["methods_scores"], t["methods_reliability"]]
    if kind == "kickoff":
        paragraphs.append(t["methods_baseline"])
    else:
        paragraphs += [t["methods_change"], t["methods_mixed_model"]]
        paragraphs.extend(filter(None, [sensitivity_sentence(programme, milestone, language)]))
    if kind == "final":
        paragraphs += [
            reliable_change_method(programme, milestone, language),
            t["methods_response_shift"],
            t["methods_subgroups"],
            t["methods_sdgs"]
            if "tandem" in programme.registry.columns
            else t["methods_sdgs_person"],
            fmt.text("methods_feedback", language, k=_k(programme)),
        ]
    if kind != "progress":
        paragraphs.append(t["methods_network"])
    paragraphs.append(fmt.text("methods_privacy", language, k=_k(programme), quotes=quotes))
    return paragraphs


def reliable_change_method(programme: Programme, milestone: str, language: str) -> str:
    """The Jacobson–Truax paragraph, naming the reliability and SD used for each outcome."""
    table = reliable_change_results(programme, milestone)
    used = table.drop_duplicates("scale")
    sources = "; ".join(
        f"{scale_label(programme, r.scale, language)} "
        f"r_xx = {fmt.no_leading_zero(r.reliability, 2, language)} "
        f"({fmt.texts(language)['source_' + r.reliability_source.replace(' ', '_')]}), "
        f"SD = {fmt.number(r.sd_baseline, 2, language)}"
        for r in used.itertuples()
    )
    return fmt.text("methods_reliable_change", language, sources=sources)


def limitations(programme: Programme, milestone: str, language: str) -> list[str]:
    """What the report cannot show: no control group, attrition, self-report, small cohort."""
    t = fmt.texts(language)
    participation = programme.participation().set_index("wave").loc[milestone]
    items = [
        t["no_control_group"],
        fmt.text(
            "limitation_attrition",
            language,
            wave=wave_label(programme, milestone, language),
            rate=fmt.percent(participation["response_rate"], language),
        ),
        t["limitation_small"],
        t["limitation_self_report"],
    ]
    if milestone_kind(programme, milestone) != "kickoff":
        items.extend(filter(None, [attrition_sentence(programme, milestone, language)]))
    if programme.survey.programme.synthetic:
        items.append(t["limitation_synthetic"])
    return items


def glossary_table(programme: Programme, language: str) -> pd.DataFrame:
    """Terms a reader may not know, with a plain explanation."""
    t = fmt.texts(language)
    entries = [
        fmt.text(f"glossary_{key}", language, k=_k(programme)).split("|", 1) for key in GLOSSARY
    ]
    return pd.DataFrame(entries, columns=[t["col_term"], t["col_meaning"]])


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


# -- data quality --------------------------------------------------------------------------


def quality_tables(programme: Programme, language: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data-quality appendix: rows per wave (raw = kept + excluded) and decisions by rule."""
    t = fmt.texts(language)
    accounting = programme.accounting()
    rows = pd.DataFrame(
        {
            t["col_wave"]: [wave_label(programme, w, language) for w in accounting["wave"]],
            t["col_raw_rows"]: accounting["raw_rows"].to_numpy(),
            t["col_kept"]: accounting["kept"].to_numpy(),
            t["col_excluded"]: accounting["excluded"].to_numpy(),
        }
    )
    rules = programme.cleaned.log["rule"].value_counts().sort_index()
    decisions = pd.DataFrame(
        {
            t["col_rule"]: [t.get(f"rule_{rule}", rule) for rule in rules.index],
            t["col_count"]: rules.to_numpy(),
        }
    )
    return rows, decisions


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


# -- results.json --------------------------------------------------------------------------


def _records(table: pd.DataFrame) -> list[dict]:
    table = table.copy()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.CategoricalDtype):
            table[column] = table[column].astype(str)
    table = table.astype(object).where(table.notna(), None)
    return [
        {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in table.to_dict("records")
    ]


def results(
    programme: Programme, milestone: str, language: str = "en", today: dt.date | None = None
) -> dict:
    """Every number the report shows, for ``results.json`` (aggregates only, no participant).

    Keys: ``programme``, ``synthetic``, ``milestone``, ``kind``, ``language``, ``wave_date``,
    ``rendered``, ``min_group_size``, ``key_figures``, ``participation``, ``cohort``,
    ``groups``, ``scores``, ``reliability``, ``profile_classes``; by kind
    ``baseline_bands`` (kick-off) or ``change``, ``effect_sizes``, ``all_waves``,
    ``attrition`` and ``design_sensitivity`` (later reports); in the final report also
    ``reliable_change``, ``response_shift``, ``sdg_coverage``, ``feedback`` and
    ``subgroups``; ``collaboration`` and ``ei_index`` in the kick-off and final reports;
    then ``accounting`` and ``cleaning_decisions``.
    """
    participation = programme.participation()
    participation = participation[participation["wave"].isin(programme.waves_until(milestone))]
    kind = milestone_kind(programme, milestone)
    rules = programme.cleaned.log["rule"].value_counts().sort_index()
    document = {
        "programme": programme.survey.programme.id,
        "synthetic": programme.survey.programme.synthetic,
        "milestone": milestone,
        "kind": kind,
        "language": language,
        "wave_date": programme.survey.wave(milestone).date.isoformat(),
        "rendered": (today or dt.date.today()).isoformat(),
        "min_group_size": _k(programme),
        "key_figures": _records(key_figures(programme, milestone, language)[["key", "number"]]),
        "participation": _records(participation),
        "cohort": _records(cohort_counts(programme)),
        "groups": _records(group_participation(programme, milestone)),
        "scores": _records(score_summary(programme, milestone)),
    }
    document["reliability"] = _records(reliability_summary(programme, milestone))
    document["profile_classes"] = _records(profile_classes(programme, milestone))
    if kind == "kickoff":
        document["baseline_bands"] = {
            scale: _records(baseline_bands(programme, scale))
            for scale in baseline_instruments(programme)
        }
    else:
        document["change"] = _records(change_results(programme, milestone))
        document["effect_sizes"] = _records(effect_sizes(programme, milestone))
        document["all_waves"] = _records(all_waves(programme, milestone))
        document["attrition"] = _records(attrition_results(programme, milestone))
        document["design_sensitivity"] = _records(sensitivity_results(programme, milestone))
    if kind == "final":
        document["reliable_change"] = _records(reliable_change_results(programme, milestone))
        document["response_shift"] = _records(response_shift_results(programme, milestone))
        document["sdg_coverage"] = _records(sdg_coverage(programme, milestone))
        document["feedback"] = feedback_results(programme, milestone)
        document["subgroups"] = _records(subgroup_results(programme, milestone))
        document["subgroups_not_estimated"] = subgroups_not_estimated(programme, milestone)
    if kind != "progress":
        document["collaboration"] = _records(collaboration_results(programme, milestone))
        document["ei_index"] = ei_results(programme, milestone)
    document["accounting"] = _records(programme.accounting().drop(columns="file"))
    document["cleaning_decisions"] = {str(rule): int(n) for rule, n in rules.items()}
    return document


# -- profile classes (Cantril) -------------------------------------------------------------


def _small(n: pd.Series, k: int) -> pd.Series:
    """Counts that would point at fewer than k people (zero points at nobody)."""
    return (n > 0) & (n < k)


def _count_text(n: float, k: int, language: str) -> str:
    if pd.isna(n):
        return fmt.text("suppressed_value", language, k=k)
    return str(int(n))


def _sentence_count(n: float, k: int, language: str) -> str:
    return fmt.text("fewer_than_k", language, k=k) if pd.isna(n) else str(int(n))


def profile_classes(programme: Programme, milestone: str) -> pd.DataFrame:
    """Participants per profile class (e.g. Cantril thriving / struggling / suffering).

    Kick-off reports show the kick-off; later reports every wave up to ``milestone``.
    Classes with 1 to k − 1 participants are blanked.

    Returns
    -------
    DataFrame
        - ``instrument``, ``wave``
        - ``category``: the class (English label of the definition); ``order``: its position
        - ``n``: participants in the class (missing when suppressed)
        - ``total``: participants classified at that wave
        - ``share``: ``n / total`` (missing when suppressed)
        - ``suppressed``: True for a class with 1 to k − 1 participants
    """
    waves = programme.waves_until(milestone)
    if milestone_kind(programme, milestone) == "kickoff":
        waves = waves[:1]
    parts = []
    for instrument in programme.instruments.values():
        if not instrument.categories or instrument.id not in programme.survey.instruments:
            continue
        counts = programme.category_counts(instrument.id, "en")
        counts = counts[counts["wave"].isin(waves)].assign(instrument=instrument.id)
        parts.append(counts)
    columns = ["instrument", "wave", "category", "order", "n", "total", "share", "suppressed"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    table["suppressed"] = _small(table["n"], _k(programme))
    table["n"] = table["n"].astype("Int64")
    table.loc[table["suppressed"], "n"] = pd.NA
    table["share"] = table["share"].astype(float)
    table.loc[table["suppressed"], "share"] = np.nan
    return table[columns].reset_index(drop=True)


def _category_label(programme: Programme, instrument: str, order: int, language: str) -> str:
    return programme.instruments[instrument].categories[int(order)].label[language]


def profile_classes_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`profile_classes` as a table: a row per wave, a column per class."""
    t = fmt.texts(language)
    table = profile_classes(programme, milestone)
    rows = []
    groups = table.groupby(["instrument", "wave"], sort=False, observed=True)
    for (instrument, wave), part in groups:
        row = {
            t["col_scale"]: scale_label(programme, instrument, language),
            t["col_wave"]: wave_label(programme, str(wave), language),
            t["col_n"]: int(part["total"].iloc[0]),
        }
        for r in part.sort_values("order").itertuples():
            text = _count_text(r.n, _k(programme), language)
            if not r.suppressed:
                text += f" ({fmt.percent(r.share, language)})"
            row[_category_label(programme, instrument, r.order, language)] = text
        rows.append(row)
    return pd.DataFrame(rows)


def profile_sentences(programme: Programme, wave: str, language: str) -> list[str]:
    """One sentence per profile instrument: the share of each class at ``wave``."""
    table = profile_classes(programme, wave)
    table = table[table["wave"] == wave]
    sentences = []
    for instrument, part in table.groupby("instrument", sort=False, observed=True):
        classes = ", ".join(
            f"{_category_label(programme, instrument, r.order, language)} "
            + (
                fmt.text("fewer_than_k", language, k=_k(programme))
                if r.suppressed
                else fmt.percent(r.share, language)
            )
            for r in part.sort_values("order").itertuples()
        )
        sentences.append(
            fmt.text(
                "profile_sentence",
                language,
                scale=scale_label(programme, instrument, language),
                wave=wave_label(programme, wave, language),
                classes=classes,
                n=int(part["total"].iloc[0]),
            )
        )
    return sentences


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
            t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
            t["col_wave"]: [wave_label(programme, str(w), language) for w in table["wave"]],
            t["col_n"]: table["n"].to_numpy(),
            t["col_items"]: table["n_items"].to_numpy(),
            t["col_reliability"]: [
                fmt.apa_reliability(r, language) for r in table.to_dict("records")
            ],
        }
    )


# -- described outcomes (no kick-off value: partnership quality) ---------------------------


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


# -- all waves: mixed model beside completers ----------------------------------------------


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
    return _in_outcome_order(merged[columns], programme).reset_index(drop=True)


def all_waves_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`all_waves`, translated and formatted."""
    t = fmt.texts(language)
    table = all_waves(programme, milestone)

    def decimals(scale: str) -> int:
        return 1 if programme.instrument_of(scale).score_range()[1] > 10 else 2

    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
            t["col_wave"]: [wave_label(programme, w, language) for w in table["wave"]],
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
                _change_text(
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
    hidden = ["mean_leavers", "sd_leavers", "diff", "t", "df", "p_value", "g"]
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
                f"{fmt.number(m, 2, language)} (n = {n})"
                for m, n in zip(table["mean_stayers"], table["n_stayers"], strict=True)
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
    """The limitation about who stopped answering, with the largest baseline difference."""
    table = attrition_results(programme, milestone).dropna(subset=["g"])
    if table.empty:
        return None
    largest = table.iloc[table["g"].abs().to_numpy().argmax()]
    return fmt.text(
        "limitation_leavers",
        language,
        n=int(largest["n_leavers"]),
        wave=wave_label(programme, milestone, language),
        g=fmt.number(abs(largest["g"]), 2, language),
        scale=scale_label(programme, largest["scale"], language),
        p=fmt.p_value(largest["p_value"], language),
    )


# -- design sensitivity --------------------------------------------------------------------


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


# -- individual reliable change ------------------------------------------------------------


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
    counts["suppressed"] = _small(counts["n"], _k(programme))
    counts["n"] = counts["n"].astype("Int64")
    counts.loc[counts["suppressed"], "n"] = pd.NA
    counts["share"] = counts["share"].astype(float)
    counts.loc[counts["suppressed"], "share"] = np.nan
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
    return programme.response_shift(milestone)[columns]


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


def _excludes_zero(low: float, high: float) -> bool:
    return not (pd.isna(low) or pd.isna(high) or low <= 0 <= high)


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


# -- silo crossing -------------------------------------------------------------------------


def network_waves(programme: Programme, milestone: str) -> list[str]:
    """The waves a report shows the collaboration network for: the kick-off, and the
    milestone itself in a final report."""
    if milestone_kind(programme, milestone) == "final":
        return [programme.baseline, milestone]
    return [programme.baseline]


def collaboration_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """The sector × sector matrix (mean collaborators per respondent) at :func:`network_waves`.

    Rows of a sector with fewer than k respondents are blanked.

    Returns
    -------
    DataFrame
        - ``wave``, ``from_sector``, ``to_sector``
        - ``respondents``: of ``from_sector`` (missing when suppressed)
        - ``mean_contacts``: collaborators in ``to_sector`` per respondent (missing when
          suppressed)
        - ``suppressed``
    """
    matrix = programme.collaboration_matrix(milestone)
    columns = ["wave", "from_sector", "to_sector", "respondents", "mean_contacts", "suppressed"]
    if matrix.empty:
        return pd.DataFrame(columns=columns)
    matrix = matrix[matrix["wave"].isin(network_waves(programme, milestone))].copy()
    matrix["wave"] = matrix["wave"].astype(str)
    matrix["respondents"] = matrix["respondents"].astype("Int64")
    matrix.loc[matrix["suppressed"], "respondents"] = pd.NA
    matrix.loc[matrix["suppressed"], "mean_contacts"] = np.nan
    return matrix[columns].reset_index(drop=True)


def collaboration_plot_data(programme: Programme, milestone: str, language: str):
    """:func:`collaboration_results` with display names, as
    :func:`impact.plots.collaboration_matrices` takes it."""
    table = collaboration_results(programme, milestone)
    return pd.DataFrame(
        {
            "wave_label": [wave_label(programme, w, language) for w in table["wave"]],
            "from_label": [
                attribute_label(programme, "sector", s, language) for s in table["from_sector"]
            ],
            "to_label": [
                attribute_label(programme, "sector", s, language) for s in table["to_sector"]
            ],
            "mean_contacts": table["mean_contacts"].to_numpy(),
        }
    )


def collaboration_alt(programme: Programme, milestone: str, language: str) -> str:
    """Alt text of the matrix figure: per wave, the own-sector and other-sector means."""
    table = collaboration_results(programme, milestone)
    parts = []
    for wave, part in table.groupby("wave", sort=False, observed=True):
        shown = part.dropna(subset=["mean_contacts"])
        own = shown[shown["from_sector"] == shown["to_sector"]]
        other = shown[shown["from_sector"] != shown["to_sector"]]
        per_person_other = other.groupby("from_sector", observed=True)["mean_contacts"].sum()
        parts.append(
            fmt.text(
                "alt_matrix_wave",
                language,
                wave=wave_label(programme, wave, language),
                own=fmt.number(own["mean_contacts"].mean(), 1, language),
                other=fmt.number(per_person_other.mean(), 1, language),
                rows=shown["from_sector"].nunique(),
                hidden=part.loc[part["suppressed"], "from_sector"].nunique(),
            )
        )
    return fmt.text("alt_matrix", language, waves=" ".join(parts))


def ei_results(programme: Programme, milestone: str) -> dict[str, list[dict]]:
    """The cohort's E–I index at :func:`network_waves` and, in a final report, its change.

    Returns
    -------
    dict
        ``cohort``: records of :meth:`Programme.cohort_ei` (``wave, n, internal, external,
        ei, mean_ei``); ``change``: records of :meth:`Programme.ei_change` at ``milestone``
        (``n, ei_pre, ei_post, ei_diff, ci_low, ci_high`` …), empty before the final report.
    """
    cohort = programme.cohort_ei(milestone)
    cohort = cohort[cohort["wave"].isin(network_waves(programme, milestone))]
    change = pd.DataFrame()
    if programme.baseline not in set(cohort["wave"].astype(str)):
        return {"cohort": _records(cohort), "change": []}  # no collaboration at the kick-off
    if milestone_kind(programme, milestone) == "final":
        change = programme.ei_change(milestone)
        change = change[change["wave"].astype(str) == milestone]
    return {"cohort": _records(cohort), "change": _records(change)}


def network_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """Summary: the E–I index at the kick-off, or its change with the bootstrap CI."""
    results = ei_results(programme, milestone)
    if not results["cohort"]:
        return None
    if results["change"]:
        row = results["change"][0]
        key = "silo_uncertain"
        if _excludes_zero(row["ci_low"], row["ci_high"]):
            key = "silo_more" if row["ei_diff"] > 0 else "silo_less"
        return fmt.text(
            key,
            language,
            pre=fmt.number(row["ei_pre"], 2, language),
            post=fmt.number(row["ei_post"], 2, language),
            diff=fmt.signed(row["ei_diff"], 2, language),
            ci=fmt.interval(row["ci_low"], row["ci_high"], 2, language),
            wave=wave_label(programme, milestone, language),
            n=row["n"],
        )
    row = results["cohort"][0]
    return fmt.text(
        "silo_baseline",
        language,
        internal=fmt.number(row["internal"], 0, language),
        external=fmt.number(row["external"], 0, language),
        ei=fmt.number(row["ei"], 2, language),
        n=row["n"],
    )


# -- SDG contribution ----------------------------------------------------------------------


def sdg_coverage(programme: Programme, milestone: str) -> pd.DataFrame:
    """How many projects contribute to each goal of a multi-select instrument (the SDGs).

    Counted per project (registry ``tandem``): a goal counts once for a project when any
    of its members ticked it at ``milestone``. The counts describe projects, not persons,
    and are not suppressed. Without a ``tandem`` column each participant is a project and
    counts of 1 to k − 1 are blanked.

    Returns
    -------
    DataFrame
        - ``instrument``, ``wave``, ``item``, ``order``: the goal and its position
        - ``projects``: projects naming the goal (missing when suppressed)
        - ``answered``: projects with at least one member answering the question
        - ``share``: ``projects / answered``
        - ``suppressed``
    """
    columns = ["instrument", "wave", "item", "order", "projects", "answered", "share"]
    columns += ["suppressed"]
    responses = programme.responses
    registry = programme.registry
    by_person = "tandem" not in registry.columns
    unit = registry.set_index("participant")["participant" if by_person else "tandem"]
    parts = []
    for instrument in programme.instruments.values():
        if instrument.kind != "multiselect" or instrument.id not in programme.survey.instruments:
            continue
        data = responses[
            (responses["instrument"] == instrument.id) & (responses["wave"] == milestone)
        ].dropna(subset=["value"])
        if data.empty:
            continue
        data = data.assign(
            project=data["participant"].map(unit), chosen=data["value"] == instrument.checked
        ).dropna(subset=["project"])
        chosen = data.groupby(["item", "project"], observed=True)["chosen"].any()
        chosen = chosen.groupby("item", observed=True).sum()
        order = {item: i for i, item in enumerate(instrument.item_ids)}
        table = pd.DataFrame({"item": instrument.item_ids, "order": range(len(order))})
        table["projects"] = table["item"].map(chosen).fillna(0).astype(int)
        table["answered"] = data["project"].nunique()
        table["share"] = table["projects"] / table["answered"]
        table["suppressed"] = _small(table["projects"], _k(programme)) if by_person else False
        table["instrument"], table["wave"] = instrument.id, milestone
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=columns)
    result = pd.concat(parts, ignore_index=True)[columns]
    result["projects"] = result["projects"].astype("Int64")
    result.loc[result["suppressed"], ["projects"]] = pd.NA
    result.loc[result["suppressed"], ["share"]] = np.nan
    return result


def _goal_label(programme: Programme, instrument: str, item: str, language: str) -> str:
    definition = programme.instruments[instrument]
    found = next(i for i in definition.items if i.id == item)
    return found.text[language] if found.text else item


def sdg_plot_data(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`sdg_coverage` with the goals' names, as :func:`impact.plots.sdg_coverage` takes
    it."""
    table = sdg_coverage(programme, milestone)
    return pd.DataFrame(
        {
            "label": [
                _goal_label(programme, i, g, language)
                for i, g in zip(table["instrument"], table["item"], strict=True)
            ],
            "projects": table["projects"].astype(float).to_numpy(),
        }
    )


def sdg_alt(data: pd.DataFrame, language: str) -> str:
    """Alt text of the SDG figure: every goal with its count."""
    counts = ", ".join(
        f"{label} {fmt.DASH if pd.isna(n) else int(n)}"
        for label, n in zip(data["label"], data["projects"], strict=True)
    )
    return fmt.text("alt_sdgs", language, counts=counts)


def sdg_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """Summary: how many projects answered, how many goals they named, the three most named."""
    table = sdg_coverage(programme, milestone).dropna(subset=["projects"])
    if table.empty:
        return None
    named = table[table["projects"] > 0]
    top = named.sort_values(["projects", "order"], ascending=[False, True]).head(3)
    return fmt.text(
        "sdg_sentence",
        language,
        projects=int(table["answered"].iloc[0]),
        goals=len(named),
        total=len(table),
        top=", ".join(
            f"{_goal_label(programme, r.instrument, r.item, language)} ({int(r.projects)})"
            for r in top.itertuples()
        ),
    )


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


def feedback_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """How many comments there are and whether they are quoted."""
    results = feedback_results(programme, milestone)
    if not results["comments"]:
        return None
    key = "feedback_quoted" if programme.survey.privacy.quotes else "feedback_not_quoted"
    return fmt.text(key, language, n=results["comments"])


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


# -- subgroups -----------------------------------------------------------------------------


def subgroup_attributes(programme: Programme) -> list[str]:
    """Derived groups of the survey (e.g. ``sector_group``) and the registry's role and
    site; an attribute with a coarser derived group (sector) is left to that group."""
    derived = programme.survey.registry.groups
    replaced = {grouping.of for grouping in derived.values()}
    plain = [a for a in GROUP_ATTRIBUTES if a in programme.registry.columns and a not in replaced]
    return list(derived) + plain


def _subgroup_parts(programme: Programme, milestone: str) -> tuple[list[pd.DataFrame], list[str]]:
    parts, failed = [], []
    for by in subgroup_attributes(programme):
        try:
            parts.append(programme.subgroup_change(by, milestone))
        except (ValueError, np.linalg.LinAlgError):
            # A numerical failure in a small group (e.g. the d_z interval's root finder):
            # the breakdown is named as not estimated rather than stopping the report.
            failed.append(by)
    return parts, failed


def subgroups_not_estimated(programme: Programme, milestone: str) -> list[str]:
    """The breakdowns whose change could not be estimated (a numerical failure)."""
    return _subgroup_parts(programme, milestone)[1]


def subgroup_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Change from the kick-off to ``milestone`` per group (descriptive, no p-values);
    groups with fewer than k complete pairs blanked.

    Returns
    -------
    DataFrame
        - ``by``, ``group``, ``scale``
        - ``n``: complete pairs (missing when suppressed); ``suppressed``
        - ``mean_diff``, ``ci_low``, ``ci_high``, ``d_z``
    """
    parts, _ = _subgroup_parts(programme, milestone)
    columns = ["by", "group", "scale", "n", "suppressed", "mean_diff", "ci_low", "ci_high", "d_z"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    table = table[table["wave"].astype(str) == milestone]
    table = table[table["scale"].isin(outcomes(programme))][columns].copy()
    table["n"] = table["n"].astype("Int64")
    table.loc[table["suppressed"], "n"] = pd.NA
    return table.reset_index(drop=True)


def subgroup_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`subgroup_results` wide: a row per group, a column per outcome."""
    t = fmt.texts(language)
    table = subgroup_results(programme, milestone)
    hidden = fmt.text("suppressed_value", language, k=_k(programme))
    rows = []
    for (by, group), part in table.groupby(["by", "group"], sort=False, observed=True):
        row = {
            t["col_attribute"]: t.get(f"attribute_{by}", by),
            t["col_group"]: attribute_label(programme, by, group, language),
        }
        for r in _in_outcome_order(part, programme).itertuples():
            decimals = 1 if programme.instrument_of(r.scale).score_range()[1] > 10 else 2
            row[scale_label(programme, r.scale, language)] = (
                f"n {hidden}"
                if r.suppressed
                else f"{fmt.signed(r.mean_diff, decimals, language)} "
                f"{fmt.interval(r.ci_low, r.ci_high, decimals, language)}, n = {r.n}"
            )
        rows.append(row)
    for by in subgroups_not_estimated(programme, milestone):
        rows.append(
            {
                t["col_attribute"]: t.get(f"attribute_{by}", by),
                t["col_group"]: t["not_estimated"],
            }
        )
    return pd.DataFrame(rows)
