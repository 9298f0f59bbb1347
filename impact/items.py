"""The kept item answers of a programme, as cleaning leaves them: one matrix per export.

Cleaning works on each export as a matrix (a row per raw row, a column per mapped item).
:class:`KeptItems` keeps those matrices with the bookkeeping of which rows were kept and
whose they are. Scores are computed from them directly (:func:`impact.score.score_items`);
the long table of item responses (``Cleaned.responses``, 16 million rows at 100,000
participants) is written from them only when it is first asked for.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> kept = load_programme(DEMO_SURVEY).cleaned.kept_items
>>> responses = kept.long_table()
>>> list(responses.columns)
['participant', 'wave', 'instrument', 'item', 'frame', 'value']
>>> len(responses) == sum(len(m.rows) * len(m.targets) for m in kept.matrices)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ItemMatrix:
    """One export's cleaned item values and the rows of it that were kept.

    Attributes
    ----------
    values : ndarray
        Cleaned values, a row per raw row of the export and a column per mapped item
        (missing as NaN; recoded and reverse-keyed). Never written to.
    targets : list of tuple
        ``(instrument, frame, item)`` of each column.
    rows : ndarray
        Positions (in ``values``) of the kept rows.
    participant : ndarray
        For each kept row, the position of its participant in ``KeptItems.participants``.
    wave : int
        The position of the export's wave in ``KeptItems.waves``.
    rank : ndarray
        For each kept row, its place among all kept submissions sorted by participant and
        wave (the order of the long table).
    """

    values: np.ndarray
    targets: list[tuple[str, str, str]]
    rows: np.ndarray
    participant: np.ndarray
    wave: int
    rank: np.ndarray


@dataclass(frozen=True)
class KeptItems:
    """The kept submissions' item values of every export of a programme.

    Attributes
    ----------
    matrices : list of ItemMatrix
        One per export, in the order of the survey definition.
    participants : Index
        The participants with a kept submission, sorted as text.
    waves : CategoricalDtype
        The waves, ordered.
    """

    matrices: list[ItemMatrix]
    participants: pd.Index
    waves: pd.CategoricalDtype

    @classmethod
    def of_submissions(
        cls,
        values: list[tuple[np.ndarray, list[tuple[str, str, str]]]],
        submissions: pd.DataFrame,
        kept: np.ndarray,
        waves: pd.CategoricalDtype,
    ) -> KeptItems:
        """The kept rows of each export's matrix, from the submissions table.

        Parameters
        ----------
        values : list of (ndarray, list)
            Each export's value matrix and the targets of its columns, in the order of
            the exports' rows in ``submissions``.
        submissions : DataFrame
            One row per raw row of every export, in export order, with ``wave`` and
            ``participant``.
        kept : ndarray of bool
            Whether each submission is kept.
        waves : CategoricalDtype
            The waves, ordered.
        """
        kept_at = np.flatnonzero(kept)
        wave = pd.Categorical(submissions["wave"], dtype=waves).codes
        participant_code, participants = pd.factorize(
            submissions["participant"].to_numpy()[kept_at], sort=True
        )
        order = np.lexsort((wave[kept_at], participant_code))
        rank = np.full(len(submissions), -1, dtype=np.int64)
        rank[kept_at[order]] = np.arange(len(kept_at))
        participant = np.full(len(submissions), -1, dtype=code_dtype(len(participants)))
        participant[kept_at] = participant_code
        matrices, offset = [], 0
        for matrix, targets in values:
            ranks = rank[offset : offset + len(matrix)]
            rows = np.flatnonzero(ranks >= 0)
            matrices.append(
                ItemMatrix(
                    values=matrix,
                    targets=targets,
                    rows=rows,
                    participant=participant[offset + rows],
                    wave=int(wave[offset]) if len(matrix) else -1,
                    rank=ranks[rows],
                )
            )
            offset += len(matrix)
        return cls(matrices=matrices, participants=pd.Index(participants, dtype="str"), waves=waves)

    def long_table(self) -> pd.DataFrame:
        """The long table of kept item values: ``participant, wave, instrument, item, frame,
        value``, sorted by participant, wave, instrument, frame, item, with categorical
        columns (categories sorted as text; ``wave`` ordered).

        Each kept submission gets a block of rows as long as its export has items, at its
        rank; each export's kept rows are written into their blocks a column at a time, its
        columns in (instrument, frame, item) order. No sort of millions of rows and no
        string per cell.
        """
        targets = sorted({t for m in self.matrices for t in m.targets})
        target_rank = {t: r for r, t in enumerate(targets)}
        n_kept = sum(len(m.rows) for m in self.matrices)
        block = np.zeros(n_kept, dtype=np.int64)
        wave = np.zeros(n_kept, dtype=code_dtype(len(self.waves.categories)))
        participant = np.zeros(n_kept, dtype=code_dtype(len(self.participants)))
        placed = []  # per export: where its columns go, and their target ranks
        for m in self.matrices:
            at = np.array([target_rank[t] for t in m.targets], dtype=np.int64)
            columns = np.argsort(at, kind="stable")  # a twice-mapped item keeps column order
            block[m.rank] = len(at)
            wave[m.rank] = m.wave
            participant[m.rank] = m.participant
            placed.append((columns, at[columns]))
        start = np.cumsum(block) - block
        value = np.empty(int(block.sum()))
        target = np.empty(int(block.sum()), dtype=code_dtype(len(targets)))
        for m, (columns, at) in zip(self.matrices, placed, strict=True):
            first = start[m.rank]
            for place, (column, target_rank_) in enumerate(zip(columns, at, strict=True)):
                value[first + place] = m.values[m.rows, column]
                target[first + place] = target_rank_

        def of_target(part: int) -> pd.Categorical:
            names = sorted({t[part] for t in targets})
            codes = np.array([names.index(t[part]) for t in targets], dtype=code_dtype(len(names)))
            return _categorical(codes[target], names)

        return pd.DataFrame(
            {
                "participant": _categorical(np.repeat(participant, block), self.participants),
                "wave": pd.Categorical.from_codes(np.repeat(wave, block), dtype=self.waves),
                "instrument": of_target(0),
                "item": of_target(2),
                "frame": of_target(1),
                "value": value,
            },
            copy=False,
        )


def code_dtype(categories: int) -> type:
    """The dtype pandas keeps the codes of a categorical with so many ``categories`` in:
    codes made in it are not copied again.

    Examples
    --------
    >>> code_dtype(3).__name__, code_dtype(200).__name__, code_dtype(40_000).__name__
    ('int8', 'int16', 'int32')
    """
    return np.int8 if categories < 2**7 else np.int16 if categories < 2**15 else np.int32


def _categorical(codes: np.ndarray, names: list | np.ndarray | pd.Index) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype="str"))
