"""The methods paragraphs, the limitations and the glossary of a report."""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.outcomes import outcomes_sentence
from impact.pipeline import Programme
from impact.sections.baseline import baseline_instruments, baseline_scores
from impact.sections.common import (
    _in_sentence,
    _k,
    attribute_name,
    milestone_kind,
    scale_label,
    wave_label,
)
from impact.sections.effects import attrition_sentence, sensitivity_sentence
from impact.sections.individual import reliable_change_results
from impact.sections.plan import glossary_terms, includes, not_collected_sentence
from impact.sections.subgroups import subgroup_attributes


# -- methods, limitations, glossary --------------------------------------------------------
def methods_paragraphs(programme: Programme, milestone: str, language: str) -> list[str]:
    """How the numbers were made, for the sections this report contains; one sentence
    names what the programme did not collect (:func:`plan.not_collected_sentence`)."""
    t = fmt.texts(language)
    quotes = t["methods_quotes_on" if programme.survey.privacy.quotes else "methods_quotes_off"]
    kind = milestone_kind(programme, milestone)

    def has(section: str) -> bool:
        return includes(programme, milestone, section)

    paragraphs = [t["methods_scores"], t["methods_reliability"]]
    if kind == "kickoff":
        paragraphs.append(t["methods_baseline"])
    elif has("change"):
        paragraphs += [t["methods_change"], t["methods_mixed_model"]]
        paragraphs.extend(filter(None, [outcomes_sentence(programme, language)]))
        paragraphs.extend(filter(None, [sensitivity_sentence(programme, milestone, language)]))
    if has("meaningful"):
        paragraphs.append(t["methods_meaningful"])
    if has("evidence"):
        paragraphs.append(t["methods_evidence"])
    if has("reliable_change"):
        paragraphs.append(reliable_change_method(programme, milestone, language))
    if has("response_shift"):
        paragraphs.append(t["methods_response_shift"])
    if has("subgroups"):
        paragraphs.append(subgroups_method(programme, language))
    if has("sdgs"):
        paragraphs.append(sdgs_method(programme, language))
    if has("tandems"):
        pairing = programme.survey.registry.pairing or ""
        unit = _in_sentence(attribute_name(programme, pairing, language), language)
        paragraphs.append(fmt.text("methods_tandems", language, unit=unit))
    if has("feedback"):
        paragraphs.append(fmt.text("methods_feedback", language, k=_k(programme)))
    if has("network"):
        paragraphs.append(t["methods_network"])
    paragraphs.extend(filter(None, [not_collected_sentence(programme, milestone, language)]))
    figures = (
        "methods_privacy_individual"
        if programme.survey.privacy.individual_lines
        else "methods_privacy_figures"
    )
    paragraphs.append(
        fmt.text("methods_privacy", language, k=_k(programme), quotes=quotes)
        + " "
        + fmt.text(figures, language, k=_k(programme))
    )
    return paragraphs


def subgroups_method(programme: Programme, language: str) -> str:
    """The paragraph on change by group, naming the breakdowns."""
    names = [
        _in_sentence(attribute_name(programme, a, language), language)
        for a in subgroup_attributes(programme)
    ]
    return fmt.text("methods_subgroups", language, breakdowns=fmt.join(names, language))


def sdgs_method(programme: Programme, language: str) -> str:
    """The paragraph on SDG counts: per project (pair) where the programme pairs
    participants, else per person."""
    pairing = programme.survey.registry.pairing
    if pairing is None:
        return fmt.text("methods_sdgs_person", language)
    unit = _in_sentence(attribute_name(programme, pairing, language), language)
    return fmt.text("methods_sdgs", language, unit=unit)


def reliable_change_method(programme: Programme, milestone: str, language: str) -> str:
    """The Jacobson–Truax paragraph, naming the reliability and SD used for each outcome."""
    table = reliable_change_results(programme, milestone)
    used = table.drop_duplicates("scale")
    sources = "; ".join(
        f"{scale_label(programme, r.scale, language)} "
        f"r_xx = {fmt.no_leading_zero(r.reliability, 2, language)} "
        f"({fmt.texts(language)['source_' + r.reliability_source.replace(' ', '_')]}), "
        f"SD = {fmt.number(r.sd_baseline, 2, language)}"
        for r in used.itertuples()
    )
    return fmt.text("methods_reliable_change", language, sources=sources)


def limitations(programme: Programme, milestone: str, language: str) -> list[str]:
    """What the report cannot show: no control group, attrition (with its direction),
    self-report, small cohort, regression to the mean, self-selection and, at the end,
    the closing mood."""
    t = fmt.texts(language)
    participation = programme.participation().set_index("wave").loc[milestone]
    items = [
        t["no_control_group"],
        fmt.text(
            "limitation_attrition",
            language,
            wave=wave_label(programme, milestone, language),
            rate=fmt.percent(participation["response_rate"], language),
        ),
        t["limitation_small"],
        t["limitation_self_report"],
    ]
    kind = milestone_kind(programme, milestone)
    if kind != "kickoff":
        items.extend(filter(None, [attrition_sentence(programme, milestone, language)]))
        items.extend(regression_sentences(programme, language))
    items.append(t["limitation_selection"])
    if kind == "final":
        items.append(
            fmt.text("limitation_mood", language, wave=wave_label(programme, milestone, language))
        )
    if programme.survey.programme.synthetic:
        items.append(t["limitation_synthetic"])
    return items


def regression_sentences(programme: Programme, language: str) -> list[str]:
    """Regression to the mean, per scale with a published cut-off that a share of the
    cohort started at or below (those are the ones whose rise it can mimic)."""
    sentences = []
    for scale in baseline_instruments(programme):
        baseline = baseline_scores(programme, scale)
        cutoff = programme.instrument_of(scale).clinical_cutoff
        if baseline.empty or cutoff is None:
            continue
        share = float((baseline <= cutoff).mean())
        if share == 0:
            continue
        sentences.append(
            fmt.text(
                "limitation_regression",
                language,
                share=fmt.percent(share, language),
                scale=scale_label(programme, scale, language),
                cutoff=fmt.number(cutoff, 0, language),
            )
        )
    return sentences


def glossary_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """Terms of this report a reader may not know, with a plain explanation; only those
    its sections use (:func:`plan.glossary_terms`)."""
    t = fmt.texts(language)
    entries = [
        fmt.text(f"glossary_{key}", language, k=_k(programme)).split("|", 1)
        for key in glossary_terms(programme, milestone)
    ]
    return pd.DataFrame(entries, columns=[t["col_term"], t["col_meaning"]])
