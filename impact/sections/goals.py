"""Goals against results: the programme's intended outcomes (``survey.yml``: ``goals``),
each with its indicator's result so far, its 95% CI and a verdict.

A target is a least value. The verdict follows the interval, not the point estimate: *met*
when the whole 95% CI lies at or above the target, *not met* when it lies below, *unclear*
when it contains the target (or when a count is too small to publish). Milestone reports
show the same as progress; only the final report's verdict is the programme's.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> programme = load_programme(DEMO_SURVEY)
>>> goals = goal_results(programme, "final")
>>> dict(zip(goals["goal"], goals["verdict"]))
{'wellbeing': 'unclear', 'life_satisfaction': 'not_met', 'competences': 'met', 'silos': 'met'}
"""

from __future__ import annotations

import math

import pandas as pd

from impact import fmt
from impact.errors import DefinitionError
from impact.pipeline import Programme
from impact.sections.common import (
    _k,
    milestone_kind,
    outcomes,
    per_programme,
    scale_with_range,
)
from impact.sections.effects import change_results
from impact.sections.evidence import meaningful_results
from impact.sections.plan import includes

COLUMNS = ["goal", "indicator", "scale", "target", "estimate", "ci_low", "ci_high", "n", "verdict"]


def _verdict(estimate: float, low: float, high: float, target: float) -> str:
    if any(math.isnan(v) for v in (estimate, low, high)):
        return "unclear"
    if low >= target:
        return "met"
    if high < target:
        return "not_met"
    return "unclear"


def _crossing(programme: Programme, scale: str, milestone: str) -> tuple[float, float, float, int]:
    """Of those at or below the cut-off at the kick-off with a score at ``milestone``, the
    share above it now, with its Wilson CI (:meth:`Programme.cutoff_crossing`); blanked
    when a count would be 1 to k − 1."""
    crossing = programme.cutoff_crossing()
    row = crossing[(crossing["scale"] == scale) & (crossing["wave"] == milestone)]
    if row.empty:
        return (math.nan, math.nan, math.nan, 0)
    n, crossed = int(row["n"].iloc[0]), int(row["n_crossed"].iloc[0])
    k = _k(programme)
    if n < k or 0 < crossed < k or 0 < n - crossed < k:
        return (math.nan, math.nan, math.nan, n)
    return (float(row["share"].iloc[0]), row["ci_low"].iloc[0], row["ci_high"].iloc[0], n)


@per_programme
def goal_results(programme: Programme, milestone: str) -> pd.DataFrame:
    """Each declared goal's indicator at ``milestone``, with its 95% CI and verdict.

    Returns
    -------
    DataFrame
        ``goal, indicator, scale, target, estimate, ci_low, ci_high, n, verdict``
        (``met``, ``not_met`` or ``unclear``); empty before the first milestone or without
        goals.

    Raises
    ------
    DefinitionError
        A goal names a scale the programme does not measure (or one without the minimal
        important change or cut-off its indicator needs).
    """
    goals = programme.survey.goals
    if not goals or milestone_kind(programme, milestone) == "kickoff":
        return pd.DataFrame(columns=COLUMNS)
    change = change_results(programme, milestone)
    change = change[change["wave"].astype(str) == milestone].set_index("scale")
    rows = []
    for index, goal in enumerate(goals):
        if goal.indicator == "ei_change" and not includes(programme, programme.baseline, "network"):
            continue  # collaboration across sectors is not collected: nothing to hold it to
        _check_scale(programme, goal, index)
        estimate = low = high = math.nan
        n = 0
        if goal.indicator == "mean_change" and goal.scale in change.index:
            row = change.loc[goal.scale]
            estimate, low, high, n = row["mean_diff"], row["ci_low"], row["ci_high"], row["n"]
        elif goal.indicator == "share_mic":
            table = meaningful_results(programme, milestone).set_index("scale")
            if goal.scale in table.index:
                row = table.loc[goal.scale]
                estimate, n = row["share_improved"], row["n"]
                low, high = row["improved_ci_low"], row["improved_ci_high"]
        elif goal.indicator == "share_crossing_cutoff":
            estimate, low, high, n = _crossing(programme, goal.scale, milestone)
        elif goal.indicator == "ei_change":
            ei = programme.ei_change(milestone)
            ei = ei[ei["wave"].astype(str) == milestone]
            if len(ei):
                row = ei.iloc[0]
                estimate, low, high, n = row["ei_diff"], row["ci_low"], row["ci_high"], row["n"]
        estimate, low, high = (float(v) for v in (estimate, low, high))
        rows.append(
            {
                "goal": goal.id,
                "indicator": goal.indicator,
                "scale": goal.scale,
                "target": goal.target,
                "estimate": estimate,
                "ci_low": low,
                "ci_high": high,
                "n": int(n),
                "verdict": _verdict(estimate, low, high, goal.target),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _check_scale(programme: Programme, goal, index: int) -> None:
    if goal.indicator == "ei_change":
        return
    where = dict(file=programme.survey.source, key=f"goals[{index}].scale")
    if goal.scale not in outcomes(programme):
        raise DefinitionError(
            f"goal {goal.id!r} names the scale {goal.scale!r}, which the programme does not "
            "measure",
            hint=f"choose one of {outcomes(programme)}",
            **where,
        )
    instrument = programme.instrument_of(goal.scale)
    if goal.indicator == "share_mic" and instrument.minimal_important_change is None:
        raise DefinitionError(
            f"goal {goal.id!r}: {goal.scale!r} has no minimal_important_change",
            hint="use mean_change, or give the instrument a minimal_important_change",
            **where,
        )
    if goal.indicator == "share_crossing_cutoff" and instrument.clinical_cutoff is None:
        raise DefinitionError(
            f"goal {goal.id!r}: {goal.scale!r} has no clinical_cutoff",
            hint="use mean_change, or an instrument with a published cut-off",
            **where,
        )


def _value(
    indicator: str, value: float, language: str, *, signed: bool = True, decimals: int | None = None
) -> str:
    if math.isnan(value):
        return fmt.DASH
    if indicator.startswith("share"):
        return fmt.percent(value, language)
    decimals = (1 if abs(value) >= 1 else 2) if decimals is None else decimals
    if signed:
        return fmt.signed(value, decimals, language)
    return fmt.number(value, decimals, language)


def _indicator_text(programme: Programme, indicator: str, scale: str | None, language: str) -> str:
    """What an indicator measures, in words, with its scale's range."""
    t = fmt.texts(language)
    if indicator == "ei_change":
        return t["goal_def_ei_change"]
    instrument = programme.instrument_of(scale)
    mic = instrument.minimal_important_change
    cutoff = instrument.clinical_cutoff
    return fmt.text(
        f"goal_def_{indicator}",
        language,
        scale=scale_with_range(programme, scale, language),
        mic=fmt.number(mic, 0 if float(mic).is_integer() else 1, language)
        if mic is not None
        else "",
        points=t["exec_point" if mic == 1 else "exec_points"],
        cutoff=fmt.number(cutoff, 0, language) if cutoff is not None else "",
    )


def goals_indicators_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """How each goal is measured, in one sentence above the goals table (which names the
    goals only, so that it fits the page)."""
    table = goal_results(programme, milestone)
    if table.empty:
        return None
    goals = {g.id: g for g in programme.survey.goals}
    parts = [
        fmt.text(
            "goal_def_part",
            language,
            goal=fmt.quoted(goals[r.goal].outcome[language], language),
            indicator=_indicator_text(programme, r.indicator, r.scale, language),
        )
        for r in table.itertuples()
    ]
    return fmt.text("goals_indicators", language, parts="; ".join(parts))


def goals_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`goal_results` as the report shows it: the goal, target, result with its CI
    and the verdict (``Progress`` in a milestone report, ``Verdict`` in the final); what
    each indicator measures is :func:`goals_indicators_sentence`."""
    t = fmt.texts(language)
    table = goal_results(programme, milestone)
    goals = {g.id: g for g in programme.survey.goals}
    final = milestone_kind(programme, milestone) == "final"
    separator = "; " if language == "de" else ", "

    def result(r) -> str:
        if math.isnan(r.estimate):
            return fmt.text("suppressed_value", language, k=_k(programme))
        decimals = 1 if abs(r.estimate) >= 1 else 2
        low = _value(r.indicator, r.ci_low, language, signed=False, decimals=decimals)
        high = _value(r.indicator, r.ci_high, language, signed=False, decimals=decimals)
        estimate = _value(r.indicator, r.estimate, language, decimals=decimals)
        return f"{estimate} [{low}{separator}{high}]"

    return pd.DataFrame(
        {
            t["col_goal"]: [goals[g].outcome[language] for g in table["goal"]],
            t["col_target"]: [_value(r.indicator, r.target, language) for r in table.itertuples()],
            t["col_result"]: [result(r) for r in table.itertuples()],
            t["col_n"]: table["n"].to_numpy(),
            t["col_verdict" if final else "col_progress"]: [
                t[f"verdict_{v}" if final else f"progress_{v}"] for v in table["verdict"]
            ],
        }
    )


def goals_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """How many goals are met, not met and unclear (final) or on track so far."""
    table = goal_results(programme, milestone)
    if table.empty:
        return None
    counts = table["verdict"].value_counts()
    key = "goals_final" if milestone_kind(programme, milestone) == "final" else "goals_progress"
    return fmt.text(
        key,
        language,
        n=len(table),
        met=int(counts.get("met", 0)),
        not_met=int(counts.get("not_met", 0)),
        unclear=int(counts.get("unclear", 0)),
    )
