"""Disclosure control of published tables: primary and secondary (complementary) suppression.

A count of 1 to k − 1 people is blanked (primary suppression, the threshold rule). Blanking
it alone is not enough: a reader subtracts the cells shown from the table's total. So
further cells are blanked (secondary suppression) until no blanked cell can be worked out:
until the blanked cells of a table are at least two, sum to k or more, and the total
minus the cells shown does not pin any of them down (the checks of
:func:`impact.audit.category_leaks`, so protection and audit share one definition of a
leak). As τ-Argus's and sdcMicro's heuristics do with a frequency cost, the secondary cell
chosen is the smallest count shown, which costs the reader the least information. A
breakdown whose every group ends up blanked (two sites, one of them with two people: the
other is the cohort minus two) is not shown at all.

Written here rather than calling sdcMicro or τ-Argus: both are R or Java programs, and the
tables protected here are single dimension tables with a known total, for which the
smallest-cell heuristic is what those programs do too.

Examples
--------
>>> import pandas as pd
>>> classes = pd.DataFrame({"category": ["thriving", "suffering", "struggling"],
...                         "n": [20, 1, 28]})
>>> protect(classes, count="n", k=5)[["category", "n", "suppressed"]]
     category     n  suppressed
0    thriving  <NA>        True
1   suffering  <NA>        True
2  struggling    28       False
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from impact.audit import category_leaks


def protect(
    data: pd.DataFrame,
    *,
    count: str = "n",
    k: int = 5,
    within: list[str] | None = None,
    total: str | None = None,
    columns: list[str] | None = None,
    suppressed: pd.Series | None = None,
) -> pd.DataFrame:
    """Primary and secondary suppression of the count tables in ``data``.

    Parameters
    ----------
    data : DataFrame
        One row per cell, its count in ``count``.
    count : str
        The column with the number of people in the cell.
    k : int
        The smallest count that may be shown (``privacy.min_group_size``).
    within : list of str, optional
        The columns whose values make one table (e.g. ``["scale", "wave"]``); by default
        ``data`` is one table.
    total : str, optional
        A column with the table's total as the report prints it; by default the sum of
        the table's counts.
    columns : list of str, optional
        Further columns blanked with the count (shares, means, intervals).
    suppressed : Series of bool, optional
        Cells already blanked for another reason; they count as blanked here.

    Returns
    -------
    DataFrame
        The same rows, ``count`` a nullable integer missing where blanked, ``columns``
        missing there too, and ``suppressed``: True for a blanked cell.
    """
    result = data.copy()
    n = result[count].astype(float)
    hidden = ((n > 0) & (n < k)).to_numpy().copy()
    if suppressed is not None:
        hidden = hidden | np.asarray(suppressed, dtype=bool)
    groups = (
        result.groupby(within, sort=False, observed=True).indices
        if within
        else {(): np.arange(len(result))}
    )
    for positions in groups.values():
        cells = n.iloc[positions].to_numpy()
        table_total = float(result[total].iloc[positions[0]]) if total else float(np.nansum(cells))
        hidden[positions] = _complementary(cells, hidden[positions], total=table_total, k=k)
    result[count] = result[count].astype("Int64")
    result.loc[hidden, count] = pd.NA
    for column in columns or []:
        result[column] = result[column].astype(float)
        result.loc[hidden, column] = np.nan
    result["suppressed"] = hidden
    return result


def _complementary(cells: np.ndarray, hidden: np.ndarray, *, total: float, k: int) -> np.ndarray:
    """Secondary suppression of one table: blank its smallest shown count until the audit's
    checks find no blanked cell that the total and the cells shown pin down."""
    hidden = hidden.copy()
    while True:
        shown = [
            {"category": i, "n": None if hidden[i] else cells[i], "suppressed": hidden[i]}
            for i in range(len(cells))
        ]
        if not category_leaks(shown, label="", k=k, total=total):
            return hidden
        candidates = [(cells[i], i) for i in range(len(cells)) if not hidden[i] and cells[i] > 0]
        if not candidates:
            return hidden
        hidden[min(candidates)[1]] = True


def shown_breakdowns(data: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """``data`` without the breakdowns (values of ``by``) whose every cell is blanked.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"attribute": ["site", "site", "role", "role"],
    ...                       "suppressed": [True, True, False, False]})
    >>> shown_breakdowns(table, by="attribute")["attribute"].tolist()
    ['role', 'role']
    """
    if data.empty:
        return data
    kept = ~data.groupby(by, sort=False, observed=True)["suppressed"].transform("all")
    return data[kept.to_numpy()].reset_index(drop=True)


def protect_missing(
    data: pd.DataFrame, *, missing: int, k: int, columns: list[str]
) -> pd.DataFrame:
    """``data`` with ``columns`` blanked in every row when ``missing`` is 1 to k − 1.

    Fewer than k people left out (non-respondents of a wave, say) are a small group too:
    two breakdowns' counts would each say which group they belong to, and together pin
    them down. So none of their breakdowns' counts is shown.

    Examples
    --------
    >>> import pandas as pd
    >>> groups = pd.DataFrame({"group": ["a", "b"], "responded": [25, 26]})
    >>> protect_missing(groups, missing=1, k=5, columns=["responded"])["responded"].tolist()
    [<NA>, <NA>]
    """
    result = data.copy()
    if _small_group(missing, k):
        for column in columns:
            result[column] = pd.array([pd.NA] * len(result), dtype="Float64")
    return result


def _small_group(size: int, k: int) -> bool:
    return 0 < size < k


def merge_adjacent(counts: list[int], *, k: int) -> list[tuple[int, int]]:
    """Ordered categories merged with their neighbours until none holds 1 to k − 1 people.

    Combining is what a statistical office prefers to blanking where the categories have an
    order (score bands, histogram bins): the smallest category below ``k`` joins its smaller
    neighbour (an empty one too, so a gap is closed rather than jumped) until none is left.

    Parameters
    ----------
    counts : list of int
        People per category, in the categories' order.
    k : int
        The smallest count that may be shown.

    Returns
    -------
    list of (int, int)
        The first and last position of each merged category, in order. With fewer than
        ``k`` people in all, one category spanning everything.

    Examples
    --------
    >>> merge_adjacent([4, 17, 30], k=5)
    [(0, 1), (2, 2)]
    >>> merge_adjacent([0, 6, 2, 0, 9], k=5)
    [(0, 0), (1, 3), (4, 4)]
    """
    spans = [(i, i) for i in range(len(counts))]
    sizes = [int(c) for c in counts]
    while True:
        small = [i for i, size in enumerate(sizes) if _small_group(size, k)]
        if not small or len(sizes) == 1:
            return spans
        i = min(small, key=lambda j: sizes[j])
        j = min((n for n in (i - 1, i + 1) if 0 <= n < len(sizes)), key=lambda n: sizes[n])
        first, second = sorted((i, j))
        spans[first : second + 1] = [(spans[first][0], spans[second][1])]
        sizes[first : second + 1] = [sizes[first] + sizes[second]]


PAIR_LEVELS = ["mean_pre", "sd_pre", "mean_post", "sd_post"]


def nested_gaps(pairs: pd.DataFrame, *, levels: pd.DataFrame) -> pd.DataFrame:
    """How many people lie between a change's pairs and each wave's respondents.

    Parameters
    ----------
    pairs : DataFrame
        A change per row: ``scale``, ``baseline``, ``wave``, ``n`` (the pairs).
    levels : DataFrame
        The per-wave summaries published beside it: ``scale``, ``wave``, ``n``.

    Returns
    -------
    DataFrame
        ``pairs`` with ``leavers`` (baseline respondents not among the pairs) and ``late``
        (respondents of the wave not among the pairs); missing without a published level.

    Examples
    --------
    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"scale": ["who5"], "baseline": ["a"], "wave": ["b"], "n": [43]})
    >>> levels = pd.DataFrame({"scale": ["who5", "who5"], "wave": ["a", "b"], "n": [51, 44]})
    >>> nested_gaps(pairs, levels=levels)[["leavers", "late"]].values.tolist()
    [[8, 1]]
    """
    sizes = levels.set_index(["scale", "wave"])["n"].astype(float)
    result = pairs.copy()

    def size(scale, wave):
        return sizes.get((str(scale), str(wave)), np.nan)

    result["leavers"] = [
        size(s, b) - n
        for s, b, n in zip(pairs["scale"], pairs["baseline"], pairs["n"], strict=True)
    ]
    result["late"] = [
        size(s, w) - n for s, w, n in zip(pairs["scale"], pairs["wave"], pairs["n"], strict=True)
    ]
    for column in ("leavers", "late"):
        result[column] = result[column].astype("Int64")
    return result


def protect_nested(pairs: pd.DataFrame, *, levels: pd.DataFrame, k: int) -> pd.DataFrame:
    """A change's pre and post means blanked where its pairs differ from a wave's
    respondents by 1 to k − 1 people.

    The pairs are the baseline's respondents less those who left, and the wave's less those
    who joined late. With the waves' means published, the pairs' means would give away the
    mean of those few: ``(51 × 52.2 − 49 × 52.9) / 2``. The mean change stays (see
    :func:`withheld_levels` for when it ties a pairs' mean to a published one).

    Examples
    --------
    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"scale": ["who5"], "baseline": ["a"], "wave": ["b"], "n": [43],
    ...     "mean_pre": [52.2], "sd_pre": [15.8], "mean_post": [60.5], "sd_post": [14.0],
    ...     "mean_diff": [8.3]})
    >>> levels = pd.DataFrame({"scale": ["who5", "who5"], "wave": ["a", "b"], "n": [51, 44]})
    >>> protect_nested(pairs, levels=levels, k=5)[["mean_pre", "mean_diff"]].values.tolist()
    [[nan, 8.3]]
    """
    gaps = nested_gaps(pairs, levels=levels)
    few = _few(gaps["leavers"], k) | _few(gaps["late"], k)
    result = pairs.copy()
    columns = [c for c in PAIR_LEVELS if c in result.columns]
    result[columns] = result[columns].astype(float)
    result.loc[few.to_numpy(), columns] = np.nan
    return result


def withheld_levels(pairs: pd.DataFrame, *, levels: pd.DataFrame, k: int) -> set[tuple[str, str]]:
    """The (scale, wave) whose published mean, with the baseline's and the mean change,
    would give away the few between the pairs and the respondents.

    With no late joiner the wave's respondents are the pairs, so the wave's mean minus the
    mean change is the pairs' baseline mean, and 1 to k − 1 leavers have theirs recovered
    from the baseline's; with no leaver the same holds for 1 to k − 1 late joiners. The
    wave's mean is then withheld.

    Examples
    --------
    >>> import pandas as pd
    >>> pairs = pd.DataFrame({"scale": ["who5"], "baseline": ["a"], "wave": ["b"], "n": [25]})
    >>> levels = pd.DataFrame({"scale": ["who5", "who5"], "wave": ["a", "b"], "n": [28, 25]})
    >>> withheld_levels(pairs, levels=levels, k=5)
    {('who5', 'b')}
    """
    gaps = nested_gaps(pairs, levels=levels)
    tied = (_few(gaps["leavers"], k) & gaps["late"].eq(0).fillna(False)) | (
        _few(gaps["late"], k) & gaps["leavers"].eq(0).fillna(False)
    )
    return {(str(s), str(w)) for s, w in zip(gaps["scale"][tied], gaps["wave"][tied], strict=True)}


def _few(sizes: pd.Series, k: int) -> pd.Series:
    return pd.Series(
        [pd.notna(size) and _small_group(int(size), k) for size in sizes], index=sizes.index
    )


def differ_by_few(sizes, *, k: int) -> bool:
    """Whether any two of ``sizes`` (people in nested sets) differ by 1 to k − 1.

    Examples
    --------
    >>> differ_by_few([51, 43, 36], k=5), differ_by_few([51, 44, 43], k=5)
    (False, True)
    """
    sizes = sorted({int(size) for size in sizes})
    return any(_small_group(b - a, k) for a, b in itertools.combinations(sizes, 2))
