"""Meaningful change and the evidence behind "no change": the shares of participants who
improved or deteriorated by at least each instrument's minimal important change (MIC), the
equivalence test against ± MIC (TOST) and the Bayes factor of each paired change.

Counts of 1 to k − 1 participants are blanked with their shares and intervals; the count
of those who stayed within the MIC is not published, so a blanked count cannot be
recovered from the others and the number of complete pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.sections.baseline import baseline_instruments
from impact.sections.common import (
    _excludes_zero,
    _in_outcome_order,
    _k,
    _small,
    outcomes,
    per_programme,
    scale_label,
)
from impact.sections.effects import change_results
from impact.sections.individual import reliable_change_results

DIRECTIONS = ("improved", "deteriorated")


@per_programme
def meaningful_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Per outcome with a minimal important change: who improved and who deteriorated by
    at least it, from the kick-off to ``milestone``, with Wilson 95% CIs.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``, ``mic``, ``n`` (complete pairs)
        - ``n_improved``, ``share_improved``, ``improved_ci_low``, ``improved_ci_high``
        - the same four for ``deteriorated``
        - ``improved_suppressed``, ``deteriorated_suppressed``: a count of 1 to k − 1,
          blanked with its share and interval
    """
    table = programme.meaningful_change(milestone)
    table = table[table["wave"].astype(str) == milestone]
    table = _in_outcome_order(table, programme).drop(columns=["baseline", "n_unchanged"])
    table = table.copy()
    table["wave"] = table["wave"].astype(str)
    k = _k(programme)
    for direction in DIRECTIONS:
        count = f"n_{direction}"
        hidden = _small(table[count], k)
        table[f"{direction}_suppressed"] = hidden
        table[count] = table[count].astype("Int64")
        table.loc[hidden, count] = pd.NA
        for column in (f"share_{direction}", f"{direction}_ci_low", f"{direction}_ci_high"):
            table[column] = table[column].astype(float)
            table.loc[hidden, column] = np.nan
    return table.reset_index(drop=True)


def _share_text(row: pd.Series, direction: str, k: int, language: str) -> str:
    if row[f"{direction}_suppressed"]:
        return fmt.text("suppressed_value", language, k=k)
    share = fmt.percent(row[f"share_{direction}"], language)
    low = fmt.percent(row[f"{direction}_ci_low"], language)
    high = fmt.percent(row[f"{direction}_ci_high"], language)
    return f"{share} [{low}; {high}]"


def _mic_text(mic: float, language: str) -> str:
    return fmt.number(mic, 0 if float(mic).is_integer() else 1, language)


def meaningful_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`meaningful_results` as the report shows it: per outcome the MIC and the
    shares (95% CI) who improved and who deteriorated by at least it."""
    t = fmt.texts(language)
    table = meaningful_results(programme, milestone)
    k = _k(programme)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
            t["col_mic"]: [_mic_text(m, language) for m in table["mic"]],
            t["col_n"]: table["n"].astype(int).to_numpy(),
            t["col_mic_improved"]: [
                _share_text(row, "improved", k, language) for _, row in table.iterrows()
            ],
            t["col_mic_deteriorated"]: [
                _share_text(row, "deteriorated", k, language) for _, row in table.iterrows()
            ],
        }
    )


def meaningful_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """One sentence per outcome: the share who gained at least the MIC (with its CI, in
    the scale's units) and the share who lost as much."""
    table = meaningful_results(programme, milestone)
    k = _k(programme)
    sentences = []
    for _, row in table.iterrows():
        sentences.append(
            fmt.text(
                "mic_sentence",
                language,
                scale=scale_label(programme, row["scale"], language),
                mic=_mic_text(row["mic"], language),
                improved=_share_text(row, "improved", k, language),
                deteriorated=_share_text(row, "deteriorated", k, language),
                n=int(row["n"]),
            )
        )
    return sentences


@per_programme
def evidence_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Per outcome at ``milestone``: the Bayes factor of the paired change (JZS prior,
    r = √2/2) and, where the instrument has a minimal important change, the equivalence
    test against ± MIC.

    Returns
    -------
    DataFrame
        - ``scale``, ``wave``, ``n``, ``mean_diff``
        - ``bf10``, ``bf01``: evidence for a change against none, and the reverse
        - ``bound``: the MIC (missing without one); ``ci90_low``, ``ci90_high``;
          ``p_tost``: the larger one-sided p; ``p_no_decline``; ``verdict``
          (``equivalent``, ``equivalent and different``, ``different``, ``inconclusive``)
        - ``no_change_claim``: the change's 95% CI includes zero, so the report says it
          cannot tell a change from none
    """
    bayes = programme.bayes_factors(milestone)
    bayes = bayes[bayes["wave"].astype(str) == milestone][["scale", "n", "bf10", "bf01"]]
    tost = programme.equivalence(milestone)
    tost = tost[tost["wave"].astype(str) == milestone]
    columns = ["scale", "bound", "ci90_low", "ci90_high", "p_tost", "p_no_decline", "verdict"]
    change = change_results(programme, milestone)
    change = change[change["wave"].astype(str) == milestone]
    table = change[["scale", "wave", "mean_diff", "ci_low", "ci_high"]].merge(
        bayes, on="scale", how="left"
    )
    table = table.merge(tost[columns], on="scale", how="left")
    table["wave"] = table["wave"].astype(str)
    table["no_change_claim"] = [
        not _excludes_zero(low, high)
        for low, high in zip(table["ci_low"], table["ci_high"], strict=True)
    ]
    ordered = ["scale", "wave", "n", "mean_diff", "bf10", "bf01", *columns[1:]]
    return _in_outcome_order(table, programme)[[*ordered, "no_change_claim"]].reset_index(drop=True)


def _bayes_text(bf10: float, language: str) -> str:
    """``BF₁₀ = 12.3`` or, when the data favour no change, ``BF₀₁ = 4.1``."""
    if pd.isna(bf10):
        return fmt.DASH
    if bf10 >= 1:
        value = ">\u00a01000" if bf10 > 1000 else "= " + fmt.number(bf10, 1, language)
        return f"BF\u2081\u2080 {value}"
    bf01 = 1 / bf10
    value = ">\u00a01000" if bf01 > 1000 else "= " + fmt.number(bf01, 1, language)
    return f"BF\u2080\u2081 {value}"


def _verdict_text(row: pd.Series, language: str) -> str:
    if pd.isna(row["bound"]):
        return fmt.text("tost_no_mic", language)
    return fmt.text(
        f"tost_{str(row['verdict']).replace(' ', '_')}",
        language,
        bound=_mic_text(row["bound"], language),
        p=fmt.p_value(row["p_tost"], language),
    )


def evidence_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`evidence_results` as the report shows it."""
    t = fmt.texts(language)
    table = evidence_results(programme, milestone)
    return pd.DataFrame(
        {
            t["col_scale"]: [scale_label(programme, s, language) for s in table["scale"]],
            t["col_bayes"]: [_bayes_text(b, language) for b in table["bf10"]],
            t["col_tost"]: [_verdict_text(row, language) for _, row in table.iterrows()],
        }
    )


def no_change_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """Where the report cannot tell a change from none: what the equivalence test and
    the Bayes factor say about "no change" (absence of evidence is not evidence of
    absence)."""
    table = evidence_results(programme, milestone)
    return [
        fmt.text(
            "no_change_evidence",
            language,
            scale=scale_label(programme, row["scale"], language),
            bayes=_bayes_text(row["bf10"], language),
            tost=_verdict_text(row, language),
        )
        for _, row in table[table["no_change_claim"]].iterrows()
    ]


# -- figures ---------------------------------------------------------------------------------
def jacobson_truax_scales(programme: Programme) -> list[str]:
    """The outcomes whose Jacobson–Truax plot the final report shows: those with a
    published cut-off (the lines that divide the plot's regions)."""
    return baseline_instruments(programme)


def jacobson_truax_data(programme: Programme, milestone: str, scale: str, language: str) -> dict:
    """What :func:`impact.plots.jacobson_truax` takes for one outcome: the points (kick-off
    and ``milestone`` scores), the band of no reliable change (± 1.96 · S_diff), the
    cut-off, and the counts per region as protected texts ("not shown" for a withheld
    count; the points of such a region are left out)."""
    individual = programme.reliable_change(milestone)
    part = individual[(individual["scale"] == scale) & (individual["wave"] == milestone)]
    counts_table = reliable_change_results(programme, milestone)
    rows = counts_table[
        (counts_table["scale"] == scale) & (counts_table["kind"] == "reliable_change")
    ]
    k = _k(programme)
    counts = {
        str(r.category): fmt.text("suppressed_value", language, k=k) if r.suppressed else str(r.n)
        for r in rows.itertuples()
    }
    # A withheld region is labelled "not shown" and its points are not drawn: they
    # would show how many there are.
    hidden = {str(r.category) for r in rows.itertuples() if r.suppressed}
    rci_band = float(1.96 * part["s_diff"].iloc[0]) if len(part) else float("nan")
    part = part[~part["reliable_change"].astype(str).isin(hidden)]
    instrument = programme.instrument_of(scale)
    t = fmt.texts(language)
    return {
        "data": part[["pre", "post"]].reset_index(drop=True),
        "rci_band": rci_band,
        "cutoff": instrument.clinical_cutoff,
        "higher_is_better": instrument.higher_is_better,
        "counts": counts,
        "region_labels": {
            region: t[f"region_{region.replace(' ', '_')}"]
            for region in ("improved", "no reliable change", "deteriorated")
        },
        "baseline_label": t["axis_kickoff"],
        "final_label": programme.survey.wave(milestone).label[language],
        "title": scale_label(programme, scale, language),
        "language": language,
    }


def jacobson_truax_alt(figure_data: dict, language: str) -> str:
    """Alt text of a Jacobson–Truax plot: the counts per region."""
    counts = ", ".join(
        f"{figure_data['region_labels'][region]} {text}"
        for region, text in figure_data["counts"].items()
    )
    return fmt.text("alt_jacobson_truax", language, scale=figure_data["title"], counts=counts)


def change_distribution_data(programme: Programme, milestone: str) -> pd.DataFrame:
    """The individual changes (``scale``, ``diff``) from the kick-off to ``milestone`` for
    :func:`impact.plots.change_distributions`."""
    individual = programme.reliable_change(milestone)
    part = individual[individual["wave"] == milestone]
    return part[["scale", "diff"]].reset_index(drop=True)


def minimal_important_changes(programme: Programme) -> dict[str, float]:
    """Scale → the minimal important change of its instrument, where defined."""
    values = {}
    for scale in outcomes(programme):
        mic = programme.instrument_of(scale).minimal_important_change
        if mic is not None:
            values[scale] = mic
    return values
