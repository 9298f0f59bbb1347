"""The executive summary: four to six plain sentences a board member reads first.

Built from the results, never written by hand: every outcome in the units of its scale
with the scale's range; the share who gained at least the instrument's minimal important
change (MIC, with a Wilson 95% CI) and the share who lost as much; the share at or below
each published cut-off at the kick-off and now; the share of named collaboration that
crossed sector boundaries then and now; for whom change differed (described, only between
groups of at least k people of a declared breakdown, none of whose groups is hidden); and
one sentence on how sure we can be. The test statistics stay in the tables and the
statistical appendix.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> programme = load_programme(DEMO_SURVEY)
>>> sentences = executive_summary(programme, "final", "en")
>>> 4 <= len(sentences) <= 6
True
>>> sentences[0][:60]
'From the kick-off to the Closing event survey, mean scores c'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.sections.baseline import baseline_instruments
from impact.sections.common import (
    _in_outcome_order,
    _in_sentence,
    _k,
    _records,
    _small,
    attribute_label,
    attribute_name,
    milestone_kind,
    outcomes,
    per_programme,
    scale_label,
    scale_with_range,
    wave_label,
)
from impact.sections.effects import change_results, is_finding
from impact.sections.evidence import meaningful_results
from impact.sections.markup import heading, html_paragraphs
from impact.sections.plan import includes
from impact.sections.scores import below_midpoint, described_outcomes
from impact.sections.subgroups import subgroup_results


def _decimals(value: float) -> int:
    return 1 if abs(value) >= 1 else 2


def _latest_change(programme: Programme, milestone: str) -> pd.DataFrame:
    change = change_results(programme, milestone)
    change = change[change["wave"].astype(str) == milestone]
    compared = [s for s in outcomes(programme) if s not in described_outcomes(programme)]
    return _in_outcome_order(change[change["scale"].isin(compared)], programme)


# -- the numbers -------------------------------------------------------------------------------
@per_programme
def cutoff_shares(programme: Programme, milestone: str) -> pd.DataFrame:
    """Per scale with a published cut-off: the share at or below it at the kick-off and at
    ``milestone``, among the participants with a score at both (at the kick-off alone in
    the kick-off report); counts of 1 to k − 1 blanked with their shares.

    Returns
    -------
    DataFrame
        ``scale, cutoff, n, n_then, share_then, n_now, share_now, suppressed``
    """
    scores = programme.scores[programme.scores["frame"] == "now"]
    rows = []
    k = _k(programme)
    for scale in baseline_instruments(programme):
        cutoff = programme.instrument_of(scale).clinical_cutoff
        wide = scores[scores["scale"] == scale].pivot_table(
            index="participant", columns="wave", values="score", observed=True
        )
        waves = [programme.baseline] + ([milestone] if milestone != programme.baseline else [])
        if not set(waves) <= set(wide.columns):
            continue
        wide = wide[waves].dropna()
        if wide.empty:
            continue
        then = int((wide[programme.baseline] <= cutoff).sum())
        now = int((wide[milestone] <= cutoff).sum())
        rows.append(
            {
                "scale": scale,
                "cutoff": cutoff,
                "n": len(wide),
                "n_then": then,
                "share_then": then / len(wide),
                "n_now": now,
                "share_now": now / len(wide),
            }
        )
    table = pd.DataFrame(
        rows, columns=["scale", "cutoff", "n", "n_then", "share_then", "n_now", "share_now"]
    )
    # two cells each time, at or below and above: either one of 1 to k − 1 people blanks both
    hidden = (
        _small(table["n_then"], k)
        | _small(table["n_now"], k)
        | _small(table["n"] - table["n_then"], k)
        | _small(table["n"] - table["n_now"], k)
    )
    table["suppressed"] = hidden.astype(bool)
    return table


def crossing_shares(programme: Programme, milestone: str) -> dict | None:
    """The share of named collaboration that crossed sector boundaries, ``(E–I + 1) / 2``:
    at the kick-off only (kick-off report), or then and now for those who answered both."""
    if not includes(programme, programme.baseline, "network"):
        return None
    if milestone == programme.baseline:
        cohort = programme.cohort_ei(milestone)
        cohort = cohort[cohort["wave"].astype(str) == milestone]
        if cohort.empty:
            return None
        row = cohort.iloc[0]
        return {"n": int(row["n"]), "share_then": (float(row["ei"]) + 1) / 2}
    change = programme.ei_change(milestone)
    change = change[change["wave"].astype(str) == milestone]
    if change.empty:
        return None
    row = change.iloc[0]
    return {
        "n": int(row["n"]),
        "share_then": (float(row["ei_pre"]) + 1) / 2,
        "share_now": (float(row["ei_post"]) + 1) / 2,
    }


def differing_groups(programme: Programme, milestone: str) -> dict | None:
    """For whom change differed most, described: the headline outcome (the first with a
    minimal important change, else the first compared) and the declared breakdown whose
    groups' mean changes lie furthest apart, among breakdowns with at least two groups
    shown and none hidden (a hidden group could be recovered from the others)."""
    if milestone_kind(programme, milestone) == "kickoff" or not includes(
        programme, milestone, "subgroups"
    ):
        return None
    change = _latest_change(programme, milestone)
    if change.empty:
        return None
    with_mic = [
        s
        for s in change["scale"]
        if programme.instrument_of(s).minimal_important_change is not None
    ]
    scale = (with_mic or list(change["scale"]))[0]
    groups = subgroup_results(programme, milestone)
    groups = groups[groups["scale"] == scale]
    best = None
    for by, part in groups.groupby("by", sort=False):
        if part["suppressed"].any() or len(part) < 2 or part["mean_diff"].isna().any():
            continue
        spread = float(part["mean_diff"].max() - part["mean_diff"].min())
        if best is None or spread > best[0]:
            best = (spread, by, part.sort_values("mean_diff", ascending=False))
    if best is None:
        return None
    _, by, part = best
    return {
        "scale": scale,
        "by": by,
        "groups": [
            {"group": r.group, "n": int(r.n), "mean_diff": float(r.mean_diff)}
            for r in part.itertuples()
        ],
    }


# -- the sentences -----------------------------------------------------------------------------
def _change_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    change = _latest_change(programme, milestone)
    if change.empty:
        return None
    rows = change.to_dict("records")
    changes = [
        fmt.text(
            "exec_change_part",
            language,
            scale=scale_with_range(programme, r["scale"], language),
            diff=fmt.signed(r["mean_diff"], _decimals(r["mean_diff"]), language),
        )
        for r in rows
    ]
    found = [r for r in rows if is_finding(r)]
    if len(found) == len(rows):
        verdict = fmt.texts(language)["exec_verdict_all"]
    elif not found:
        verdict = fmt.texts(language)["exec_verdict_none"]
    else:
        names = [
            _in_sentence(scale_label(programme, r["scale"], language), language) for r in found
        ]
        verdict = fmt.text("exec_verdict_some", language, found=fmt.join(names, language))
    return fmt.text(
        "exec_change",
        language,
        wave=wave_label(programme, milestone, language),
        changes="; ".join(changes),
        verdict=verdict,
    )


def _share(count: float, share: float, k: int, language: str) -> str:
    if pd.isna(count) or (0 < count < k):
        return fmt.text("fewer_than_k", language, k=k)
    return fmt.percent(share, language)


def _mic_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    if not includes(programme, milestone, "meaningful"):
        return None
    table = meaningful_results(programme, milestone)
    k = _k(programme)
    parts = []
    for _, row in table.iterrows():
        improved = _share(row["n_improved"], row["share_improved"], k, language)
        if not row["improved_suppressed"] and not math.isnan(row["improved_ci_low"]):
            low = fmt.percent(row["improved_ci_low"], language)
            high = fmt.percent(row["improved_ci_high"], language)
            ci = f"{low}{'; ' if language == 'de' else ', '}{high}"
            improved = fmt.text("exec_mic_ci", language, share=improved, ci=f"[{ci}]")
        mic = row["mic"]
        parts.append(
            fmt.text(
                "exec_mic_part",
                language,
                scale=scale_with_range(programme, row["scale"], language),
                mic=fmt.number(mic, 0 if float(mic).is_integer() else 1, language),
                points=fmt.texts(language)["exec_point" if mic == 1 else "exec_points"],
                improved=improved,
                deteriorated=_share(row["n_deteriorated"], row["share_deteriorated"], k, language),
                n=int(row["n"]),
            )
        )
    if not parts:
        return None
    return fmt.text("exec_mic", language, parts="; ".join(parts))


def _cutoff_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    table = cutoff_shares(programme, milestone)
    if table.empty:
        return None
    k = _k(programme)
    kickoff = milestone == programme.baseline
    parts = []
    for row in table.itertuples():
        values = dict(
            scale=scale_with_range(programme, row.scale, language),
            cutoff=fmt.number(row.cutoff, 0 if float(row.cutoff).is_integer() else 1, language),
            then=_share(row.n_then, row.share_then, k, language),
            now=_share(row.n_now, row.share_now, k, language),
            n=row.n,
        )
        parts.append(
            fmt.text(
                "exec_cutoff_part_kickoff" if kickoff else "exec_cutoff_part", language, **values
            )
        )
    key = "exec_cutoff_kickoff" if kickoff else "exec_cutoff"
    return fmt.text(
        key, language, parts="; ".join(parts), wave=wave_label(programme, milestone, language)
    )


def _crossing_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    shares = crossing_shares(programme, milestone)
    if shares is None:
        return None
    if "share_now" not in shares:
        return fmt.text(
            "exec_crossing_kickoff",
            language,
            n=shares["n"],
            then=fmt.percent(shares["share_then"], language),
        )
    return fmt.text(
        "exec_crossing",
        language,
        n=shares["n"],
        then=fmt.percent(shares["share_then"], language),
        now=fmt.percent(shares["share_now"], language),
        wave=wave_label(programme, milestone, language),
    )


def _groups_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    groups = differing_groups(programme, milestone)
    if groups is None:
        return None
    listed = fmt.join(
        [
            fmt.text(
                "exec_group_part",
                language,
                group=fmt.quoted(
                    attribute_label(programme, groups["by"], g["group"], language), language
                ),
                diff=fmt.signed(g["mean_diff"], _decimals(g["mean_diff"]), language),
                n=g["n"],
            )
            for g in groups["groups"]
        ],
        language,
    )
    return fmt.text(
        "exec_groups",
        language,
        attribute=_in_sentence(attribute_name(programme, groups["by"], language), language),
        scale=scale_with_range(programme, groups["scale"], language),
        groups=listed,
        k=_k(programme),
    )


def _partnership_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """The early warning of a milestone report: the share rating a described outcome
    (partnership quality) below its scale's midpoint; left out where it is withheld."""
    if not includes(programme, milestone, "partnership"):
        return None
    table = below_midpoint(programme, milestone)
    # a share withheld because few are below it still reads "fewer than k"
    table = table[(table["wave"] == milestone) & (~table["suppressed"] | (table["few"] == "below"))]
    parts = []
    for row in table.itertuples():
        share = (
            fmt.text("fewer_than_k", language, k=_k(programme))
            if row.suppressed
            else fmt.percent(row.share, language)
        )
        parts.append(
            fmt.text(
                "exec_partnership_part",
                language,
                share=share,
                n=int(row.n),
                scale=scale_with_range(programme, row.scale, language),
                midpoint=fmt.number(
                    row.midpoint, 0 if float(row.midpoint).is_integer() else 1, language
                ),
            )
        )
    if not parts:
        return None
    return fmt.text(
        "exec_partnership",
        language,
        wave=wave_label(programme, milestone, language),
        parts="; ".join(parts),
    )


def _certainty_sentence(programme: Programme, milestone: str, language: str) -> str:
    registered = len(programme.registry)
    kind = milestone_kind(programme, milestone)
    if kind == "kickoff":
        participation = programme.participation().set_index("wave").loc[milestone]
        n = int(participation["responded"])
        return fmt.text(
            "exec_certainty_kickoff",
            language,
            n=n,
            registered=registered,
            rate=fmt.percent(n / registered, language),
        )
    change = _latest_change(programme, milestone)
    n = int(change["n"].max()) if len(change) else 0
    return fmt.text(
        "exec_certainty_final" if kind == "final" else "exec_certainty_progress",
        language,
        n=n,
        registered=registered,
        rate=fmt.percent(n / registered, language) if registered else fmt.DASH,
        wave=wave_label(programme, milestone, language),
    )


def executive_summary(programme: Programme, milestone: str, language: str) -> list[str]:
    """The executive summary of one report: at most six sentences, in this order — change
    in each outcome (kick-off: participation), meaningful change, the cut-offs, silo
    crossing, the partnership's early warning (milestone reports), for whom it differed,
    how sure we can be. A sentence whose data the programme lacks is left out."""
    kind = milestone_kind(programme, milestone)
    if kind == "kickoff":
        participation = programme.participation().set_index("wave").loc[milestone]
        first = fmt.text(
            "participation_sentence",
            language,
            responded=int(participation["responded"]),
            registered=int(participation["registered"]),
            rate=fmt.percent(participation["response_rate"], language),
            wave=wave_label(programme, milestone, language),
        )
        sentences = [
            first,
            _cutoff_sentence(programme, milestone, language),
            _crossing_sentence(programme, milestone, language),
        ]
    else:
        sentences = [
            _change_sentence(programme, milestone, language),
            _mic_sentence(programme, milestone, language),
            _cutoff_sentence(programme, milestone, language),
            _crossing_sentence(programme, milestone, language),
            _groups_sentence(programme, milestone, language),
        ]
        if kind == "progress":  # the early warning is for the reports along the way
            sentences.insert(4, _partnership_sentence(programme, milestone, language))
    sentences = [s for s in sentences if s][:5]  # with the last: six at most
    sentences.append(_certainty_sentence(programme, milestone, language))
    return sentences


def executive_html(programme: Programme, milestone: str, language: str) -> str:
    """The executive summary as its own page of the report: heading and paragraphs."""
    return (
        "<div class='impact-executive'>"
        + heading(fmt.texts(language)["section_executive"])
        + html_paragraphs(executive_summary(programme, milestone, language))
        + "</div>"
    )


def executive_headline(programme: Programme, milestone: str, language: str) -> str:
    """One short sentence for the index page: in a later report the headline outcome's
    mean change with its range and the share gaining at least its minimal important
    change; in the kick-off report (or without a compared outcome) the summary's first
    sentence."""
    change = _latest_change(programme, milestone)
    if milestone_kind(programme, milestone) == "kickoff" or change.empty:
        return executive_summary(programme, milestone, language)[0]
    with_mic = [s for s in change["scale"] if programme.instrument_of(s).minimal_important_change]
    scale = (with_mic or list(change["scale"]))[0]
    row = change[change["scale"] == scale].iloc[0]
    sentence = fmt.text(
        "exec_headline_change",
        language,
        scale=scale_with_range(programme, scale, language),
        diff=fmt.signed(row["mean_diff"], _decimals(row["mean_diff"]), language),
    )
    meaningful = (
        meaningful_results(programme, milestone)
        if includes(programme, milestone, "meaningful")
        else pd.DataFrame(columns=["scale"])
    )
    found = meaningful[meaningful["scale"] == scale]
    if len(found) and not found.iloc[0]["improved_suppressed"]:
        mic = float(found.iloc[0]["mic"])
        sentence += fmt.text(
            "exec_headline_mic",
            language,
            share=fmt.percent(found.iloc[0]["share_improved"], language),
            mic=fmt.number(mic, 0 if mic.is_integer() else 1, language),
            points=fmt.texts(language)[
                "exec_headline_point" if mic == 1 else "exec_headline_points"
            ],
        )
    return sentence + "."


def executive_results(programme: Programme, milestone: str, language: str) -> dict:
    """The executive summary for ``results.json``: its sentences and the numbers behind
    them (cut-off shares, sector-crossing shares, the groups compared)."""
    groups = differing_groups(programme, milestone)
    crossing = crossing_shares(programme, milestone)
    return {
        "headline": executive_headline(programme, milestone, language),
        "sentences": executive_summary(programme, milestone, language),
        "cutoff_shares": _records(
            cutoff_shares(programme, milestone).pipe(
                lambda t: t.assign(
                    **{
                        c: t[c].where(~t["suppressed"], np.nan)
                        for c in ("n_then", "share_then", "n_now", "share_now")
                    }
                )
            )
        ),
        "sector_crossing": crossing,
        "groups": groups,
    }
