"""Design sensitivity: the smallest effect a paired sample of this size detects reliably.

With ``n`` complete pairs, a two-sided paired t-test at ``alpha`` detects a true effect of
``d_z`` (mean difference over SD of the differences) with probability ``power``. We solve
for the smallest such ``d_z`` with statsmodels' power of the one-sample t-test (df = n − 1,
non-central t, both rejection tails counted, as R's ``power.t.test(..., strict = TRUE)``).

Examples
--------
>>> round(min_detectable_d_z(40), 4)
0.4543
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.power import TTestPower


def min_detectable_d_z(n: int, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """The smallest d_z that ``n`` pairs detect with ``power`` (two-sided test at ``alpha``).

    Examples
    --------
    >>> round(min_detectable_d_z(12), 3), round(min_detectable_d_z(12, power=0.9), 3)
    (0.889, 1.029)
    """
    if n < 2:
        return np.nan
    analysis = TTestPower()

    def gap(effect: float) -> float:
        return analysis.power(effect, n, alpha, alternative="two-sided") - power

    # Bracket the root from below: statsmodels' power turns NaN where it is numerically 1.
    lower, upper = 1e-6, 0.1
    while gap(upper) < 0:
        lower, upper = upper, upper * 1.25
        if upper > 50:
            return np.nan
    if not np.isnan(gap(upper)):
        try:
            return float(optimize.brentq(gap, lower, upper, xtol=1e-14, rtol=1e-14))
        except ValueError:  # NaN inside the bracket
            pass
    # Large n: the power is already numerically 1 (NaN) at small effects. The root lies
    # just above the normal approximation (z₁₋α/₂ + z_power)/√n, whose double still has
    # power < 1.
    normal = (stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) / np.sqrt(n)
    try:
        return float(optimize.brentq(gap, normal / 2, 2 * normal, xtol=1e-14, rtol=1e-14))
    except ValueError:
        return np.nan


def design_sensitivity(
    data: pd.DataFrame, *, n: str = "n", power: float = 0.8, alpha: float = 0.05
) -> pd.DataFrame:
    """Add the smallest detectable d_z to every row of a table with a sample size.

    Parameters
    ----------
    data : DataFrame
        E.g. the result of :func:`impact.change.paired_change`.
    n : str
        The column with the number of complete pairs.
    power, alpha : float
        The power wanted and the two-sided significance level.

    Returns
    -------
    DataFrame
        A copy of ``data`` with ``min_d_z``: the smallest d_z detected with ``power``, and
        ``power`` and ``alpha`` as used.

    Examples
    --------
    >>> design_sensitivity(pd.DataFrame({"n": [25, 40]}))["min_d_z"].round(3).tolist()
    [0.584, 0.454]
    """
    result = data.copy()
    sizes = {int(k): min_detectable_d_z(int(k), power=power, alpha=alpha) for k in set(data[n])}
    result["min_d_z"] = result[n].map(sizes)
    result["power"] = power
    result["alpha"] = alpha
    return result
