"""Cleaned data for other tools: CSV and Parquet for R and Python, SPSS ``.sav`` for SPSS/JASP.

The export is one wide table, one row per participant × wave, with the registry attributes
and every item, named ``<instrument>_<item>`` (``_then`` for retrospective ratings). The
``.sav`` file carries the item texts as variable labels and the response labels as value
labels. Files are written atomically: a failed export leaves no half-written file.

Examples
--------
>>> from impact.pipeline import load_programme
>>> programme = load_programme("tests/fixtures/tools/survey.yml")
>>> table = wide(programme.cleaned, programme.instruments)
>>> table.columns[:7].tolist()
['participant', 'wave', 'sector', 'role', 'tandem', 'site', 'who5_i1']
>>> bool(len(table) == programme.cleaned.submissions["status"].eq("kept").sum())
True
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from impact.clean import Cleaned
from impact.definitions import Instrument
from impact.errors import InputError

EXPORT_FORMATS = ("csv", "parquet", "sav")
EXPORT_NAME = "cleaned"


def item_column(instrument: str, item: str, frame: str = "now") -> str:
    """The export name of an item: ``who5_i1``, ``competences_c1_then``.

    Examples
    --------
    >>> item_column("competences", "c1", "then")
    'competences_c1_then'
    """
    return f"{instrument}_{item}" + ("" if frame == "now" else f"_{frame}")


def _item_order(instruments: dict[str, Instrument]) -> list[tuple[str, str, str]]:
    return [
        (instrument.id, item.id, frame)
        for frame in ("now", "then")
        for instrument in instruments.values()
        for item in instrument.items
        if frame == "now" or instrument.retrospective
    ]


def _item_columns(responses: pd.DataFrame) -> pd.Categorical:
    """The export name of every response row, made once per (instrument, item, frame)."""
    parts = [responses[c].astype("category") for c in ("instrument", "item", "frame")]
    if responses.empty:
        return pd.Categorical([], categories=[])
    shape = tuple(len(part.cat.categories) for part in parts)
    target = np.ravel_multi_index([part.cat.codes.to_numpy() for part in parts], shape)
    present = np.flatnonzero(np.bincount(target, minlength=int(np.prod(shape))))
    labels = [part.cat.categories for part in parts]
    names = [
        item_column(*(str(labels[k][code]) for k, code in enumerate(codes)))
        for codes in zip(*np.unravel_index(present, shape), strict=True)
    ]
    categories, position = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    lookup = np.full(int(np.prod(shape)), -1, dtype=np.int64)
    lookup[present] = position
    return pd.Categorical.from_codes(lookup[target], categories=categories)


def wide(cleaned: Cleaned, instruments: dict[str, Instrument]) -> pd.DataFrame:
    """The cleaned responses as one row per participant × wave.

    Parameters
    ----------
    cleaned : Cleaned
        As returned by :func:`impact.clean.clean`.
    instruments : dict
        Instrument id → Instrument; gives the order of the item columns.

    Returns
    -------
    DataFrame
        - ``participant``: the participant key (a pseudonym where keys are pseudonymised)
        - ``wave``: ordered categorical of the survey's waves
        - one column per registry attribute (``sector``, ``role``, … as defined)
        - one float column per item asked, ``<instrument>_<item>`` or
          ``<instrument>_<item>_then``, recoded and reverse-keyed as cleaned; NaN where
          missing
    """
    responses = cleaned.responses
    kept = cleaned.submissions.loc[
        cleaned.submissions["status"].eq("kept"), ["participant", "wave"]
    ]
    rows = kept.drop_duplicates().sort_values(["participant", "wave"]).reset_index(drop=True)
    values = (
        responses.assign(column=_item_columns(responses))
        .pivot(index=["participant", "wave"], columns="column", values="value")
        .reset_index(col_level=0)
    )
    values.columns = pd.Index([str(c) for c in values.columns], dtype=object)
    # Keys of the same type on both sides (the responses' participants are categorical).
    values["participant"] = values["participant"].astype(rows["participant"].dtype)
    table = rows.merge(values, on=["participant", "wave"], how="left")
    table = table.merge(cleaned.registry, on="participant", how="left")
    attributes = [c for c in cleaned.registry.columns if c != "participant"]
    order = [item_column(*key) for key in _item_order(instruments)]
    items = [c for c in order if c in table.columns]
    items += sorted(set(values.columns) - set(items) - {"participant", "wave"})
    return table[["participant", "wave", *attributes, *items]]


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside ``path``, then move it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _labels(
    table: pd.DataFrame, instruments: dict[str, Instrument], language: str
) -> tuple[dict[str, str], dict[str, dict[float, str]]]:
    variable_labels: dict[str, str] = {"participant": "participant (pseudonymous key)"}
    value_labels: dict[str, dict[float, str]] = {}
    for instrument_id, item_id, frame in _item_order(instruments):
        column = item_column(instrument_id, item_id, frame)
        if column not in table.columns:
            continue
        instrument = instruments[instrument_id]
        item = next(i for i in instrument.items if i.id == item_id)
        text = item.text[language] if item.text else item_id
        note = " (reverse-keyed, recoded)" if item.reverse else ""
        when = " [then]" if frame == "then" else ""
        variable_labels[column] = f"{instrument.name[language]}: {text}{when}{note}"[:250]
        if instrument.response is not None and instrument.response.labels:
            low, high = instrument.response.min, instrument.response.max
            labels = {float(v): t[language] for v, t in instrument.response.labels.items()}
            if item.reverse:
                # The value after reversal carries the label of what was answered.
                labels = {low + high - v: t for v, t in labels.items()}
            value_labels[column] = labels
    return variable_labels, value_labels


def export(
    cleaned: Cleaned,
    instruments: dict[str, Instrument],
    out: str | Path,
    *,
    formats: Iterable[str] = ("csv",),
    language: str = "en",
) -> list[Path]:
    """Write the wide cleaned table as CSV, Parquet and/or SPSS ``.sav``.

    Parameters
    ----------
    cleaned : Cleaned
        As returned by :func:`impact.clean.clean`.
    instruments : dict
        Instrument id → Instrument (for column order and labels).
    out : str or Path
        The folder to write ``cleaned.csv``, ``cleaned.parquet``, ``cleaned.sav`` into.
    formats : iterable of {"csv", "parquet", "sav"}
    language : {"en", "de"}
        The language of the SPSS variable and value labels.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        For an unknown export format (before anything is written).
    """
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in EXPORT_FORMATS]
    if unknown:
        raise InputError(
            f"unknown export format(s) {unknown}", hint=f"choose from {list(EXPORT_FORMATS)}"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = wide(cleaned, instruments)
    written = []
    for kind in formats:
        path = out / f"{EXPORT_NAME}.{kind}"
        if kind == "csv":
            _atomic(path, lambda p: table.to_csv(p, index=False, encoding="utf-8"))
        elif kind == "parquet":
            _atomic(path, lambda p: table.to_parquet(p, index=False))
        else:
            _atomic(path, lambda p: _write_sav(table, p, instruments, language))
        written.append(path)
    return written


def _write_sav(
    table: pd.DataFrame, path: Path, instruments: dict[str, Instrument], language: str
) -> None:
    import pyreadstat

    waves = list(table["wave"].cat.categories)
    frame = table.copy()
    frame["wave"] = frame["wave"].cat.codes.astype(float) + 1
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    variable_labels, value_labels = _labels(table, instruments, language)
    variable_labels["wave"] = "wave"
    value_labels["wave"] = {float(i + 1): wave for i, wave in enumerate(waves)}
    measures = {
        c: "scale" if c in value_labels and c != "wave" else "nominal" for c in frame.columns
    }
    measures["wave"] = "ordinal"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={c: variable_labels.get(c, c) for c in frame.columns},
        variable_value_labels=value_labels,
        variable_measure=measures,
    )


__all__ = ["EXPORT_FORMATS", "export", "item_column", "wide"]
