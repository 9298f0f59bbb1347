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
from impact.items import KeptItems, code_dtype

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


def _codes(values: pd.Series, *, as_text: bool = True) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and their values, for text or categoricals (-1 for missing).

    The values are sorted as text; with ``as_text=False`` a categorical keeps the order
    of its categories (the waves).
    """
    if not isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(values, sort=True)
        return codes, pd.Index(uniques)
    codes, categories = values.cat.codes.to_numpy(), values.cat.categories
    if not as_text or categories.is_monotonic_increasing:
        return codes, categories
    rank = np.argsort(np.argsort(categories.to_numpy()))
    return np.where(codes >= 0, rank[codes], -1), categories.sort_values()


def _sorted_categorical(values: list[str], codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical whose categories are ``values`` sorted."""
    categories, positions = np.unique(np.asarray(values, dtype=object), return_inverse=True)
    positions = positions.astype(code_dtype(len(categories)))  # codes made in pandas' dtype
    return pd.Categorical.from_codes(positions[codes], categories=pd.Index(categories, dtype="str"))


def score(responses: pd.DataFrame, instruments: dict[str, Instrument]) -> pd.DataFrame:
    """Score every scale (and single-item) instrument for each participant and wave.

    Parameters
    ----------
    responses : DataFrame
        Long item responses with ``participant, wave, instrument, item, frame, value``
        (reverse-keyed items already recoded, as :func:`impact.clean.clean` returns them);
        the text columns may be categoricals (as from ``clean``) or plain text.
    instruments : dict
        Instrument id → Instrument.

    Returns
    -------
    DataFrame
        One row per participant × wave × scale, sorted by scale, wave and participant:

        - ``participant``: categorical
        - ``wave``: as in ``responses`` (the ordered wave categorical from ``clean``)
        - ``scale``: categorical; the instrument id, with ``_then`` for retrospective
          ratings; for a ``single`` instrument one scale per item, ``<instrument>_<item>``
        - ``instrument``, ``frame``: categoricals
        - ``score``: the scale score (float), NaN when too few items are valid
        - ``n_valid``: valid items; ``n_items``: items in the instrument (integers)

        The categoricals are unordered, their categories sorted as text (so sorting by
        category is sorting by text); ``participant`` keeps the categories of ``responses``.
    """
    if responses.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    instrument_code, instrument_ids = _codes(responses["instrument"])
    item_code, item_ids = _codes(responses["item"])
    frame_code, frame_ids = _codes(responses["frame"])
    participant_code, participants = _codes(responses["participant"])
    wave_code, waves = _codes(responses["wave"], as_text=False)

    # The scale of every (instrument, item, frame) that occurs: a few dozen, not a row each.
    shape = (len(instrument_ids), len(item_ids), len(frame_ids))
    target = np.ravel_multi_index((instrument_code, item_code, frame_code), shape)
    present = np.flatnonzero(np.bincount(target, minlength=int(np.prod(shape))))
    names: dict[str, tuple[Instrument, str]] = {}
    target_names = {}
    for t in present:
        i, it, f = np.unravel_index(t, shape)
        instrument = instruments[str(instrument_ids[i])]
        if instrument.kind not in ("scale", "single"):
            continue
        frame = str(frame_ids[f])
        item = str(item_ids[it]) if instrument.kind == "single" else None
        name = scale_name(instrument.id, frame, item)
        names[name] = (instrument, frame)
        target_names[t] = name
    if not names:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    scales = _Scales(names)
    # Rows of unscored instruments go to one extra scale past the last, whose groups are
    # left out at the end: no mask and no copy of the long table.
    scale_of_target = np.full(int(np.prod(shape)), len(scales.names), dtype=np.int64)
    for t, name in target_names.items():
        scale_of_target[t] = scales.names.index(name)

    scale = scale_of_target[target]
    del target
    unknown = (participant_code < 0) | (wave_code < 0)
    if unknown.any():  # no participant or wave: not scored (as groupby drops missing keys)
        scale[unknown] = len(scales.names)
        participant_code, wave_code = np.maximum(participant_code, 0), np.maximum(wave_code, 0)
    # One key per (scale, wave, participant), in the order of the result.
    per_scale = len(waves) * len(participants)
    key = scale * len(waves)  # in place from here: 16M-row temporaries cost 128 MB each
    key += wave_code
    key *= len(participants)
    key += participant_code
    value = responses["value"].to_numpy(dtype=float)
    valid = ~np.isnan(value)
    length = (len(scales.names) + 1) * per_scale
    rows = np.bincount(key, minlength=length)[: len(scales.names) * per_scale]
    group_key = np.flatnonzero(rows)
    # Few values are missing: count those and subtract, rather than weigh every row.
    n_valid = (rows - np.bincount(key[~valid], minlength=length)[: len(rows)])[group_key]
    sums = np.bincount(key, weights=np.where(valid, value, 0.0), minlength=length)[group_key]
    group_scale = group_key // per_scale
    score_ = scales.score(group_scale, sums, n_valid)

    repeated = scales.single[group_scale] & (rows[group_key] > 1)
    if repeated.any():
        # A single item answered twice in one wave (two columns mapped to it): each answer
        # is a score of its own, in the order of the rows.
        keep = ~scales.single[group_scale]
        at = np.flatnonzero(np.append(scales.single, False)[scale])
        group_key = np.concatenate([group_key[keep], key[at]])
        score_ = np.concatenate(
            [score_[keep], value[at] * scales.multiply[scale[at]] + scales.add[scale[at]]]
        )
        n_valid = np.concatenate([n_valid[keep], valid[at].astype(np.int64)])
        order = np.argsort(group_key, kind="stable")
        group_key, score_, n_valid = group_key[order], score_[order], n_valid[order]

    wave_dtype = responses["wave"].dtype
    return scales.table(
        np.unravel_index(group_key, (len(scales.names), len(waves), len(participants))),
        score_,
        n_valid,
        participants,
        wave_dtype if isinstance(wave_dtype, pd.CategoricalDtype) else waves,
    )


def score_items(kept: KeptItems, instruments: dict[str, Instrument]) -> pd.DataFrame | None:
    """:func:`score` of the long table ``kept.long_table()``, computed from the per-export
    matrices without building that table.

    Each scale's valid values are summed over its columns, column by column in the order
    of the long table (items sorted within the scale), so every sum, and every score, is
    the one :func:`score` computes, to the last bit.

    Parameters
    ----------
    kept : KeptItems
        The kept item matrices (``Cleaned.kept_items``).
    instruments : dict
        Instrument id → Instrument.

    Returns
    -------
    DataFrame or None
        As :func:`score`; None where a participant's scale gets values from more than one
        kept row in a wave (a ``single`` item mapped to two columns of an export): score
        the long table then.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> programme = load_programme(DEMO_SURVEY)
    >>> fast = score_items(programme.cleaned.kept_items, programme.instruments)
    >>> pd.testing.assert_frame_equal(fast, score(programme.responses, programme.instruments))
    """
    names: dict[str, tuple[Instrument, str]] = {}
    parts = []  # per export: (scale name, its columns in long-table order)
    for matrix in kept.matrices:
        columns_of: dict[str, list[int]] = {}
        if len(matrix.rows):
            in_order = sorted(range(len(matrix.targets)), key=lambda j: matrix.targets[j])
            for j in in_order:
                instrument_id, frame, item = matrix.targets[j]
                instrument = instruments[instrument_id]
                if instrument.kind not in ("scale", "single"):
                    continue
                single = instrument.kind == "single"
                name = scale_name(instrument.id, frame, item if single else None)
                names[name] = (instrument, frame)
                columns_of.setdefault(name, []).append(j)
                if single and len(columns_of[name]) > 1:
                    return None
        parts.append(columns_of)
    if not names:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    scales = _Scales(names)
    # Per (scale, wave): each export's kept rows in participant order, with their sums
    # of valid values and counts, over the whole column (no gather of single cells).
    pieces: dict[tuple[int, int], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for matrix, columns_of in zip(kept.matrices, parts, strict=True):
        if not columns_of:
            continue
        by_participant = np.argsort(matrix.participant, kind="stable")
        rows, participant = matrix.rows[by_participant], matrix.participant[by_participant]
        for name, columns in columns_of.items():
            total = np.zeros(len(matrix.values))
            n_valid = np.zeros(len(matrix.values), dtype=np.int64)
            for j in columns:
                column = matrix.values[:, j]
                valid = ~np.isnan(column)
                np.add(total, column, out=total, where=valid)
                n_valid += valid
            key = (scales.names.index(name), matrix.wave)
            pieces.setdefault(key, []).append((participant, total[rows], n_valid[rows]))
    parts_in_order = []
    for (scale, wave), found in sorted(pieces.items()):
        participant, total, n_valid = (np.concatenate(x) for x in zip(*found, strict=True))
        if len(found) > 1:  # two exports of one wave: merge them in participant order
            order = np.argsort(participant, kind="stable")
            participant, total, n_valid = participant[order], total[order], n_valid[order]
        if (np.diff(participant) == 0).any():
            return None  # a participant's scale from two kept rows of one wave
        score_ = scales.score(scale, total, n_valid)  # one scale's rules: scalars
        parts_in_order.append((scale, wave, participant, score_, n_valid))
    sizes = [len(part[2]) for part in parts_in_order]
    group_scale = np.repeat(np.array([part[0] for part in parts_in_order], np.int16), sizes)
    group_wave = np.repeat(np.array([part[1] for part in parts_in_order], np.int16), sizes)
    participant, score_, n_valid = (
        np.concatenate([part[i] for part in parts_in_order]) for i in (2, 3, 4)
    )
    return scales.table(
        (group_scale, group_wave, participant), score_, n_valid, kept.participants, kept.waves
    )


class _Scales:
    """The scales being scored (sorted by name) and their scoring rules, as arrays."""

    def __init__(self, names: dict[str, tuple[Instrument, str]]) -> None:
        self.names = sorted(names)
        self.frames = [names[s][1] for s in self.names]
        definitions = [names[s][0] for s in self.names]
        self.instruments = [d.id for d in definitions]
        self.single = np.array([d.kind == "single" for d in definitions])
        self.n_items = np.array([1 if d.kind == "single" else len(d.items) for d in definitions])
        self.min_items = np.array([1 if d.kind == "single" else d.min_items for d in definitions])
        self.prorate = np.array([d.scoring.method == "sum" for d in definitions])
        self.multiply = np.array([d.scoring.multiply for d in definitions])
        self.add = np.array([d.scoring.add for d in definitions])

    def score(self, scale: np.ndarray | int, sums: np.ndarray, n_valid: np.ndarray) -> np.ndarray:
        """Scores from the sums and counts of valid values of each group (NaN when too few
        items are valid; a sum prorated); ``scale`` per group, or one for all."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums / n_valid  # a single item's value, or the mean of a scale's valid items
        mean = np.where(n_valid >= self.min_items[scale], mean, np.nan)
        raw = np.where(self.prorate[scale], mean * self.n_items[scale], mean)
        return raw * self.multiply[scale] + self.add[scale]

    def table(
        self,
        codes: tuple[np.ndarray, np.ndarray, np.ndarray],
        score_: np.ndarray,
        n_valid: np.ndarray,
        participants: pd.Index,
        waves: pd.CategoricalDtype | pd.Index,
    ) -> pd.DataFrame:
        """The score table of the groups with these (scale, wave, participant) codes."""
        out_scale, out_wave, out_participant = codes
        return pd.DataFrame(
            {
                "participant": pd.Categorical.from_codes(out_participant, categories=participants),
                "wave": (
                    pd.Categorical.from_codes(out_wave, dtype=waves)
                    if isinstance(waves, pd.CategoricalDtype)
                    else waves.take(out_wave)
                ),
                "scale": pd.Categorical.from_codes(
                    out_scale, categories=pd.Index(self.names, dtype="str")
                ),
                "instrument": _sorted_categorical(self.instruments, out_scale),
                "frame": _sorted_categorical(self.frames, out_scale),
                "score": score_,
                "n_valid": n_valid,
                "n_items": self.n_items[out_scale].astype(np.int64),
            },
            copy=False,  # the columns are fresh: no copy into 2-D blocks (0.3 s at 2.5M rows)
        )


def band_labels(scores: pd.Series, instrument: Instrument, *, language: str = "en") -> pd.Series:
    """The band label (e.g. WHO-5 'poor well-being (≤ 50)') of each score.

    Examples
    --------
    >>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
    >>> who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    >>> band_labels(pd.Series([20.0, 48.0, 76.0]), who5).tolist()
    ['likely depression', 'poor well-being', 'good well-being']
    """
    if not instrument.bands:
        return pd.Series(pd.NA, index=scores.index, dtype="object")
    edges = [-np.inf] + [b.max for b in instrument.bands if b.max is not None] + [np.inf]
    labels = [_text(b.label, language) for b in instrument.bands]
    if len(labels) == len(edges) - 2:  # the last band has a max too: scores above are unlabelled
        labels.append("")
    return pd.cut(scores, bins=edges, labels=labels, right=True, ordered=False).astype("object")


def categories(
    scores: pd.DataFrame, instrument: Instrument, *, language: str = "en"
) -> pd.DataFrame:
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
