"""Primary and secondary outcomes: the sentence a report's methods state about them.

survey.yml may declare ``outcomes: {primary: [...], secondary: [...]}``
(:class:`impact.definitions.Outcomes`); :meth:`impact.pipeline.Programme.change` then
corrects the p-values within each family at each wave
(:meth:`impact.pipeline.Programme.outcome_families`). Without the declaration every
outcome is one family, as before, and the methods say nothing more.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> outcomes_sentence(load_programme(DEMO_SURVEY), "en") is None
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from impact import fmt

if TYPE_CHECKING:
    from impact.pipeline import Programme


def outcomes_sentence(programme: Programme, language: str) -> str | None:
    """The methods' sentence on the declared outcome families, or ``None`` without a
    declaration. Outcomes are named by their display names."""
    families = programme.outcome_families()
    if families is None:
        return None
    named: dict[str, list[str]] = {"primary": [], "secondary": [], "exploratory": []}
    for scale, family in families.items():
        if not scale.endswith("_then"):
            named[family].append(programme.scale_label(scale, language))
    none = "–"
    exploratory = ""
    if named["exploratory"]:
        exploratory = fmt.text(
            "methods_outcome_families_exploratory",
            language,
            outcomes=", ".join(named["exploratory"]),
        )
    return fmt.text(
        "methods_outcome_families",
        language,
        primary=", ".join(named["primary"]) or none,
        secondary=", ".join(named["secondary"]) or none,
        exploratory=exploratory,
    )
