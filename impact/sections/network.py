"""Silo crossing and contribution: the cross-sector collaboration network, the E-I index with
its bootstrap interval, and the coverage of the Sustainable Development Goals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.disclosure import protect
from impact.pipeline import Programme
from impact.sections.common import (
    _excludes_zero,
    _k,
    _records,
    _small,
    attribute_label,
    milestone_kind,
    per_programme,
    wave_label,
)


# -- silo crossing -------------------------------------------------------------------------
def network_waves(programme: Programme, milestone: str) -> list[str]:
    """The waves a report shows the collaboration network for: the kick-off, and the
    milestone itself in every later report (silo crossing is the programme's point)."""
    if milestone_kind(programme, milestone) != "kickoff":
        return [programme.baseline, milestone]
    return [programme.baseline]


@per_programme
def collaboration_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """The sector × sector matrix (mean collaborators per respondent) at :func:`network_waves`.

    Rows of a sector with fewer than k respondents are blanked, and further rows until none
    can be worked out from the E–I index's totals (:func:`impact.disclosure.protect`).

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
    matrix["suppressed"] = _protected_rows(programme, milestone, matrix)
    matrix["respondents"] = matrix["respondents"].astype("Int64")
    matrix.loc[matrix["suppressed"], "respondents"] = pd.NA
    matrix.loc[matrix["suppressed"], "mean_contacts"] = np.nan
    return matrix[columns].reset_index(drop=True)


def _protected_rows(programme: Programme, milestone: str, matrix: pd.DataFrame) -> np.ndarray:
    """Rows blanked so that no row's respondents (and contacts) follow from the E–I index's
    totals: primary and secondary suppression of the respondents per sector against the
    cohort's n, as a reader sets them against each other (the E–I index counts those whose
    own sector is one the instrument asks about)."""
    totals = programme.cohort_ei(milestone).assign(wave=lambda t: t["wave"].astype(str))
    totals = totals.set_index("wave")["n"]
    rows = matrix.drop_duplicates(["wave", "from_sector"])
    asked = rows[rows["from_sector"].isin(set(matrix["to_sector"]))].copy()
    asked["total"] = [totals.get(w, np.nan) for w in asked["wave"]]
    asked["total"] = asked["total"].fillna(asked.groupby("wave")["respondents"].transform("sum"))
    protected = protect(
        asked.reset_index(drop=True),
        count="respondents",
        k=_k(programme),
        within=["wave"],
        total="total",
        suppressed=asked["suppressed"].to_numpy(),
    )
    hidden = protected.loc[protected["suppressed"]]
    blanked = set(zip(hidden["wave"], hidden["from_sector"], strict=True))
    return np.array(
        [
            (w, f) in blanked or bool(small)
            for w, f, small in zip(
                matrix["wave"], matrix["from_sector"], matrix["suppressed"], strict=True
            )
        ],
        dtype=bool,
    )


def collaboration_plot_data(programme: Programme, milestone: str, language: str):
    """:func:`collaboration_results` with display names, as
    :func:`impact.plots.collaboration_matrices` takes it."""
    table = collaboration_results(programme, milestone)
    sector = programme.survey.registry.sector or ""
    return pd.DataFrame(
        {
            "wave_label": [wave_label(programme, w, language) for w in table["wave"]],
            "from_label": [
                attribute_label(programme, sector, s, language) for s in table["from_sector"]
            ],
            "to_label": [
                attribute_label(programme, sector, s, language) for s in table["to_sector"]
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


@per_programme
def ei_results(programme: Programme, milestone: str) -> dict[str, list[dict]]:
    """The cohort's E–I index at :func:`network_waves` and, in a later report, its change.

    Returns
    -------
    dict
        ``cohort``: records of :meth:`Programme.cohort_ei` (``wave, n, internal, external,
        ei, mean_ei``); ``change``: records of :meth:`Programme.ei_change` at ``milestone``
        (``n, ei_pre, ei_post, ei_diff, ci_low, ci_high`` …), empty in the kick-off report.
    """
    cohort = programme.cohort_ei(milestone)
    cohort = cohort[cohort["wave"].isin(network_waves(programme, milestone))]
    change = pd.DataFrame()
    if programme.baseline not in set(cohort["wave"].astype(str)):
        return {"cohort": _records(cohort), "change": []}  # no collaboration at the kick-off
    if milestone_kind(programme, milestone) != "kickoff":
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
        # The kick-off index of those with both answers differs from that of everyone who
        # answered at the kick-off (the kick-off report's number): said where it appears.
        start = next((c for c in results["cohort"] if str(c["wave"]) == programme.baseline), None)
        note = ""
        if start is not None and (
            start["n"] != row["n"]
            or fmt.number(start["ei"], 2, language) != fmt.number(row["ei_pre"], 2, language)
        ):
            note = fmt.text(
                "silo_pre_note",
                language,
                n=row["n"],
                n_all=start["n"],
                ei_all=fmt.number(start["ei"], 2, language),
            )
        return fmt.text(
            key,
            language,
            pre=fmt.number(row["ei_pre"], 2, language),
            post=fmt.number(row["ei_post"], 2, language),
            diff=fmt.signed(row["ei_diff"], 2, language),
            ci=fmt.interval(row["ci_low"], row["ci_high"], 2, language),
            wave=wave_label(programme, milestone, language),
            n=row["n"],
            note=note,
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
@per_programme
def sdg_coverage(programme: Programme, milestone: str) -> pd.DataFrame:
    """How many projects contribute to each goal of a multi-select instrument (the SDGs).

    Counted per project (the pairing attribute, ``registry.roles.pairing``: tandems or
    teams): a goal counts once for a project when any of its members ticked it at
    ``milestone`` (:meth:`Programme.sdgs` with ``by``). The counts describe projects, not
    persons, and are not suppressed. Without a pairing each registered participant is a
    project and counts of 1 to k − 1 are blanked.

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
    pairing = programme.survey.registry.pairing
    by_person = pairing is None
    counts = programme.sdgs(until=milestone, by="participant" if by_person else pairing)
    counts = counts[counts["wave"].astype(str) == milestone]
    parts = []
    for instrument in programme.instruments.values():
        if instrument.kind != "multiselect" or instrument.id not in programme.survey.instruments:
            continue
        found = counts[counts["instrument"] == instrument.id]
        if found.empty:
            continue
        table = pd.DataFrame(
            {"item": instrument.item_ids, "order": range(len(instrument.item_ids))}
        )
        table["projects"] = table["item"].map(found.set_index("item")["n"]).fillna(0).astype(int)
        table["answered"] = int(found["respondents"].iloc[0])
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
