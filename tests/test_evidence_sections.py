"""The report's meaningful-change, evidence and tandem sections: what they publish, what
they protect, and that a programme without tandems gets none."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from impact import sections
from impact.pipeline import load_programme

QUARTIER = Path(__file__).parent / "fixtures" / "quartier" / "survey.yml"


def test_meaningful_change_blanks_small_counts_and_never_publishes_the_rest(demo):
    table = sections.meaningful_results(demo, "final")
    k = demo.survey.privacy.min_group_size
    assert "n_unchanged" not in table.columns
    raw = demo.meaningful_change("final")
    raw = raw[raw["wave"].astype(str) == "final"].set_index("scale")
    for row in table.itertuples():
        for direction in ("improved", "deteriorated"):
            count = raw.loc[row.scale, f"n_{direction}"]
            hidden = getattr(row, f"{direction}_suppressed")
            assert hidden == (0 < count < k)
            if hidden:
                assert pd.isna(getattr(row, f"n_{direction}"))
                assert pd.isna(getattr(row, f"share_{direction}"))
            else:
                assert getattr(row, f"n_{direction}") == count
    assert table["deteriorated_suppressed"].any(), "the demo has a small group to protect"
    who5 = table.set_index("scale").loc["who5"]
    assert who5["mic"] == 10 and who5["share_improved"] == pytest.approx(20 / 43)


@pytest.mark.parametrize("language", ["de", "en"])
def test_meaningful_sentences_name_the_mic_in_the_scale_s_units(demo, language):
    sentences = sections.meaningful_sentences(demo, "final", language)
    who5 = next(s for s in sentences if "WHO-5" in s)
    assert " 10 " in who5 and ("47\u00a0%" in who5 or "47%" in who5)
    assert all("< 5" not in s or "[" not in s.split("< 5")[0][-3:] for s in sentences)


def test_evidence_is_given_where_the_report_cannot_tell_a_change_from_none(demo):
    evidence = sections.evidence_results(demo, "milestone-1")
    claims = evidence[evidence["no_change_claim"]]
    assert len(claims) >= 1
    change = sections.change_results(demo, "milestone-1")
    change = change[change["wave"] == "milestone-1"].set_index("scale")
    for row in claims.itertuples():
        assert change.loc[row.scale, "ci_low"] <= 0 <= change.loc[row.scale, "ci_high"]
        assert row.bf10 == pytest.approx(1 / row.bf01)
    sentences = sections.no_change_sentences(demo, "milestone-1", "en")
    assert len(sentences) == len(claims) and all("BF" in s for s in sentences)
    with_mic = evidence.dropna(subset=["bound"])
    assert set(with_mic["verdict"]) <= {
        "equivalent",
        "equivalent and different",
        "different",
        "inconclusive",
    }


def test_results_json_carries_the_new_statistics(demo):
    final = sections.results(demo, "final", "en")
    for key in (
        "meaningful_change",
        "evidence",
        "tandems",
        "wave_by_group",
        "reliable_change_reliability",
    ):
        assert final[key], key
    assert {"interdependence", "apim", "tandem_model"} <= set(final["tandems"])
    assert {r["effect"] for r in final["tandems"]["apim"]} == {"intercept", "actor", "partner"}
    assert {r["reliability_choice"] for r in final["reliable_change_reliability"]} == {"published"}
    milestone = sections.results(demo, "milestone-1", "en")
    assert "tandems" not in milestone and milestone["evidence"]


def test_the_tandem_section_speaks_of_the_programme_s_own_pairs(demo):
    sentences = sections.tandem_sentences(demo, "final", "de")
    assert sentences[0].startswith("In 19 Tandems")
    table = sections.tandem_table(demo, "final", "en")
    assert len(table) == 6 and any(c.startswith("Partner effect on") for c in table.columns)


def test_a_region_of_the_jacobson_truax_plot_with_few_people_is_not_drawn_point_by_point(demo):
    points = sections.jacobson_truax_data(demo, "final", "who5", "en")
    individual = demo.reliable_change("final")
    who5 = individual[(individual["scale"] == "who5") & (individual["wave"] == "final")]
    hidden = [r for r, text in points["counts"].items() if text == "not shown"]
    assert hidden, "the demo's WHO-5 has a region below k"
    kept = who5[~who5["reliable_change"].isin(hidden)]
    assert len(points["data"]) == len(kept) < len(who5)
    assert points["rci_band"] == pytest.approx(1.96 * who5["s_diff"].iloc[0])


def test_a_programme_without_pairs_has_no_tandem_section():
    programme = load_programme(QUARTIER)
    assert not sections.includes(programme, "final", "tandems")
    assert "tandems" not in sections.results(programme, "final", "en")
    assert sections.includes(programme, "final", "meaningful")  # WHO-5 defines its MIC
