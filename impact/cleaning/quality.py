"""The survey's quality policy: which submissions are kept, excluded (with a reason) or flagged.

Examples
--------
>>> from impact.pipeline import load_programme
>>> submissions = load_programme("tests/fixtures/tools/survey.yml").cleaned.submissions
>>> sorted(submissions["status"].unique())
['excluded', 'kept']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.cleaning.log import submission_log
from impact.definitions import Instrument, Quality


def straightliners(
    codes: np.ndarray,
    instrument_of_column: list[str],
    instruments: dict[str, Instrument],
    min_items: int,
) -> np.ndarray:
    """Whether each row has one answer code per grid across grids with reverse-keyed items.

    A grid is one scale instrument (both frames). A row is flagged when each of its
    answered grids has a single answer code, at least ``min_items`` items are answered,
    and one of the answered grids holds a reverse-keyed item (so the identical answers
    contradict each other).
    """
    rows = len(codes)
    single = np.ones(rows, dtype=bool)
    answered = np.zeros(rows, dtype=np.int64)
    reverse = np.zeros(rows, dtype=bool)
    for instrument in instruments.values():
        if instrument.kind != "scale":
            continue
        at = [j for j, i in enumerate(instrument_of_column) if i == instrument.id]
        if not at:
            continue
        count = np.zeros(rows, dtype=np.int64)
        low, high = np.full(rows, np.inf), np.full(rows, -np.inf)
        for j in at:  # column by column: fmin and fmax pass over missing values
            column = codes[:, j]
            count += ~np.isnan(column)
            np.fmin(low, column, out=low)
            np.fmax(high, column, out=high)
        some = count > 0
        single &= ~some | (low == high)
        answered += count
        if instrument.reverse_items:
            reverse |= some
    return single & (answered >= min_items) & reverse


class _Exclusions:
    """Submissions excluded one reason after another: the first reason that applies is
    a row's reason."""

    def __init__(self, rows: int) -> None:
        self.kept = np.ones(rows, dtype=bool)
        self.reason = np.full(rows, None, dtype=object)

    def exclude(self, mask: pd.Series | np.ndarray, why: str) -> None:
        mask = np.asarray(mask, dtype=bool) & self.kept
        self.kept[mask] = False
        self.reason[mask] = why


def apply_policy(
    submissions: pd.DataFrame,
    *,
    policy: Quality,
    in_registry: pd.Series,
    file_code: np.ndarray,
    answered: np.ndarray,
) -> tuple[pd.DataFrame, pd.Series, list[pd.DataFrame]]:
    """Every submission kept or excluded with a reason, and flagged where the policy says.

    Parameters
    ----------
    submissions : DataFrame
        One row per raw row of every export, with the keys matched to the registry
        (``participant``) and the ``straightlining`` flag; the columns ``status``,
        ``reason``, ``speeder``, ``answered`` and ``flags`` are added to it.
    policy : Quality
        The survey's ``quality`` section.
    in_registry : Series of bool
        Whether each key is in the registry.
    file_code : ndarray of int
        The export each row comes from (speeders are judged against their file's median).
    answered : ndarray
        The number of items each row answered (duplicates keep the most complete).

    Returns
    -------
    submissions, kept, logs
        The submissions, whether each is kept, and the log rows of the exclusions and flags.
    """
    submissions["status"] = "kept"
    submissions["reason"] = None
    exclusions = _Exclusions(len(submissions))
    duration = submissions["duration"]
    median = duration.where(submissions["finished"]).groupby(file_code).median().to_numpy()
    submissions["speeder"] = duration.lt(policy.speeder_ratio * median[file_code])
    complete = submissions["finished"] | submissions["progress"].ge(policy.min_progress)
    exclusions.exclude(submissions["participant"].eq(""), "no_key")
    if policy.unregistered == "exclude":
        exclusions.exclude(~in_registry, "not_in_registry")
    if policy.incomplete == "exclude":
        exclusions.exclude(~complete, "incomplete")
    if policy.speeders == "exclude":
        exclusions.exclude(submissions["speeder"], "speeder")
    if policy.straightlining == "exclude":
        exclusions.exclude(submissions["straightlining"], "straight_lining")
    submissions["answered"] = answered
    exclusions.exclude(_duplicates(submissions, exclusions.kept, policy), "duplicate")
    submissions["status"] = np.where(exclusions.kept, "kept", "excluded")
    submissions["reason"] = pd.Series(exclusions.reason, index=submissions.index, dtype=object)
    kept = pd.Series(exclusions.kept, index=submissions.index)
    logs = _flag(submissions, kept, policy)
    excluded = submissions[~kept]
    logs.append(submission_log(excluded, "excluded:" + excluded["reason"]))
    return submissions, kept, logs


def _duplicates(submissions: pd.DataFrame, kept: np.ndarray, policy: Quality) -> np.ndarray:
    """The kept submissions of a participant and wave that another one of them outranks
    (finished first, then the most answered if the policy says so, then the latest)."""
    order = (
        ["finished", "answered", "started"]
        if policy.duplicates == "keep-most-complete"
        else ["finished", "started"]
    )
    ranked = submissions.loc[kept, ["wave", "participant", *order]]
    ranked = ranked.sort_values(order, kind="stable")
    duplicate = ranked.duplicated(["wave", "participant"], keep="last")
    return submissions.index.isin(ranked.index[duplicate])


def _flag(submissions: pd.DataFrame, kept: pd.Series, policy: Quality) -> list[pd.DataFrame]:
    """The ``flags`` column (``;``-separated) of kept submissions, and its log rows."""
    flags = pd.DataFrame(
        {
            "speeder": submissions["speeder"] & (policy.speeders == "flag"),
            "straight_lining": submissions["straightlining"] & (policy.straightlining == "flag"),
        }
    )
    flags = flags[kept]
    submissions["flags"] = ""
    logs = []
    for name in flags.columns:
        hit = flags.index[flags[name]]
        submissions.loc[hit, "flags"] = (
            submissions.loc[hit, "flags"]
            .str.cat(pd.Series(name, index=hit), sep=";")
            .str.lstrip(";")
        )
        logs.append(submission_log(submissions.loc[hit], f"flagged:{name}"))
    return logs
