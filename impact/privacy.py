"""Pseudonymisation: participant keys replaced by a salted hash that cannot be reversed.

The salt comes from the environment variable ``IMPACT_SALT`` or from a file
``.impact-salt`` (git ignores it) beside the survey definition or in the working folder.
It is never written anywhere by this package: lose it, and the pseudonyms of a new import
no longer match the old ones.

Examples
--------
>>> import pandas as pd
>>> keys = pd.Series(["AB12CD", "EF34GH", "AB12CD"])
>>> hashed = pseudonymise(keys, salt="a-long-enough-salt")
>>> hashed.str.len().tolist(), hashed.iloc[0] == hashed.iloc[2], hashed.iloc[0] != "AB12CD"
([16, 16, 16], True, True)
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

from impact.errors import DefinitionError

SALT_VARIABLE = "IMPACT_SALT"
SALT_FILE = ".impact-salt"
MIN_SALT_LENGTH = 16
PSEUDONYM_LENGTH = 16


def load_salt(*folders: str | Path, definition: str | Path | None = None) -> str:
    """The salt from ``IMPACT_SALT``, else from the first ``.impact-salt`` in ``folders``.

    Parameters
    ----------
    *folders : str or Path
        Where to look for ``.impact-salt`` (the working folder is always tried last).
    definition : str or Path, optional
        The survey definition that asks for pseudonymisation; errors name it and its line.

    Raises
    ------
    DefinitionError
        When no salt is set, or it is shorter than 16 characters.
    """
    salt = os.environ.get(SALT_VARIABLE, "").strip()
    source = f"${SALT_VARIABLE}"
    if not salt:
        for folder in [*folders, Path.cwd()]:
            candidate = Path(folder) / SALT_FILE
            if candidate.is_file():
                salt = candidate.read_text(encoding="utf-8").strip()
                source = str(candidate)
                break
    if not salt:
        raise DefinitionError(
            "pseudonymise_keys is on, but there is no salt",
            file=definition,
            key="privacy.pseudonymise_keys",
            hint=f"set {SALT_VARIABLE}, or write a secret into a {SALT_FILE} file beside "
            f"survey.yml: python -c 'import secrets; print(secrets.token_hex(32))' > {SALT_FILE}",
        )
    if len(salt) < MIN_SALT_LENGTH:
        raise DefinitionError(
            f"the salt from {source} is too short ({len(salt)} characters)",
            file=definition,
            key="privacy.pseudonymise_keys",
            hint=f"use at least {MIN_SALT_LENGTH} random characters",
        )
    return salt


def pseudonymise(keys: pd.Series, *, salt: str) -> pd.Series:
    """Each key replaced by the first 16 hex digits of its HMAC-SHA256 under ``salt``.

    Equal keys give equal pseudonyms; missing keys stay missing. Each distinct key is
    hashed once.

    Parameters
    ----------
    keys : Series
        Participant keys (normalised codes or tokens).
    salt : str
        The secret salt (see :func:`load_salt`).

    Returns
    -------
    Series
        The pseudonyms, with the index of ``keys``.
    """
    distinct = keys.dropna().unique()
    secret = salt.encode("utf-8")
    table = {
        key: hmac.new(secret, str(key).encode("utf-8"), hashlib.sha256).hexdigest()[
            :PSEUDONYM_LENGTH
        ]
        for key in distinct
    }
    return keys.map(table)
