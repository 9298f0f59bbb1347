"""Change from the baseline wave to each later wave, per outcome (paired, complete pairs).

Every comparison uses the participants with a score at both waves. The statistics and their
conventions (all checked against R in ``tests/reference``):

- differences are ``post − pre``; the paired t-test and the 95% CI of the mean difference
  as ``stats::t.test(post, pre, paired = TRUE)``;
- Wilcoxon signed-rank as ``stats::wilcox.test(post, pre, paired = TRUE)``: ``V`` is the sum
  of the positive ranks, zero differences are dropped, ties get mid-ranks; the exact p-value
  when there are fewer than 50 non-zero differences and neither ties nor zeros, otherwise
  the normal approximation with tie-corrected variance and continuity correction.
  Differences are rounded to 10 decimals before ranking, so that floating-point noise does
  not split ties;
- matched-pairs rank-biserial correlation ``r_rb = (ΣR⁺ − ΣR⁻) / ΣR`` with a Fisher-z CI
  (``effectsize::rank_biserial``);
- ``d_z = mean_diff / sd_diff`` with the exact CI from the non-central t distribution
  (``effectsize::cohens_d(post, pre, paired = TRUE)``);
- ``d_av = mean_diff / ((sd_pre + sd_post) / 2)``: the arithmetic mean of the two SDs
  (Cumming, 2012; Lakens, 2013, eq. 10), with the normal-approximation CI of Algina &
  Keselman (2003); ``g_av = d_av · J(n − 1)`` with Hedges' exact correction
  ``J(df) = Γ(df/2) / (√(df/2) Γ((df−1)/2))``;
- ``r_pre_post``: the Pearson correlation of the pre and post scores;
- ``d_rm = mean_diff / (sd_diff / √(2(1 − r)))`` (Lakens, 2013, eq. 9: the mean change over
  the SD of the scores, corrected for their correlation), with the normal-approximation CI
  ``d_rm ± z · √((1/n + d_rm²/(2n)) · 2(1 − r))`` (Cooper et al., 2009, eq. 12.21), as
  ``effectsize::repeated_measures_d(method = "rm", adjust = FALSE)`` (effectsize ≥ 0.8.5);
- Shapiro–Wilk test of the differences (``stats::shapiro.test``; 3 to 5,000 pairs, as R);
- differences that do not vary (all equal up to floating-point rounding, see
  :func:`constant_differences`) leave ``t``, ``p_value``, the CI of the mean difference,
  d_z, d_av, g_av, their CIs and Shapiro–Wilk undefined (NaN), where R's ``t.test`` stops
  with "data are essentially constant"; NaN, not ±inf, because a change without spread has
  no standardised size (and JSON has no infinity). The d_z interval is found even where
  scipy's non-central t returns NaN far in a tail (:func:`d_z_interval`).

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({
...     "participant": list("abcdef") * 2,
...     "wave": ["kickoff"] * 6 + ["final"] * 6,
...     "scale": "who5",
...     "score": [40, 52, 60, 44, 68, 56, 52, 56, 64, 52, 72, 56]})
>>> result = paired_change(data, baseline="kickoff")
>>> result[["scale", "wave", "n", "mean_diff", "t", "df"]].round(3)
  scale   wave  n  mean_diff      t  df
0  who5  final  6      5.333  3.162   5
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.stats.multitest import multipletests

from impact.definitions import Instrument
from impact.errors import ArgumentError, DefinitionError, check_choice
from impact.score import count_categories

Z975 = stats.norm.ppf(0.975)
CHANGE_COLUMNS = [
    "scale",
    "baseline",
    "wave",
    "n",
    "mean_pre",
    "sd_pre",
    "mean_post",
    "sd_post",
    "mean_diff",
    "sd_diff",
    "ci_low",
    "ci_high",
    "t",
    "df",
    "p_value",
    "d_z",
    "d_z_ci_low",
    "d_z_ci_high",
    "d_av",
    "d_av_ci_low",
    "d_av_ci_high",
    "g_av",
    "g_av_ci_low",
    "g_av_ci_high",
    "r_pre_post",
    "d_rm",
    "d_rm_ci_low",
    "d_rm_ci_high",
    "wilcoxon_v",
    "wilcoxon_p",
    "wilcoxon_exact",
    "r_rb",
    "r_rb_ci_low",
    "r_rb_ci_high",
    "shapiro_w",
    "shapiro_p",
]
PAIRED_COLUMNS = CHANGE_COLUMNS[3:]


def hedges_j(df: float) -> float:
    """Hedges' exact small-sample correction ``Γ(df/2) / (√(df/2) Γ((df−1)/2))``.

    Examples
    --------
    >>> round(hedges_j(39), 6)
    0.980624
    """
    return float(
        np.exp(special.gammaln(df / 2) - np.log(np.sqrt(df / 2)) - special.gammaln((df - 1) / 2))
    )


def d_z_interval(t: float, df: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """CI of d_z from the non-central t distribution: ncp limits for ``t``, divided by √n.

    Each limit is the non-centrality under which ``t`` is the upper (lower) ``(1 − level) / 2``
    quantile. scipy's ``nct.cdf`` returns NaN at some points far in a tail, where its series
    does not converge (e.g. ``t = 23``, ``df = 1``, ``ncp ≈ −7.8``, where the CDF is 1 to
    double precision). The search takes such a point for the tail's limit (1 below ``t``, 0
    above it) and accepts a root only where the CDF itself is finite and equals the quantile;
    otherwise the limit is NaN, never an error. Undefined (NaN) for a non-finite ``t`` or
    ``df < 1``.

    Examples
    --------
    >>> [round(float(x), 4) for x in d_z_interval(3.0, 24, 25)]
    [0.1679, 1.0215]
    >>> [round(float(x), 4) for x in d_z_interval(23.0, 1, 2)]  # two pairs, a large t
    [0.3774, 36.4874]
    >>> d_z_interval(float("inf"), 4, 5)
    (nan, nan)
    """
    if not (np.isfinite(t) and np.isfinite(df) and df >= 1):
        return (np.nan, np.nan)
    tail = (1 - level) / 2
    step = np.sqrt(1 + t**2 / (2 * df))

    def limit(probability: float, direction: float) -> float:
        # The CDF of t falls from 1 to 0 as the non-centrality grows; below t (direction −1)
        # a NaN stands for 1, above it for 0.
        nan_as = 1.0 if direction < 0 else 0.0

        def gap(ncp: float) -> float:
            value = stats.nct.cdf(t, df, ncp)
            return (nan_as if np.isnan(value) else value) - probability

        # Walk outwards from t one approximate SE at a time until the sign changes.
        inner, inner_gap = t, stats.nct.cdf(t, df, t) - probability
        if not np.isfinite(inner_gap):
            return np.nan  # no CDF even at the centre: e.g. t ≈ 1e15
        for _ in range(200):
            outer = inner + direction * step
            outer_gap = gap(outer)
            if np.sign(outer_gap) != np.sign(inner_gap):
                low, high = sorted((inner, outer))
                root = optimize.brentq(gap, low, high, xtol=1e-14, rtol=1e-14)
                found = stats.nct.cdf(t, df, root) - probability
                return root if abs(found) < 1e-8 else np.nan
            inner, inner_gap = outer, outer_gap
        return np.nan

    lower = limit(1 - tail, -1.0)
    upper = limit(tail, 1.0)
    return (lower / np.sqrt(n), upper / np.sqrt(n))


ALTERNATIVES = ("two-sided", "greater", "less")
# R's shapiro.test takes 3 to 5,000 values (Royston's approximation, which SciPy also
# uses, is not checked beyond): more differences leave the test out, as R does.
SHAPIRO_MAX_N = 5000


def check_test_options(alternative: str, confidence: float) -> None:
    """Refuse an ``alternative`` other than ``"two-sided"``, ``"greater"`` or ``"less"``, and
    a ``confidence`` outside (0, 1), naming the argument and the value.

    Examples
    --------
    >>> check_test_options("two.sided", 0.95)
    Traceback (most recent call last):
    impact.errors.ArgumentError: `alternative` must be one of [...]; got 'two.sided' (...)
    """
    check_choice(alternative, ALTERNATIVES, argument="alternative")
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ArgumentError(
            f"`confidence` must be a level between 0 and 1 (e.g. 0.95); got {confidence!r}"
        )


def _level(alternative: str, confidence: float) -> float:
    """The two-sided level whose inner limit is the one-sided interval's limit."""
    return confidence if alternative == "two-sided" else 2 * confidence - 1


def _z(alternative: str, confidence: float) -> float:
    return float(stats.norm.ppf((1 + _level(alternative, confidence)) / 2))


def _open_end(
    interval: tuple[float, float], alternative: str, bounds: tuple[float, float] = (-np.inf, np.inf)
) -> tuple[float, float]:
    """A two-sided interval made one-sided: ``greater`` keeps the lower limit and opens
    the upper one (to ``bounds[1]``), ``less`` the other way round."""
    low, high = interval
    if alternative == "greater":
        return low, bounds[1]
    if alternative == "less":
        return bounds[0], high
    return low, high


def wilcoxon_signed_rank(
    diff: np.ndarray, *, alternative: str = "two-sided", confidence: float = 0.95
) -> dict[str, float]:
    """Wilcoxon signed-rank test and matched rank-biserial correlation of paired differences.

    Returns a dict with ``wilcoxon_v``, ``wilcoxon_p``, ``wilcoxon_exact``, ``r_rb``,
    ``r_rb_ci_low``, ``r_rb_ci_high`` (see the module docstring for the conventions).
    ``alternative`` (``"two-sided"``, ``"greater"``: the differences tend to be positive,
    ``"less"``) and ``confidence`` as in :func:`paired_change`; the normal approximation's
    continuity correction is then one-sided, as in ``wilcox.test``.

    Examples
    --------
    >>> result = wilcoxon_signed_rank(np.array([1.5, 2.0, -0.5, 3.0, 0.0, 1.0]))
    >>> result["wilcoxon_v"], round(result["wilcoxon_p"], 4), round(result["r_rb"], 3)
    (14.0, 0.1056, 0.867)
    """
    d = np.round(np.asarray(diff, dtype=float), 10)
    d = d[d != 0]
    n = len(d)
    empty = dict.fromkeys(
        ("wilcoxon_v", "wilcoxon_p", "r_rb", "r_rb_ci_low", "r_rb_ci_high"), np.nan
    )
    if n == 0:
        return empty | {"wilcoxon_exact": False}
    ranks = stats.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    total = n * (n + 1) / 2
    r_rb = (v - (total - v)) / total
    _, tie_counts = np.unique(ranks, return_counts=True)
    ties = bool((tie_counts > 1).any())
    exact = n < 50 and not ties and len(d) == len(np.asarray(diff))
    if exact:
        p = stats.wilcoxon(d, zero_method="wilcox", method="exact", alternative=alternative)
        p = p.pvalue
    else:
        z = v - n * (n + 1) / 4
        sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (tie_counts**3 - tie_counts).sum() / 48)
        correction = {"two-sided": np.sign(z) * 0.5, "greater": 0.5, "less": -0.5}[alternative]
        z = (z - correction) / sigma
        p = {
            "two-sided": 2 * min(stats.norm.cdf(z), stats.norm.sf(z)),
            "greater": stats.norm.sf(z),
            "less": stats.norm.cdf(z),
        }[alternative]
    se = np.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / total
    centre = np.arctanh(np.clip(r_rb, -1 + 1e-15, 1 - 1e-15))
    z_ci = _z(alternative, confidence)
    low, high = _open_end(
        (float(np.tanh(centre - z_ci * se)), float(np.tanh(centre + z_ci * se))),
        alternative,
        bounds=(-1.0, 1.0),
    )
    return {
        "wilcoxon_v": v,
        "wilcoxon_p": float(min(p, 1.0)),
        "wilcoxon_exact": exact,
        "r_rb": r_rb,
        "r_rb_ci_low": low,
        "r_rb_ci_high": high,
    }


def constant_differences(diff: np.ndarray, pre: np.ndarray, post: np.ndarray) -> bool:
    """Whether the paired differences are all the same, up to floating-point rounding.

    They are when their range is at most ``1e-10`` times the size of the scores (at least
    1): the tolerance under which :func:`wilcoxon_signed_rank` already counts differences
    as tied. Scores computed as item means carry rounding of about 1e-16 times their size,
    so ``post − pre`` of two people who both changed by 0.7 can differ by 4e-16, which
    would make ``t`` about 1e15. This covers R's ``t.test`` test for "essentially constant"
    data (standard error below ``10 · eps · |mean difference|``) and also rounding of
    large scores around a small mean difference, which R lets through.

    Examples
    --------
    >>> pre = np.array([76.0, 44.0]) / 3
    >>> post = pre + 0.1
    >>> post - pre
    array([0.1, 0.1])
    >>> float(np.ptp(post - pre)) > 0, constant_differences(post - pre, pre, post)
    (True, True)
    >>> constant_differences(np.array([0.1, 0.1 + 1e-8]), pre, post)
    False
    """
    diff = np.asarray(diff, dtype=float)
    if len(diff) == 0:
        return True
    size = max(1.0, float(np.abs(pre).max()), float(np.abs(post).max()))
    return not np.ptp(diff) > 1e-10 * size


def d_rm_statistics(
    pre: np.ndarray,
    post: np.ndarray,
    mean_diff: float,
    sd_diff: float,
    *,
    alternative: str = "two-sided",
    confidence: float = 0.95,
) -> dict[str, float]:
    """``r_pre_post`` and the repeated-measures d_rm with its 95% CI (Lakens, 2013, eq. 9).

    ``d_rm = mean_diff / s_rm`` with ``s_rm = sd_diff / √(2(1 − r))``, which equals
    Lakens' ``√(sd_pre² + sd_post² − 2 r sd_pre sd_post) / √(2(1 − r))``; its CI is
    ``d_rm ± z₀.₉₇₅ · √((1/n + d_rm²/(2n)) · 2(1 − r))`` (Cooper, Hedges & Valentine, 2009,
    eq. 12.21), the interval of ``effectsize::repeated_measures_d(method = "rm",
    adjust = FALSE)``. Undefined (NaN) when either wave has no spread (no r) or ``r = 1``.

    Examples
    --------
    >>> pre, post = np.array([3.0, 4, 2, 5]), np.array([4.0, 5, 2, 7])
    >>> diff = post - pre
    >>> row = d_rm_statistics(pre, post, diff.mean(), diff.std(ddof=1))
    >>> round(row["r_pre_post"], 4), round(float(row["d_rm"]), 4)
    (0.9923, 0.1522)
    """
    n = len(pre)
    empty = dict.fromkeys(("r_pre_post", "d_rm", "d_rm_ci_low", "d_rm_ci_high"), np.nan)
    if n < 3 or np.ptp(pre) == 0 or np.ptp(post) == 0:
        return empty
    r = float(np.corrcoef(pre, post)[0, 1])
    f = 2 * (1 - r)
    if not f > 0:
        return empty | {"r_pre_post": r}
    d_rm = float(mean_diff / (sd_diff / np.sqrt(f)))
    se = np.sqrt((1 / n + d_rm**2 / (2 * n)) * f)
    z = _z(alternative, confidence)
    low, high = _open_end((d_rm - z * se, d_rm + z * se), alternative)
    return {"r_pre_post": r, "d_rm": d_rm, "d_rm_ci_low": low, "d_rm_ci_high": high}


def paired_statistics(
    pre: np.ndarray,
    post: np.ndarray,
    *,
    alternative: str = "two-sided",
    confidence: float = 0.95,
) -> dict[str, float]:
    """Every paired statistic of one comparison (``post − pre``), as a dict.

    The keys are the columns of :func:`paired_change` from ``n`` on; statistics that need
    more pairs than there are (t: 2, Shapiro–Wilk: 3) are NaN. ``alternative`` and
    ``confidence`` as in :func:`paired_change`.

    When every participant changed by the same amount (the differences agree to 1e-10 of
    the scores' size, see :func:`constant_differences`), the SD of the differences is zero
    but for rounding, and everything standardised by it is undefined: ``ci_low``,
    ``ci_high``, ``t``, ``p_value``, ``d_z``, ``d_av``, ``g_av``, their CIs and Shapiro–Wilk
    are NaN, as for exactly identical differences (R's ``t.test`` stops with "data are
    essentially constant"; ``effectsize::cohens_d`` fails, or reports d ≈ 1e14 from the
    rounding noise). ``mean_diff``, ``sd_diff`` (as computed), Wilcoxon and ``r_rb`` remain.

    Examples
    --------
    >>> row = paired_statistics(np.array([3.0, 4, 2, 5]), np.array([4.0, 5, 2, 7]))
    >>> row["n"], float(row["mean_diff"]), round(float(row["d_z"]), 3)
    (4, 1.0, 1.225)
    >>> pre = np.array([2.2, 3.4])  # both improved by 0.7; 3.4 + 0.7 − 3.4 ≠ 0.7 in floats
    >>> row = paired_statistics(pre, pre + 0.7)
    >>> float(row["mean_diff"]), bool(row["sd_diff"] > 0), float(row["t"]), float(row["d_z"])
    (0.7, True, nan, nan)
    """
    pre = np.asarray(pre, dtype=float)
    post = np.asarray(post, dtype=float)
    diff = post - pre
    n = len(diff)
    row: dict[str, float] = dict.fromkeys(PAIRED_COLUMNS, np.nan) | {
        "n": n,
        "mean_pre": pre.mean() if n else np.nan,
        "sd_pre": pre.std(ddof=1) if n > 1 else np.nan,
        "mean_post": post.mean() if n else np.nan,
        "sd_post": post.std(ddof=1) if n > 1 else np.nan,
        "mean_diff": diff.mean() if n else np.nan,
        "wilcoxon_exact": False,
    }
    if n < 2:
        return row
    row |= wilcoxon_signed_rank(diff, alternative=alternative, confidence=confidence)
    sd_diff = diff.std(ddof=1)
    df = n - 1
    row |= {"sd_diff": sd_diff, "df": df}
    if constant_differences(diff, pre, post):
        return row
    if 3 <= n <= SHAPIRO_MAX_N:
        shapiro = stats.shapiro(diff)
        row |= {"shapiro_w": float(shapiro.statistic), "shapiro_p": float(shapiro.pvalue)}
    se = sd_diff / np.sqrt(n)
    level = _level(alternative, confidence)
    margin = stats.t.ppf((1 + level) / 2, df) * se
    t = row["mean_diff"] / se
    d_z = row["mean_diff"] / sd_diff
    d_z_low, d_z_high = _open_end(d_z_interval(t, df, n, level), alternative)
    s_av = (row["sd_pre"] + row["sd_post"]) / 2
    j = hedges_j(df)
    ci_low, ci_high = _open_end((row["mean_diff"] - margin, row["mean_diff"] + margin), alternative)
    p_value = {
        "two-sided": 2 * stats.t.sf(abs(t), df),
        "greater": stats.t.sf(t, df),
        "less": stats.t.cdf(t, df),
    }[alternative]
    row |= {
        "ci_low": ci_low,
        "ci_high": ci_high,
        "t": t,
        "p_value": p_value,
        "d_z": d_z,
        "d_z_ci_low": d_z_low,
        "d_z_ci_high": d_z_high,
    }
    row |= d_rm_statistics(
        pre, post, row["mean_diff"], sd_diff, alternative=alternative, confidence=confidence
    )
    if s_av > 0:
        d_av = row["mean_diff"] / s_av
        d_av_se = se / s_av
        z = _z(alternative, confidence)
        low, high = _open_end((d_av - z * d_av_se, d_av + z * d_av_se), alternative)
        row |= {
            "d_av": d_av,
            "d_av_ci_low": low,
            "d_av_ci_high": high,
            "g_av": d_av * j,
            "g_av_ci_low": low * j,
            "g_av_ci_high": high * j,
        }
    return row


def paired_change(
    data: pd.DataFrame,
    *,
    baseline: str = "kickoff",
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
    adjust: str | None = "holm",
    families: dict[str, str] | None = None,
    alternative: str = "two-sided",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired change from ``baseline`` to every later wave, for each scale.

    Only participants with a score at both waves enter a comparison (complete pairs). A
    scale without scores at the baseline (e.g. partnership quality, first asked at a
    milestone) or at a wave gets no row for it.

    Parameters
    ----------
    data : DataFrame
        Long scores, e.g. from :func:`impact.score.score`.
    baseline : str
        The baseline wave.
    dv, within, subject, scale : str
        Column names of the score, the wave, the participant and the scale. Without a
        column ``scale`` (the default name) the data are one outcome, named after ``dv``.
        A name that is not a column is an :class:`~impact.errors.ArgumentError` that
        lists the columns.
    adjust : {"holm", "fdr_bh", "bonferroni", None}
        Correction of ``p_value`` for the several outcomes compared at one wave: Holm
        (default), Benjamini–Hochberg or Bonferroni (see :func:`adjust_p`).
    families : dict of str to str, optional
        Scale → family (e.g. ``"primary"``, ``"secondary"``): the correction runs within
        each family at each wave. Default: every scale one family. Scales not named form
        a family of their own.
    alternative : {"two-sided", "greater", "less"}
        The alternative of the t-test and the Wilcoxon test: ``"greater"`` means the
        scores rose (``post − pre > 0``). A one-sided test's intervals are one-sided too,
        as in ``t.test`` and ``effectsize``: the open end is ``±inf`` (±1 for ``r_rb``).
    confidence : float
        The level of every interval (default 0.95).

    Returns
    -------
    DataFrame
        One row per scale × later wave:

        - ``scale``, ``baseline``, ``wave``
        - ``n``: complete pairs
        - ``mean_pre``, ``sd_pre``, ``mean_post``, ``sd_post``: of the complete pairs
        - ``mean_diff``, ``sd_diff``: of post − pre
        - ``ci_low``, ``ci_high``: 95% confidence interval of ``mean_diff`` (t distribution)
        - ``t``, ``df``, ``p_value``: paired t-test, two-sided
        - ``d_z``: standardised mean difference, ``mean_diff / sd_diff``;
          ``d_z_ci_low``, ``d_z_ci_high``: its 95% CI (non-central t)
        - ``d_av``: ``mean_diff`` over the mean of ``sd_pre`` and ``sd_post``;
          ``d_av_ci_low``, ``d_av_ci_high``: its 95% CI (normal approximation)
        - ``g_av``, ``g_av_ci_low``, ``g_av_ci_high``: ``d_av`` and its CI times Hedges' J
        - ``r_pre_post``: Pearson correlation of the pre and post scores
        - ``d_rm``: ``mean_diff`` over the SD corrected for ``r_pre_post`` (Lakens, 2013);
          ``d_rm_ci_low``, ``d_rm_ci_high``: its 95% CI (normal approximation)
        - ``wilcoxon_v``, ``wilcoxon_p``: Wilcoxon signed-rank V (sum of positive ranks) and
          two-sided p; ``wilcoxon_exact``: whether p is exact
        - ``r_rb``, ``r_rb_ci_low``, ``r_rb_ci_high``: matched rank-biserial correlation and
          its 95% CI
        - ``shapiro_w``, ``shapiro_p``: Shapiro–Wilk test of the differences (3 to 5,000
          pairs, as R's ``shapiro.test``; NaN beyond)
        - NaN where undefined: t and the effect sizes with fewer than 2 pairs or with
          differences that do not vary (:func:`paired_statistics`)
        - ``p_adjusted``: ``p_value`` corrected across the scales at each wave (``adjust``),
          within each family of ``families``; with ``families``, also ``family``

    Examples
    --------
    A single outcome needs no ``scale`` column; a misspelt column is named:

    >>> one = pd.DataFrame({"participant": list("abcd") * 2,
    ...                     "wave": ["pre"] * 4 + ["post"] * 4,
    ...                     "score": [3, 4, 2, 5, 4, 5, 2, 7]})
    >>> row = paired_change(one, baseline="pre", alternative="greater", confidence=0.9)
    >>> row[["scale", "n", "mean_diff"]].to_dict("records"), float(row["p_value"].round(4).iloc[0])
    ([{'scale': 'score', 'n': 4, 'mean_diff': 1.0}], 0.0459)
    >>> paired_change(one, baseline="pre", dv="Score")
    Traceback (most recent call last):
    impact.errors.ArgumentError: `dv` must be a column of `data` [...]; got 'Score' (...)
    """
    check_test_options(alternative, confidence)
    data = _outcome_columns(data, dv=dv, within=within, subject=subject, scale=scale)
    waves = data[within]
    ordered = (
        list(waves.cat.categories)
        if isinstance(waves.dtype, pd.CategoricalDtype)
        else list(pd.unique(waves))
    )
    check_choice(baseline, ordered, argument="baseline", what=f"a wave of column {within!r}")
    present = set(waves.dropna().unique())
    later = [w for w in ordered[ordered.index(baseline) + 1 :] if w in present]
    rows = []
    for scale_id, part in data.dropna(subset=[dv]).groupby(scale, sort=True, observed=True):
        # One participant × wave table per scale; each comparison then takes two columns.
        wide = part.pivot(index=subject, columns=within, values=dv)
        scored = {w for w in wide.columns if wide[w].notna().any()}
        if baseline not in scored:
            continue
        pre = wide[baseline]
        for wave in [w for w in later if w in scored]:
            both = (pre.notna() & wide[wave].notna()).to_numpy()
            row = paired_statistics(
                pre.to_numpy(float)[both],
                wide[wave].to_numpy(float)[both],
                alternative=alternative,
                confidence=confidence,
            )
            rows.append({"scale": scale_id, "baseline": baseline, "wave": wave} | row)
    result = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    result["n"] = result["n"].astype(int)
    result["wilcoxon_exact"] = result["wilcoxon_exact"].astype(bool)
    result["wave"] = pd.Categorical(result["wave"], categories=ordered, ordered=True)
    if families:
        result["family"] = [families.get(str(s), str(s)) for s in result["scale"]]
    if adjust is not None:
        result = adjust_p(result, method=adjust, by=["wave", "family"] if families else "wave")
    return result


def _outcome_columns(
    data: pd.DataFrame, *, dv: str, within: str, subject: str, scale: str | None
) -> pd.DataFrame:
    """``data`` with the named columns checked (seaborn-style errors) and, for one outcome
    without a column ``scale`` (the default name), a ``scale`` column named after ``dv``."""
    columns = list(data.columns)
    for argument, name in (("dv", dv), ("within", within), ("subject", subject)):
        check_choice(name, columns, argument=argument, what="a column of `data`")
    if scale not in columns:
        if scale != "scale":
            check_choice(scale, columns, argument="scale", what="a column of `data`")
        return data.assign(scale=dv)
    return data


def adjust_p(
    data: pd.DataFrame,
    *,
    p: str = "p_value",
    method: str = "holm",
    by: str | list[str] | None = None,
) -> pd.DataFrame:
    """Add ``p_adjusted``: p-values corrected for multiple comparisons.

    Parameters
    ----------
    data : DataFrame
        Any table with a p-value column.
    p : str
        The p-value column; missing p-values are left out of the family and stay missing.
    method : {"holm", "fdr_bh", "bonferroni"}
        Holm's step-down (``p.adjust(method = "holm")``), Benjamini–Hochberg
        (``"BH"``) or Bonferroni.
    by : str or list of str, optional
        Adjust within each group of this column (e.g. each wave) or these columns (each
        wave × family) instead of all rows.

    Returns
    -------
    DataFrame
        A copy of ``data`` with ``p_adjusted`` and ``p_adjust_method``.

    Examples
    --------
    >>> table = pd.DataFrame({"p_value": [0.01, 0.04, 0.03]})
    >>> adjust_p(table)["p_adjusted"].round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    check_choice(method, ["holm", "fdr_bh", "bonferroni"], argument="method")
    result = data.copy()
    result["p_adjusted"] = np.nan
    groups = [result.index] if by is None else result.groupby(by, observed=True).groups.values()
    for index in groups:
        values = result.loc[index, p]
        valid = values.dropna()
        if len(valid):
            adjust = _holm if method == "holm" else _statsmodels_adjust(method)
            result.loc[valid.index, "p_adjusted"] = adjust(valid.to_numpy(dtype=float))
    result["p_adjust_method"] = method
    return result


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, as R's ``p.adjust(method = "holm")``.

    Written out rather than taken from ``statsmodels.stats.multitest.multipletests``, which
    computes the same numbers but runs a full garbage collection on every Holm call (about
    a tenth of a second with a report's data in memory, and a report makes dozens).

    Examples
    --------
    >>> _holm(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    order = np.argsort(p_values)
    stepped = np.maximum.accumulate(p_values[order] * np.arange(len(p_values), 0, -1))
    adjusted = np.empty_like(stepped)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _statsmodels_adjust(method: str):
    return lambda p_values: multipletests(p_values, method=method)[1]


RELIABLE_CHANGE_COLUMNS = [
    "participant",
    "scale",
    "baseline",
    "wave",
    "pre",
    "post",
    "diff",
    "sd_baseline",
    "reliability",
    "reliability_source",
    "reliability_choice",
    "s_diff",
    "rci",
    "reliable_change",
    "clinical_change",
]
RELIABLE_CHANGE_CATEGORIES = ["improved", "no reliable change", "deteriorated"]
CLINICAL_CHANGE_CATEGORIES = ["recovered", "improved", "unchanged", "deteriorated"]


def reliable_change(
    data: pd.DataFrame,
    instruments: dict[str, Instrument],
    *,
    baseline: str = "kickoff",
    alphas: dict[str, float] | None = None,
    reliability: str = "published",
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Jacobson–Truax reliable change and clinically significant change per participant.

    ``RCI = (post − pre) / S_diff`` with ``S_diff = √2 · SD · √(1 − r_xx)``, where ``SD`` is
    the standard deviation of all baseline scores of the scale in this cohort (Jacobson &
    Truax, 1991). ``r_xx`` is chosen by ``reliability``: ``"published"`` takes the
    reliability given in the instrument definition, or else the cohort's baseline
    Cronbach's alpha (``alphas``); ``"sample"`` takes the cohort's baseline alpha, or else
    (single items have no alpha) the definition's. ``|RCI| > 1.96`` is a reliable change,
    its direction read with the instrument's ``higher_is_better``.

    Where the instrument has a ``clinical_cutoff``, scores beyond it (above it when higher is
    better) are in the functional range, and the change is *recovered* (reliably improved
    and moved from the dysfunctional into the functional range), *improved* (reliably
    improved otherwise), *unchanged* (no reliable change) or *deteriorated*.

    Parameters
    ----------
    data : DataFrame
        Long scores (:func:`impact.score.score`), retrospective ``_then`` scales left out.
    instruments : dict
        Instrument id → Instrument; ``data`` needs an ``instrument`` column when a scale
        name differs from its instrument id.
    baseline : str
        The baseline wave.
    alphas : dict, optional
        Scale → baseline alpha of this cohort.
    reliability : {"published", "sample"}
        Which reliability comes first: the instrument's published one, or the sample's
        alpha (survey.yml ``analysis.reliable_change_reliability``).
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per participant × scale × later wave with scores at both waves:

        - ``participant``, ``scale``, ``baseline``, ``wave``
        - ``pre``, ``post``, ``diff`` (post − pre)
        - ``sd_baseline``: SD of the baseline scores (all participants with one)
        - ``reliability`` and ``reliability_source`` (``definition`` / ``baseline alpha``);
          ``reliability_choice``: the ``reliability`` asked for
        - ``s_diff``: standard error of the difference; ``rci``: the reliable change index
        - ``reliable_change``: improved / no reliable change / deteriorated
        - ``clinical_change``: recovered / improved / unchanged / deteriorated, or missing
          when the instrument has no cut-off

    Examples
    --------
    >>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
    >>> who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    >>> data = pd.DataFrame({"participant": list("abcdab"), "scale": "who5",
    ...     "wave": ["kickoff"] * 4 + ["final"] * 2, "score": [40, 60, 20, 52, 72, 56]})
    >>> result = reliable_change(data, {"who5": who5})
    >>> result[["participant", "rci", "reliable_change", "clinical_change"]].round(2)
      participant   rci     reliable_change clinical_change
    0           a  3.25            improved       recovered
    1           b -0.41  no reliable change       unchanged
    """
    if reliability not in ("published", "sample"):
        raise DefinitionError(
            f"unknown reliability {reliability!r} for reliable change",
            key="analysis.reliable_change_reliability",
            hint="use 'published' (the instrument's) or 'sample' (the cohort's baseline alpha)",
        )
    valid = data.dropna(subset=[dv])
    rows = []
    for scale_id, part in valid.groupby(scale, sort=True, observed=True):
        instrument_id = part["instrument"].iloc[0] if "instrument" in part else scale_id
        instrument = instruments[str(instrument_id)]
        base = part[part[within] == baseline]
        if base.empty:
            continue
        alpha = (alphas or {}).get(str(scale_id), np.nan)
        candidates = [(instrument.reliability, "definition"), (alpha, "baseline alpha")]
        if reliability == "sample":
            candidates.reverse()
        usable = [(r, source) for r, source in candidates if r is not None and 0 < r < 1]
        if not usable:
            continue
        r_xx, source = usable[0]
        sd = base[dv].std(ddof=1)
        s_diff = np.sqrt(2) * sd * np.sqrt(1 - r_xx)
        pre = base.set_index(subject)[dv].rename("pre")
        later = part[part[within] != baseline].set_index(subject)
        table = later[[within, dv]].rename(columns={dv: "post"}).join(pre, how="inner")
        table = table.reset_index().rename(columns={subject: "participant", within: "wave"})
        table["diff"] = table["post"] - table["pre"]
        table["rci"] = table["diff"] / s_diff
        sign = 1 if instrument.higher_is_better else -1
        better = sign * table["rci"] > Z975
        worse = sign * table["rci"] < -Z975
        table["reliable_change"] = np.select(
            [better, worse], ["improved", "deteriorated"], "no reliable change"
        )
        if instrument.clinical_cutoff is not None:
            cut = instrument.clinical_cutoff
            functional_post = sign * table["post"] > sign * cut
            functional_pre = sign * table["pre"] > sign * cut
            recovered = better & functional_post & ~functional_pre
            table["clinical_change"] = np.select(
                [recovered, better, worse],
                ["recovered", "improved", "deteriorated"],
                "unchanged",
            )
        else:
            table["clinical_change"] = None
        table["scale"] = scale_id
        table["baseline"] = baseline
        table["sd_baseline"] = sd
        table["reliability"] = r_xx
        table["reliability_source"] = source
        table["reliability_choice"] = reliability
        table["s_diff"] = s_diff
        rows.append(table[RELIABLE_CHANGE_COLUMNS])
    if not rows:
        return pd.DataFrame(columns=RELIABLE_CHANGE_COLUMNS)
    result = pd.concat(rows, ignore_index=True)
    if isinstance(data[within].dtype, pd.CategoricalDtype):
        result["wave"] = result["wave"].astype(data[within].dtype)
    return result.sort_values(["scale", "wave", "participant"], ignore_index=True)


def reliable_change_counts(individual: pd.DataFrame) -> pd.DataFrame:
    """How many participants fall in each reliable and clinical change category.

    Parameters
    ----------
    individual : DataFrame
        The result of :func:`reliable_change`.

    Returns
    -------
    DataFrame
        One row per scale × wave × kind × category:

        - ``scale``, ``wave``
        - ``kind``: ``reliable_change`` or ``clinical_change``
        - ``category``: e.g. ``improved``; every category appears, with 0 if empty
        - ``n``: participants in the category; ``total``: participants compared
        - ``share``: ``n / total``

    Examples
    --------
    >>> individual = pd.DataFrame({"scale": "who5", "wave": "final",
    ...     "reliable_change": ["improved", "improved", "no reliable change"],
    ...     "clinical_change": ["recovered", "improved", "unchanged"]})
    >>> counts = reliable_change_counts(individual)
    >>> counts.query("kind == 'reliable_change'")[["category", "n"]].to_string(index=False)
    '          category  n\\n          improved  2\\nno reliable change  1\\n      deteriorated  0'
    """
    parts = []
    for kind, categories in (
        ("reliable_change", RELIABLE_CHANGE_CATEGORIES),
        ("clinical_change", CLINICAL_CHANGE_CATEGORIES),
    ):
        known = individual.dropna(subset=[kind])
        if known.empty:
            continue
        counts = count_categories(
            known.rename(columns={kind: "category"}),
            by=["scale", "wave"],
            category="category",
            categories=list(categories),
        )
        parts.append(counts.assign(kind=kind))
    columns = ["scale", "wave", "kind", "category", "n", "total", "share"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


RESPONSE_SHIFT_COMPARISONS = {
    # name: (first, second): the statistics describe second − first
    "pre_post": ("pre", "post"),
    "then_post": ("then", "post"),
    "pre_then": ("pre", "then"),
}


def response_shift(
    data: pd.DataFrame,
    *,
    baseline: str = "kickoff",
    wave: str = "final",
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
    then_suffix: str = "_then",
    common: bool = True,
) -> pd.DataFrame:
    """Learning with response-shift control: pre vs post, then vs post, pre vs then.

    *pre* is the rating at ``baseline``, *post* the rating at ``wave``, *then* the
    retrospective rating of the time before the programme given at ``wave`` (the scale with
    ``then_suffix``). ``then_post`` is the change free of a shifted yardstick; ``pre_then``
    is the response shift itself (negative when people judge their start more harshly in
    hindsight). All three comparisons use the same participants, those with all three
    ratings, so that ``post − pre = (post − then) + (then − pre)`` holds for the mean
    differences; ``common=False`` takes, for each comparison, everyone with its two ratings.

    Parameters
    ----------
    data : DataFrame
        Long scores with the ``_then`` scales, as :func:`impact.score.score` returns them.
    baseline, wave : str
        The waves of the pre and of the post and then ratings.
    dv, within, subject, scale, then_suffix : str
        Column names and the suffix of retrospective scales.
    common : bool
        One sample for the three comparisons (default), or each its own complete pairs.

    Returns
    -------
    DataFrame
        One row per retrospective scale × comparison (``n`` is the same in the three rows
        of a scale when ``common``):

        - ``scale``: the scale (without the suffix)
        - ``comparison``: ``pre_post``, ``then_post`` or ``pre_then``
        - ``first``, ``second``: which ratings; differences are second − first
        - the columns of :func:`paired_statistics` (``n``, ``mean_pre`` (first),
          ``mean_post`` (second), ``mean_diff``, ``t``, ``p_value``, ``d_z``, …)

    Examples
    --------
    >>> data = pd.DataFrame({"participant": list("abcd") * 3,
    ...     "wave": ["kickoff"] * 4 + ["final"] * 8,
    ...     "scale": ["c"] * 8 + ["c_then"] * 4,
    ...     "score": [3.0, 3.5, 2.5, 4.0, 3.5, 4.0, 3.5, 4.0, 2.5, 3.0, 2.5, 3.5]})
    >>> response_shift(data)[["comparison", "n", "mean_diff"]]
      comparison  n  mean_diff
    0   pre_post  4      0.500
    1  then_post  4      0.875
    2   pre_then  4     -0.375
    """
    valid = data.dropna(subset=[dv])
    names = valid[scale].astype(str)
    rows = []
    for then_scale in sorted(set(names[names.str.endswith(then_suffix)])):
        base_scale = then_scale[: -len(then_suffix)]
        ratings = {
            "pre": valid[(names == base_scale) & (valid[within] == baseline)],
            "post": valid[(names == base_scale) & (valid[within] == wave)],
            "then": valid[(names == then_scale) & (valid[within] == wave)],
        }
        ratings = {k: v.set_index(subject)[dv] for k, v in ratings.items()}
        if common:
            everyone = pd.concat(ratings, axis=1, join="inner")
            ratings = {k: everyone[k] for k in ratings}
        for comparison, (first, second) in RESPONSE_SHIFT_COMPARISONS.items():
            pairs = pd.concat({"a": ratings[first], "b": ratings[second]}, axis=1, join="inner")
            statistics = paired_statistics(pairs["a"].to_numpy(), pairs["b"].to_numpy())
            rows.append(
                {"scale": base_scale, "comparison": comparison, "first": first}
                | {"second": second}
                | statistics
            )
    columns = ["scale", "comparison", "first", "second", *PAIRED_COLUMNS]
    result = pd.DataFrame(rows, columns=columns)
    result["n"] = result["n"].astype(int)
    return result
