"""Scale scores per participant and wave, by each instrument's scoring rule.

A score is computed when at least ``scoring.min_items`` items are valid; a sum is then
prorated (mean of the valid items × number of items), so a missing item does not lower
the score. Otherwise the score is missing and counted.

Examples
--------
>>> import pandas as pd
>>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
>>> who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
>>> responses = pd.DataFrame({
...     "participant": "AB01CD", "wave": "kickoff", "instrument": "who5",
...     "item": ["i1", "i2", "i3", "i4", "i5"], "frame": "now",
...     "value": [3, 4, 3, None, 2]})
>>> score(responses, {"who5": who5})[["scale", "score", "n_valid"]]
  scale  score  n_valid
0  who5   60.0        4
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.definitions import Instrument, Text

SCORE_COLUMNS = [
    "participant",
    "wave",
    "scale",
    "instrument",
    "frame",
    "score",
    "n_valid",
    "n_items",
]


def scale_name(instrument_id: str, frame: str, item: str | None = None) -> str:
    """The scale's name in score tables.

    The instrument id; ``_<item>`` for an item of a ``single`` instrument (each item is a
    score of its own); ``_then`` for retrospective ratings.

    Examples
    --------
    >>> scale_name("competences", "then"), scale_name("cantril", "now", "future")
    ('competences_then', 'cantril_future')
    """
    name = instrument_id if item is None else f"{instrument_id}_{item}"
    return name if frame == "now" else f"{name}_{frame}"


def score(responses: pd.DataFrame, instruments: dict[str, Instrument]) -> pd.DataFrame:
    """Score every scale (and single-item) instrument for each participant and wave.

    Parameters
    ----------
    responses : DataFrame
        Long item responses with ``participant, wave, instrument, item, frame, value``
        (reverse-keyed items already recoded, as :func:`impact.clean.clean` returns them).
    instruments : dict
        Instrument id → Instrument.

    Returns
    -------
    DataFrame
        One row per participant × wave × scale:

        - ``participant``, ``wave``
        - ``scale``: instrument id, with ``_then`` for retrospective ratings; for a
          ``single`` instrument one scale per item, ``<instrument>_<item>``
        - ``instrument``, ``frame``
        - ``score``: the scale score, NaN when too few items are valid
        - ``n_valid``: valid items; ``n_items``: items in the instrument
    """
    scored = []
    for instrument_id, part in responses.groupby("instrument", observed=True, sort=True):
        instrument = instruments[str(instrument_id)]
        if instrument.kind == "single":
            table = part[["participant", "wave", "frame", "item", "value"]].copy()
            table["n_valid"] = table["value"].notna().astype(int)
            table["score"] = table["value"] * instrument.scoring.multiply + instrument.scoring.add
            table["instrument"] = instrument.id
            # scale_name() for every row at once: <instrument>_<item>[_<frame>]
            named = instrument.id + "_" + table["item"]
            table["scale"] = named.where(table["frame"].eq("now"), named + "_" + table["frame"])
            table["n_items"] = 1
            scored.append(table[SCORE_COLUMNS])
            continue
        if instrument.kind != "scale":
            continue
        n_items = len(instrument.items)
        grouped = part.groupby(["participant", "wave", "frame"], observed=True)["value"]
        table = grouped.agg(mean="mean", n_valid="count").reset_index()
        enough = table["n_valid"] >= instrument.min_items
        per_item = table["mean"].where(enough)
        raw = per_item * n_items if instrument.scoring.method == "sum" else per_item
        table["score"] = raw * instrument.scoring.multiply + instrument.scoring.add
        table["instrument"] = instrument.id
        table["scale"] = (instrument.id + "_" + table["frame"]).where(
            table["frame"].ne("now"), instrument.id
        )
        table["n_items"] = n_items
        scored.append(table[SCORE_COLUMNS])
    if not scored:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    result = pd.concat(scored, ignore_index=True)
    return result.sort_values(["scale", "wave", "participant"], ignore_index=True)


def band_labels(scores: pd.Series, instrument: Instrument, language: str = "en") -> pd.Series:
    """The band label (e.g. WHO-5 'poor well-being (≤ 50)') of each score.

    Examples
    --------
    >>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
    >>> who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    >>> band_labels(pd.Series([20.0, 48.0, 76.0]), who5).tolist()
    ['likely depression (≤ 28)', 'poor well-being (≤ 50)', 'good well-being (> 50)']
    """
    if not instrument.bands:
        return pd.Series(pd.NA, index=scores.index, dtype="object")
    edges = [-np.inf] + [b.max for b in instrument.bands if b.max is not None] + [np.inf]
    labels = [_text(b.label, language) for b in instrument.bands]
    if len(labels) == len(edges) - 2:  # the last band has a max too: scores above are unlabelled
        labels.append("")
    return pd.cut(scores, bins=edges, labels=labels, right=True, ordered=False).astype("object")


def categories(scores: pd.DataFrame, instrument: Instrument, language: str = "en") -> pd.DataFrame:
    """Profile classes over several item scores, e.g. Cantril thriving / struggling / suffering.

    The classes come from the instrument's ``categories`` (tried in order, first match
    wins). A participant needs a score on every item that any class names.

    Parameters
    ----------
    scores : DataFrame
        Long scores of the instrument (:func:`score`), one scale per item.
    instrument : Instrument
        The instrument with ``categories``.
    language : str
        Language of the labels.

    Returns
    -------
    DataFrame
        One row per participant × wave with all needed item scores: ``participant``,
        ``wave``, one column per item, ``category`` (the label).

    Examples
    --------
    >>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
    >>> cantril = load_instrument(SHIPPED_INSTRUMENTS / "cantril.yml")
    >>> scores = pd.DataFrame({"participant": ["a", "a", "b", "b", "c", "c"],
    ...     "wave": "kickoff", "instrument": "cantril", "frame": "now",
    ...     "scale": ["cantril_now", "cantril_future"] * 3, "score": [8, 9, 6, 8, 3, 4]})
    >>> categories(scores, cantril)["category"].tolist()
    ['thriving', 'struggling', 'suffering']
    """
    needed = sorted({i for c in instrument.categories for i in c.when})
    names = {scale_name(instrument.id, "now", i): i for i in needed}
    part = scores[scores["scale"].isin(list(names))]
    wide = part.pivot_table(
        index=["participant", "wave"], columns="scale", values="score", observed=True
    ).rename(columns=names)
    wide = wide.reindex(columns=needed).dropna()
    label = pd.Series(pd.NA, index=wide.index, dtype="object")
    for category in instrument.categories:
        match = pd.Series(True, index=wide.index)
        for item, bounds in category.when.items():
            if bounds.min is not None:
                match &= wide[item] >= bounds.min
            if bounds.max is not None:
                match &= wide[item] <= bounds.max
        label = label.where(label.notna() | ~match, _text(category.label, language))
    wide.columns.name = None
    return wide.assign(category=label).reset_index()


def _text(text: Text, language: str) -> str:
    return text[language]


def count_categories(
    data: pd.DataFrame, *, by: list[str], category: str, categories: list[str]
) -> pd.DataFrame:
    """Participants per category and group, every category listed (zeros kept).

    Groups without any counted row are left out.

    Parameters
    ----------
    data : DataFrame
        One row per participant and group, with the category in ``category``.
    by : list of str
        The grouping columns, e.g. ``["scale", "wave"]``.
    category : str
        The column holding the category labels.
    categories : list of str
        Every category, in order; values outside it are not counted.

    Returns
    -------
    DataFrame
        ``by`` columns, then ``category`` (as text), ``order`` (position in
        ``categories``), ``n``, ``total`` (counted rows of the group) and ``share``.

    Examples
    --------
    >>> data = pd.DataFrame({"wave": ["k", "k", "k", "f"], "band": ["low", "high", "high", "low"]})
    >>> count_categories(data, by=["wave"], category="band", categories=["low", "high"])
      wave  band  order  n  total     share
    0    f   low      0  1      1  1.000000
    1    f  high      1  0      1  0.000000
    2    k   low      0  1      3  0.333333
    3    k  high      1  2      3  0.666667
    """
    values = pd.Categorical(data[category], categories=categories)
    counts = (
        data.assign(**{category: values})
        .groupby([*by, category], observed=False)
        .size()
        .rename("n")
        .reset_index()
    )
    totals = counts.groupby(by, observed=True)["n"].transform("sum")
    counts = counts[totals > 0].assign(total=totals[totals > 0])
    counts["order"] = counts[category].cat.codes
    counts["share"] = counts["n"] / counts["total"]
    counts[category] = counts[category].astype(str)
    return counts[[*by, category, "order", "n", "total", "share"]].reset_index(drop=True)
