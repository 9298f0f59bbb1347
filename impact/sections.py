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
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import optimize, stats

from impact import fmt
from impact.errors import ReportError
from impact.pipeline import Programme
from impact.scrub import combine_small_groups, scrub, suppress_small_groups

GROUP_ATTRIBUTES = ("sector", "role", "site")
GLOSSARY = ("ci", "d_z", "p", "paired", "response_rate", "cut_off", "suppression")


# -- labels ------------------------------------------------------------------------------


def scale_label(programme: Programme, scale: str, language: str) -> str:
    """The display name of a scale (``competences_then`` → 'Competences (retrospective)')."""
    return programme.scale_label(scale, language)


def wave_label(programme: Programme, wave: str, language: str) -> str:
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
            .groupby("group", sort=True)
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
    """:func:`change_results` with d_z's CI, translated and formatted APA-style."""
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
            t["col_diff"]: [fmt.signed(v, 2, language) for v in change["mean_diff"]],
            t["col_ci"]: [
                fmt.interval(lo, hi, 2, language)
                for lo, hi in zip(change["ci_low"], change["ci_high"], strict=True)
            ],
            t["col_test"]: [fmt.apa_change(r, language) for r in change.to_dict("records")],
            t["col_d_z_ci"]: [
                fmt.interval(effects.loc[key, "ci_low"], effects.loc[key, "ci_high"], 2, language)
                if key in effects.index
                else fmt.DASH
                for key in keys
            ],
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
    if milestone_kind(programme, milestone) == "kickoff":
        sentences.extend(baseline_sentences(programme, language))
        sentences.append(t["no_change_yet"])
        return sentences
    change = change_results(programme, milestone)
    latest = _in_outcome_order(change[change["wave"] == milestone], programme)
    sentences.extend(change_sentence(programme, row, language) for row in latest.to_dict("records"))
    effects = effect_sizes(programme, milestone)
    effects = _in_outcome_order(effects[effects["wave"] == milestone], programme)
    if len(effects):
        listed = "; ".join(
            f"{scale_label(programme, r.scale, language)} {fmt.number(r.d_z, 2, language)} "
            f"{fmt.interval(r.ci_low, r.ci_high, 2, language)}"
            for r in effects.itertuples()
        )
        sentences.append(fmt.text("summary_effect_sizes", language, wave=wave, effects=listed))
    sentences.append(fmt.text("summary_attrition", language, wave=wave))
    sentences.append(t["no_control_group"])
    return sentences


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
    paragraphs = [t["methods_scores"]]
    if milestone_kind(programme, milestone) == "kickoff":
        paragraphs.append(t["methods_baseline"])
    else:
        paragraphs.append(t["methods_change"])
    paragraphs.append(fmt.text("methods_privacy", language, k=_k(programme), quotes=quotes))
    return paragraphs


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
    ``groups``, ``scores``, and by kind ``baseline_bands`` (kick-off) or ``change`` and
    ``effect_sizes``, then ``accounting`` and ``cleaning_decisions``.
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
    if kind == "kickoff":
        document["baseline_bands"] = {
            scale: _records(baseline_bands(programme, scale))
            for scale in baseline_instruments(programme)
        }
    else:
        document["change"] = _records(change_results(programme, milestone))
        document["effect_sizes"] = _records(effect_sizes(programme, milestone))
    document["accounting"] = _records(programme.accounting().drop(columns="file"))
    document["cleaning_decisions"] = {str(rule): int(n) for rule, n in rules.items()}
    return document
