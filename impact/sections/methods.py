"""The methods paragraphs, the limitations and the glossary of a report."""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.sections.common import _k, milestone_kind, scale_label, wave_label
from impact.sections.effects import attrition_sentence, sensitivity_sentence
from impact.sections.individual import reliable_change_results

GLOSSARY = (
    "ci",
    "d_z",
    "p",
    "holm",
    "paired",
    "response_rate",
    "cut_off",
    "reliability",
    "mixed_model",
    "reliable_change",
    "response_shift",
    "ei_index",
    "suppression",
)


# -- methods, limitations, glossary --------------------------------------------------------
def methods_paragraphs(programme: Programme, milestone: str, language: str) -> list[str]:
    """How the numbers were made, for this kind of report."""
    t = fmt.texts(language)
    quotes = t["methods_quotes_on" if programme.survey.privacy.quotes else "methods_quotes_off"]
    kind = milestone_kind(programme, milestone)
    paragraphs = [t["methods_scores"], t["methods_reliability"]]
    if kind == "kickoff":
        paragraphs.append(t["methods_baseline"])
    else:
        paragraphs += [t["methods_change"], t["methods_mixed_model"]]
        paragraphs.extend(filter(None, [sensitivity_sentence(programme, milestone, language)]))
    if kind == "final":
        paragraphs += [
            reliable_change_method(programme, milestone, language),
            t["methods_response_shift"],
            t["methods_subgroups"],
            t["methods_sdgs"]
            if "tandem" in programme.registry.columns
            else t["methods_sdgs_person"],
            fmt.text("methods_feedback", language, k=_k(programme)),
        ]
    if kind != "progress":
        paragraphs.append(t["methods_network"])
    paragraphs.append(fmt.text("methods_privacy", language, k=_k(programme), quotes=quotes))
    return paragraphs


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
    """What the report cannot show: no control group, attrition, self-report, small cohort."""
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
    if milestone_kind(programme, milestone) != "kickoff":
        items.extend(filter(None, [attrition_sentence(programme, milestone, language)]))
    if programme.survey.programme.synthetic:
        items.append(t["limitation_synthetic"])
    return items


def glossary_table(programme: Programme, language: str) -> pd.DataFrame:
    """Terms a reader may not know, with a plain explanation."""
    t = fmt.texts(language)
    entries = [
        fmt.text(f"glossary_{key}", language, k=_k(programme)).split("|", 1) for key in GLOSSARY
    ]
    return pd.DataFrame(entries, columns=[t["col_term"], t["col_meaning"]])
