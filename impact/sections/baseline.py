"""The kick-off report: baseline scores against published cut-offs (bands) and the share of
participants in each profile class (e.g. the Cantril ladder: thriving, struggling,
suffering).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact import fmt
from impact.disclosure import merge_adjacent, protect
from impact.pipeline import Programme
from impact.sections.common import (
    _count_text,
    _k,
    milestone_kind,
    outcomes,
    per_programme,
    scale_label,
    scale_with_range,
    wave_label,
)


def baseline_instruments(programme: Programme) -> list[str]:
    """Outcomes with a published cut-off, compared against it in the baseline report."""
    return [
        scale
        for scale in outcomes(programme)
        if programme.instrument_of(scale).clinical_cutoff is not None
    ]


def baseline_scores(programme: Programme, scale: str) -> pd.Series:
    """The kick-off scores of one scale (missing scores dropped)."""
    scores = programme.scores
    keep = (scores["scale"] == scale) & (scores["wave"] == programme.survey.wave_ids[0])
    return scores.loc[keep, "score"].dropna()


def baseline_sentences(programme: Programme, language: str) -> list[str]:
    """Baseline scores against each instrument's published cut-off."""
    sentences = []
    for scale in baseline_instruments(programme):
        instrument = programme.instrument_of(scale)
        baseline = baseline_scores(programme, scale)
        if baseline.empty:
            continue
        cutoff = instrument.clinical_cutoff
        sentences.append(
            fmt.text(
                "baseline_sentence",
                language,
                scale=scale_with_range(programme, scale, language),
                share=fmt.percent(float((baseline <= cutoff).mean()), language),
                n=len(baseline),
                cutoff=fmt.number(cutoff, 0, language),
                mean=fmt.number(baseline.mean(), 1, language),
            )
        )
    return sentences


def baseline_bands(programme: Programme, scale: str) -> pd.DataFrame:
    """Kick-off participants per score band of an instrument; bands below k combined.

    A band of 1 to k − 1 participants is combined with its smaller neighbouring band
    (:func:`impact.disclosure.merge_adjacent`), as a statistical office combines ordered
    categories rather than blanking them; only when everything would end in one band are
    the bands blanked instead (:func:`impact.disclosure.protect`).

    Returns
    -------
    DataFrame
        - ``band``: position of the (first) band in the instrument definition (0 = lowest)
        - ``last_band``: position of the last band a combined row spans (= ``band`` when
          not combined)
        - ``max``: the row's upper limit (missing for the top band)
        - ``n``: participants in the row (missing when suppressed)
        - ``suppressed``: True for a blanked row
    """
    instrument = programme.instrument_of(scale)
    baseline = baseline_scores(programme, scale).to_numpy()
    edges = [b.max for b in instrument.bands]
    lower = -np.inf
    counts = []
    for upper in edges:
        top = np.inf if upper is None else upper
        counts.append(int(((baseline > lower) & (baseline <= top)).sum()))
        lower = top
    k = _k(programme)
    spans = merge_adjacent(counts, k=k)
    if len(spans) == 1 and len(edges) > 1:
        spans = [(i, i) for i in range(len(edges))]
    table = pd.DataFrame(
        {
            "band": [first for first, _ in spans],
            "last_band": [last for _, last in spans],
            "max": [np.nan if edges[last] is None else edges[last] for _, last in spans],
            "n": [sum(counts[first : last + 1]) for first, last in spans],
        }
    )
    return protect(table, count="n", k=k)


def band_labels(
    programme: Programme, scale: str, language: str, *, spans: list[tuple[int, int]] | None = None
) -> list[str]:
    """Each band's label with the scores it holds: the lowest from the scale's minimum,
    the others from above the band below (scores need not be whole numbers: prorated).
    ``spans`` (first, last band) label bands combined: their names, then the whole range.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> demo = load_programme(DEMO_SURVEY)
    >>> for label in band_labels(demo, "who5", "de"):
    ...     print(label)
    Hinweis auf eine depressive Verstimmung (0–28)
    geringes Wohlbefinden (über 28 bis 50)
    gutes Wohlbefinden (über 50 bis 100)
    >>> band_labels(demo, "who5", "en", spans=[(0, 1), (2, 2)])[0]
    'likely depression or poor well-being (0–50)'
    """
    instrument = programme.instrument_of(scale)
    low, high = instrument.score_range()
    uppers = [high if band.max is None else band.max for band in instrument.bands]
    labels = []
    for first, last in spans or [(i, i) for i in range(len(instrument.bands))]:
        if first == 0:
            scope = f"{_whole(low, language)}–{_whole(uppers[last], language)}"
        else:
            scope = fmt.text(
                "band_range",
                language,
                low=_whole(uppers[first - 1], language),
                high=_whole(uppers[last], language),
            )
        names = [band.label[language] for band in instrument.bands[first : last + 1]]
        labels.append(f"{fmt.either(names, language)} ({scope})")
    return labels


def _whole(value: float, language: str) -> str:
    return fmt.number(value, 0 if float(value).is_integer() else 1, language)


def baseline_bands_table(programme: Programme, scale: str, language: str) -> pd.DataFrame:
    """:func:`baseline_bands` with the bands' labels (combined bands: their labels joined)."""
    t = fmt.texts(language)
    bands = baseline_bands(programme, scale)
    spans = list(zip(bands["band"], bands["last_band"], strict=True))
    hidden = fmt.text("suppressed_value", language, k=_k(programme))
    return pd.DataFrame(
        {
            t["col_band"]: band_labels(programme, scale, language, spans=spans),
            t["col_participants"]: [hidden if pd.isna(n) else str(int(n)) for n in bands["n"]],
        }
    )


def baseline_alt(programme: Programme, scale: str, language: str) -> str:
    """Alt text of a baseline histogram."""
    baseline = baseline_scores(programme, scale)
    return fmt.text(
        "alt_baseline",
        language,
        scale=scale_label(programme, scale, language),
        n=len(baseline),
        mean=fmt.number(baseline.mean(), 1, language),
        cutoffs=", ".join(fmt.number(c, 0, language) for c in cutoffs(programme, scale)),
    )


def cutoffs(programme: Programme, scale: str) -> list[float]:
    """The published band limits of an instrument (its cut-offs)."""
    return [b.max for b in programme.instrument_of(scale).bands if b.max is not None]


@per_programme
def profile_classes(programme: Programme, milestone: str) -> pd.DataFrame:
    """Participants per profile class (e.g. Cantril thriving / struggling / suffering).

    Kick-off reports show the kick-off; later reports every wave up to ``milestone``.
    Classes with 1 to k − 1 participants are blanked.

    Returns
    -------
    DataFrame
        - ``instrument``, ``wave``
        - ``category``: the class (English label of the definition); ``order``: its position
        - ``n``: participants in the class (missing when suppressed)
        - ``total``: participants classified at that wave
        - ``share``: ``n / total`` (missing when suppressed)
        - ``suppressed``: True for a class with 1 to k − 1 participants
    """
    waves = programme.waves_until(milestone)
    if milestone_kind(programme, milestone) == "kickoff":
        waves = waves[:1]
    parts = []
    for instrument in programme.instruments.values():
        if not instrument.categories or instrument.id not in programme.survey.instruments:
            continue
        counts = programme.category_counts(instrument.id, "en")
        counts = counts[counts["wave"].isin(waves)].assign(instrument=instrument.id)
        parts.append(counts)
    columns = ["instrument", "wave", "category", "order", "n", "total", "share", "suppressed"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    table = protect(
        table,
        count="n",
        k=_k(programme),
        within=["instrument", "wave"],
        total="total",
        columns=["share"],
    )
    return table[columns].reset_index(drop=True)


def _category_label(programme: Programme, instrument: str, order: int, language: str) -> str:
    return programme.instruments[instrument].categories[int(order)].label[language]


def profile_classes_table(programme: Programme, milestone: str, language: str) -> pd.DataFrame:
    """:func:`profile_classes` as a table: a row per wave, a column per class."""
    t = fmt.texts(language)
    table = profile_classes(programme, milestone)
    rows = []
    groups = table.groupby(["instrument", "wave"], sort=False, observed=True)
    for (instrument, wave), part in groups:
        row = {
            t["col_scale"]: scale_label(programme, instrument, language),
            t["col_wave"]: wave_label(programme, str(wave), language),
            t["col_n"]: int(part["total"].iloc[0]),
        }
        for r in part.sort_values("order").itertuples():
            text = _count_text(r.n, _k(programme), language)
            if not r.suppressed:
                text += f" ({fmt.percent(r.share, language)})"
            row[_category_label(programme, instrument, r.order, language)] = text
        rows.append(row)
    return pd.DataFrame(rows)


def profile_sentences(programme: Programme, wave: str, language: str) -> list[str]:
    """One sentence per profile instrument: the share of each class at ``wave``."""
    table = profile_classes(programme, wave)
    table = table[table["wave"] == wave]
    sentences = []
    for instrument, part in table.groupby("instrument", sort=False, observed=True):
        classes = fmt.join(
            [
                fmt.quoted(_category_label(programme, instrument, r.order, language), language)
                + " "
                + (
                    # a class blanked to protect another is no smaller than k: "not shown"
                    fmt.text("suppressed_value", language, k=_k(programme))
                    if r.suppressed
                    else fmt.percent(r.share, language)
                )
                for r in part.sort_values("order").itertuples()
            ],
            language,
        )
        sentences.append(
            fmt.text(
                "profile_sentence",
                language,
                scale=scale_label(programme, instrument, language),
                wave=wave_label(programme, wave, language),
                classes=classes,
                n=int(part["total"].iloc[0]),
            )
        )
    return sentences
