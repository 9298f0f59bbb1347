"""The report's sections in order, each with what it shows and what it writes to
``results.json``: the one plan that the report (:func:`report_parts`) and
:func:`impact.sections.results` both read.

Each :class:`~impact.sections.plan.Section` says which kinds of report it belongs to and
what it needs of the programme (:mod:`impact.sections.plan` decides from that whether a
report includes it), and gives

- ``show(programme, milestone, language)``: its HTML blocks (heading, sentences, tables,
  figures) in the report's language, all escaped, every breakdown protected;
- ``results(programme, milestone)``: its keys of ``results.json``, the numbers it shows.

A researcher's own sections (survey.yml ``sections:``, :mod:`impact.extension`) take their
place in the same plan.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> programme = load_programme(DEMO_SURVEY)
>>> change = section("change")
>>> sorted(change.kinds), sorted(change.results(programme, "final", "en"))
(['final', 'progress'], ['change', 'design_sensitivity', 'effect_sizes'])
>>> blocks = change.show(programme, "final", "en")
>>> blocks[0], sum("<figure" in block for block in blocks)
('<h3>Change since the kick-off</h3>', 2)
"""

from __future__ import annotations

import datetime as dt
import inspect

import pandas as pd

from impact import fmt, sections
from impact.errors import ReportError, check_choice
from impact.pipeline import Programme
from impact.sections.baseline import baseline_bands, baseline_instruments, profile_classes
from impact.sections.cohort import group_participation
from impact.sections.common import _records
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
from impact.sections.norms import norm_comparison
from impact.sections.plan import ALL_KINDS, LATER, Section, report_plan
from impact.sections.scores import below_midpoint
from impact.sections.subgroups import (
    subgroup_results,
    subgroups_not_estimated,
    wave_by_group_results,
)
from impact.sections.summary import key_figures
from impact.sections.tandems import tandem_results

# The heading shown before the first section of a group (the figures and tables part of
# the body), in the report's language.
GROUP_HEADINGS = {"figures": "section_figures"}


def _table(frame) -> list[str]:
    return [sections.html_table(frame)] if len(frame) else []


def _figure(figure, *, alt: str, caption: str) -> str:
    from impact import plots

    return plots.figure_html(figure, alt=alt, caption=caption)


def _labels(programme: Programme, milestone: str, language: str):
    waves = programme.waves_until(milestone)
    wave_labels = {w: sections.wave_label(programme, w, language) for w in waves}
    scale_labels = {
        s: sections.scale_label(programme, s, language) for s in sections.outcomes(programme)
    }
    return wave_labels, scale_labels


# -- the body ----------------------------------------------------------------------------------
def _executive(programme: Programme, milestone: str, language: str) -> list[str]:
    return [sections.executive_html(programme, milestone, language)]


def _key_figures(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    return [
        sections.heading(t["section_key_figures"]),
        sections.key_figures_html(sections.key_figures(programme, milestone, language)),
    ]


def _goals(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    sentences = [
        t["goals_text"],
        sections.goals_sentence(programme, milestone, language),
        sections.goals_indicators_sentence(programme, milestone, language),
    ]
    return [
        sections.heading(t["section_goals"]),
        sections.html_paragraphs(sentences),
        *_table(sections.goals_table(programme, milestone, language)),
    ]


def _cohort(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    blocks = [
        sections.heading(t["section_cohort"], 3),
        sections.html_paragraphs(sections.cohort_sentences(programme, language)),
    ]
    # the figure in the kick-off report; the final report describes its cohort in words
    if sections.milestone_kind(programme, milestone) != "kickoff":
        return blocks
    cohort = sections.cohort_table(programme, language)
    if len(cohort):
        from impact import plots

        figure = plots.group_sizes(
            cohort, group=cohort.columns[0], count=cohort.columns[1], language=language
        )
        blocks.append(
            _figure(
                figure,
                alt=sections.cohort_alt(cohort, language),
                caption=sections.cohort_caption(programme, language),
            )
        )
    return blocks


def _norms(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    return [
        sections.heading(t["section_norms"], 3),
        sections.html_paragraphs(
            [t["norms_text"], *sections.norms_sentences(programme, milestone, language)]
        ),
        *_table(sections.norms_table(programme, milestone, language)),
    ]


def _baseline(programme: Programme, milestone: str, language: str) -> list[str]:
    from impact import plots

    t = fmt.texts(language)
    _, scale_labels = _labels(programme, milestone, language)
    blocks = [sections.heading(t["section_baseline"], 3)]
    for scale in sections.baseline_instruments(programme):
        cutoffs = sections.cutoffs(programme, scale)
        figure = plots.baseline_distribution(
            sections.baseline_scores(programme, scale),
            cutoffs=cutoffs,
            score_range=programme.instruments[scale].score_range(),
            label=scale_labels[scale],
            language=language,
            k=programme.survey.privacy.min_group_size,
        )
        caption = fmt.text(
            "figure_baseline",
            language,
            scale=scale_labels[scale],
            cutoffs=", ".join(fmt.number(c, 0, language) for c in cutoffs),
        )
        alt = sections.baseline_alt(programme, scale, language)
        blocks.append(_figure(figure, alt=alt, caption=caption))
        blocks += _table(sections.baseline_bands_table(programme, scale, language))
    return blocks


def _profile(programme: Programme, milestone: str, language: str) -> list[str]:
    classes = sections.profile_classes_table(programme, milestone, language)
    if not len(classes):
        return []
    return [
        sections.heading(fmt.text("section_profile", language), 3),
        sections.html_paragraphs(sections.profile_sentences(programme, milestone, language)),
        *_table(classes),
    ]


def _change(programme: Programme, milestone: str, language: str) -> list[str]:
    from impact import plots

    t = fmt.texts(language)
    wave_labels, scale_labels = _labels(programme, milestone, language)
    individual_lines = programme.survey.privacy.individual_lines
    trajectories = plots.paired_trajectories(
        sections.trajectory_data(programme, milestone),
        summary=sections.score_summary(programme, milestone),
        scale_labels=scale_labels,
        wave_labels=wave_labels,
        language=language,
        score_ranges={s: programme.instrument_of(s).score_range() for s in scale_labels},
        individual_lines=individual_lines,
    )
    effects = sections.effect_plot_data(programme, milestone, language)
    return [
        sections.heading(t["section_change"], 3),
        _figure(
            trajectories,
            alt=sections.trajectories_alt(programme, milestone, language),
            caption=t["figure_trajectories_lines" if individual_lines else "figure_trajectories"],
        ),
        _figure(
            plots.effect_sizes(effects, language=language),
            alt=sections.effects_alt(effects, language),
            caption=t["figure_effects"],
        ),
        *_table(sections.change_table(programme, milestone, language)),
    ]


def _meaningful(programme: Programme, milestone: str, language: str) -> list[str]:
    from impact import plots

    t = fmt.texts(language)
    _, scale_labels = _labels(programme, milestone, language)
    k = programme.survey.privacy.min_group_size
    individual = programme.survey.privacy.individual_lines
    figure = plots.change_distributions(
        sections.change_distribution_data(programme, milestone),
        scale_labels=scale_labels,
        mic=sections.minimal_important_changes(programme),
        change_label=t["axis_change"],
        language=language,
        individual_values=individual,
    )
    sentences = sections.meaningful_sentences(programme, milestone, language)
    return [
        sections.heading(t["section_meaningful"], 3),
        sections.html_paragraphs([fmt.text("mic_text", language, k=k), *sentences]),
        *_table(sections.meaningful_table(programme, milestone, language)),
        _figure(
            figure,
            alt=fmt.text(
                "alt_change_distributions", language, scales=", ".join(scale_labels.values())
            ),
            caption=t[
                "figure_change_distributions_points"
                if individual
                else "figure_change_distributions"
            ],
        ),
    ]


def _evidence(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    sentences = sections.no_change_sentences(programme, milestone, language)
    return [
        sections.heading(t["section_evidence"], 3),
        sections.html_paragraphs([t["evidence_text"], *sentences]),
        *_table(sections.evidence_table(programme, milestone, language)),
    ]


def _partnership(programme: Programme, milestone: str, language: str) -> list[str]:
    sentences = sections.described_sentences(programme, milestone, language)
    sentences += sections.midpoint_sentences(programme, milestone, language)
    return [
        sections.heading(fmt.text("section_partnership", language), 3),
        sections.html_paragraphs(sentences),
        *_table(sections.described_table(programme, milestone, language)),
    ]


def _all_waves(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    model = sections.all_waves_table(programme, milestone, language)
    return [
        sections.heading(t["section_all_waves"], 3),
        sections.html_paragraphs([t["all_waves_text" if len(model) else "all_waves_failed"]]),
        *_table(model),
    ]


def _reliable_change(programme: Programme, milestone: str, language: str) -> list[str]:
    from impact import plots

    t = fmt.texts(language)
    k = programme.survey.privacy.min_group_size
    sentence = sections.reliable_change_sentence(programme, milestone, language)
    blocks = [
        sections.heading(t["section_reliable_change"], 3),
        sections.html_paragraphs([sentence] if sentence else []),
    ]
    counts = sections.reliable_change_plot_data(programme, milestone, language)
    if len(counts):
        blocks.append(
            _figure(
                plots.reliable_change_counts(counts, k=k, language=language),
                alt=sections.reliable_change_alt(counts, language, k),
                caption=fmt.text("figure_reliable_change", language, k=k),
            )
        )
    blocks += _table(sections.reliable_change_table(programme, milestone, language))
    # the Jacobson–Truax plot is one point a person: individual data
    individual = programme.survey.privacy.individual_lines
    for scale in sections.jacobson_truax_scales(programme) if individual else []:
        points = sections.jacobson_truax_data(programme, milestone, scale, language)
        if len(points["data"]):
            blocks.append(
                _figure(
                    plots.jacobson_truax(**points),
                    alt=sections.jacobson_truax_alt(points, language),
                    caption=fmt.text("figure_jacobson_truax", language, scale=points["title"], k=k),
                )
            )
    clinical = sections.reliable_change_table(
        programme, milestone, language, kind="clinical_change"
    )
    if len(clinical):
        blocks += [sections.html_paragraphs([t["clinical_change_text"]]), *_table(clinical)]
    return blocks


def _response_shift(programme: Programme, milestone: str, language: str) -> list[str]:
    shift = sections.response_shift_table(programme, milestone, language)
    if not len(shift):
        return []
    return [
        sections.heading(fmt.text("section_response_shift", language), 3),
        sections.html_paragraphs(sections.response_shift_sentences(programme, milestone, language)),
        *_table(shift),
    ]


def _network(programme: Programme, milestone: str, language: str) -> list[str]:
    from impact import plots

    network = sections.collaboration_plot_data(programme, milestone, language)
    if not len(network):
        return []
    sentence = sections.network_sentence(programme, milestone, language)
    return [
        sections.heading(fmt.text("section_network", language), 3),
        sections.html_paragraphs([sentence] if sentence else []),
        _figure(
            plots.collaboration_matrices(network, language=language),
            alt=sections.collaboration_alt(programme, milestone, language),
            caption=fmt.text("figure_matrix", language, k=programme.survey.privacy.min_group_size),
        ),
    ]


def _sdgs(programme: Programme, milestone: str, language: str) -> list[str]:
    from impact import plots

    goals = sections.sdg_plot_data(programme, milestone, language)
    if not len(goals):
        return []
    sentence = sections.sdg_sentence(programme, milestone, language)
    return [
        sections.heading(fmt.text("section_sdgs", language), 3),
        sections.html_paragraphs([sentence] if sentence else []),
        _figure(
            plots.sdg_coverage(goals, language=language),
            alt=sections.sdg_alt(goals, language),
            caption=fmt.text("figure_sdgs", language),
        ),
    ]


def _feedback(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    sentence = sections.feedback_sentence(programme, milestone, language)
    if not sentence:
        return []
    blocks = [sections.heading(t["section_feedback"], 3), sections.html_paragraphs([sentence])]
    themes = sections.feedback_table(programme, milestone, language)
    if len(themes):
        blocks += [sections.html_paragraphs([t["feedback_themes_text"]]), *_table(themes)]
    return [*blocks, sections.feedback_quotes_html(programme, milestone)]


def _subgroups(programme: Programme, milestone: str, language: str) -> list[str]:
    groups = sections.subgroup_table(programme, milestone, language)
    if not len(groups):
        return []
    k = programme.survey.privacy.min_group_size
    return [
        sections.heading(fmt.text("section_subgroups", language), 3),
        sections.html_paragraphs([fmt.text("subgroups_text", language, k=k)]),
        *_table(groups),
    ]


def _tandems(programme: Programme, milestone: str, language: str) -> list[str]:
    pairs = sections.tandem_table(programme, milestone, language)
    if not len(pairs):
        return []
    return [
        sections.heading(fmt.text("section_tandems", language), 3),
        sections.html_paragraphs(sections.tandem_sentences(programme, milestone, language)),
        *_table(pairs),
    ]


def _participation(programme: Programme, milestone: str, language: str) -> list[str]:
    return [
        sections.heading(fmt.text("section_participation", language), 3),
        *_table(sections.participation_table(programme, milestone, language)),
    ]


def _groups(programme: Programme, milestone: str, language: str) -> list[str]:
    k = programme.survey.privacy.min_group_size
    return [
        sections.heading(fmt.text("section_groups", language), 3),
        sections.html_paragraphs([fmt.text("cohort_small_groups", language, k=k)]),
        *_table(sections.groups_table(programme, milestone, language)),
    ]


# -- the frame: commentary, methods, appendix --------------------------------------------------
def _commentary(programme: Programme, milestone: str, language: str) -> list[str]:
    """The evaluator's own words (the report writes no recommendations itself), from the
    programme's folder."""
    t = fmt.texts(language)
    blocks = [sections.heading(t["section_commentary"])]
    commentary = sections.commentary_html(programme, milestone, language)
    if commentary:
        return [*blocks, sections.html_paragraphs([t["commentary_by_evaluator"]]) + commentary]
    path = sections.commentary_path(programme, milestone, language)
    name = path.name if path is not None else f"commentary-{milestone}.{language}.md"
    missing = fmt.text("commentary_missing", language, file=name)
    return [*blocks, sections.html_paragraphs([missing])]


def _methods(programme: Programme, milestone: str, language: str) -> list[str]:
    return [
        sections.heading(fmt.text("section_methods", language)),
        sections.html_paragraphs(sections.methods_paragraphs(programme, milestone, language)),
    ]


def _limitations(programme: Programme, milestone: str, language: str) -> list[str]:
    return [
        sections.heading(fmt.text("section_limitations", language)),
        sections.html_list(sections.limitations(programme, milestone, language)),
    ]


def _appendix(programme: Programme, milestone: str, language: str) -> list[str]:
    return [sections.heading(fmt.text("section_appendix", language))]


def _summary(programme: Programme, milestone: str, language: str) -> list[str]:
    """The statistical sentences (APA strings), then the data-quality tables."""
    t = fmt.texts(language)
    rows, decisions = sections.quality_tables(programme, milestone, language)
    return [
        sections.heading(t["section_summary"], 3),
        sections.html_paragraphs(sections.summary_sentences(programme, milestone, language)),
        sections.heading(t["section_quality"], 3),
        sections.html_paragraphs([t["quality_text"]]),
        *_table(rows),
        *_table(decisions),
    ]


def _scores(programme: Programme, milestone: str, language: str) -> list[str]:
    return [
        sections.heading(fmt.text("section_scores", language), 3),
        *_table(sections.scores_table(programme, milestone, language)),
    ]


def _reliability(programme: Programme, milestone: str, language: str) -> list[str]:
    return [
        sections.heading(fmt.text("section_reliability", language), 3),
        *_table(sections.reliability_table(programme, milestone, language)),
    ]


def _attrition(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    return [
        sections.heading(t["section_attrition"], 3),
        sections.html_paragraphs([t["attrition_text"]]),
        *_table(sections.attrition_table(programme, milestone, language)),
    ]


def _instruments(programme: Programme, milestone: str, language: str) -> list[str]:
    t = fmt.texts(language)
    return [
        sections.heading(t["section_instruments"]),
        *_table(sections.instruments_table(programme, language)),
        sections.heading(t["section_references"], 3),
        sections.html_list(sections.references(programme, milestone)),
    ]


def _glossary(programme: Programme, milestone: str, language: str) -> list[str]:
    return [
        sections.heading(fmt.text("section_glossary", language)),
        *_table(sections.glossary_table(programme, milestone, language)),
    ]


# -- what each section writes to results.json -------------------------------------------------
def _keys(**parts):
    """A section's ``results`` function: each key of results.json and the function of
    ``(programme, milestone)``, or of ``(programme, milestone, language)``, that gives its
    value (a table as records)."""
    with_language = {
        key: "language" in inspect.signature(function).parameters for key, function in parts.items()
    }

    def results(programme: Programme, milestone: str, language: str) -> dict:
        document = {}
        for key, function in parts.items():
            args = (
                (programme, milestone, language) if with_language[key] else (programme, milestone)
            )
            value = function(*args)
            document[key] = _records(value) if isinstance(value, pd.DataFrame) else value
        return document

    return results


def _baseline_bands(programme: Programme, milestone: str) -> dict:
    return {
        scale: _records(baseline_bands(programme, scale))
        for scale in baseline_instruments(programme)
    }


def _key_figure_numbers(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    return key_figures(programme, milestone, language)[["key", "number"]]


def _reliable_change_reliability(programme: Programme, milestone: str) -> pd.DataFrame:
    return programme.reliable_change_reliability(milestone)


_FINAL = frozenset({"final"})
_KICKOFF_FINAL = frozenset({"kickoff", "final"})

# The order of a report. Sections of no group are the report's frame.
SECTIONS: tuple[Section, ...] = (
    Section(
        "executive",
        ALL_KINDS,
        title="section_executive",
        show=_executive,
        results=_keys(executive_summary=executive_results),
    ),
    Section(
        "key_figures",
        ALL_KINDS,
        title="section_key_figures",
        show=_key_figures,
        results=_keys(key_figures=_key_figure_numbers),
    ),
    Section(
        "goals",
        LATER,
        ("goals",),
        "section_goals",
        show=_goals,
        results=_keys(goals=goal_results),
    ),
    Section(
        "cohort",
        _KICKOFF_FINAL,
        title="section_cohort",
        group="figures",
        show=_cohort,
    ),
    Section(
        "norms",
        _KICKOFF_FINAL,
        ("norms",),
        "section_norms",
        group="figures",
        show=_norms,
        results=_keys(norms=norm_comparison),
    ),
    Section(
        "baseline",
        frozenset({"kickoff"}),
        ("cutoffs",),
        "section_baseline",
        ("cut_off",),
        group="figures",
        show=_baseline,
        results=_keys(baseline_bands=_baseline_bands),
    ),
    Section(
        "profile",
        ALL_KINDS,
        ("categories",),
        "section_profile",
        group="figures",
        show=_profile,
        results=_keys(profile_classes=profile_classes),
    ),
    Section(
        "change",
        LATER,
        ("scales",),
        "section_change",
        ("ci", "d_z", "p", "holm", "paired"),
        group="figures",
        show=_change,
        results=_keys(
            change=change_results,
            effect_sizes=effect_sizes,
            design_sensitivity=sensitivity_results,
        ),
    ),
    Section(
        "meaningful",
        LATER,
        ("scales", "mic"),
        "section_meaningful",
        ("mic",),
        group="figures",
        show=_meaningful,
        results=_keys(meaningful_change=meaningful_results),
    ),
    Section(
        "evidence",
        LATER,
        ("scales",),
        "section_evidence",
        ("evidence",),
        group="figures",
        show=_evidence,
        results=_keys(evidence=evidence_results),
    ),
    Section(
        "partnership",
        LATER,
        ("described",),
        "section_partnership",
        ("midpoint",),
        group="figures",
        show=_partnership,
        results=_keys(partnership_warning=below_midpoint),
    ),
    Section(
        "all_waves",
        LATER,
        ("scales",),
        "section_all_waves",
        ("mixed_model",),
        group="figures",
        show=_all_waves,
        results=_keys(all_waves=all_waves),
    ),
    Section(
        "reliable_change",
        _FINAL,
        ("scales",),
        "section_reliable_change",
        ("reliable_change", "cut_off"),
        group="figures",
        show=_reliable_change,
        results=_keys(
            reliable_change=reliable_change_results,
            reliable_change_reliability=_reliable_change_reliability,
        ),
    ),
    Section(
        "response_shift",
        _FINAL,
        ("retrospective",),
        "section_response_shift",
        ("response_shift",),
        group="figures",
        show=_response_shift,
        results=_keys(response_shift=response_shift_results),
    ),
    Section(
        "network",
        ALL_KINDS,
        ("counts", "sector_role"),
        "section_network",
        ("ei_index",),
        group="figures",
        show=_network,
        results=_keys(collaboration=collaboration_results, ei_index=ei_results),
    ),
    Section(
        "sdgs",
        _FINAL,
        ("multiselect",),
        "section_sdgs",
        group="figures",
        show=_sdgs,
        results=_keys(sdg_coverage=sdg_coverage),
    ),
    Section(
        "feedback",
        LATER,
        ("text",),
        "section_feedback",
        group="figures",
        show=_feedback,
        results=_keys(feedback=feedback_results),
    ),
    Section(
        "subgroups",
        _FINAL,
        ("breakdowns", "scales"),
        "section_subgroups",
        group="figures",
        show=_subgroups,
        results=_keys(
            subgroups=subgroup_results,
            subgroups_not_estimated=subgroups_not_estimated,
            wave_by_group=wave_by_group_results,
        ),
    ),
    Section(
        "tandems",
        _FINAL,
        ("pairs_of_members", "scales"),
        "section_tandems",
        ("dyad",),
        group="figures",
        show=_tandems,
        results=_keys(tandems=tandem_results),
    ),
    Section(
        "participation",
        ALL_KINDS,
        (),
        "section_participation",
        ("response_rate",),
        group="figures",
        show=_participation,
    ),
    Section(
        "groups",
        ALL_KINDS,
        ("breakdowns",),
        "section_groups",
        ("suppression",),
        group="figures",
        show=_groups,
        results=_keys(groups=group_participation),
    ),
    Section("commentary", ALL_KINDS, title="section_commentary", show=_commentary),
    Section("methods", ALL_KINDS, title="section_methods", show=_methods),
    Section("limitations", ALL_KINDS, title="section_limitations", show=_limitations),
    Section("appendix", ALL_KINDS, title="section_appendix", show=_appendix),
    # The statistical sentences (APA strings) are part of the appendix, not of the body.
    Section("summary", ALL_KINDS, title="section_summary", show=_summary),
    Section(
        "scores",
        ALL_KINDS,
        ("scales",),
        "section_scores",
        show=_scores,
    ),
    Section(
        "reliability",
        ALL_KINDS,
        ("scales",),
        "section_reliability",
        ("ci", "reliability"),
        show=_reliability,
    ),
    Section(
        "attrition",
        LATER,
        ("scales",),
        "section_attrition",
        show=_attrition,
        results=_keys(attrition=attrition_results),
    ),
    Section("instruments", ALL_KINDS, title="section_instruments", show=_instruments),
    Section("glossary", ALL_KINDS, title="section_glossary", show=_glossary),
)
_BY_ID = {s.id: s for s in SECTIONS}


def section(section_id: str) -> Section:
    """The section of the report plan with this id (see :data:`SECTIONS`).

    Raises
    ------
    ArgumentError
        For an id that is no section of the report (a ``ValueError`` too).
    """
    check_choice(section_id, list(_BY_ID), argument="section", what="one of the report sections")
    return _BY_ID[section_id]


def included_sections(programme: Programme, milestone: str) -> list[str]:
    """The ids of the sections the report for ``milestone`` contains, in order (the
    programme's own sections at their places)."""
    plan = report_plan(programme, milestone)
    return plan.loc[plan["included"], "section"].tolist()


def section_results(programme: Programme, milestone: str, language: str) -> dict:
    """The ``results.json`` keys of every section the report contains, in the report's
    order, and ``custom_sections`` (the programme's own, by id) when it has any."""
    document: dict = {}
    custom: dict = {}
    for section_id in included_sections(programme, milestone):
        builtin = _BY_ID.get(section_id)
        if builtin is not None:
            if builtin.results is not None:
                document.update(builtin.results(programme, milestone, language))
        else:
            from impact.extension import section_results as custom_results

            custom[section_id] = custom_results(programme, milestone, section_id)
    if custom:
        document["custom_sections"] = custom
    return document


def report_parts(
    programme: Programme, milestone: str, language: str, *, today: dt.date | None = None
) -> list[str]:
    """The report for ``milestone`` in ``language`` as HTML blocks, in order: its cover,
    then what each included section shows (a group's heading before its first section).

    Raises
    ------
    ReportError
        When the milestone has no responses, or a section cannot be shown: naming the
        report and the section.
    """
    sections.require_responses(programme, milestone)
    t = fmt.texts(language)
    parts = [sections.title_html(programme, milestone, language, today=today)]
    groups_begun: set[str] = set()
    for section_id in included_sections(programme, milestone):
        builtin = _BY_ID.get(section_id)
        if builtin is not None and builtin.group and builtin.group not in groups_begun:
            groups_begun.add(builtin.group)
            parts.append(sections.heading(t[GROUP_HEADINGS[builtin.group]]))
        try:
            if builtin is None:
                from impact.extension import section_html

                parts.append(section_html(programme, milestone, section_id, language))
            else:
                parts += builtin.show(programme, milestone, language)
        except ReportError:
            raise
        except Exception as error:
            raise ReportError(
                f"{type(error).__name__}: {error}",
                milestone=milestone,
                language=language,
                section=section_id,
            ) from error
    return parts
