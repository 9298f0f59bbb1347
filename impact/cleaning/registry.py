"""The programme office's registry, and export keys matched to it.

Examples
--------
>>> from impact.definitions import load_survey
>>> from impact.demo import DEMO_SURVEY
>>> survey, _ = load_survey(DEMO_SURVEY)
>>> registry, log, provenance = read_registry(survey, DEMO_SURVEY.parent)
>>> "participant" in registry and provenance.format
'csv'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from impact.cleaning.keys import (
    arrow_keys,
    arrow_strings,
    check_no_total_row,
    confusable_skeleton,
    key_positions,
    normalise_key,
    typo_pairs,
)
from impact.cleaning.log import log_rows
from impact.definitions import Survey
from impact.errors import InputError, choice_hint
from impact.io import Provenance, read_export


@dataclass(frozen=True)
class Registry:
    """The registry as read by :func:`read_registry`: ``participant`` and the registry
    attributes, the log of its dropped columns and skipped rows, and its provenance."""

    table: pd.DataFrame
    log: pd.DataFrame
    provenance: Provenance


def read_registry(survey: Survey, base: Path) -> tuple[pd.DataFrame, pd.DataFrame, Provenance]:
    """The programme office's registry, keys normalised, identifying columns dropped."""
    spec = survey.registry
    raw = read_export(base / spec.file)
    table = raw.table
    needed = [spec.key, *spec.columns.values()]
    for column in needed:
        if column not in table.columns:
            raise InputError(
                "the registry has no such column",
                file=raw.provenance.path,
                column=column,
                hint=choice_hint(column, table.columns, listing="columns:"),
            )
    empty = table.apply(lambda column: column.str.strip().eq("")).all(axis=1)
    skipped = table.index[empty.to_numpy()]
    table = table[~empty.to_numpy()]
    keys = normalise_key(table[spec.key])
    check_no_total_row(keys, file=raw.provenance.path, column=spec.key)
    blank = keys.isna() | keys.eq("")
    if blank.any():
        raise InputError(
            "a registry row has no participant key",
            file=raw.provenance.path,
            column=spec.key,
            row=int(keys.index[blank.to_numpy()][0]),
            hint="every registered participant needs a key; remove the row or fill in the key",
        )
    # A hash check first; which keys repeat is worked out only when some do.
    repeated = keys[keys.duplicated(keep=False)] if not keys.is_unique else keys.iloc[:0]
    if not repeated.empty:
        raise InputError(
            f"the key {repeated.iloc[0]!r} appears more than once (rows {repeated.index.tolist()})",
            file=raw.provenance.path,
            column=spec.key,
            row=int(repeated.index[0]),
            hint="each participant must be registered once",
        )
    registry = pd.DataFrame({"participant": keys})
    for attribute, column in spec.columns.items():
        registry[attribute] = table[column].str.strip().replace("", np.nan)
    dropped = [c for c in table.columns if c not in needed]
    log = log_rows(
        file=raw.provenance.path,
        column=dropped,
        rule=[
            "identifying_column_dropped" if c in spec.identifying else "column_not_used"
            for c in dropped
        ],
    )
    if len(skipped):
        log = pd.concat(
            [
                log,
                log_rows(
                    file=raw.provenance.path, raw_row=skipped.to_numpy(), rule="blank_row_skipped"
                ),
            ],
            ignore_index=True,
        )
    return registry.reset_index(drop=True), log, raw.provenance


def match_registry(
    submissions: pd.DataFrame, registry_keys: pd.Series, typo_tolerant: bool
) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Keys one edit from exactly one registry key mapped onto it; the rest reported.

    ``registry_keys`` are distinct (:func:`read_registry` refuses a repeated key). Returns
    the participant keys, the log, and whether each key is in the registry.
    """
    participant = submissions["participant"].copy()
    known = arrow_strings(registry_keys)
    logs = []
    # Every key is looked up once; a corrected key's registry position is its match.
    position = key_positions(participant, known)
    unknown_at = np.flatnonzero((position < 0) & participant.ne("").to_numpy())
    if typo_tolerant and unknown_at.size:
        unknown = participant.iloc[unknown_at]
        unknown_keys = arrow_keys(unknown)
        key, match = typo_pairs(unknown_keys, known)
        match_of = np.full(len(unknown_keys) + 1, -1)  # the last for missing keys
        match_of[key] = match
        proposal = match_of[key_positions(unknown, unknown_keys)]
        at, proposal = unknown_at[proposal >= 0], proposal[proposal >= 0]
        # No match where the registry key already answered the same wave: two people.
        answered = np.flatnonzero(np.isin(position, proposal))
        taken = pd.MultiIndex.from_arrays(
            [submissions["wave"].iloc[answered].to_numpy(), position[answered]]
        )
        proposed = pd.MultiIndex.from_arrays([submissions["wave"].iloc[at].to_numpy(), proposal])
        free = ~proposed.isin(taken)
        at, proposal = at[free], proposal[free]
        if at.size:
            rows = submissions.iloc[at]
            target = pd.Series(known.take(proposal), dtype="str").to_numpy()
            logs.append(
                log_rows(
                    wave=rows["wave"].to_numpy(),
                    file=rows["file"].to_numpy(),
                    raw_row=rows["raw_row"].to_numpy(),
                    participant=target,
                    column="key",
                    old_value=rows["participant"].to_numpy(),
                    new_value=target,
                    rule="key_typo_matched",
                )
            )
            participant.iloc[at] = target
            position[at] = proposal
    registered = position >= 0
    missing = ~registered & participant.ne("").to_numpy()
    if missing.any():
        rows = submissions[missing]
        logs.append(
            log_rows(
                wave=rows["wave"].to_numpy(),
                file=rows["file"].to_numpy(),
                raw_row=rows["raw_row"].to_numpy(),
                participant=participant[missing].to_numpy(),
                column="key",
                old_value=participant[missing].to_numpy(),
                rule="key_not_in_registry",
            )
        )
    if missing.any():
        logs += _look_alikes(submissions, participant[missing], registry_keys)
    log = pd.concat(logs, ignore_index=True) if logs else log_rows()
    return participant, log, pd.Series(registered, index=participant.index)


def _look_alikes(
    submissions: pd.DataFrame, unknown: pd.Series, registry_keys: pd.Series
) -> list[pd.DataFrame]:
    """Log rows for the unknown keys whose look-alike letters of other scripts read as a
    registered key (flagged for review, never matched)."""
    odd = ~unknown.str.isascii()
    if not odd.any():
        return []
    skeleton = confusable_skeleton(unknown[odd])
    looks_like = skeleton.isin(set(registry_keys))
    if not looks_like.any():
        return []
    rows = submissions.loc[skeleton.index[looks_like.to_numpy()]]
    return [
        log_rows(
            wave=rows["wave"].to_numpy(),
            file=rows["file"].to_numpy(),
            raw_row=rows["raw_row"].to_numpy(),
            participant=unknown[rows.index].to_numpy(),
            column="key",
            old_value=unknown[rows.index].to_numpy(),
            new_value=skeleton[looks_like].to_numpy(),
            rule="key_confusable",
        )
    ]


def check_some_registered(
    submissions: pd.DataFrame,
    in_registry: pd.Series,
    *,
    file_code: np.ndarray,
    key_columns: dict[str, str],
) -> None:
    """Refuse a wave file none of whose keys is in the registry: the wrong key column, or
    the wrong registry.

    ``file_code`` numbers each row's file in the order of ``key_columns`` (file → its key
    column).
    """
    paths = list(key_columns)
    rows_of_file = np.bincount(file_code, minlength=len(paths))
    registered_of_file = np.bincount(file_code, weights=in_registry, minlength=len(paths))
    unmatched = np.flatnonzero((rows_of_file > 0) & (registered_of_file == 0))
    if unmatched.size:
        path = paths[unmatched[0]]
        keys = submissions.loc[file_code == unmatched[0], "key"].head(3).tolist()
        raise InputError(
            f"none of the keys of this wave file is in the registry (e.g. {keys})",
            file=path,
            column=key_columns[path],
            hint="is 'key_column' the right column, and the registry the right file?",
        )
