"""Bayes factor of the paired change: evidence for a change against none (BF10).

The default JZS Bayes factor of the one-sample (paired) t-test (Rouder et al., 2009): a
Cauchy prior with scale ``r = √2/2`` on the standardised change δ under H1, a point at 0
under H0 — JASP's default, and ``BayesFactor::ttestBF(post, pre, paired = TRUE,
rscale = "medium")`` in R. From ``t`` and ``n`` alone::

    BF10 = ∫₀^∞ (1 + n g r²)^(−1/2) (1 + t² / ((1 + n g r²) ν))^(−(ν+1)/2)
                 (2π)^(−1/2) g^(−3/2) e^(−1/(2g)) dg  /  (1 + t²/ν)^(−(ν+1)/2),   ν = n − 1,

computed by :func:`pingouin.bayesfactor_ttest` (numerical integration; equal to
BayesFactor to about 1e-7 relative, ``tests/reference``). BF10 > 1 favours a change,
BF10 < 1 no change; ``1/BF10`` is the evidence for none.

Examples
--------
>>> import pandas as pd
>>> change = pd.DataFrame({"scale": ["who5"], "wave": ["final"], "n": [40], "t": [2.5]})
>>> round(float(bayes_factors(change)["bf10"].iloc[0]), 4)
2.6346
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEDIUM = np.sqrt(2) / 2


def bf10_paired(t: float, n: int, *, r: float = MEDIUM) -> float:
    """JZS Bayes factor BF10 of a paired t-test with ``n`` pairs (module docstring).

    NaN for a non-finite ``t`` or fewer than 2 pairs. Infinite when the evidence is beyond
    what a double holds: with thousands of pairs and a clear change, the likelihood of no
    change underflows to zero (BF10 above about 1e300).

    Examples
    --------
    >>> round(bf10_paired(0.5, 25), 4)
    0.2363
    >>> bf10_paired(80.0, 10_000)
    inf
    """
    if not (np.isfinite(t) and n >= 2):
        return np.nan
    # pingouin loads matplotlib and seaborn: imported here, so computing statistics
    # (the command line, the report's kernels) does not pay for plotting libraries.
    import pingouin

    try:
        return float(pingouin.bayesfactor_ttest(t, n, paired=True, r=r))
    except ZeroDivisionError:
        # pingouin divides by the null's likelihood, (1 + t²/df)^(-(df + 1)/2), which is
        # zero in double precision only when it is smaller than any alternative's.
        return np.inf


def bayes_factors(change: pd.DataFrame, *, r: float = MEDIUM) -> pd.DataFrame:
    """BF10 for every row of a paired change table.

    Parameters
    ----------
    change : DataFrame
        Needs ``t`` and ``n`` (:func:`impact.change.paired_change`).
    r : float
        Scale of the Cauchy prior on δ (``√2/2``, "medium").

    Returns
    -------
    DataFrame
        The identifying columns (``scale``, ``baseline``, ``wave``, ``n`` where present),
        ``bf10``, ``bf01 = 1 / bf10`` and ``prior_r``.
    """
    keep = [c for c in ("scale", "baseline", "wave", "n") if c in change]
    result = change[keep].copy()
    result["bf10"] = [
        bf10_paired(float(t), int(n), r=r) for t, n in zip(change["t"], change["n"], strict=True)
    ]
    result["bf01"] = 1 / result["bf10"]
    result["prior_r"] = r
    return result.reset_index(drop=True)
