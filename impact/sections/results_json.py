"""``results()``: every number of a report gathered into one document, written as
``<milestone>_<language>.results.json`` beside the report (see ``docs/results-schema.md``).
"""

from __future__ import annotations

import datetime as dt

from impact.pipeline import Programme
from impact.sections.baseline import baseline_bands, baseline_instruments, profile_classes
from impact.sections.cohort import cohort_counts, group_participation
from impact.sections.common import _k, _records, milestone_kind
from impact.sections.effects import (
    all_waves,
    attrition_results,
    change_results,
    effect_sizes,
    sensitivity_results,
)
from impact.sections.evidence import evidence_results, meaningful_results
from impact.sections.executive import executive_results
from impact.sections.feedback import feedback_results
from impact.sections.goals import goal_results
from impact.sections.individual import reliable_change_results, response_shift_results
from impact.sections.network import collaboration_results, ei_results, sdg_coverage
from impact.sections.plan import report_plan
from impact.sections.scores import reliability_summary, score_summary
from impact.sections.subgroups import (
    subgroup_results,
    subgroups_not_estimated,
    wave_by_group_results,
)
from impact.sections.summary import key_figures
from impact.sections.tandems import tandem_results


def results(
    programme: Programme, milestone: str, language: str = "en", today: dt.date | None = None
) -> dict:
    """Every number the report shows, for ``results.json`` (aggregates only, no participant).

    Keys: ``programme``, ``synthetic``, ``milestone``, ``kind``, ``language``, ``wave_date``,
    ``rendered``, ``min_group_size``, ``sections`` (the report plan: every section of this
    kind of report, whether it is included and why not), ``key_figures``,
    ``participation``, ``cohort``, ``scores``, ``reliability``; then one key per included
    section: ``groups``, ``profile_classes``, ``baseline_bands`` (kick-off), ``change``,
    ``effect_sizes`` and ``design_sensitivity``, ``all_waves``, ``attrition`` (later
    reports; with ``meaningful_change`` and ``evidence``), ``reliable_change`` (with
    ``reliable_change_reliability``), ``response_shift``, ``sdg_coverage``, ``feedback``,
    ``subgroups`` (with ``wave_by_group``) and ``tandems`` (final report),
    ``collaboration`` and ``ei_index`` (kick-off and final);
    ``custom_sections`` (a researcher's own sections by id, each its rows, see
    :mod:`impact.extension`); then ``accounting`` and ``cleaning_decisions``. A section the
    report leaves out has no key.
    """
    participation = programme.participation()
    participation = participation[participation["wave"].isin(programme.waves_until(milestone))]
    plan = report_plan(programme, milestone)
    included = set(plan.loc[plan["included"], "section"])
    rules = programme.cleaned.log["rule"].value_counts().sort_index()
    document = {
        "programme": programme.survey.programme.id,
        "synthetic": programme.survey.programme.synthetic,
        "milestone": milestone,
        "kind": milestone_kind(programme, milestone),
        "language": language,
        "wave_date": programme.survey.wave(milestone).date.isoformat(),
        "rendered": (today or dt.date.today()).isoformat(),
        "min_group_size": _k(programme),
        "sections": _records(plan),
        "key_figures": _records(key_figures(programme, milestone, language)[["key", "number"]]),
        "participation": _records(participation),
        "cohort": _records(cohort_counts(programme)),
        "executive_summary": executive_results(programme, milestone, language),
    }
    if "groups" in included:
        document["groups"] = _records(group_participation(programme, milestone))
    document["scores"] = _records(score_summary(programme, milestone))
    document["reliability"] = _records(reliability_summary(programme, milestone))
    if "profile" in included:
        document["profile_classes"] = _records(profile_classes(programme, milestone))
    if "baseline" in included:
        document["baseline_bands"] = {
            scale: _records(baseline_bands(programme, scale))
            for scale in baseline_instruments(programme)
        }
    if "goals" in included:
        document["goals"] = _records(goal_results(programme, milestone))
    if "change" in included:
        document["change"] = _records(change_results(programme, milestone))
        document["effect_sizes"] = _records(effect_sizes(programme, milestone))
    if "meaningful" in included:
        document["meaningful_change"] = _records(meaningful_results(programme, milestone))
    if "evidence" in included:
        document["evidence"] = _records(evidence_results(programme, milestone))
    if "all_waves" in included:
        document["all_waves"] = _records(all_waves(programme, milestone))
    if "attrition" in included:
        document["attrition"] = _records(attrition_results(programme, milestone))
    if "change" in included:
        document["design_sensitivity"] = _records(sensitivity_results(programme, milestone))
    if "reliable_change" in included:
        document["reliable_change"] = _records(reliable_change_results(programme, milestone))
    if "response_shift" in included:
        document["response_shift"] = _records(response_shift_results(programme, milestone))
    if "sdgs" in included:
        document["sdg_coverage"] = _records(sdg_coverage(programme, milestone))
    if "feedback" in included:
        document["feedback"] = feedback_results(programme, milestone)
    if "subgroups" in included:
        document["subgroups"] = _records(subgroup_results(programme, milestone))
        document["subgroups_not_estimated"] = subgroups_not_estimated(programme, milestone)
        document["wave_by_group"] = _records(wave_by_group_results(programme, milestone))
    if "tandems" in included:
        document["tandems"] = tandem_results(programme, milestone)
    if "reliable_change" in included:
        document["reliable_change_reliability"] = _records(
            programme.reliable_change_reliability(milestone)
        )
    if "network" in included:
        document["collaboration"] = _records(collaboration_results(programme, milestone))
        document["ei_index"] = ei_results(programme, milestone)
    custom = [c.id for c in programme.survey.sections if c.id in included]
    if custom:
        from impact.extension import section_results

        document["custom_sections"] = {
            section: section_results(programme, milestone, section) for section in custom
        }
    document["accounting"] = _records(programme.accounting().drop(columns="file"))
    document["cleaning_decisions"] = {str(rule): int(n) for rule, n in rules.items()}
    return document
