"""Who took part: registered participants per group, response rates per wave and group, and
the data-quality appendix (what cleaning excluded and why). Every breakdown by group goes
through :mod:`impact.scrub`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.disclosure import protect, protect_missing
from impact.pipeline import Programme
from impact.scrub import combine_small_groups
from impact.sections.common import (
    _in_sentence,
    _k,
    attribute_label,
    attribute_name,
    per_programme,
    wave_label,
)


# -- cohort and participation ------------------------------------------------------------
def cohort_attribute(programme: Programme) -> str | None:
    """The attribute the cohort is described by: the sector when the programme declares
    one, else its first breakdown; None when it has neither."""
    registry = programme.survey.registry
    return registry.sector or next(iter(registry.breakdowns), None)


def cohort_counts(programme: Programme, *, by: str | None = None) -> pd.DataFrame:
    """Registered participants per group of ``by`` (default :func:`cohort_attribute`);
    groups below k combined (:func:`combine_small_groups`).

    Returns
    -------
    DataFrame
        - ``group``: the attribute's value, or None for the combined small groups
        - ``n``: registered participants
        - ``combined``: how many groups the row stands for

        Empty when the programme has no attribute to describe the cohort by.
    """
    by = by or cohort_attribute(programme)
    if by is None:
        return pd.DataFrame(columns=["group", "n", "combined"])
    counts = programme.attributes[by].fillna("?").value_counts(sort=False)
    table = pd.DataFrame({"group": counts.index.astype(object), "n": counts.to_numpy()})
    combined = combine_small_groups(table, group="group", count="n", k=_k(programme), other="")
    combined["group"] = combined["group"].replace("", None)
    return combined


def cohort_table(programme: Programme, language: str, *, by: str | None = None) -> pd.DataFrame:
    """:func:`cohort_counts` with display names: the attribute's name as the first header,
    "other <plural>" for the combined groups."""
    t = fmt.texts(language)
    by = by or cohort_attribute(programme)
    counts = cohort_counts(programme, by=by)
    if by is None:
        return pd.DataFrame()
    plural = programme.survey.registry.plural(by, language)
    other = fmt.text("other_plural", language, plural=plural) if plural else t["other_groups"]
    return pd.DataFrame(
        {
            attribute_name(programme, by, language): [
                other if g is None else attribute_label(programme, by, g, language)
                for g in counts["group"]
            ],
            t["col_participants"]: counts["n"].to_numpy(),
        }
    )


def _counted(programme: Programme, attribute: str | None, phrase: str, language: str) -> str:
    """`` in 26 tandems``: how many distinct values an attribute has, as a phrase of the
    cohort sentence (`` (Team: 6)`` when the survey gives no plural); empty for None."""
    if attribute is None:
        return ""
    n = int(programme.attributes[attribute].nunique())
    plural = programme.survey.registry.plural(attribute, language)
    if plural is None:
        return f" ({attribute_name(programme, attribute, language)}: {n})"
    return fmt.text(phrase, language, counted=f"{n} {plural}")


def cohort_sentences(programme: Programme, language: str) -> list[str]:
    """Who is in the cohort: registered participants, with the number of pairs (tandems,
    teams) and sectors where the programme declares those roles."""
    registry = programme.survey.registry
    return [
        fmt.text(
            "cohort_sentence",
            language,
            registered=len(programme.registry),
            pairs=_counted(programme, registry.pairing, "cohort_in", language),
            sectors=_counted(programme, registry.sector, "cohort_from", language),
        ),
        fmt.text("cohort_small_groups", language, k=_k(programme)),
    ]


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
    """Registered and responding participants per group of each breakdown
    (``registry.roles.breakdowns``) at ``milestone``.

    Groups with 1 to k − 1 registered participants are blanked, and further groups until
    none can be worked out from the totals (:func:`impact.disclosure.protect`); the groups
    blanked are shown combined in one row, and a breakdown with no group left to show is
    left out. Responding counts are protected the same way, and with 1 to k − 1
    non-respondents no group's response is shown (:func:`impact.disclosure.protect_missing`).

    Returns
    -------
    DataFrame
        - ``attribute``: the breakdown
        - ``group``: the registry value, None for the combined row of the blanked groups
        - ``registered``, ``responded``: participants (a group's response can be blanked,
          missing, while its registration is shown)
        - ``response_rate``: responded / registered (missing when blanked)
        - ``combined``: how many groups the row stands for
        - ``suppressed``: False (blanked groups are in the combined row)
    """
    submissions = programme.cleaned.submissions
    kept = submissions[(submissions["wave"] == milestone) & submissions["status"].eq("kept")]
    registry = programme.attributes
    answered = registry["participant"].isin(set(kept["participant"]))
    registry = registry.assign(responded=answered.astype(int))
    tables = []
    for attribute in programme.survey.registry.breakdowns:
        grouped = (
            registry.assign(group=registry[attribute].fillna("?"))
            .groupby("group", sort=True, observed=True)
            .agg(registered=("participant", "size"), responded=("responded", "sum"))
            .reset_index()
        )
        grouped["response_rate"] = grouped["responded"] / grouped["registered"]
        grouped.insert(0, "attribute", attribute)
        tables.append(grouped)
    columns = ["attribute", "group", "registered", "responded", "response_rate"]
    if not tables:
        return pd.DataFrame(columns=[*columns, "suppressed"])
    table = pd.concat(tables, ignore_index=True)
    table["group"] = table["group"].astype(object)
    table["registered_raw"] = table["registered"]
    k = _k(programme)
    # registration is the same at every wave, so its cells are chosen on their own (a
    # count blanked at one wave and shown at another would be no protection)
    table = _combine_blanked(protect(table, count="registered", k=k, within=["attribute"]))
    responding = protect(
        table, count="responded", k=k, within=["attribute"], suppressed=table["suppressed"]
    )
    table["responded"] = responding["responded"]
    table["response_rate"] = table["response_rate"].astype(float)
    table.loc[responding["suppressed"], "response_rate"] = np.nan
    table = protect_missing(
        table,
        missing=len(registry) - int(registry["responded"].sum()),
        k=k,
        columns=["responded", "response_rate"],
    )
    table["responded"] = table["responded"].astype("Int64")
    table["response_rate"] = table["response_rate"].astype(float)
    return table


def _combine_blanked(protected: pd.DataFrame) -> pd.DataFrame:
    """The groups a breakdown blanks, combined into one row (``group`` None): their sum is
    the breakdown's total minus the groups shown, so the row tells nothing new and keeps
    the table whole. A breakdown with no group left to show, or with one group only, is
    left out."""
    rows = []
    for _, part in protected.groupby("attribute", sort=False, observed=True):
        hidden = part[part["suppressed"]]
        shown = part[~part["suppressed"]].assign(combined=1)
        if shown.empty or len(part) < 2:  # one group is the cohort, not a breakdown
            continue
        rows.append(shown)
        if len(hidden):
            registered = int(hidden["registered_raw"].sum())
            responded = int(hidden["responded"].sum())
            rows.append(
                pd.DataFrame(
                    {
                        "attribute": [part["attribute"].iloc[0]],
                        "group": [None],
                        "registered": [registered],
                        "responded": [responded],
                        "response_rate": [responded / registered],
                        "suppressed": [False],
                        "combined": [len(hidden)],
                    }
                )
            )
    columns = ["attribute", "group", "registered", "responded", "response_rate", "combined"]
    if not rows:
        return pd.DataFrame(columns=[*columns, "suppressed"])
    table = pd.concat(rows, ignore_index=True)
    table["registered"] = table["registered"].astype("Int64")
    table["group"] = table["group"].astype(object)
    return table[[*columns, "suppressed"]]


def groups_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`group_participation`, translated; blanked counts read "not shown", the
    combined groups "other <plural>"."""
    t = fmt.texts(language)
    table = group_participation(programme, milestone)

    def group(attribute: str, value) -> str:
        if value is not None:
            return attribute_label(programme, attribute, value, language)
        plural = programme.survey.registry.plural(attribute, language)
        return fmt.text("other_plural", language, plural=plural) if plural else t["other_groups"]

    hidden = fmt.text("suppressed_value", language, k=_k(programme))

    def count(values: pd.Series) -> list[str]:
        return [hidden if pd.isna(v) else str(int(v)) for v in values]

    return pd.DataFrame(
        {
            t["col_attribute"]: [
                attribute_name(programme, a, language) for a in table["attribute"]
            ],
            t["col_group"]: [
                group(a, g) for a, g in zip(table["attribute"], table["group"], strict=True)
            ],
            t["col_registered"]: count(table["registered"]),
            t["col_responded"]: count(table["responded"]),
            t["col_response_rate"]: [
                fmt.DASH if pd.isna(r) else fmt.percent(r, language) for r in table["response_rate"]
            ],
        }
    )


def cohort_caption(programme: Programme, language: str) -> str:
    """The caption of the cohort figure: participants per the cohort's attribute."""
    name = attribute_name(programme, cohort_attribute(programme) or "", language)
    return fmt.text(
        "figure_cohort", language, attribute=_in_sentence(name, language), k=_k(programme)
    )


def cohort_alt(table: pd.DataFrame, language: str) -> str:
    """Alt text of the cohort figure (``table`` as from :func:`cohort_table`, whose first
    header is the attribute's display name)."""
    group, count = table.columns[:2]
    counts = ", ".join(f"{g} {n}" for g, n in zip(table[group], table[count], strict=True))
    return fmt.text(
        "alt_cohort", language, attribute=_in_sentence(str(group), language), counts=counts
    )


# -- data quality --------------------------------------------------------------------------
def quality_tables(
    programme: Programme, milestone: str, language: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data-quality appendix of the report for ``milestone``: rows per wave up to it
    (raw = kept + excluded) and the cleaning decisions by rule at those waves; a later
    wave is no part of this report."""
    t = fmt.texts(language)
    waves = programme.waves_until(milestone)
    accounting = programme.accounting()
    accounting = accounting[accounting["wave"].astype(str).isin(waves)]
    rows = pd.DataFrame(
        {
            t["col_wave"]: [wave_label(programme, w, language) for w in accounting["wave"]],
            t["col_raw_rows"]: accounting["raw_rows"].to_numpy(),
            t["col_kept"]: accounting["kept"].to_numpy(),
            t["col_excluded"]: accounting["excluded"].to_numpy(),
        }
    )
    rules = cleaning_decisions(programme, milestone)
    decisions = pd.DataFrame(
        {
            t["col_rule"]: [t.get(f"rule_{rule}", rule) for rule in rules.index],
            t["col_count"]: rules.to_numpy(),
        }
    )
    return rows, decisions


def cleaning_decisions(programme: Programme, milestone: str) -> pd.Series:
    """The cleaning log's decisions by rule at the waves up to ``milestone``."""
    log = programme.cleaned.log
    log = log[log["wave"].astype(str).isin(programme.waves_until(milestone))]
    return log["rule"].value_counts().sort_index()
