import math

from impact import sections


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
