"""The cohort beside published population norms: mean with 95% CI against the norm's mean,
SD and n, with the norm's source.

A norm is data of the instrument (``norms:`` in ``impact/instruments/*.yml``), taken from
its publication. A norm published on another metric than the instrument's score (the WHO-5
manual's raw sum 0–25 against the report's 0–100) is converted linearly onto the
instrument's range, and the report says so. The cohort's means come from
:func:`impact.sections.score_summary`, so a mean withheld there is withheld here too, and
a wave with fewer than k scores is not shown.

Examples
--------
>>> from impact.definitions import Norm
>>> norm = Norm(mean=15.0, sd=5.0, n=2000, country="DE", sample={"de": "x", "en": "x"},
...             citation="Example, 2000", source="Example, A. (2000).", metric_min=0, metric_max=25)
>>> converted_norm(norm, (0.0, 100.0))
(60.0, 20.0, 4.0)
"""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.definitions import Norm
from impact.pipeline import Programme
from impact.sections.common import (
    _in_outcome_order,
    _k,
    outcomes,
    per_programme,
    scale_with_range,
    wave_label,
)
from impact.sections.scores import score_summary

COLUMNS = [
    "scale",
    "wave",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "suppressed",
    "norm",
    "norm_mean",
    "norm_sd",
    "norm_n",
    "norm_country",
    "norm_factor",
    "norm_source",
    "norm_url",
]


def converted_norm(norm: Norm, score_range: tuple[float, float]) -> tuple[float, float, float]:
    """The norm's mean and SD on the instrument's score range, and the factor applied
    (1.0 when the norm is published on the instrument's own metric)."""
    if norm.metric_min is None or norm.metric_max is None:
        return (norm.mean, norm.sd, 1.0)
    low, high = score_range
    factor = (high - low) / (norm.metric_max - norm.metric_min)
    return (low + (norm.mean - norm.metric_min) * factor, norm.sd * factor, factor)


def normed_scales(programme: Programme) -> list[str]:
    """The programme's outcomes whose instrument carries a published norm."""
    return [s for s in outcomes(programme) if programme.instrument_of(s).norms]


def _waves(programme: Programme, milestone: str) -> list[str]:
    if milestone == programme.baseline:
        return [programme.baseline]
    return [programme.baseline, milestone]


@per_programme
def norm_comparison(programme: Programme, milestone: str) -> pd.DataFrame:
    """Per normed scale, norm and wave (the kick-off, and ``milestone`` in a later report):
    the cohort's mean with its 95% CI beside the norm's mean, SD and n on the instrument's
    score range.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``, ``n``; ``mean``, ``ci_low``, ``ci_high`` of the cohort
          (missing where withheld or fewer than k scores); ``suppressed``
        - ``norm``: the norm's position in the instrument's list
        - ``norm_mean``, ``norm_sd`` (converted), ``norm_n``, ``norm_country``
        - ``norm_factor``: the factor the published metric was multiplied by (1 = none)
        - ``norm_source`` (APA reference), ``norm_url`` (where it was read)
    """
    summary = score_summary(programme, milestone)
    k = _k(programme)
    rows = []
    for scale in normed_scales(programme):
        instrument = programme.instrument_of(scale)
        for number, norm in enumerate(instrument.norms):
            mean, sd, factor = converted_norm(norm, instrument.score_range())
            for wave in _waves(programme, milestone):
                found = summary[(summary["scale"] == scale) & (summary["wave"] == wave)]
                if found.empty:
                    continue
                cohort = found.iloc[0]
                hidden = bool(cohort["suppressed"]) or int(cohort["n"]) < k
                rows.append(
                    {
                        "scale": scale,
                        "wave": wave,
                        "n": int(cohort["n"]),
                        "mean": float("nan") if hidden else float(cohort["mean"]),
                        "ci_low": float("nan") if hidden else float(cohort["ci_low"]),
                        "ci_high": float("nan") if hidden else float(cohort["ci_high"]),
                        "suppressed": hidden,
                        "norm": number,
                        "norm_mean": mean,
                        "norm_sd": sd,
                        "norm_n": norm.n,
                        "norm_country": norm.country,
                        "norm_factor": factor,
                        "norm_source": norm.source,
                        "norm_url": norm.url,
                    }
                )
    return _in_outcome_order(pd.DataFrame(rows, columns=COLUMNS), programme)


def _decimals(programme: Programme, scale: str) -> int:
    return 1 if programme.instrument_of(scale).score_range()[1] > 10 else 2


def norms_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`norm_comparison` as the report shows it: scale, wave, cohort M [95% CI] (n),
    norm M ± SD (n, country)."""
    t = fmt.texts(language)
    table = norm_comparison(programme, milestone)
    k = _k(programme)

    def cohort(r) -> str:
        if r.suppressed:
            return fmt.text("suppressed_value", language, k=k)
        d = _decimals(programme, r.scale)
        return f"{fmt.number(r.mean, d, language)} {fmt.interval(r.ci_low, r.ci_high, d, language)}"

    def norm(r) -> str:
        d = _decimals(programme, r.scale)
        return f"{fmt.number(r.norm_mean, d, language)} ± {fmt.number(r.norm_sd, d, language)}"

    return pd.DataFrame(
        {
            t["col_scale"]: [scale_with_range(programme, s, language) for s in table["scale"]],
            t["col_wave"]: [wave_label(programme, str(w), language) for w in table["wave"]],
            t["col_n"]: table["n"].to_numpy(),
            t["col_cohort_mean_ci"]: [cohort(r) for r in table.itertuples()],
            t["col_norm_mean_sd"]: [norm(r) for r in table.itertuples()],
            t["col_norm_n"]: [f"{r.norm_n} ({r.norm_country})" for r in table.itertuples()],
        }
    )


def norms_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """One sentence per normed scale and norm: the cohort's mean at the latest wave shown
    beside the norm, the norm's source and, where the published metric differs, the
    conversion."""
    table = norm_comparison(programme, milestone)
    k = _k(programme)
    sentences = []
    for (scale, number), part in table.groupby(["scale", "norm"], sort=False):
        norm = programme.instrument_of(scale).norms[number]
        row = part.iloc[-1]
        d = _decimals(programme, scale)
        values = dict(
            scale=scale_with_range(programme, scale, language),
            wave=wave_label(programme, str(row["wave"]), language),
            mean=fmt.number(row["mean"], d, language),
            ci=fmt.interval(row["ci_low"], row["ci_high"], d, language),
            n=int(row["n"]),
            norm_mean=fmt.number(row["norm_mean"], d, language),
            norm_sd=fmt.number(row["norm_sd"], d, language),
            norm_n=int(row["norm_n"]),
            sample=norm.sample[language],
            source=norm.citation,
            k=k,
        )
        key = "norms_sentence_withheld" if row["suppressed"] else "norms_sentence"
        sentence = fmt.text(key, language, **values)
        if row["norm_factor"] != 1.0:
            sentence += " " + fmt.text(
                "norms_converted",
                language,
                low=fmt.number(norm.metric_min, 0, language),
                high=fmt.number(norm.metric_max, 0, language),
                factor=fmt.number(row["norm_factor"], 2, language).rstrip("0").rstrip(",."),
            )
        sentences.append(sentence)
    return sentences


def norm_references(programme: Programme) -> list[str]:
    """The APA references of the norms the report shows."""
    return list(
        dict.fromkeys(
            n.source for s in normed_scales(programme) for n in programme.instrument_of(s).norms
        )
    )
