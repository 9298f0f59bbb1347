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
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from impact.clean import LOOK_ALIKES
from impact.definitions import Survey
from impact.errors import check_choice
from impact.io import read_export

# Every pattern runs in time linear in the text: each one starts only where its first run of
# characters starts (a lookbehind), and no quantifier nests over characters another one could
# take. tests/test_hostile.py times them on 120,000-character adversarial answers.
_LOCAL = r"(?<![\w.+-])[\w.+-]{1,64}"
EMAIL = rf"{_LOCAL}\s?@\s?[\w-]{{1,63}}(?:\s?\.\s?[\w-]{{1,63}}){{1,8}}"
# Spelled-out addresses: "name at gmx dot de", "name(at)gmx(dot)de", "name [at] gmx.de".
_AT = r"(?:\s?[(\[{<]\s?(?:at|ät)\s?[)\]}>]\s?|\s(?:at|ät)\s)"
_DOT_WORD = r"(?:\s?[(\[{<]\s?(?:dot|punkt)\s?[)\]}>]\s?|\s(?:dot|punkt)\s)"
OBFUSCATED_EMAIL = (
    rf"{_LOCAL}(?:\s?[(\[{{<]\s?(?:at|ät)\s?[)\]}}>]\s?[\w-]{{1,63}}(?:(?:\.|{_DOT_WORD})[\w-]{{1,63}}){{1,8}}"
    rf"|{_AT}[\w-]{{1,63}}(?:{_DOT_WORD}[\w-]{{1,63}}){{1,8}})"
)
_PATH = r"[^\s<>\"']{0,2000}[^\s<>\"'.,;:!?)]"  # a URL does not end in punctuation
URL = (
    rf"(?<![\w.-])(?:https?://|ftp://|www\.){_PATH}"
    rf"|(?<![\w.-])[\w-]{{1,63}}(?:\.[\w-]{{1,63}}){{0,8}}\.(?:de|com|org|net|eu|info|io)\b"
    rf"(?:/{_PATH})?"
)
IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)"
# IPv6: at least five colons, or a '::' (so times like 10:30:00 are left alone).
IPV6 = r"(?<![\w:])(?=[0-9A-Fa-f:]{0,39}::|(?:[0-9A-Fa-f]{1,4}:){5})[0-9A-Fa-f:]{3,39}(?![\w:])"
# International or national numbers: a run of digits, spaces, dashes, dots, slashes and
# brackets that starts with +, 00 or 0 (the whole run, so two numbers side by side go
# together); it is a phone number when it holds at least 6 digits (:func:`_phone`). Years,
# dates (01.02.2024), times, decimals and short counts are left alone.
PHONE = (
    r"(?<![\w+(./-])(?!\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d))"
    r"(?:\+|\(?0)\d[\d /().-]{0,80}\d(?![\w])"
)
MIN_PHONE_DIGITS = 6
PLACEHOLDERS = {
    "email": "[e-mail]",
    "url": "[link]",
    "phone": "[phone]",
    "name": "[name]",
    "ip": "[IP address]",
    "code": "[code]",
}
# Longer answers are cut to this many characters (and marked) before they are scrubbed.
MAX_ANSWER_CHARS = 5_000
TRUNCATED = " […]"
_PATTERNS = [
    (re.compile(EMAIL), "email"),
    (re.compile(OBFUSCATED_EMAIL, re.IGNORECASE), "email"),
    (re.compile(URL, re.IGNORECASE), "url"),
    (re.compile(IPV6), "ip"),
    (re.compile(IPV4), "ip"),
    (re.compile(PHONE), "phone"),
]


def _phone(match: re.Match) -> str:
    digits = sum(c.isdigit() for c in match[0])
    return PLACEHOLDERS["phone"] if digits >= MIN_PHONE_DIGITS else match[0]


_REPLACEMENTS = {"phone": _phone}
# A word, with inner hyphens and apostrophes ("Anna-Lena", "Anna's") and a trailing
# apostrophe ("Jonas'"): each part needs its separator, so the match is linear.
_WORD = re.compile(r"\w+(?:[-'’]\w+)*['’]?")


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
    check_choice(
        count, data.columns, argument="count", what="the column with the group size, one of"
    )
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
    """Replace e-mail addresses, URLs, IP addresses, phone numbers, participant codes and
    the given names in one text.

    ``names`` are the registry's identifying values and keys (:func:`registry_names`).
    A name matches as a whole word, ignoring case and accents, spelled with ``ae`` for
    ``ä`` or without its accent (``Krüger``, ``Krueger``, ``Kruger``; ``Zoë``, ``Zoe``),
    and with a genitive ``s`` or apostrophe (``Krügers``, ``Jonas'``). A value with
    letters and digits is a participant code: it, and any word of the same shape (letters
    and digits in the same places: another participant's code), becomes ``[code]``. The
    text is NFKC-normalised first (full-width ``ｎａｍｅ＠ｇｍｘ．ｄｅ`` is an address too) and
    cut to :data:`MAX_ANSWER_CHARS`. The result is plain text: escape it for HTML where it
    is written out.

    Examples
    --------
    >>> scrub_text("Thanks to Jonas Weber! See https://example.org/x, tel. 06421/28-0",
    ...            names=["Jonas", "Weber"])
    'Thanks to [name] [name]! See [link], tel. [phone]'
    >>> scrub_text("Krueger's code is TH02TT, mine XY98ZZ; mail zoe at gmx dot de",
    ...            names=["Krüger", "TH02TT"])
    '[name] code is [code], mine [code]; mail [e-mail]'
    """
    return scrub(pd.Series([text], dtype="object"), names=names).iloc[0]


def _folded(word: str) -> set[str]:
    """The spellings a name is compared in: case-folded, with ä → ae (…), accents dropped."""
    word = word.casefold()
    spelled = word
    for letter, digraph in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        spelled = spelled.replace(letter, digraph)
    bare = "".join(
        c
        for c in unicodedata.normalize("NFKD", word.replace("ß", "ss"))
        if not unicodedata.combining(c)
    )
    return {word, spelled, bare}


def _shape(word: str) -> str:
    return "".join("9" if c.isdigit() else "A" if c.isalpha() else c for c in word)


def _terms(names: Iterable[str]) -> tuple[set[str], set[str], set[str]]:
    """Name spellings, participant codes and code shapes from the registry values."""
    spellings: set[str] = set()
    codes: set[str] = set()
    for value in names:
        if not isinstance(value, str):
            continue
        value = unicodedata.normalize("NFKC", value).strip()
        if "@" in value or len(value) < 2:
            continue  # e-mail addresses are found by their pattern
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value) and " " not in value:
            codes.add(value.upper())
            continue
        words = value.split()
        for word in words:
            if len(words) > 1 and word.islower():
                continue  # a particle of a name ('van', 'der'), not a name
            for part in [word, *word.split("-")]:
                if len(part) > 1:
                    spellings |= _folded(part)
    shapes = {_shape(code) for code in codes if len(code) >= 4}
    return spellings, codes, shapes


def _without_genitive(word: str) -> list[str]:
    forms = [word]
    for ending in ("'s", "’s", "'", "’", "s"):
        if word.endswith(ending) and len(word) - len(ending) > 1:
            forms.append(word[: -len(ending)])
    return forms


def _scrub_one(text: str, spellings: set[str], codes: set[str], shapes: set[str]) -> str:
    text = unicodedata.normalize("NFKC", text)
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS] + TRUNCATED
    for pattern, kind in _PATTERNS:
        text = pattern.sub(_REPLACEMENTS.get(kind, PLACEHOLDERS[kind]), text)

    def word(match: re.Match) -> str:
        token = match[0]
        upper = token.upper()
        if (
            upper in codes
            or upper.translate(LOOK_ALIKES) in codes
            or (any(c.isdigit() for c in token) and _shape(upper) in shapes)
        ):
            return PLACEHOLDERS["code"]
        if any(_folded(form) & spellings for form in _without_genitive(token)):
            return PLACEHOLDERS["name"]
        parts = re.split(r"([-'’])", token)
        if len(parts) > 1:
            return "".join(
                PLACEHOLDERS["name"]
                if part not in "-'’"
                and any(_folded(f) & spellings for f in _without_genitive(part))
                else part
                for part in parts
            )
        return token

    if spellings or codes:
        text = _WORD.sub(word, text)
    return text


def scrub(texts: pd.Series, *, names: Iterable[str] = ()) -> pd.Series:
    """:func:`scrub_text` over a Series of free-text answers (missing stays missing).

    Examples
    --------
    >>> scrub(pd.Series(["mail me: a@b.de", None]), names=[]).tolist()
    ['mail me: [e-mail]', None]
    """
    spellings, codes, shapes = _terms(names)
    scrubbed = [
        _scrub_one(text, spellings, codes, shapes) if isinstance(text, str) else None
        for text in texts.astype("object")
    ]
    return pd.Series(scrubbed, index=texts.index, dtype="object", name=texts.name)


def registry_names(survey: Survey, base: str | Path) -> list[str]:
    """The values of the registry's identifying columns (names, e-mails), for scrubbing only.

    They are read from the programme office's file when a report needs them and never
    leave memory. The participant keys are among them: a comment that names a code is
    scrubbed like one that names a person.
    """
    identifying = [*survey.registry.identifying, survey.registry.key]
    table = read_export(Path(base) / survey.registry.file).table
    present = [c for c in identifying if c in table.columns]
    values = pd.unique(table[present].to_numpy().ravel()) if present else []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]
