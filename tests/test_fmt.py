import datetime as dt
from pathlib import Path

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
    with pytest.raises(ValueError, match=r"`language` must be one of the languages .*; got 'fr'"):
        fmt.number(1.0, 1, "fr")


def test_both_languages_have_the_same_texts_and_placeholders():
    de = yaml.safe_load((fmt.LOCALE_DIR / "de.yml").read_text(encoding="utf-8"))
    en = yaml.safe_load((fmt.LOCALE_DIR / "en.yml").read_text(encoding="utf-8"))
    assert de.keys() == en.keys()
    import string

    for key in de:
        fields = {f for _, f, _, _ in string.Formatter().parse(de[key]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}, key


# Snapshots of the APA strings the reports print, from the R reference datasets.
APA_SNAPSHOTS = {
    ("paired", "en"): (
        "t(39) = 3.88, p < .001, d_z = 0.61, 95% CI [0.27, 0.95]",
        "V = 490.5, p < .001, r_rb = .65, 95% CI [.37, .82]",
        "g_av = 0.38, 95% CI [0.19, 0.58]",
    ),
    ("paired", "de"): (
        "t(39) = 3,88, p < ,001, d_z = 0,61, 95-%-KI [0,27; 0,95]",
        "V = 490,5, p < ,001, r_rb = ,65, 95-%-KI [,37; ,82]",
        "g_av = 0,38, 95-%-KI [0,19; 0,58]",
    ),
    ("paired_ties", "en"): (
        "t(24) = 3.83, p < .001, d_z = 0.77, 95% CI [0.31, 1.21]",
        "V = 240.5, p = .002, r_rb = .74, 95% CI [.45, .89]",
        "g_av = 0.48, 95% CI [0.23, 0.72]",
    ),
    ("paired_ties", "de"): (
        "t(24) = 3,83, p < ,001, d_z = 0,77, 95-%-KI [0,31; 1,21]",
        "V = 240,5, p = ,002, r_rb = ,74, 95-%-KI [,45; ,89]",
        "g_av = 0,48, 95-%-KI [0,23; 0,72]",
    ),
}


@pytest.mark.parametrize(("name", "language"), list(APA_SNAPSHOTS))
def test_apa_strings_of_the_reference_datasets(name, language):
    import pandas as pd

    from impact.change import paired_change

    wide = pd.read_csv(Path(__file__).parent / "reference" / f"{name}.csv")
    long = wide.melt(id_vars="participant", var_name="wave", value_name="score")
    long["wave"] = pd.Categorical(long["wave"], ["pre", "post"], ordered=True)
    long["scale"] = "x"
    row = paired_change(long, baseline="pre").iloc[0].to_dict()
    change, wilcoxon, g_av = APA_SNAPSHOTS[(name, language)]
    assert fmt.apa_change(row, language) == change
    assert fmt.apa_wilcoxon(row, language) == wilcoxon
    assert (
        fmt.apa_effect("g_av", row["g_av"], row["g_av_ci_low"], row["g_av_ci_high"], language)
        == g_av
    )


def test_apa_reliability_and_mixed_model_means(reference):
    alpha = reference["items"]["alpha"]
    row = {"alpha": alpha["raw_alpha"], "ci_low": alpha["feldt_ci"][0]}
    row |= {
        "ci_high": alpha["feldt_ci"][1],
        "omega_total": reference["items"]["omega"]["omega_tot"],
    }
    assert fmt.apa_reliability(row, "en") == "α = .75, 95% CI [.67, .81], ω_t = .77"
    assert fmt.apa_reliability(row, "de") == "α = ,75, 95-%-KI [,67; ,81], ω_t = ,77"
    final = reference["long"]["wave_means"]["final"]
    assert fmt.apa_mean(final["estimate"], *final["ci"], "en") == "M = 58.72, 95% CI [56.09, 61.36]"


def test_apa_change_without_an_interval_stays_short():
    row = {"t": 2.0, "df": 40, "p_value": 0.05, "d_z": 0.3, "d_z_ci_low": float("nan")}
    assert fmt.apa_change(row, "en") == "t(40) = 2.00, p = .050, d_z = 0.30"
