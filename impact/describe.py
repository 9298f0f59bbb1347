"""Descriptive statistics of scale scores per wave: n, mean, SD and the t interval of the
mean; the share of scores below a value with its Wilson interval.

These describe each wave on its own (everyone with a score at that wave), unlike the
paired statistics of :mod:`impact.change`, which compare the same people across waves.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"participant": list("abcab"), "scale": "who5",
...     "wave": ["kickoff"] * 3 + ["final"] * 2, "score": [40.0, 52, 60, 44, 56]})
>>> wave_summary(scores).round(2)
  scale     wave  n   mean     sd  ci_low  ci_high
0  who5    final  2  50.00   8.49  -26.24   126.24
1  who5  kickoff  3  50.67  10.07   25.66    75.67
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from impact.change import check_test_options
from impact.meaningful import wilson_interval

SUMMARY_COLUMNS = ["scale", "wave", "n", "mean", "sd", "ci_low", "ci_high"]
SHARE_COLUMNS = ["scale", "wave", "value", "n", "n_below", "share", "ci_low", "ci_high"]


def wave_summary(
    scores: pd.DataFrame,
    *,
    confidence: float = 0.95,
    dv: str = "score",
    within: str = "wave",
    scale: str = "scale",
) -> pd.DataFrame:
    """n, mean, SD and the t-based confidence interval of the mean per scale and wave.

    The interval is ``mean ± t(1 − (1 − confidence) / 2, n − 1) · SD / √n``, the one of
    R's ``t.test(x, conf.level = confidence)$conf.int``. One score gives a mean without
    SD or interval (missing, no warning); scores that are all equal give SD 0 and an
    interval of zero width. Missing scores are left out; a scale × wave without any score
    has no row.

    Parameters
    ----------
    scores : DataFrame
        Long scores, one row per participant × wave × scale (:func:`impact.score.score`).
    confidence : float
        The confidence level of the interval, between 0 and 1.
    dv, within, scale : str
        Column names of the score, the wave and the scale.

    Returns
    -------
    DataFrame
        ``scale`` (text), ``wave``, ``n`` (scores), ``mean``, ``sd``, ``ci_low``,
        ``ci_high``; ordered by scale and wave (their categories' order when categorical).

    Examples
    --------
    >>> scores = pd.DataFrame({"scale": "who5", "wave": ["kickoff", "final", "final"],
    ...     "score": [40.0, 48.0, 48.0]})
    >>> wave_summary(scores)
      scale     wave  n  mean   sd  ci_low  ci_high
    0  who5    final  2  48.0  0.0    48.0     48.0
    1  who5  kickoff  1  40.0  NaN     NaN      NaN
    """
    check_test_options("two-sided", confidence)
    scores = scores.dropna(subset=[dv])
    table = (
        scores.groupby([scale, within], observed=True)[dv]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
        .rename(columns={scale: "scale", within: "wave"})
    )
    table["scale"] = table["scale"].astype(str)  # an aggregate: plain text, as every table
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(1 - (1 - confidence) / 2, table["n"] - 1)
        margin = quantile * table["sd"] / np.sqrt(table["n"])
    table["ci_low"] = table["mean"] - margin
    table["ci_high"] = table["mean"] + margin
    return table[SUMMARY_COLUMNS]


def share_below(
    scores: pd.DataFrame,
    *,
    values: dict[str, float],
    confidence: float = 0.95,
    dv: str = "score",
    within: str = "wave",
    scale: str = "scale",
) -> pd.DataFrame:
    """The share of scores strictly below a value per scale and wave, with its Wilson
    interval (R's ``prop.test(n_below, n, correct = FALSE)$conf.int``).

    Parameters
    ----------
    scores : DataFrame
        Long scores, one row per participant × wave × scale; missing scores are left out.
    values : dict of str to float
        Scale → the value to count below (e.g. the midpoint of its range); only these
        scales are counted, in this order.
    confidence : float
        The confidence level of the interval, between 0 and 1.
    dv, within, scale : str
        Column names of the score, the wave and the scale.

    Returns
    -------
    DataFrame
        ``scale, wave`` (text), ``value``, ``n`` (scores), ``n_below``, ``share``,
        ``ci_low``, ``ci_high``; one row per scale × wave with a score, the waves in their
        order.

    Examples
    --------
    >>> scores = pd.DataFrame({"scale": "partnership", "wave": "final",
    ...     "score": [1.5, 2.5, 3.5, 4.0, 4.5]})
    >>> share_below(scores, values={"partnership": 3.0}).round(3)
             scale   wave  value  n  n_below  share  ci_low  ci_high
    0  partnership  final    3.0  5        2    0.4   0.118    0.769
    """
    check_test_options("two-sided", confidence)
    scores = scores.dropna(subset=[dv])
    rows = []
    for name, value in values.items():
        part = scores[scores[scale] == name]
        for wave, found in part.groupby(within, observed=True, sort=True)[dv]:
            n, below = int(found.size), int((found < value).sum())
            if not n:
                continue
            ci_low, ci_high = wilson_interval(below, n, confidence)
            rows.append([name, str(wave), value, n, below, below / n, ci_low, ci_high])
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)
