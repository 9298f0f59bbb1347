"""Tandems as dyads: whether partners' changes go together, whether one partner's start
predicts the other's result (actor–partner interdependence model), and the change model
with a tandem level as a sensitivity analysis.

Only for a programme that pairs participants (``registry.roles.pairing``) with members told
apart (``member``: mentor and mentee) and at least ``max(10, k)`` complete pairs; every
number is an aggregate over pairs.
"""

from __future__ import annotations

import pandas as pd

from impact import fmt
from impact.errors import DefinitionError
from impact.pipeline import Programme
from impact.sections.common import (
    _excludes_zero,
    _in_outcome_order,
    _in_sentence,
    _records,
    attribute_label,
    attribute_name,
    per_programme,
    scale_label,
)


def _pairing(programme: Programme) -> tuple[str, str | None]:
    pairing = programme.survey.registry.roles.pairing
    if pairing is None:
        raise DefinitionError(
            "the programme declares no pairing", file=programme.survey.source, key="registry.roles"
        )
    return pairing.attribute, pairing.member


@per_programme
def tandem_results(programme: Programme, milestone: str) -> dict[str, list[dict]]:
    """The dyadic analyses from the kick-off to ``milestone``.

    Returns
    -------
    dict
        ``interdependence``: per outcome the Pearson correlation of the partners' changes
        (distinguishable members) and the ICC(1), with CIs and tests
        (:meth:`Programme.dyadic_change`); ``apim``: actor and partner effects per member
        role (:meth:`Programme.apim`, final report only); ``tandem_model``: the change with
        and without a tandem level (:meth:`Programme.tandem_model`).
    """
    dyad, member = _pairing(programme)
    together = programme.dyadic_change(dyad=dyad, member=member, until=milestone)
    together = together[together["wave"].astype(str) == milestone]
    model = programme.tandem_model(dyad=dyad, until=milestone)
    model = model[model["wave"].astype(str) == milestone]
    apim = pd.DataFrame()
    if member is not None and milestone == programme.survey.wave_ids[-1]:
        apim = programme.apim(dyad=dyad, member=member, until=milestone)
    return {
        "interdependence": _records(_in_outcome_order(together, programme)),
        "apim": _records(_in_outcome_order(apim, programme)) if len(apim) else [],
        "tandem_model": _records(_in_outcome_order(model, programme)),
    }


def _correlations(programme: Programme, milestone: str) -> pd.DataFrame:
    table = pd.DataFrame(tandem_results(programme, milestone)["interdependence"])
    if table.empty:
        return table
    distinguishable = table["distinguishable"].any()
    return table[table["method"] == ("pearson" if distinguishable else "intraclass")]


def tandem_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """Per outcome: the correlation of the partners' changes with its CI and the number of
    complete pairs; in the final report the partner effects (one partner's start on the
    other's result, with CIs)."""
    t = fmt.texts(language)
    table = _correlations(programme, milestone)
    if table.empty:
        return pd.DataFrame()
    rows = []
    apim = pd.DataFrame(tandem_results(programme, milestone)["apim"])
    dyad, member = _pairing(programme)
    for r in table.itertuples():
        row = {
            t["col_scale"]: scale_label(programme, r.scale, language),
            t["col_pairs"]: r.n_dyads,
            t["col_partner_r"]: f"{fmt.number(r.r, 2, language)} "
            f"{fmt.interval(r.ci_low, r.ci_high, 2, language)}",
        }
        if len(apim):
            effects = apim[(apim["scale"] == r.scale) & (apim["effect"] == "partner")]
            for e in effects.itertuples():
                label = fmt.text(
                    "col_partner_effect",
                    language,
                    member=attribute_label(programme, member or "", str(e.member), language),
                )
                row[label] = (
                    f"{fmt.number(e.estimate, 2, language)} "
                    f"{fmt.interval(e.ci_low, e.ci_high, 2, language)}"
                )
        rows.append(row)
    return pd.DataFrame(rows)


def tandem_sentences(programme: Programme, milestone: str, language: str) -> list[str]:
    """In plain words: whether partners' changes went together, and (final report) whether
    one partner's start predicted the other's result; and what counting the tandems in the
    change model does to the estimates."""
    table = _correlations(programme, milestone)
    if table.empty:
        return []
    dyad, member = _pairing(programme)
    unit = _in_sentence(
        programme.survey.registry.plural(dyad, language)
        or attribute_name(programme, dyad, language),
        language,
    )
    clear = table[
        [_excludes_zero(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"], strict=True)]
    ]
    sentences = [
        fmt.text(
            "tandem_together" if len(clear) else "tandem_independent",
            language,
            unit=unit,
            n=int(table["n_dyads"].max()),
            low=fmt.number(table["r"].min(), 2, language),
            high=fmt.number(table["r"].max(), 2, language),
            outcomes=fmt.join(
                [scale_label(programme, s, language) for s in clear["scale"]], language
            ),
        )
    ]
    apim = pd.DataFrame(tandem_results(programme, milestone)["apim"])
    if len(apim):
        partner = apim[apim["effect"] == "partner"]
        found = partner[
            [
                _excludes_zero(lo, hi)
                for lo, hi in zip(partner["ci_low"], partner["ci_high"], strict=True)
            ]
        ]
        if found.empty:
            sentences.append(fmt.text("apim_none", language))
        else:
            roles = list(dict.fromkeys(apim["member"].astype(str)))

            def role(value: str) -> str:
                return _in_sentence(
                    attribute_label(programme, member or "", value, language), language
                )

            listed = [
                fmt.text(
                    "apim_effect",
                    language,
                    member=role(str(e.member)),
                    partner=role(next((r for r in roles if r != str(e.member)), str(e.member))),
                    scale=scale_label(programme, e.scale, language),
                    estimate=fmt.number(e.estimate, 2, language),
                    ci=fmt.interval(e.ci_low, e.ci_high, 2, language),
                )
                for e in found.itertuples()
            ]
            sentences.append(fmt.text("apim_some", language, effects="; ".join(listed)))
    model = pd.DataFrame(tandem_results(programme, milestone)["tandem_model"])
    if len(model):
        shift, wider = _tandem_level_effect(model)
        sentences.append(
            fmt.text(
                "tandem_model",
                language,
                unit=unit,
                shift=fmt.percent(shift, language),
                wider=fmt.percent(wider, language),
            )
        )
    return sentences


def _tandem_level_effect(model: pd.DataFrame) -> tuple[float, float]:
    """How much a tandem level moves the change estimates (largest share of their size)
    and widens their CIs (largest relative widening), over the outcomes."""
    by = model.assign(width=model["diff_ci_high"] - model["diff_ci_low"]).pivot_table(
        index="scale", columns="model", values=["diff", "width"], aggfunc="first"
    )
    plain, nested = "participant", "participant in dyad"
    shift = ((by["diff"][nested] - by["diff"][plain]).abs() / by["diff"][plain].abs()).max()
    wider = (by["width"][nested] / by["width"][plain] - 1).max()
    return float(shift), float(max(wider, 0.0))
