"""Who took part: registered participants per group, response rates per wave and group, and
the data-quality appendix (what cleaning excluded and why). Every breakdown by group goes
through :mod:`impact.scrub`.
"""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.scrub import combine_small_groups, suppress_small_groups
from impact.sections.common import GROUP_ATTRIBUTES, _k, attribute_label, per_programme, wave_label


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


@per_programme
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


def cohort_alt(table: pd.DataFrame, language: str) -> str:
    """Alt text of the cohort figure (``table`` as from :func:`cohort_table`)."""
    group, count = table.columns[:2]
    counts = ", ".join(f"{g} {n}" for g, n in zip(table[group], table[count], strict=True))
    return fmt.text("alt_cohort", language, counts=counts)


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
