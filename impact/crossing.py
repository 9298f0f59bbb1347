"""Crossing a cut-off: of the participants at or below an instrument's cut-off at the
baseline, the share above it at a later wave, with its Wilson 95% CI (R's
``prop.test(x, n, correct = FALSE)$conf.int``).

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"participant": list("abcdabcd"), "scale": "who5",
...     "wave": ["kickoff"] * 4 + ["final"] * 4,
...     "score": [28.0, 40, 52, 60, 56, 36, 48, 64]})
>>> table = cutoff_crossing(scores, cutoffs={"who5": 50}, baseline="kickoff")
>>> table[["scale", "wave", "n", "n_crossed", "share"]]
  scale   wave  n  n_crossed  share
0  who5  final  2          1    0.5
"""

from __future__ import annotations

import pandas as pd

from impact.change import check_test_options
from impact.meaningful import wilson_interval

CROSSING_COLUMNS = [
    "scale",
    "baseline",
    "wave",
    "cutoff",
    "n",
    "n_crossed",
    "share",
    "ci_low",
    "ci_high",
]


def cutoff_crossing(
    scores: pd.DataFrame,
    *,
    cutoffs: dict[str, float],
    baseline: str,
    confidence: float = 0.95,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Per scale and later wave: of those at or below the cut-off at ``baseline`` with a
    score at the wave, how many are above it there, the share and its Wilson interval.

    Parameters
    ----------
    scores : DataFrame
        Long scores, one row per participant × wave × scale; missing scores are left out.
    cutoffs : dict of str to float
        Scale → its cut-off (e.g. the instrument's ``clinical_cutoff``); only these scales
        are counted, in this order.
    baseline : str
        The baseline wave.
    confidence : float
        The confidence level of the interval, between 0 and 1.
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        ``scale, baseline, wave`` (text), ``cutoff``, ``n`` (at or below the cut-off at the
        baseline, with a score at the wave), ``n_crossed`` (of them above it at the wave),
        ``share`` and ``ci_low``, ``ci_high`` (missing when ``n`` is 0): one row per scale
        and later wave with scores, the waves in their order.

    Examples
    --------
    >>> scores = pd.DataFrame({"participant": list("abab"), "scale": "who5",
    ...     "wave": ["kickoff", "kickoff", "final", "final"], "score": [60.0, 70, 40, 80]})
    >>> cutoff_crossing(scores, cutoffs={"who5": 50}, baseline="kickoff")[["n", "share"]]
       n  share
    0  0    NaN
    """
    check_test_options("two-sided", confidence)
    scores = scores.dropna(subset=[dv])
    rows = []
    for name, cutoff in cutoffs.items():
        part = scores[scores[scale] == name]
        if part.empty:
            continue
        wide = part.pivot_table(index=subject, columns=within, values=dv, observed=True)
        if baseline not in wide.columns:
            continue
        for wave in wide.columns:
            if wave == baseline:
                continue
            pair = wide[[baseline, wave]].dropna()
            started_low = pair[pair[baseline] <= cutoff]
            n, crossed = len(started_low), int((started_low[wave] > cutoff).sum())
            low, high = wilson_interval(crossed, n, confidence)
            share = crossed / n if n else float("nan")
            rows.append([name, baseline, str(wave), cutoff, n, crossed, share, low, high])
    return pd.DataFrame(rows, columns=CROSSING_COLUMNS)
