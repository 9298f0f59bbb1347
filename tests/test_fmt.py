import datetime as dt

import pytest
import yaml

from impact import fmt


def test_german_numbers_use_a_decimal_comma():
    assert fmt.number(1234.567, 2, "de") == "1.234,57"
    assert fmt.number(1234.567, 2, "en") == "1,234.57"


def test_p_values_follow_apa():
    assert fmt.p_value(0.0004, "en") == "< .001"
    assert fmt.p_value(0.0004, "de") == "< ,001"
    assert fmt.p_value(0.05, "en") == "= .050"


def test_apa_change_sentence():
    row = {"t": 2.871, "df": 41, "p_value": 0.0064, "d_z": 0.4432}
    assert fmt.apa_change(row, "en") == "t(41) = 2.87, p = .006, d_z = 0.44"
    assert fmt.apa_change(row, "de") == "t(41) = 2,87, p = ,006, d_z = 0,44"


def test_intervals_and_signs():
    assert fmt.interval(0.13, 0.76, 2, "de") == "[0,13; 0,76]"
    assert fmt.signed(-0.4, 1, "en") == "−0.4"
    assert fmt.signed(7.25, 1, "en") == "+7.2"


def test_dates_are_written_out_per_language():
    assert fmt.date(dt.date(2023, 11, 30), "de") == "30. November 2023"
    assert fmt.date(dt.date(2023, 11, 30), "en") == "30 November 2023"


def test_missing_values_show_a_dash():
    assert fmt.number(float("nan")) == "–"


def test_unknown_language_is_named():
    with pytest.raises(ValueError, match="language 'fr' is not offered"):
        fmt.number(1.0, 1, "fr")


def test_both_languages_have_the_same_texts_and_placeholders():
    de = yaml.safe_load((fmt.LOCALE_DIR / "de.yml").read_text(encoding="utf-8"))
    en = yaml.safe_load((fmt.LOCALE_DIR / "en.yml").read_text(encoding="utf-8"))
    assert de.keys() == en.keys()
    import string

    for key in de:
        fields = {f for _, f, _, _ in string.Formatter().parse(de[key]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}, key
