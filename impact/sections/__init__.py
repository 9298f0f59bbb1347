"""The content of each report section as data: sentences and formatted tables.

The report shows what its plan (``outline``) gives from these functions, so everything a funder
reads is computed and tested here. Number functions (``score_summary``, ``effect_sizes``,
``group_participation`` …) return tidy DataFrames that also go into ``results.json``; their
``*_table`` siblings translate headers and format numbers per locale. Every breakdown by
group goes through :mod:`impact.scrub`; :func:`html_table` and :func:`html_paragraphs`
escape all text.

The order of a report: executive summary (one page, plain sentences) → key figures →
goals → figures → the evaluator's commentary → methods → limitations → appendix (results
in detail, i.e. the statistical sentences; data quality; instruments and references) →
glossary: the report plan, :data:`SECTIONS` (``outline``).

One module per concept, every public name re-exported here (``sections.heading`` …):
``common`` (labels, shared helpers), ``markup`` (escaped HTML), ``cohort`` (participation,
data quality), ``scores`` (scores, reliability, described outcomes), ``effects`` (change,
all waves, attrition, sensitivity), ``baseline`` (cut-offs, profile classes),
``individual`` (reliable change, response shift), ``network`` (collaboration, E-I, SDGs),
``feedback``, ``subgroups``, ``evidence`` (meaningful change, Bayes factors, equivalence),
``tandems`` (dyadic analyses), ``methods`` (methods, limitations, glossary), ``executive``
(the executive summary), ``norms`` (the cohort beside published population norms),
``summary`` (the statistical sentences, key figures), ``outline`` (the report plan: the
sections in order, each with what it shows, :func:`report_parts`, and what it writes to
``results.json``), ``plan`` (which sections a report contains, from what the programme
has) and ``results_json`` (:func:`results`).

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> programme = load_programme(DEMO_SURVEY)
>>> participation_table(programme, "milestone-1", "en").columns.tolist()
['Wave', 'Registered', 'Responded', 'Response rate']
>>> effect_sizes(programme, "milestone-1").columns.tolist()
['scale', 'wave', 'n', 'd_z', 'ci_low', 'ci_high']

What each kind of report adds (every table below also goes into ``results.json``):

>>> described_outcomes(programme)          # first asked after the kick-off: described only
['partnership']
>>> profile_classes(programme, "kickoff")[["category", "n", "suppressed"]]
     category     n  suppressed
0    thriving  <NA>        True
1   suffering  <NA>        True
2  struggling    28       False
>>> counts = reliable_change_results(programme, "final")
>>> competences = counts.query("scale == 'competences' and kind == 'reliable_change'")
>>> dict(zip(competences["category"], competences["n"].astype(int).tolist()))
{'improved': 12, 'no reliable change': 31, 'deteriorated': 0}
>>> response_shift_results(programme, "final")["comparison"].tolist()
['pre_post', 'then_post', 'pre_then']
>>> ei_results(programme, "final")["change"][0]["ci_low"] > 0   # silo crossing, bootstrap CI
True
>>> sdg_coverage(programme, "final")[["item", "projects", "answered"]].head(2)
  item  projects  answered
0 sdg1         2        24
1 sdg2         2        24
>>> feedback_results(programme, "final")["comments"]
7
>>> bool(subgroup_results(programme, "final").query("group == 'Moshi'")["n"].isna().all())
True
"""

from __future__ import annotations

from impact.sections.baseline import (
    band_labels,
    baseline_alt,
    baseline_bands,
    baseline_bands_table,
    baseline_instruments,
    baseline_scores,
    baseline_sentences,
    cutoffs,
    profile_classes,
    profile_classes_table,
    profile_sentences,
)
from impact.sections.cohort import (
    cleaning_decisions,
    cohort_alt,
    cohort_attribute,
    cohort_caption,
    cohort_counts,
    cohort_sentences,
    cohort_table,
    group_participation,
    groups_table,
    participation_table,
    quality_tables,
)
from impact.sections.commentary import commentary_html, commentary_markup, commentary_path
from impact.sections.common import (
    attribute_label,
    attribute_name,
    milestone_kind,
    outcomes,
    require_responses,
    scale_label,
    scale_range,
    scale_with_range,
    wave_label,
)
from impact.sections.effects import (
    all_waves,
    all_waves_table,
    attrition_results,
    attrition_sentence,
    attrition_table,
    change_results,
    change_sentence,
    change_statistics,
    change_table,
    dz_interval,
    effect_plot_data,
    effect_sizes,
    effects_alt,
    holm_sentence,
    is_finding,
    sensitivity_results,
    sensitivity_sentence,
)
from impact.sections.evidence import (
    change_distribution_data,
    evidence_results,
    evidence_table,
    jacobson_truax_alt,
    jacobson_truax_data,
    jacobson_truax_scales,
    meaningful_results,
    meaningful_sentences,
    meaningful_table,
    minimal_important_changes,
    no_change_sentences,
)
from impact.sections.executive import (
    crossing_shares,
    cutoff_shares,
    differing_groups,
    executive_headline,
    executive_html,
    executive_results,
    executive_summary,
)
from impact.sections.feedback import (
    THEMES,
    feedback_asked,
    feedback_quotes_html,
    feedback_results,
    feedback_sentence,
    feedback_table,
)
from impact.sections.goals import (
    goal_results,
    goals_indicators_sentence,
    goals_sentence,
    goals_table,
)
from impact.sections.individual import (
    reliable_change_alt,
    reliable_change_plot_data,
    reliable_change_results,
    reliable_change_sentence,
    reliable_change_table,
    response_shift_results,
    response_shift_sentences,
    response_shift_table,
)
from impact.sections.instruments import instruments_table, references
from impact.sections.markup import (
    heading,
    html_list,
    html_paragraphs,
    html_table,
    key_figures_html,
    quotes_html,
    report_labels,
    title_html,
)
from impact.sections.methods import (
    glossary_table,
    limitations,
    methods_paragraphs,
    regression_sentences,
    reliable_change_method,
    sdgs_method,
    subgroups_method,
)
from impact.sections.network import (
    collaboration_alt,
    collaboration_plot_data,
    collaboration_results,
    ei_results,
    network_sentence,
    network_waves,
    sdg_alt,
    sdg_coverage,
    sdg_plot_data,
    sdg_sentence,
)
from impact.sections.norms import (
    converted_norm,
    norm_comparison,
    norm_references,
    normed_scales,
    norms_sentences,
    norms_table,
)
from impact.sections.outline import SECTIONS, included_sections, report_parts, section
from impact.sections.plan import (
    GLOSSARY,
    Section,
    glossary_terms,
    includes,
    left_out,
    not_collected_sentence,
    report_plan,
)
from impact.sections.results_json import results
from impact.sections.scores import (
    below_midpoint,
    described_outcomes,
    described_sentences,
    described_table,
    midpoint_sentences,
    reliability_summary,
    reliability_table,
    score_summary,
    scores_table,
    trajectories_alt,
    trajectory_data,
)
from impact.sections.subgroups import (
    subgroup_attributes,
    subgroup_results,
    subgroup_table,
    subgroups_not_estimated,
    wave_by_group_results,
)
from impact.sections.summary import key_figures, summary_sentences
from impact.sections.tandems import tandem_results, tandem_sentences, tandem_table

__all__ = [
    "scale_label",
    "scale_range",
    "scale_with_range",
    "wave_label",
    "attribute_label",
    "attribute_name",
    "milestone_kind",
    "outcomes",
    "require_responses",
    "key_figures_html",
    "quotes_html",
    "html_table",
    "html_paragraphs",
    "html_list",
    "heading",
    "title_html",
    "cohort_attribute",
    "cohort_caption",
    "cohort_counts",
    "cohort_sentences",
    "cohort_table",
    "participation_table",
    "group_participation",
    "groups_table",
    "cohort_alt",
    "quality_tables",
    "cleaning_decisions",
    "report_labels",
    "normed_scales",
    "converted_norm",
    "norm_comparison",
    "norms_table",
    "norms_sentences",
    "norm_references",
    "below_midpoint",
    "midpoint_sentences",
    "feedback_asked",
    "executive_headline",
    "score_summary",
    "scores_table",
    "trajectory_data",
    "trajectories_alt",
    "reliability_summary",
    "reliability_table",
    "described_outcomes",
    "described_table",
    "described_sentences",
    "change_results",
    "dz_interval",
    "effect_sizes",
    "effect_plot_data",
    "change_table",
    "change_sentence",
    "holm_sentence",
    "is_finding",
    "change_statistics",
    "effects_alt",
    "all_waves",
    "all_waves_table",
    "attrition_results",
    "attrition_table",
    "attrition_sentence",
    "sensitivity_results",
    "sensitivity_sentence",
    "baseline_instruments",
    "baseline_scores",
    "baseline_sentences",
    "baseline_bands",
    "band_labels",
    "baseline_bands_table",
    "baseline_alt",
    "cutoffs",
    "profile_classes",
    "profile_classes_table",
    "profile_sentences",
    "reliable_change_results",
    "reliable_change_table",
    "reliable_change_plot_data",
    "reliable_change_alt",
    "reliable_change_sentence",
    "response_shift_results",
    "response_shift_table",
    "response_shift_sentences",
    "network_waves",
    "collaboration_results",
    "collaboration_plot_data",
    "collaboration_alt",
    "ei_results",
    "network_sentence",
    "sdg_coverage",
    "sdg_plot_data",
    "sdg_alt",
    "sdg_sentence",
    "THEMES",
    "feedback_results",
    "feedback_table",
    "feedback_sentence",
    "feedback_quotes_html",
    "subgroup_attributes",
    "subgroups_not_estimated",
    "subgroup_results",
    "subgroup_table",
    "wave_by_group_results",
    "meaningful_results",
    "meaningful_table",
    "meaningful_sentences",
    "evidence_results",
    "evidence_table",
    "no_change_sentences",
    "jacobson_truax_scales",
    "jacobson_truax_data",
    "jacobson_truax_alt",
    "change_distribution_data",
    "minimal_important_changes",
    "tandem_results",
    "tandem_table",
    "tandem_sentences",
    "GLOSSARY",
    "SECTIONS",
    "Section",
    "report_plan",
    "report_parts",
    "included_sections",
    "section",
    "includes",
    "left_out",
    "not_collected_sentence",
    "glossary_terms",
    "methods_paragraphs",
    "reliable_change_method",
    "subgroups_method",
    "sdgs_method",
    "limitations",
    "regression_sentences",
    "glossary_table",
    "summary_sentences",
    "executive_summary",
    "goal_results",
    "instruments_table",
    "references",
    "goals_table",
    "goals_sentence",
    "goals_indicators_sentence",
    "commentary_path",
    "commentary_markup",
    "commentary_html",
    "executive_results",
    "executive_html",
    "cutoff_shares",
    "crossing_shares",
    "differing_groups",
    "key_figures",
    "results",
]
