"""The report plan: which sections a report contains, decided by what the programme has.

Each section belongs to some kinds of report (``kickoff``, ``progress``, ``final``) and may
need something of the programme's definition: an instrument of a kind (the collaboration
counts, the SDG tick boxes, free-text feedback), a role of a registry attribute (the
sector, breakdowns), or scales with cut-offs, profile classes or retrospective ratings. A
section whose need is not met is left out of the report, of ``results.json``, of the
methods and of the glossary; :func:`report_plan` says which and why, and ``impact check``
prints it per milestone.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> programme = load_programme(DEMO_SURVEY)
>>> plan = report_plan(programme, "final")
>>> plan.loc[plan["included"], "section"].tolist()[:4]
['executive', 'key_figures', 'goals', 'cohort']
>>> includes(programme, "kickoff", "network"), includes(programme, "milestone-1", "network")
(True, True)
>>> includes(programme, "final", "norms")  # no instrument of the demo carries norms
False
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from impact import fmt
from impact.errors import check_choice
from impact.pipeline import Programme
from impact.sections.baseline import baseline_instruments
from impact.sections.common import _in_sentence, milestone_kind, outcomes, per_programme
from impact.sections.norms import normed_scales
from impact.sections.scores import described_outcomes

ALL_KINDS = frozenset({"kickoff", "progress", "final"})
LATER = frozenset({"progress", "final"})


def _has_kind(kind: str) -> Callable[[Programme], bool]:
    def has(programme: Programme) -> bool:
        return any(
            i.kind == kind and (kind != "text" or not i.identifying)
            for i in programme.instruments.values()
        )

    return has


# What a section may need, and the reason (a locale key) when the programme lacks it.
NEEDS: dict[str, tuple[Callable[[Programme], bool], str]] = {
    "scales": (lambda p: bool(outcomes(p)), "lacks_scales"),
    "cutoffs": (lambda p: bool(baseline_instruments(p)), "lacks_cutoffs"),
    "categories": (
        lambda p: any(i.categories for i in p.instruments.values()),
        "lacks_categories",
    ),
    "described": (lambda p: bool(described_outcomes(p)), "lacks_described"),
    "retrospective": (
        lambda p: bool((p.scores["frame"] == "then").any()),
        "lacks_retrospective",
    ),
    "counts": (_has_kind("counts"), "lacks_counts"),
    "sector_role": (lambda p: p.survey.registry.sector is not None, "lacks_sector"),
    "multiselect": (_has_kind("multiselect"), "lacks_multiselect"),
    "text": (_has_kind("text"), "lacks_text"),
    "breakdowns": (lambda p: bool(p.survey.registry.breakdowns), "lacks_breakdowns"),
    "goals": (lambda p: bool(p.survey.goals), "lacks_goals"),
    "mic": (
        lambda p: any(i.minimal_important_change is not None for i in p.instruments.values()),
        "lacks_mic",
    ),
    "norms": (lambda p: bool(normed_scales(p)), "lacks_norms"),
    "pairs_of_members": (
        lambda p: (
            p.survey.registry.roles.pairing is not None
            and p.survey.registry.roles.pairing.member is not None
        ),
        "lacks_pairing",
    ),
}


@dataclass(frozen=True)
class Section:
    """One section of a report: its id, the kinds of report it belongs to, what it needs
    of the programme (keys of :data:`NEEDS`), its title (a locale key) and the glossary
    terms it uses."""

    id: str
    kinds: frozenset[str]
    needs: tuple[str, ...] = ()
    title: str | None = None
    terms: tuple[str, ...] = ()


# The order of a report. Sections without a title are parts of the report's frame.
SECTIONS: tuple[Section, ...] = (
    Section("executive", ALL_KINDS, title="section_executive"),
    Section("key_figures", ALL_KINDS, title="section_key_figures"),
    Section("goals", LATER, ("goals",), "section_goals"),
    Section("cohort", frozenset({"kickoff", "final"}), title="section_cohort"),
    Section("norms", frozenset({"kickoff", "final"}), ("norms",), "section_norms"),
    Section("baseline", frozenset({"kickoff"}), ("cutoffs",), "section_baseline", ("cut_off",)),
    Section("profile", ALL_KINDS, ("categories",), "section_profile"),
    Section("change", LATER, ("scales",), "section_change", ("ci", "d_z", "p", "holm", "paired")),
    Section("meaningful", LATER, ("scales", "mic"), "section_meaningful", ("mic",)),
    Section("evidence", LATER, ("scales",), "section_evidence", ("evidence",)),
    Section("partnership", LATER, ("described",), "section_partnership", ("midpoint",)),
    Section("all_waves", LATER, ("scales",), "section_all_waves", ("mixed_model",)),
    Section(
        "reliable_change",
        frozenset({"final"}),
        ("scales",),
        "section_reliable_change",
        ("reliable_change", "cut_off"),
    ),
    Section(
        "response_shift",
        frozenset({"final"}),
        ("retrospective",),
        "section_response_shift",
        ("response_shift",),
    ),
    Section("network", ALL_KINDS, ("counts", "sector_role"), "section_network", ("ei_index",)),
    Section("sdgs", frozenset({"final"}), ("multiselect",), "section_sdgs"),
    Section("feedback", LATER, ("text",), "section_feedback"),
    Section("subgroups", frozenset({"final"}), ("breakdowns", "scales"), "section_subgroups"),
    Section(
        "tandems",
        frozenset({"final"}),
        ("pairs_of_members", "scales"),
        "section_tandems",
        ("dyad",),
    ),
    Section("participation", ALL_KINDS, (), "section_participation", ("response_rate",)),
    Section("groups", ALL_KINDS, ("breakdowns",), "section_groups", ("suppression",)),
    Section("commentary", ALL_KINDS, title="section_commentary"),
    Section("methods", ALL_KINDS, title="section_methods"),
    Section("limitations", ALL_KINDS, title="section_limitations"),
    Section("appendix", ALL_KINDS, title="section_appendix"),
    # The statistical sentences (APA strings) are part of the appendix, not of the body.
    Section("summary", ALL_KINDS, title="section_summary"),
    Section("scores", ALL_KINDS, ("scales",), "section_scores"),
    Section("reliability", ALL_KINDS, ("scales",), "section_reliability", ("ci", "reliability")),
    Section("attrition", LATER, ("scales",), "section_attrition"),
    Section("instruments", ALL_KINDS, title="section_instruments"),
    Section("glossary", ALL_KINDS, title="section_glossary"),
)
# The glossary's terms in the order a glossary lists them.
GLOSSARY = (
    "ci",
    "d_z",
    "p",
    "holm",
    "paired",
    "mic",
    "midpoint",
    "evidence",
    "response_rate",
    "cut_off",
    "reliability",
    "mixed_model",
    "reliable_change",
    "response_shift",
    "dyad",
    "ei_index",
    "suppression",
)
# Reasons a section is left out that are not data the programme did not collect.
NOT_COLLECTED = frozenset({"lacks_norms"})
# Every report suppresses small groups, whatever its sections.
GLOSSARY_ALWAYS = ("suppression",)


@per_programme
def _lacking(programme: Programme) -> dict[str, str]:
    """Need → the reason's locale key, for every need the programme does not meet."""
    return {need: reason for need, (has, reason) in NEEDS.items() if not has(programme)}


@per_programme
def report_plan(programme: Programme, milestone: str) -> pd.DataFrame:
    """The sections of the report for ``milestone``, in order, and why any is left out.

    Only the sections of the milestone's kind of report are listed.

    Returns
    -------
    DataFrame
        - ``section``: the section's id
        - ``included``: whether the report contains it
        - ``reason``: for a section left out, the locale key of why (``lacks_counts`` …);
          None for an included one
    """
    kind = milestone_kind(programme, milestone)
    lacking = _lacking(programme)
    rows = []
    for order, section in enumerate(SECTIONS):
        if kind not in section.kinds:
            continue
        reasons = [lacking[need] for need in section.needs if need in lacking]
        rows.append((order, section.id, not reasons, reasons[0] if reasons else None))
    # A researcher's own sections (survey.yml ``sections:``, see impact.extension) follow
    # the section they name, in the order declared.
    places = _custom_places(programme)
    for number, custom in enumerate(programme.survey.sections):
        if kind in custom.kinds:
            rows.append((places[custom.id] + (number + 1) / 1000, custom.id, True, None))
    rows.sort(key=lambda row: row[0])
    return pd.DataFrame([row[1:] for row in rows], columns=["section", "included", "reason"])


def _custom_places(programme: Programme) -> dict[str, float]:
    """Each custom section's place: the position in :data:`SECTIONS` of the section it
    follows (through other custom sections); an unknown one is a located error."""
    from impact.errors import DefinitionError, choice_hint

    positions: dict[str, float] = {s.id: float(i) for i, s in enumerate(SECTIONS)}
    customs = {c.id: c for c in programme.survey.sections}
    for custom in programme.survey.sections:
        if custom.id in positions:
            raise DefinitionError(
                f"the custom section {custom.id!r} has the id of a section of the report",
                file=programme.survey.source,
                key="sections",
                hint="choose another id",
            )
    places: dict[str, float] = {}
    for custom in programme.survey.sections:
        anchor, seen = custom.after, {custom.id}
        while anchor in customs and anchor not in seen:
            seen.add(anchor)
            anchor = customs[anchor].after
        if anchor not in positions:
            choices = [*positions, *customs]
            raise DefinitionError(
                f"section {custom.id!r} follows {custom.after!r}, which is no section of the "
                "report",
                file=programme.survey.source,
                key="sections",
                hint=choice_hint(custom.after, choices, listing="the sections are"),
            )
        places[custom.id] = positions[anchor]
    return places


def includes(programme: Programme, milestone: str, section: str) -> bool:
    """Whether the report for ``milestone`` contains ``section`` (an id of :data:`SECTIONS`).

    Raises
    ------
    ArgumentError
        For a section id that is not in the plan (a ``ValueError`` too).
    """
    known = [s.id for s in SECTIONS] + [c.id for c in programme.survey.sections]
    check_choice(section, known, argument="section", what="one of the report sections")
    plan = report_plan(programme, milestone)
    return bool(plan.loc[plan["section"] == section, "included"].any())


def left_out(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """The sections the report for ``milestone`` leaves out, with their titles and why.

    Returns
    -------
    DataFrame
        ``section``, ``title`` and ``reason`` (both in ``language``).
    """
    plan = report_plan(programme, milestone)
    plan = plan[~plan["included"]]
    titles = {s.id: s.title for s in SECTIONS}
    return pd.DataFrame(
        {
            "section": plan["section"].to_numpy(),
            "title": [fmt.text(titles[s], language) for s in plan["section"]],
            "reason": [fmt.text(r, language) for r in plan["reason"]],
        }
    )


def not_collected_sentence(programme: Programme, milestone: str, language: str) -> str | None:
    """One sentence for the methods: what the programme did not collect, so the report
    does not show it; None when the report lacks nothing."""
    missing = left_out(programme, milestone, language)
    # published norms are no data the programme collects: their absence is not listed
    lacking = report_plan(programme, milestone).set_index("section")["reason"]
    missing = missing[[lacking[s] not in NOT_COLLECTED for s in missing["section"]]]
    if missing.empty:
        return None
    titles = [_in_sentence(title, language) for title in missing["title"]]
    return fmt.text("methods_not_collected", language, sections=fmt.join(titles, language))


def glossary_terms(programme: Programme, milestone: str) -> list[str]:
    """The glossary entries the report's sections use, in the glossary's order."""
    plan = report_plan(programme, milestone)
    included = set(plan.loc[plan["included"], "section"])
    used = {t for s in SECTIONS if s.id in included for t in s.terms} | set(GLOSSARY_ALWAYS)
    return [term for term in GLOSSARY if term in used]
