"""APA-style, locale-aware formatting of numbers and results, and the report's texts.

Every string a report shows lives in ``impact/locales/<language>.yml``; numbers are
formatted with Babel (decimal comma in German).

Examples
--------
>>> number(1234.5, 1, "de")
'1.234,5'
>>> p_value(0.0004, "en"), p_value(0.0312, "de")
('< .001', '= ,031')
>>> apa_t(2.871, 41, 0.0064, "en")
't(41) = 2.87, p = .006'
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import yaml
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

from impact.errors import ArgumentError, check_choice, suggestion

LOCALES = {"de": "de_DE", "en": "en_GB"}
LOCALE_DIR = Path(__file__).parent / "locales"
DASH = "–"
MINUS = "\u2212"


def _locale(language: str) -> str:
    check_choice(language, LOCALES, argument="language", what="one of the languages with texts")
    return LOCALES[language]


def number(value: float | None, decimals: int = 2, language: str = "en") -> str:
    """A number with fixed decimals in the language's notation; a dash for missing.

    Examples
    --------
    >>> number(-0.354, 2, "de"), number(-1234.5, 1, "en")
    ('−0,35', '−1,234.5')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if round(value, decimals) == 0:
        value = 0.0  # no "-0.00"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    # A true minus sign (U+2212), not the hyphen Babel writes: "−0,35", as in ``signed``.
    return format_decimal(value, format=pattern, locale=_locale(language)).replace("-", MINUS)


def no_leading_zero(value: float, decimals: int, language: str) -> str:
    """APA style for values that cannot exceed 1 (p, r): ``.006`` / ``,006``.

    Examples
    --------
    >>> no_leading_zero(-0.25, 2, "de")
    '−,25'
    """
    text = number(abs(value), decimals, language)
    text = text[1:] if text.startswith("0") else text
    return ("−" if value < 0 else "") + text


def p_value(p: float, language: str = "en") -> str:
    """``= .006`` or ``< .001`` in APA style (three decimals)."""
    if p is None or math.isnan(p):
        return DASH
    if p < 0.001:
        return "< " + no_leading_zero(0.001, 3, language)
    return "= " + no_leading_zero(p, 3, language)


def signed(value: float, decimals: int = 2, language: str = "en") -> str:
    """A number with its sign: ``+7.3`` / ``−0.4``."""
    if value is None or math.isnan(value):
        return DASH
    text = number(abs(value), decimals, language)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def interval(low: float, high: float, decimals: int = 2, language: str = "en") -> str:
    """A confidence interval ``[0.13, 0.76]`` (``[0,13; 0,76]`` in German)."""
    separator = "; " if language == "de" else ", "
    return f"[{number(low, decimals, language)}{separator}{number(high, decimals, language)}]"


def apa_t(t: float, df: float, p: float, language: str = "en") -> str:
    """A paired t-test in APA style."""
    return f"t({number(df, 0, language)}) = {number(t, 2, language)}, p {p_value(p, language)}"


def ci_label(language: str = "en") -> str:
    """``95% CI`` / ``95-%-KI``."""
    return "95-%-KI" if language == "de" else "95% CI"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def apa_effect(
    name: str,
    value: float,
    low: float | None = None,
    high: float | None = None,
    language: str = "en",
    *,
    bounded: bool = False,
) -> str:
    """An effect size with its CI: ``d_z = 0.44, 95% CI [0.13, 0.76]``.

    ``bounded`` effects (correlations, alpha) drop the leading zero, as APA asks.

    Examples
    --------
    >>> apa_effect("r_rb", 0.7428, 0.4539, 0.8903, "de", bounded=True)
    'r_rb = ,74, 95-%-KI [,45; ,89]'
    """
    show = (
        (lambda v: no_leading_zero(v, 2, language))
        if bounded
        else (lambda v: number(v, 2, language))
    )
    text = f"{name} = {show(value)}"
    if not (_missing(low) or _missing(high)):
        separator = "; " if language == "de" else ", "
        text += f", {ci_label(language)} [{show(low)}{separator}{show(high)}]"
    return text


def apa_change(row: dict, language: str = "en") -> str:
    """A change result: ``t(41) = 2.87, p = .006, d_z = 0.44, 95% CI [0.13, 0.76]``.

    The CI of d_z is shown when the row has it (``d_z_ci_low``, ``d_z_ci_high``).

    Examples
    --------
    >>> row = {"t": 2.871, "df": 41, "p_value": 0.0064, "d_z": 0.4432,
    ...        "d_z_ci_low": 0.1254, "d_z_ci_high": 0.7556}
    >>> apa_change(row, "de")
    't(41) = 2,87, p = ,006, d_z = 0,44, 95-%-KI [0,13; 0,76]'
    """
    return f"{apa_t(row['t'], row['df'], row['p_value'], language)}, " + apa_effect(
        "d_z", row["d_z"], row.get("d_z_ci_low"), row.get("d_z_ci_high"), language
    )


def apa_wilcoxon(row: dict, language: str = "en") -> str:
    """A Wilcoxon signed-rank result with the rank-biserial correlation and its CI.

    Examples
    --------
    >>> row = {"wilcoxon_v": 240.5, "wilcoxon_p": 0.00169, "r_rb": 0.7428,
    ...        "r_rb_ci_low": 0.4539, "r_rb_ci_high": 0.8903}
    >>> apa_wilcoxon(row, "en")
    'V = 240.5, p = .002, r_rb = .74, 95% CI [.45, .89]'
    """
    v = row["wilcoxon_v"]
    v_text = number(v, 0 if float(v).is_integer() else 1, language)
    return f"V = {v_text}, p {p_value(row['wilcoxon_p'], language)}, " + apa_effect(
        "r_rb",
        row["r_rb"],
        row.get("r_rb_ci_low"),
        row.get("r_rb_ci_high"),
        language,
        bounded=True,
    )


def apa_mean(estimate: float, low: float, high: float, language: str = "en") -> str:
    """A mean with its CI: ``M = 58.72, 95% CI [56.09, 61.36]``.

    Examples
    --------
    >>> apa_mean(58.7236, 56.0906, 61.3567, "de")
    'M = 58,72, 95-%-KI [56,09; 61,36]'
    """
    return apa_effect("M", estimate, low, high, language)


def apa_reliability(row: dict, language: str = "en") -> str:
    """Cronbach's alpha with its CI and omega total: ``α = .88, 95% CI [.82, .93], ω_t = .88``.

    Examples
    --------
    >>> apa_reliability({"alpha": 0.8817, "ci_low": 0.8213, "ci_high": 0.9262,
    ...                  "omega_total": 0.8808}, "en")
    'α = .88, 95% CI [.82, .93], ω_t = .88'
    """
    text = apa_effect("α", row["alpha"], row["ci_low"], row["ci_high"], language, bounded=True)
    if not _missing(row.get("omega_total")):
        text += f", ω_t = {no_leading_zero(row['omega_total'], 2, language)}"
    return text


def date(value, language: str = "en") -> str:
    """A date written out: ``30. November 2023`` / ``30 November 2023``."""
    return format_date(value, format="long", locale=_locale(language))


def join(words: list[str], language: str = "en") -> str:
    """Words joined as a list is written: ``a, b and c`` / ``a, b und c``.

    Examples
    --------
    >>> join(["Sektor", "Rolle", "Standort"], "de"), join(["role", "site"], "en")
    ('Sektor, Rolle und Standort', 'role and site')
    """
    return format_list(list(words), locale=_locale(language)) if words else ""


def quoted(words: str, language: str = "en") -> str:
    """Words in the language's quotation marks: „aufblühend“ / “thriving”.

    Examples
    --------
    >>> quoted("aufblühend", "de"), quoted("thriving", "en")
    ('„aufblühend“', '“thriving”')
    """
    return f"„{words}“" if language == "de" else f"“{words}”"


# Gender-inclusive German: the definitions and texts write the colon ("Mentor:in",
# "Schüler:innen"); a programme's ``language_style`` rewrites it.
LANGUAGE_STYLES = ("colon", "star", "slash", "paired")
_INCLUSIVE = re.compile(r"\b(\w+):(in|innen)\b")


def _paired(match: re.Match) -> str:
    stem, ending = match.group(1), match.group(2)
    if ending == "in":
        return f"{stem}in oder {stem}"
    # The masculine plural: "Partner", "Schüler" stay; "Mentor", "Kolleg" add -en.
    plural = stem if stem.endswith(("er", "el", "en")) else stem + "en"
    return f"{stem}innen und {plural}"


def inclusive(text: str, style: str = "colon") -> str:
    """German text in the programme's gender-inclusive style.

    ``colon`` keeps "Mentor:innen", ``star`` writes "Mentor*innen", ``slash``
    "Mentor/-innen" ("Mentor/in" in the singular), ``paired`` names both
    ("Mentorinnen und Mentoren", "Mentorin oder Mentor").

    Examples
    --------
    >>> inclusive("Schüler:innen und Mentor:in", "slash")
    'Schüler/-innen und Mentor/in'
    >>> inclusive("Investor:innen, Partner:innen", "paired")
    'Investorinnen und Investoren, Partnerinnen und Partner'
    >>> inclusive("Mentor:innen", "star")
    'Mentor*innen'
    """
    check_choice(style, LANGUAGE_STYLES, argument="style")
    if style == "colon":
        return text
    if style == "star":
        return _INCLUSIVE.sub(r"\1*\2", text)
    if style == "slash":
        return _INCLUSIVE.sub(
            lambda m: f"{m.group(1)}/in" if m.group(2) == "in" else f"{m.group(1)}/-innen", text
        )
    return _INCLUSIVE.sub(_paired, text)  # paired


def either(words: list[str], language: str = "en") -> str:
    """Alternatives joined as a list is written: ``a, b or c`` / ``a, b oder c``.

    Examples
    --------
    >>> either(["≤ 28", "29–50"], "de"), either(["low"], "en")
    ('≤ 28 oder 29–50', 'low')
    """
    return format_list(list(words), style="or", locale=_locale(language)) if words else ""


def percent(value: float, language: str = "en") -> str:
    """A proportion as a whole percentage: ``85 %`` / ``85%``."""
    if value is None or math.isnan(value):
        return DASH
    return number(100 * value, 0, language) + ("\u00a0%" if language == "de" else "%")


@cache
def texts(language: str) -> dict[str, str]:
    """All report strings of one language (``impact/locales/<language>.yml``)."""
    _locale(language)
    with open(LOCALE_DIR / f"{language}.yml", encoding="utf-8") as handle:
        # libyaml's loader when PyYAML has it: the same strings, ten times faster.
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def text(key: str, language: str, **values: object) -> str:
    """One report string with its placeholders filled.

    Examples
    --------
    >>> text("participation_sentence", "en", responded=44, registered=52, rate="85%",
    ...      wave="Closing event")
    '44 of 52 registered participants (85%) answered the Closing event questionnaire.'
    """
    try:
        template = texts(language)[key]
    except KeyError:
        near = suggestion(key, texts(language))
        raise ArgumentError(
            f"no text {key!r} in impact/locales/{language}.yml" + (f" ({near})" if near else "")
        ) from None
    return template.format(**values)
