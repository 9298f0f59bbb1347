import math

import pytest

from impact import fmt, sections
from impact.errors import ReportError


def _row(diff, low, high):
    return {
        "scale": "who5",
        "wave": "final",
        "mean_diff": diff,
        "ci_low": low,
        "ci_high": high,
        "t": 2.0,
        "df": 40,
        "p_value": 0.05,
        "d_z": 0.3,
        "n": 41,
    }


def test_wording_follows_the_confidence_interval(demo):
    improved = sections.change_sentence(demo, _row(7.3, 5.0, 9.6), "en")
    uncertain = sections.change_sentence(demo, _row(1.2, -1.0, 3.4), "en")
    declined = sections.change_sentence(demo, _row(-4.0, -6.0, -2.0), "de")
    assert improved.startswith("Well-being (WHO-5): on average +7.3 points")
    assert "uncertain" in uncertain and "includes no change" in uncertain
    assert "Rückgang" in declined and "−4,0" in declined


def test_summary_opens_with_participation_and_ends_with_the_missing_control_group(demo):
    summary = sections.summary_sentences(demo, "milestone-1", "en")
    assert summary[0].startswith("46 of 52 registered participants")
    assert "no control group" in summary[-1]
    outcomes = demo.change(until="milestone-1").query("wave == 'milestone-1'")
    # participation, one sentence per outcome, effect sizes, who is compared, control group
    assert len(summary) == 4 + len(outcomes)
    assert summary[1 + len(outcomes)].startswith("Effect sizes (d_z)")


def test_kickoff_summary_reports_the_baseline_against_the_cut_off(demo):
    summary = sections.summary_sentences(demo, "kickoff", "de")
    assert any("Grenzwert von 50" in s for s in summary)


def test_cohort_table_suppresses_small_sectors(demo):
    table = sections.cohort_table(demo, "en")
    counts = table.set_index("Sector")["Participants"]
    small = counts.drop("other sectors")
    assert (small >= demo.survey.privacy.min_group_size).all()
    assert counts.sum() == len(demo.registry)


def test_tables_and_paragraphs_escape_html():
    import pandas as pd

    html = sections.html_table(pd.DataFrame({"x": ["<script>alert(1)</script>"]}))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert (
        sections.html_paragraphs(["a < b & <b>c</b>"])
        == "<p>a &lt; b &amp; &lt;b&gt;c&lt;/b&gt;</p>"
    )


def test_results_have_no_nan_and_no_participants(demo):
    results = sections.results(demo, "final")
    text = repr(results)
    assert "nan" not in text.lower().replace("'nan'", "")
    assert not any(code in text for code in demo.registry["participant"])
    assert all(
        not (isinstance(v, float) and math.isnan(v)) for r in results["change"] for v in r.values()
    )


@pytest.mark.parametrize("name", ["paired", "paired_ties"])
def test_d_z_interval_matches_r_non_central_t(name, reference):
    ref = reference[name]
    low, high = sections.dz_interval(ref["t_test"]["t"], ref["t_test"]["df"])
    assert (low, high) == pytest.approx(ref["d_z"]["ci_ncp_uniroot"], abs=1e-9)
    assert (low, high) == pytest.approx(ref["d_z"]["ci_effectsize"], abs=1e-6)


def test_effect_sizes_bracket_d_z_and_the_table_shows_them(demo):
    effects = sections.effect_sizes(demo, "final")
    change = demo.change(until="final")
    assert len(effects) == len(change.dropna(subset=["d_z"]))  # every outcome × later wave
    assert ((effects["ci_low"] < effects["d_z"]) & (effects["d_z"] < effects["ci_high"])).all()
    table = sections.change_table(demo, "final", "de")
    who5 = effects.query("scale == 'who5' and wave == 'final'").iloc[0]
    expected = fmt.interval(who5["ci_low"], who5["ci_high"], 2, "de")
    assert expected in table["95-%-KI von d_z"].tolist()


def test_group_breakdowns_never_show_a_group_below_k(demo):
    k = demo.survey.privacy.min_group_size
    groups = sections.group_participation(demo, "final")
    shown = groups[~groups["suppressed"]]
    assert (shown["registered"] >= k).all()
    assert groups.loc[groups["suppressed"], ["registered", "responded"]].isna().all().all()
    # Moshi has two participants in the demo: never shown as a number
    moshi = groups.query("group == 'Moshi'").iloc[0]
    assert moshi["suppressed"]
    table = sections.groups_table(demo, "final", "en")
    assert table.loc[table["Group"] == "Moshi (Tanzania)", "Registered"].tolist() == [f"< {k}"]


def test_german_report_uses_german_sector_names(demo):
    table = sections.cohort_table(demo, "de")
    assert "Universität" in table["Sektor"].tolist()
    assert "university" not in table["Sektor"].tolist()


def test_baseline_bands_suppress_small_bands_and_add_up(demo):
    bands = sections.baseline_bands(demo, "who5")
    baseline = sections.baseline_scores(demo, "who5")
    k = demo.survey.privacy.min_group_size
    assert bands["n"].dropna().ge(k).all()
    shown = int(bands["n"].sum())
    assert shown <= len(baseline) and (shown == len(baseline)) == (not bands["suppressed"].any())


def test_key_figures_carry_the_change_numbers(demo):
    figures = sections.key_figures(demo, "final", "en").set_index("key")
    change = demo.change().query("wave == 'final'").set_index("scale")
    assert figures.loc["change:who5", "number"] == pytest.approx(change.loc["who5", "mean_diff"])
    assert figures.loc["registered", "number"] == len(demo.registry)
    assert "change:who5" not in set(sections.key_figures(demo, "kickoff", "en")["key"])


def test_results_carry_every_shown_number(demo):
    results = sections.results(demo, "final", "de")
    assert {"key_figures", "groups", "cohort", "effect_sizes", "change", "scores"} <= set(results)
    assert results["kind"] == "final" and results["language"] == "de"
    kickoff = sections.results(demo, "kickoff", "en")
    assert "change" not in kickoff and set(kickoff["baseline_bands"]) == {"who5", "swls"}


def test_quotes_are_off_unless_enabled_and_then_scrubbed_and_escaped():
    answers = ["<script>alert('x')</script> Thanks, Jonas! jonas@example.org", None]
    assert sections.quotes_html(answers, names=["Jonas"], enabled=False) == ""
    html = sections.quotes_html(answers, names=["Jonas"], enabled=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Jonas" not in html and "example.org" not in html
    assert html.count("<blockquote") == 1


def test_a_milestone_without_responses_stops_with_a_clear_error(demo):
    import dataclasses

    submissions = demo.cleaned.submissions.copy()
    submissions.loc[submissions["wave"] == "milestone-2", "status"] = "excluded"
    empty = dataclasses.replace(
        demo, cleaned=dataclasses.replace(demo.cleaned, submissions=submissions)
    )
    with pytest.raises(ReportError, match="'milestone-2' has no responses"):
        sections.require_responses(empty, "milestone-2")
    sections.require_responses(demo, "milestone-2")


@pytest.mark.parametrize("language", ["de", "en"])
def test_methods_limitations_and_glossary_exist_in_both_languages(demo, language):
    assert len(sections.limitations(demo, "final", language)) == 5  # synthetic demo: five
    assert "Kontrollgruppe" in sections.limitations(demo, "final", "de")[0]
    glossary = sections.glossary_table(demo, language)
    assert len(glossary) == len(sections.GLOSSARY) and glossary.iloc[:, 1].str.len().gt(40).all()
    assert len(sections.methods_paragraphs(demo, "kickoff", language)) == 3
