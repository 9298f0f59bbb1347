"""The summary at the top of a report: its sentences, gathered from every other section, and
the key figures.
"""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.pipeline import Programme
from impact.sections.baseline import baseline_sentences, profile_sentences
from impact.sections.common import (
    _in_outcome_order,
    milestone_kind,
    scale_label,
    scale_range,
    wave_label,
)
from impact.sections.effects import change_results, change_sentence, holm_sentence
from impact.sections.feedback import feedback_sentence
from impact.sections.individual import reliable_change_sentence, response_shift_sentences
from impact.sections.network import network_sentence, sdg_sentence
from impact.sections.plan import includes
from impact.sections.scores import described_sentences, midpoint_sentences


def summary_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """The plain-language summary that opens the report.

    Participation first; then the baseline (kick-off) or the change so far with its
    uncertainty and effect sizes; then who is compared; last, the missing control group.
    """
    t = fmt.texts(language)
    participation = programme.participation().set_index("wave").loc[milestone]
    wave = wave_label(programme, milestone, language)
    sentences = [
        fmt.text(
            "participation_sentence",
            language,
            responded=int(participation["responded"]),
            registered=int(participation["registered"]),
            rate=fmt.percent(participation["response_rate"], language),
            wave=wave,
        )
    ]
    kind = milestone_kind(programme, milestone)
    if kind == "kickoff":
        sentences.extend(baseline_sentences(programme, language))
        sentences.extend(profile_sentences(programme, milestone, language))
        sentences.extend(filter(None, [network_sentence(programme, milestone, language)]))
        sentences.append(t["no_change_yet"])
        return sentences
    change = change_results(programme, milestone)
    latest = _in_outcome_order(change[change["wave"] == milestone], programme)
    sentences.extend(change_sentence(programme, row, language) for row in latest.to_dict("records"))
    if len(latest):
        sentences.append(holm_sentence(latest, language))
    effects = latest.dropna(subset=["d_av"])
    if len(effects):
        listed = "; ".join(
            f"{scale_label(programme, r.scale, language)} {fmt.number(r.d_av, 2, language)} "
            f"{fmt.interval(r.d_av_ci_low, r.d_av_ci_high, 2, language)}"
            for r in effects.itertuples()
        )
        sentences.append(fmt.text("summary_effect_sizes", language, wave=wave, effects=listed))
    sentences.extend(described_sentences(programme, milestone, language))
    sentences.extend(midpoint_sentences(programme, milestone, language))
    extra = [network_sentence(programme, milestone, language)]
    if kind == "final":
        extra += [
            reliable_change_sentence(programme, milestone, language),
            *response_shift_sentences(programme, milestone, language),
            sdg_sentence(programme, milestone, language),
        ]
    if includes(programme, milestone, "feedback"):
        extra.append(feedback_sentence(programme, milestone, language))
    sentences.extend(s for s in extra if s)
    sentences.append(fmt.text("summary_attrition", language, wave=wave))
    sentences.append(t["no_control_group"])
    return sentences


# -- key figures -----------------------------------------------------------------------------
def key_figures(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """The handful of numbers a reader sees first.

    Returns
    -------
    DataFrame
        - ``key``: stable identifier (``registered``, ``responded``, ``sectors`` where the
          programme declares a sector, ``pairs`` where it pairs participants,
          ``change:<scale>``)
        - ``label``: what the number is, in ``language``
        - ``value``: the number, formatted
        - ``number``: the number itself (for ``results.json``)
    """
    registry = programme.registry
    participation = programme.participation().set_index("wave").loc[milestone]
    wave = wave_label(programme, milestone, language)
    rows = [
        ("registered", fmt.texts(language)["kf_registered"], str(len(registry)), len(registry)),
        (
            "responded",
            fmt.text("kf_responded", language, wave=wave),
            f"{int(participation['responded'])} "
            f"({fmt.percent(participation['response_rate'], language)})",
            int(participation["responded"]),
        ),
    ]
    roles = programme.survey.registry
    for key, attribute in (("sectors", roles.sector), ("pairs", roles.pairing)):
        if attribute is not None:
            n = int(programme.attributes[attribute].nunique())
            label = roles.plural(attribute, language) or roles.name(attribute, language)
            rows.append((key, label, str(n), n))
    if milestone_kind(programme, milestone) != "kickoff":
        change = change_results(programme, milestone)
        latest = _in_outcome_order(change[change["wave"] == milestone], programme)
        for row in latest.itertuples():
            decimals = 1 if abs(row.mean_diff) >= 1 else 2
            rows.append(
                (
                    f"change:{row.scale}",
                    fmt.text(
                        "kf_change", language, scale=scale_label(programme, row.scale, language)
                    ),
                    fmt.text(
                        "kf_change_value",
                        language,
                        diff=fmt.signed(row.mean_diff, decimals, language),
                        range=scale_range(programme, row.scale, language),
                    ),
                    float(row.mean_diff),
                )
            )
    return pd.DataFrame(rows, columns=["key", "label", "value", "number"])
