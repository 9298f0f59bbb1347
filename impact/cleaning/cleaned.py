"""What cleaning returns: :class:`Cleaned`, its tables and their columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from impact.io import Provenance
from impact.items import KeptItems

RESPONSE_COLUMNS = ["participant", "wave", "instrument", "item", "frame", "value"]


TEXT_COLUMNS = ["participant", "wave", "instrument", "item", "text"]


# Per mapped item column of each export: its response scale beside what it holds (after
# recoding, before values outside the scale are set missing).
RANGE_COLUMNS = [
    "wave",
    "file",
    "column",
    "item",
    "scale_min",
    "scale_max",
    "observed_min",
    "observed_max",
    "answered",
    "as_labels",
    "recoded",
]


SUBMISSION_COLUMNS = [
    "wave",
    "file",
    "raw_row",
    "key",
    "participant",
    "started",
    "duration",
    "finished",
    "progress",
]


class _BuiltOnFirstRead:
    """A dataclass field that may be given as :class:`KeptItems`: the table is then built
    from them when first read (and kept). Given a table, the table is the value."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> pd.DataFrame:
        if instance is None:
            raise AttributeError(self.name)  # no default: the field is required
        state = instance.__dict__
        if self.name not in state:
            state[self.name] = state["_kept_items"].long_table()
        return state[self.name]

    def __set__(self, instance: object, value: pd.DataFrame | KeptItems) -> None:
        state = instance.__dict__
        state.pop(self.name, None)
        state["_kept_items"] = value if isinstance(value, KeptItems) else None
        if not isinstance(value, KeptItems):
            state[self.name] = value


@dataclass
class Cleaned:
    """The result of cleaning a programme's exports.

    Attributes
    ----------
    responses : DataFrame
        One row per kept participant × wave × item: ``participant, wave, instrument, item,
        frame, value``, sorted in that order. ``wave`` is an ordered categorical in the
        order of the waves; ``participant``, ``instrument``, ``item`` and ``frame`` are
        categoricals whose categories are their values in lexicographic order (16 million
        rows at 100,000 participants: a code per cell instead of a string); ``frame`` is
        ``now`` or ``then`` (retrospective rating); ``value`` is a float (missing as NaN),
        recoded, reverse-keyed items already reversed. :func:`clean` passes the kept item
        matrices (:class:`impact.items.KeptItems`) instead, and the table is written from
        them when first read; scores do not need it (:func:`impact.score.score_items`).
    submissions : DataFrame
        One row per raw row of every export: ``wave, file, raw_row, key, participant,
        started, duration, finished, progress, answered, speeder, straightlining,
        status`` (``kept`` / ``excluded``), ``reason`` and ``flags`` (``;``-separated).
    log : DataFrame
        One row per cleaning decision: ``wave, file, raw_row, participant, column,
        old_value, new_value, rule``.
    registry : DataFrame
        ``participant`` plus the registry attributes named in the survey definition;
        identifying columns are not in it.
    provenance : list of Provenance
        The raw files read, with their SHA-256.
    texts : DataFrame
        Answers to free-text instruments of kept rows: ``participant, wave, instrument,
        item, text`` (free text marked identifying never gets here).
    columns : DataFrame
        One row per mapped item column of each export: ``wave, file, column, item,
        scale_min, scale_max, observed_min, observed_max`` (after recoding, before values
        outside the scale are set missing), ``answered``, ``as_labels`` (cells read as
        the instrument's response labels) and ``recoded``.
    """

    responses: pd.DataFrame = _BuiltOnFirstRead()  # type: ignore[assignment]
    submissions: pd.DataFrame
    log: pd.DataFrame
    registry: pd.DataFrame
    provenance: list[Provenance] = field(default_factory=list)
    texts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TEXT_COLUMNS))
    columns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RANGE_COLUMNS))

    def provenance_table(self) -> pd.DataFrame:
        """The raw files read, one row each: ``path, sha256, format, container, encoding,
        delimiter, sheet, header_rows, rows`` (the registry first)."""
        columns = ["path", "sha256", "format", "container", "encoding", "delimiter"]
        columns += ["sheet", "header_rows", "rows"]
        return pd.DataFrame(
            [{c: getattr(p, c) for c in columns} for p in self.provenance], columns=columns
        )

    @property
    def kept_items(self) -> KeptItems | None:
        """The kept item matrices the responses are written from; None when the responses
        were given as a table."""
        return self.__dict__.get("_kept_items")
