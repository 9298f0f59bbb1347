"""``results()``: every number of a report gathered into one document, written as
``<milestone>_<language>.results.json`` beside the report (see ``docs/results-schema.md``).
"""

from __future__ import annotations

import datetime as dt

from impact.pipeline import Programme
from impact.sections.baseline import baseline_bands, baseline_instruments, profile_classes
from impact.sections.cohort import cleaning_decisions, cohort_counts, group_participation
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
from impact.sections.markup import report_labels
from impact.sections.network import collaboration_results, ei_results, sdg_coverage
from impact.sections.norms import norm_comparison
from impact.sections.plan import report_plan
from impact.sections.scores import below_midpoint, reliability_summary, score_summary
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
    ``rendered``, ``labels`` (the report's title, kind and wave in ``language``, for the
    index page), ``min_group_size``, ``sections`` (the report plan: every section of this
    kind of report, whether it is included and why not), ``key_figures``,
    ``participation``, ``cohort``, ``scores``, ``reliability``; then one key per included
    section: ``groups``, ``profile_classes``, ``baseline_bands`` (kick-off), ``norms``
    (kick-off and final), ``partnership_warning`` (later reports), ``change``,
    ``effect_sizes`` and ``design_sensitivity``, ``all_waves``, ``attrition`` (later
    reports; with ``meaningful_change`` and ``evidence``), ``reliable_change`` (with
    ``reliable_change_reliability``), ``response_shift``, ``sdg_coverage``, ``feedback``,
    ``subgroups`` (with ``wave_by_group``) and ``tandems`` (final report),
    ``collaboration`` and ``ei_index`` (every report);
    ``custom_sections`` (a researcher's own sections by id, each its rows, see
    :mod:`impact.extension`); then ``accounting`` and ``cleaning_decisions`` of the waves up
    to ``milestone``. A section the
    report leaves out has no key.
    """
    participation = programme.participation()
    participation = participation[participation["wave"].isin(programme.waves_until(milestone))]
    plan = report_plan(programme, milestone)
    included = set(plan.loc[plan["included"], "section"])
    rules = cleaning_decisions(programme, milestone)
    accounting = programme.accounting().drop(columns="file")
    accounting = accounting[accounting["wave"].astype(str).isin(programme.waves_until(milestone))]
    document = {
        "programme": programme.survey.programme.id,
        "synthetic": programme.survey.programme.synthetic,
        "milestone": milestone,
        "kind": milestone_kind(programme, milestone),
        "language": language,
        "wave_date": programme.survey.wave(milestone).date.isoformat(),
        "rendered": (today or dt.date.today()).isoformat(),
        "labels": report_labels(programme, milestone, language),
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
    document.update(_section_keys(programme, milestone, included))
    custom = [c.id for c in programme.survey.sections if c.id in included]
    if custom:
        from impact.extension import section_results

        document["custom_sections"] = {
            section: section_results(programme, milestone, section) for section in custom
        }
    document["accounting"] = _records(accounting)
    document["cleaning_decisions"] = {str(rule): int(n) for rule, n in rules.items()}
    return document


def _section_keys(programme: Programme, milestone: str, included: set[str]) -> dict:
    """The keys of the report's included sections, in the document's order."""
    keys: dict = {}
    if "profile" in included:
        keys["profile_classes"] = _records(profile_classes(programme, milestone))
    if "baseline" in included:
        keys["baseline_bands"] = {
            scale: _records(baseline_bands(programme, scale))
            for scale in baseline_instruments(programme)
        }
    if "norms" in included:
        keys["norms"] = _records(norm_comparison(programme, milestone))
    if "goals" in included:
        keys["goals"] = _records(goal_results(programme, milestone))
    if "change" in included:
        keys["change"] = _records(change_results(programme, milestone))
        keys["effect_sizes"] = _records(effect_sizes(programme, milestone))
    if "meaningful" in included:
        keys["meaningful_change"] = _records(meaningful_results(programme, milestone))
    if "evidence" in included:
        keys["evidence"] = _records(evidence_results(programme, milestone))
    if "partnership" in included:
        keys["partnership_warning"] = _records(below_midpoint(programme, milestone))
    if "all_waves" in included:
        keys["all_waves"] = _records(all_waves(programme, milestone))
    if "attrition" in included:
        keys["attrition"] = _records(attrition_results(programme, milestone))
    if "change" in included:
        keys["design_sensitivity"] = _records(sensitivity_results(programme, milestone))
    if "reliable_change" in included:
        keys["reliable_change"] = _records(reliable_change_results(programme, milestone))
    if "response_shift" in included:
        keys["response_shift"] = _records(response_shift_results(programme, milestone))
    if "sdgs" in included:
        keys["sdg_coverage"] = _records(sdg_coverage(programme, milestone))
    if "feedback" in included:
        keys["feedback"] = feedback_results(programme, milestone)
    if "subgroups" in included:
        keys["subgroups"] = _records(subgroup_results(programme, milestone))
        keys["subgroups_not_estimated"] = subgroups_not_estimated(programme, milestone)
        keys["wave_by_group"] = _records(wave_by_group_results(programme, milestone))
    if "tandems" in included:
        keys["tandems"] = tandem_results(programme, milestone)
    if "reliable_change" in included:
        keys["reliable_change_reliability"] = _records(
            programme.reliable_change_reliability(milestone)
        )
    if "network" in included:
        keys["collaboration"] = _records(collaboration_results(programme, milestone))
        keys["ei_index"] = ei_results(programme, milestone)
    return keys
