"""Change per subgroup (the survey's breakdowns), descriptive only: groups with
fewer than k complete pairs are blanked, and a breakdown that fails numerically is named
as not estimated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.disclosure import protect, shown_breakdowns
from impact.pipeline import Programme
from impact.sections.common import (
    _in_outcome_order,
    _k,
    attribute_label,
    attribute_name,
    outcomes,
    per_programme,
    scale_label,
)


# -- subgroups -----------------------------------------------------------------------------
def subgroup_attributes(programme: Programme) -> list[str]:
    """The breakdowns of the survey (``registry.roles.breakdowns``), each replaced by its
    coarser derived group where it has one (``registry.groups``): change needs k complete
    pairs per group, so a sector is compared by its sector group."""
    return programme.survey.registry.change_breakdowns


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


@per_programme
def subgroup_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Change from the kick-off to ``milestone`` per group (descriptive, no p-values);
    groups with fewer than k complete pairs blanked, and further groups until none can be
    worked out from the others and the cohort (:func:`impact.disclosure.protect`); a
    breakdown whose every group is blanked is left out.

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
    table = protect(
        table.reset_index(drop=True),
        count="n",
        k=_k(programme),
        within=["by", "scale"],
        columns=["mean_diff", "ci_low", "ci_high", "d_z"],
        suppressed=table["suppressed"].to_numpy(),
    )
    return shown_breakdowns(table, by="by")


def subgroup_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`subgroup_results` wide: a row per group, a column per outcome."""
    t = fmt.texts(language)
    table = subgroup_results(programme, milestone)
    hidden = fmt.text("suppressed_value", language, k=_k(programme))
    rows = []
    for (by, group), part in table.groupby(["by", "group"], sort=False, observed=True):
        row = {
            t["col_attribute"]: attribute_name(programme, by, language),
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
                t["col_attribute"]: attribute_name(programme, by, language),
                t["col_group"]: t["not_estimated"],
            }
        )
    return pd.DataFrame(rows)


@per_programme
def wave_by_group_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Whether change over the waves up to ``milestone`` differs between the groups of each
    breakdown: the wave × group F-test of the mixed model (Satterthwaite df), groups below
    k left out (:meth:`Programme.wave_by_group`).

    Returns
    -------
    DataFrame
        ``scale``, ``by``, ``n_groups``, ``n_participants``, ``n_obs``, ``groups_left_out``,
        ``f``, ``df1``, ``df2``, ``p_value``, ``chisq``, ``p_chisq``; only outcomes.
    """
    parts = [programme.wave_by_group(by, milestone) for by in subgroup_attributes(programme)]
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    return _in_outcome_order(table, programme).reset_index(drop=True)
