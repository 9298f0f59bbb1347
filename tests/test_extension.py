"""A researcher's own section: declared in survey.yml, computed by a module in the
programme's folder, shown at its place in the plan with labels, its numbers in results.json."""

import json

import pytest
import yaml

from impact import sections
from impact.errors import DefinitionError
from impact.extension import section_table
from impact.pipeline import load_programme
from impact.report import render
from impact.sections.plan import report_plan

MODULE = '''
def section(programme, milestone):
    """Change since the kick-off per role, at the milestone."""
    change = programme.subgroup_change("role", until=milestone)
    change = change[change["wave"] == milestone]
    return change[["by", "group", "scale", "wave", "n", "mean_diff"]]
'''
DECLARATION = {
    "id": "change_by_role",
    "module": "role_change",
    "after": "subgroups",
    "kinds": ["final"],
    "title": {"de": "Veränderung nach Rolle", "en": "Change by role (own analysis)"},
    "columns": {"mean_diff": {"de": "Mittlere Veränderung", "en": "Mean change"}},
    "text": {"de": "Eigene Auswertung.", "en": "An analysis of our own."},
}


@pytest.fixture
def programme_with_section(demo_copy):
    (demo_copy.parent / "role_change.py").write_text(MODULE, encoding="utf-8")
    data = yaml.safe_load(demo_copy.read_text(encoding="utf-8"))
    data["sections"] = [DECLARATION]
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return demo_copy


def test_the_section_takes_its_place_in_the_plan(programme_with_section):
    programme = load_programme(programme_with_section)
    plan = report_plan(programme, "final")["section"].tolist()
    assert plan[plan.index("subgroups") + 1] == "change_by_role"
    assert "change_by_role" not in report_plan(programme, "milestone-1")["section"].tolist()
    assert sections.includes(programme, "final", "change_by_role")


def test_its_numbers_go_to_results_json_and_its_table_shows_labels(programme_with_section):
    programme = load_programme(programme_with_section)
    results = sections.results(programme, "final", "en")
    rows = results["custom_sections"]["change_by_role"]
    expected = programme.subgroup_change("role", until="final").query("wave == 'final'")
    assert len(rows) == len(expected)
    who5 = {r["group"]: r["mean_diff"] for r in rows if r["scale"] == "who5"}
    truth = expected[expected["scale"] == "who5"].set_index("group")["mean_diff"].to_dict()
    assert who5 == pytest.approx(truth)
    table = section_table(programme, "final", "change_by_role", "en")
    assert "Mean change" in table.columns and "mean_diff" not in table.columns
    assert "who5" not in set(table["scale"]) and programme.scale_label("who5") in set(
        table["scale"]
    )
    roles = {programme.survey.registry.label("role", g, "en") for g in expected["group"]}
    assert set(table["group"]) <= roles and "final" not in set(table["wave"])


def test_the_rendered_report_shows_it_after_its_section(programme_with_section, tmp_path):
    result = render(programme_with_section, "final", "en", tmp_path / "out", pdf=False)
    page = result.html.read_text(encoding="utf-8")
    title = "Change by role (own analysis)"
    assert "An analysis of our own." in page and "Mean change" in page
    # After "Change by group" (subgroups), before the participation heading.
    assert page.index(">Change by group<") < page.index(title) < page.index(">Participation<")
    results = json.loads(result.results.read_text(encoding="utf-8"))
    assert len(results["custom_sections"]["change_by_role"]) > 0
    assert any(row["section"] == "change_by_role" for row in results["sections"])


def test_a_section_after_an_unknown_section_is_located(demo_copy):
    data = yaml.safe_load(demo_copy.read_text(encoding="utf-8"))
    data["sections"] = [DECLARATION | {"after": "subgroup"}]
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    programme = load_programme(demo_copy)
    with pytest.raises(DefinitionError, match=r"follows 'subgroup'.*did you mean 'subgroups'\?"):
        report_plan(programme, "final")


def test_a_module_that_is_not_there_is_located(demo_copy):
    data = yaml.safe_load(demo_copy.read_text(encoding="utf-8"))
    data["sections"] = [DECLARATION | {"module": "not_there"}]
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    programme = load_programme(demo_copy)
    with pytest.raises(DefinitionError, match=r"sections.change_by_role.module.*'not_there'"):
        sections.results(programme, "final", "en")


SMALL_GROUP_MODULE = '''
import pandas as pd


def section(programme, milestone):
    """Mean change of three groups, one of them too small to show."""
    return pd.DataFrame({
        "scale": "who5", "wave": milestone, "group": ["a", "b", "c"],
        "n": [20, 2, 25], "mean_diff": [6.0, 30.0, 9.0],
    })
'''


def test_a_small_group_cannot_be_recovered_from_the_others_and_the_total(demo_copy):
    (demo_copy.parent / "small_group.py").write_text(SMALL_GROUP_MODULE, encoding="utf-8")
    data = yaml.safe_load(demo_copy.read_text(encoding="utf-8"))
    data["sections"] = [{**DECLARATION, "id": "small_group", "module": "small_group"}]
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    programme = load_programme(demo_copy)
    rows = sections.results(programme, "final", "en")["custom_sections"]["small_group"]
    blanked = [r for r in rows if r["suppressed"]]
    # The group of 2 and one more: the total minus the shown groups gives two groups' sum.
    assert {r["group"] for r in blanked} >= {"b"} and len(blanked) >= 2
    assert all(r["n"] is None and r["mean_diff"] is None for r in blanked)
    assert 30.0 not in {r["mean_diff"] for r in rows}
    shown = section_table(programme, "final", "small_group", "en")
    assert len(shown) == len(rows) - len(blanked)
