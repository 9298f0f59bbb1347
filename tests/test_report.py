"""End to end: the demo's raw exports → every milestone report, in German and English."""

import json
import re

import pandas as pd
import pytest

from impact.demo import DEMO_SURVEY
from impact.errors import DefinitionError, ReportError
from impact.report import check_parameters, render_all


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    results = render_all(DEMO_SURVEY, out)
    return out, results


def test_every_milestone_renders_in_both_languages(rendered):
    out, results = rendered
    assert [r.ok for r in results] == [True] * 8, [r.error for r in results]
    names = sorted(p.name for p in out.glob("*.html"))
    assert len(names) == 9 and "index.html" in names
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"href='{r.html.name}'" in index for r in results)
    assert not list(out.glob(".*")), "no temporary files left behind"


def test_reports_are_self_contained_and_have_no_code(rendered):
    out, _ = rendered
    for page in out.glob("*_*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), page.name
        assert "<script src" not in text
        assert "load_programme" not in text and "import " not in text, "no code in the report"
        assert re.search(r"<img[^>]+src=\"data:image/png;base64,", text), "figures are embedded"


def test_reports_show_real_content_in_their_language(rendered):
    out, _ = rendered
    final_de = (out / "final_de.html").read_text(encoding="utf-8")
    final_en = (out / "final_en.html").read_text(encoding="utf-8")
    assert "Wirkungsbericht" in final_de and "Veränderung seit dem Auftakt" in final_de
    assert "Impact report" in final_en and "Change since the kick-off" in final_en
    assert re.search(r"t\(\d+\) = \d+,\d\d", final_de), "German APA numbers use a decimal comma"
    assert "synthetic demo cohort" in final_en
    kickoff = (out / "kickoff_en.html").read_text(encoding="utf-8")
    assert "Baseline report" in kickoff and "Change since the kick-off" not in kickoff


def test_results_json_carries_the_reported_numbers(rendered, demo):
    out, _ = rendered
    results = json.loads((out / "final_en.results.json").read_text(encoding="utf-8"))
    change = pd.DataFrame(results["change"])
    who5 = change[(change["scale"] == "who5") & (change["wave"] == "final")].iloc[0]
    expected = demo.change().query("scale == 'who5' and wave == 'final'").iloc[0]
    assert who5["mean_diff"] == pytest.approx(expected["mean_diff"])
    html = (out / "final_en.html").read_text(encoding="utf-8")
    assert f"+{expected['mean_diff']:.1f}" in html


def test_no_participant_key_name_or_email_in_any_output(rendered):
    out, _ = rendered
    registry = pd.read_csv(DEMO_SURVEY.parent / "registry.csv", dtype=str)
    secrets = set(registry["code"]) | set(registry["email"]) | set(registry["last_name"])
    for path in [*out.glob("*.html"), *out.glob("*.json")]:
        text = path.read_text(encoding="utf-8")
        leaked = {s for s in secrets if re.search(rf"\b{re.escape(s)}\b", text)}
        assert not leaked, f"{path.name} leaks {sorted(leaked)[:3]}"


def test_unknown_milestone_or_language_fails_before_a_kernel_starts():
    with pytest.raises(DefinitionError, match="did you mean 'milestone-2'"):
        check_parameters(DEMO_SURVEY, "milestone-3", "de")
    with pytest.raises(ReportError, match="language 'fr' is not offered"):
        check_parameters(DEMO_SURVEY, "final", "fr")
