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
from dataclasses import dataclass, field

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
    """One section of a report.

    Attributes
    ----------
    id : str
        The section's id (``change``, ``network`` …).
    kinds : frozenset of str
        The kinds of report it belongs to (``kickoff``, ``progress``, ``final``).
    needs : tuple of str
        What it needs of the programme (keys of :data:`NEEDS`); a report whose programme
        lacks one leaves the section out.
    title : str or None
        Its title, a locale key.
    terms : tuple of str
        The glossary terms it uses.
    group : str or None
        The part of the report it opens or continues (``figures``), whose heading comes
        before its first included section.
    show : callable
        ``show(programme, milestone, language)``: its HTML blocks (escaped, every
        breakdown protected).
    results : callable or None
        ``results(programme, milestone, language)``: its keys of ``results.json``.
    """

    id: str
    kinds: frozenset[str]
    needs: tuple[str, ...] = ()
    title: str | None = None
    terms: tuple[str, ...] = ()
    group: str | None = None
    show: Callable[[Programme, str, str], list[str]] | None = field(default=None, repr=False)
    results: Callable[[Programme, str, str], dict] | None = field(default=None, repr=False)


def _sections() -> tuple[Section, ...]:
    # The sections' content is composed from every module of the package, some of which
    # ask the plan what a report includes: the ordered sections load on first use.
    from impact.sections.outline import SECTIONS

    return SECTIONS


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
    for order, section in enumerate(_sections()):
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
    """Each custom section's place: the position in the report's sections
    (:data:`impact.sections.outline.SECTIONS`) of the section it follows (through other
    custom sections); an unknown one is a located error."""
    from impact.errors import DefinitionError, choice_hint

    positions: dict[str, float] = {s.id: float(i) for i, s in enumerate(_sections())}
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
    """Whether the report for ``milestone`` contains ``section`` (an id of
    :data:`impact.sections.outline.SECTIONS` or of the programme's own sections).

    Raises
    ------
    ArgumentError
        For a section id that is not in the plan (a ``ValueError`` too).
    """
    known = [s.id for s in _sections()] + [c.id for c in programme.survey.sections]
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
    titles = {s.id: s.title for s in _sections()}
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
    used = {t for s in _sections() if s.id in included for t in s.terms} | set(GLOSSARY_ALWAYS)
    return [term for term in GLOSSARY if term in used]
