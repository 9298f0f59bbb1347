"""``results()``: every number of a report gathered into one document, written as
``<milestone>_<language>.results.json`` beside the report (see ``docs/results-schema.md``).
"""

from __future__ import annotations

import datetime as dt

from impact.pipeline import Programme
from impact.sections.cohort import cleaning_decisions, cohort_counts
from impact.sections.common import _k, _records, milestone_kind
from impact.sections.markup import report_labels
from impact.sections.outline import section_results
from impact.sections.plan import report_plan
from impact.sections.scores import reliability_summary, score_summary


def results(
    programme: Programme, milestone: str, language: str = "en", today: dt.date | None = None
) -> dict:
    """Every number the report shows, for ``results.json`` (aggregates only, no participant).

    Keys: ``programme``, ``synthetic``, ``milestone``, ``kind``, ``language``, ``wave_date``,
    ``rendered``, ``labels`` (the report's title, kind and wave in ``language``, for the
    index page), ``min_group_size``, ``sections`` (the report plan: every section of this
    kind of report, whether it is included and why not), ``participation``, ``cohort``,
    ``scores`` and ``reliability``; then the keys of each section the report includes, in
    the report's order, as the section gives them (:data:`impact.sections.outline.SECTIONS`):
    ``executive_summary``, ``key_figures``, ``goals``, ``norms`` (kick-off and final),
    ``baseline_bands`` (kick-off), ``profile_classes``, ``change`` with ``effect_sizes``
    and ``design_sensitivity``, ``meaningful_change``, ``evidence``,
    ``partnership_warning``, ``all_waves``, ``reliable_change`` with
    ``reliable_change_reliability``, ``response_shift``, ``collaboration`` with
    ``ei_index``, ``sdg_coverage``, ``feedback``, ``subgroups`` with
    ``subgroups_not_estimated`` and ``wave_by_group``, ``tandems``, ``groups`` and
    ``attrition``; ``custom_sections`` (a researcher's own sections by id, each its rows,
    see :mod:`impact.extension`); then ``accounting`` and ``cleaning_decisions`` of the
    waves up to ``milestone``. A section the report leaves out has no key.
    """
    plan = report_plan(programme, milestone)
    participation, waves = programme.participation(), programme.waves_until(milestone)
    rules = cleaning_decisions(programme, milestone)
    accounting = programme.accounting().drop(columns="file")
    accounting = accounting[accounting["wave"].astype(str).isin(waves)]
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
        "participation": _records(participation[participation["wave"].isin(waves)]),
        "cohort": _records(cohort_counts(programme)),
        "scores": _records(score_summary(programme, milestone)),
        "reliability": _records(reliability_summary(programme, milestone)),
    }
    # every section the report includes, in its order (the executive summary, key
    # figures and participation are in every report)
    document.update(section_results(programme, milestone, language))
    document["accounting"] = _records(accounting)
    document["cleaning_decisions"] = {str(rule): int(n) for rule, n in rules.items()}
    return document
