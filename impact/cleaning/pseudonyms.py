"""Participant keys replaced by their pseudonyms, everywhere cleaning wrote them.

Examples
--------
>>> table = pseudonymised_participants(pd.DataFrame({"participant": ["AB12CD"]}), salt="s" * 32)
>>> table["participant"].iloc[0] != "AB12CD"
True
"""

from __future__ import annotations

import pandas as pd

from impact.cleaning.keys import normalise_key
from impact.privacy import pseudonymise


def pseudonymised_participants(table: pd.DataFrame, *, salt: str) -> pd.DataFrame:
    """The table with its ``participant`` keys replaced by their pseudonyms."""
    return table.assign(participant=pseudonymise(table["participant"], salt=salt))


def pseudonymised_submissions(submissions: pd.DataFrame, *, salt: str) -> pd.DataFrame:
    """Submissions with the matched participant and the key as exported (normalised)
    replaced by their pseudonyms."""
    return submissions.assign(
        participant=pseudonymise(submissions["participant"], salt=salt),
        key=pseudonymise(normalise_key(submissions["key"]), salt=salt),
    )


def pseudonymised_log(log: pd.DataFrame, *, salt: str) -> pd.DataFrame:
    """The log with every participant, and every key value a ``key_…`` rule logged,
    replaced by its pseudonym."""
    log = log.copy()
    keyed = log["rule"].str.startswith("key_")
    log["participant"] = pseudonymise(log["participant"], salt=salt)
    for column in ("old_value", "new_value"):
        values = log.loc[keyed, column]
        log.loc[keyed, column] = pseudonymise(
            normalise_key(values).where(values.notna()), salt=salt
        )
    return log
