"""Disclosure control for reports: small groups suppressed, free text scrubbed.

Every table or figure a report breaks down by group goes through
:func:`suppress_small_groups` or :func:`combine_small_groups`, so no count or statistic
describes fewer than ``k`` people (``privacy.min_group_size`` in ``survey.yml``). Free text
is shown only when ``privacy.quotes`` is enabled, and then only after :func:`scrub_text`
has replaced e-mail addresses, phone numbers, URLs and the names in the registry; escaping
for HTML happens where the text is written out (:mod:`impact.sections`).

Examples
--------
>>> import pandas as pd
>>> groups = pd.DataFrame({"site": ["Marburg", "Moshi"], "n": [48, 2], "mean": [61.2, 70.0]})
>>> suppress_small_groups(groups, count="n", k=5)
      site     n  mean  suppressed
0  Marburg    48  61.2       False
1    Moshi  <NA>   NaN        True
>>> scrub_text("Ask anna.b@example.org or call +49 6421 123456", names=["Anna"])
'Ask [e-mail] or call [phone]'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from impact.definitions import Survey
from impact.io import read_export

EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_PATH = r"[^\s<>\"']*[^\s<>\"'.,;:!?)]"  # a URL does not end in punctuation
URL = (
    rf"(?:https?://|ftp://|www\.){_PATH}"
    rf"|\b[\w-]+(?:\.[\w-]+)*\.(?:de|com|org|net|eu|info|io)\b(?:/{_PATH})?"
)
# International or national numbers with at least 6 digits, allowing spaces, dashes, slashes
# and a bracketed area code; years, dates and short counts are left alone.
PHONE = r"(?:\+|\b00|\b0)\d[\d\s/()-]{4,}\d\b"
PLACEHOLDERS = {"email": "[e-mail]", "url": "[link]", "phone": "[phone]", "name": "[name]"}


def suppress_small_groups(
    data: pd.DataFrame,
    *,
    count: str = "n",
    k: int = 5,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Blank every statistic of a group with fewer than ``k`` members.

    Parameters
    ----------
    data : DataFrame
        One row per group, with its size in ``count``.
    count : str
        The column with the group size.
    k : int
        The smallest group that may be shown (``privacy.min_group_size``).
    columns : list of str, optional
        The columns to blank; by default every numeric column, ``count`` included.

    Returns
    -------
    DataFrame
        The same rows and columns, plus:

        - ``suppressed``: True where the group has fewer than ``k`` members; its ``count``
          and ``columns`` are then missing (``count`` becomes a nullable integer).
    """
    if count not in data.columns:
        raise KeyError(f"no column {count!r} with the group size in {list(data.columns)}")
    result = data.copy()
    small = result[count].fillna(0) < k
    numeric = columns or [c for c in result.columns if pd.api.types.is_numeric_dtype(result[c])]
    result[count] = result[count].astype("Int64")
    for column in numeric:
        result.loc[small, column] = pd.NA if column == count else np.nan
    result["suppressed"] = small.to_numpy()
    return result


def combine_small_groups(
    data: pd.DataFrame,
    *,
    group: str,
    count: str = "n",
    k: int = 5,
    other: str = "other",
) -> pd.DataFrame:
    """Merge groups with fewer than ``k`` members into one row named ``other``.

    When the merged row is itself below ``k``, the smallest shown group joins it, until the
    merged row reaches ``k`` (or every group is merged). So no row describes fewer than
    ``k`` people and the total is unchanged, which a blanked row could not guarantee.

    Parameters
    ----------
    data : DataFrame
        One row per group: the group's name in ``group``, its size in ``count``.
    group, count : str
        Column names.
    k : int
        The smallest group that may be shown.
    other : str
        The name of the merged row.

    Returns
    -------
    DataFrame
        ``group`` and ``count``, the large groups by size (largest first), then ``other``:

        - ``group``: the group's name, or ``other``
        - ``count``: its size
        - ``combined``: how many groups the row stands for

    Examples
    --------
    >>> sizes = pd.DataFrame({"sector": list("abcd"), "n": [9, 6, 3, 2]})
    >>> combine_small_groups(sizes, group="sector", k=5, other="others")
       sector  n  combined
    0       a  9         1
    1       b  6         1
    2  others  5         2
    """
    ordered = data[[group, count]].sort_values(count, ascending=False, kind="stable")
    large = ordered[ordered[count] >= k]
    small = ordered[ordered[count] < k]
    while len(small) and small[count].sum() < k and len(large):
        small = pd.concat([large.iloc[[-1]], small])
        large = large.iloc[:-1]
    result = large.assign(combined=1)
    if len(small):
        merged = pd.DataFrame({group: [other], count: [small[count].sum()], "combined": len(small)})
        result = pd.concat([result, merged])
    return result.reset_index(drop=True)


def scrub_text(text: str, *, names: Iterable[str] = ()) -> str:
    """Replace e-mail addresses, URLs, phone numbers and the given names in one text.

    Names match as whole words, ignoring case. The result is plain text: escape it for HTML
    where it is written out.

    Examples
    --------
    >>> scrub_text("Thanks to Jonas Weber! See https://example.org/x, tel. 06421/28-0",
    ...            names=["Jonas", "Weber"])
    'Thanks to [name] [name]! See [link], tel. [phone]'
    """
    return scrub(pd.Series([text], dtype="object"), names=names).iloc[0]


def scrub(texts: pd.Series, *, names: Iterable[str] = ()) -> pd.Series:
    """:func:`scrub_text` over a Series of free-text answers (vectorised; missing stays missing).

    Examples
    --------
    >>> scrub(pd.Series(["mail me: a@b.de", None]), names=[]).tolist()
    ['mail me: [e-mail]', None]
    """
    result = texts.astype("object")
    result = result.str.replace(EMAIL, PLACEHOLDERS["email"], regex=True)
    result = result.str.replace(URL, PLACEHOLDERS["url"], regex=True, flags=re.IGNORECASE)
    result = result.str.replace(PHONE, PLACEHOLDERS["phone"], regex=True)
    words = {n.strip() for n in names if isinstance(n, str) and len(n.strip()) > 1}
    words = sorted(words, key=len, reverse=True)  # longest first: 'Anna-Lena' before 'Anna'
    if words:
        pattern = r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b"
        result = result.str.replace(pattern, PLACEHOLDERS["name"], regex=True, flags=re.IGNORECASE)
    return result.where(texts.notna(), None)


def registry_names(survey: Survey, base: str | Path) -> list[str]:
    """The values of the registry's identifying columns (names, e-mails), for scrubbing only.

    They are read from the programme office's file when a report needs them and never
    leave memory.
    """
    identifying = survey.registry.identifying
    if not identifying:
        return []
    table = read_export(Path(base) / survey.registry.file).table
    present = [c for c in identifying if c in table.columns]
    values = pd.unique(table[present].to_numpy().ravel()) if present else []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]
