"""Cleaning by the definitions: raw exports → one tidy long table, and a log of every decision.

:func:`clean` runs the stages of :mod:`impact.cleaning` in this order:

1. the files the definition names are checked: each named once, existing, inside the
   programme's folder (:mod:`~impact.cleaning.files`); the salt is loaded when keys are
   pseudonymised;
2. the registry is read (:mod:`~impact.cleaning.registry`) and every export of every wave
   read and cleaned, side by side (:mod:`~impact.cleaning.exports`): export columns mapped
   to instrument items, identifying, ignored and unused columns dropped and logged; values
   parsed (decimal commas, response labels in German or English, the mapping's own
   labels, an SPSS file's value labels); missing codes (the survey's, the instrument's,
   the tool's residual codes, an SPSS file's user-missing values) → missing, logged per
   cell; the mapping's recodes (logged once per column); values outside the response
   scale → missing (logged per cell); reverse-keyed items recoded (logged once per column);
3. two exports with the same contents are refused;
4. the submissions of all exports become one table, and their keys, normalised, are
   matched to the registry (one-edit typos only when unambiguous, logged for review;
   look-alike letters flagged); a wave file none of whose keys is registered is refused;
5. the survey's quality policy decides over rows without a key or not registered,
   incomplete responses, speeders, straight-lining and duplicate submissions
   (:mod:`~impact.cleaning.quality`): every raw row ends as kept or excluded-with-a-reason;
6. the free texts of kept rows are taken, the log assembled, and keys replaced by their
   pseudonyms where the survey asks (:mod:`~impact.cleaning.pseudonyms`);
7. the kept item answers are returned as :class:`Cleaned`, the long table written from
   them on first read.

Examples
--------
>>> from impact.definitions import load_survey
>>> from impact.clean import clean, accounting
>>> from impact.demo import DEMO_SURVEY
>>> survey, instruments = load_survey(DEMO_SURVEY)
>>> cleaned = clean(survey, instruments, DEMO_SURVEY.parent)
>>> table = accounting(cleaned)
>>> bool((table["raw_rows"] == table["kept"] + table["excluded"]).all())
True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from impact.cleaning.accounting import REVIEW_RULES, accounting, review
from impact.cleaning.cleaned import (
    RANGE_COLUMNS,
    RESPONSE_COLUMNS,
    SUBMISSION_COLUMNS,
    TEXT_COLUMNS,
    Cleaned,
)
from impact.cleaning.exports import combined_submissions, kept_texts, read_and_clean_all
from impact.cleaning.files import (
    FUTURE_WAVE_DAYS,
    allowed_folders,
    check_distinct_contents,
    check_files,
    check_inside,
)
from impact.cleaning.item_rules import recode, reverse_key
from impact.cleaning.keys import LOOK_ALIKES, confusable_skeleton, normalise_key, typo_candidates
from impact.cleaning.log import LOG_COLUMNS, log_rows
from impact.cleaning.pseudonyms import (
    pseudonymised_log,
    pseudonymised_participants,
    pseudonymised_submissions,
)
from impact.cleaning.quality import apply_policy
from impact.cleaning.registry import check_some_registered, match_registry, read_registry
from impact.cleaning.times import EXCEL_EPOCH, parse_times
from impact.definitions import Instrument, Survey
from impact.items import KeptItems
from impact.privacy import load_salt

__all__ = [
    "EXCEL_EPOCH",
    "FUTURE_WAVE_DAYS",
    "LOG_COLUMNS",
    "LOOK_ALIKES",
    "RANGE_COLUMNS",
    "RESPONSE_COLUMNS",
    "REVIEW_RULES",
    "SUBMISSION_COLUMNS",
    "TEXT_COLUMNS",
    "Cleaned",
    "accounting",
    "allowed_folders",
    "check_inside",
    "clean",
    "confusable_skeleton",
    "normalise_key",
    "parse_times",
    "read_registry",
    "recode",
    "reverse_key",
    "review",
    "typo_candidates",
]


def clean(survey: Survey, instruments: dict[str, Instrument], base: str | Path) -> Cleaned:
    """Read and clean every export of a programme.

    Parameters
    ----------
    survey : Survey
        The programme's survey definition.
    instruments : dict
        Instrument id → Instrument, as returned by :func:`impact.definitions.load_survey`.
    base : str or Path
        The folder of ``survey.yml``; file paths in the definition are relative to it.

    Returns
    -------
    Cleaned
        Responses, submissions, the cleaning log, the registry and provenance.

    Raises
    ------
    InputError
        Naming the file, column and row of input that cannot be read or mapped, and a
        wave file none of whose keys is in the registry.
    DefinitionError
        When keys are to be pseudonymised and there is no salt.
    """
    base = Path(base)
    check_files(survey, base)
    salt = _salt(survey, base)
    registry, exports = read_and_clean_all(survey, instruments, base)
    check_distinct_contents([export.provenance for export in exports])
    submissions, file_code = combined_submissions(survey, exports)
    submissions["participant"], match_log, in_registry = match_registry(
        submissions, registry.table["participant"], survey.quality.typo_tolerant_keys
    )
    check_some_registered(
        submissions,
        in_registry,
        file_code=file_code,
        key_columns={export.path: export.key_column for export in exports},
    )
    submissions, kept, quality_log = apply_policy(
        submissions,
        policy=survey.quality,
        in_registry=in_registry,
        file_code=file_code,
        answered=np.concatenate([export.answered for export in exports]),
    )
    texts = kept_texts(exports, submissions, kept)
    log = _log(registry.log, *(f for e in exports for f in e.log), match_log, *quality_log)
    registry_table = registry.table
    if salt is not None:
        texts = pseudonymised_participants(texts, salt=salt)
        registry_table = pseudonymised_participants(registry_table, salt=salt)
        submissions = pseudonymised_submissions(submissions, salt=salt)
        log = pseudonymised_log(log, salt=salt)
    waves = pd.CategoricalDtype(survey.wave_ids, ordered=True)
    items = [(export.items.values, export.items.targets) for export in exports]
    kept_items = KeptItems.of_submissions(items, submissions, kept.to_numpy(), waves)
    # Columns converted in place: the log and the submissions are the largest tables.
    log["wave"], log["raw_row"] = log["wave"].astype(waves), log["raw_row"].astype("Int64")
    submissions["wave"] = submissions["wave"].astype(waves)
    return Cleaned(
        responses=kept_items,
        submissions=submissions,
        log=log[LOG_COLUMNS],
        registry=registry_table,
        provenance=[registry.provenance, *(export.provenance for export in exports)],
        texts=texts.astype({"wave": waves}).reset_index(drop=True),
        columns=pd.concat([e.columns for e in exports], ignore_index=True) if exports else None,
    )


def _salt(survey: Survey, base: Path) -> str | None:
    """The salt when the survey pseudonymises keys (an error naming the definition when
    there is none)."""
    if not survey.privacy.pseudonymise_keys:
        return None
    definition = base / "survey.yml"
    return load_salt(base, definition=definition if definition.is_file() else None)


def _log(*frames: pd.DataFrame) -> pd.DataFrame:
    """The cleaning log from its parts, in the order the decisions were taken."""
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else log_rows()
