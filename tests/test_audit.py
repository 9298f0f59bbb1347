"""The disclosure audit: each attack finds its planted leak, and finds nothing once the
small group and its complement are both held back."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from impact.audit import audit, category_leaks
from impact.cli import app
from impact.errors import ReportError

K = 5
# The kick-off and final results of the demo under cell-by-cell suppression (a group below
# k blanked on its own, no secondary suppression): the numbers around each blank are shown.
CELL_BY_CELL = Path(__file__).parent / "fixtures" / "disclosure"


def _write(folder: Path, name: str, **results) -> None:
    results = {"programme": "p", "language": "en", "min_group_size": K, **results}
    (folder / f"{name}_en.results.json").write_text(json.dumps(results), encoding="utf-8")


def _groups(attribute, cells):
    return [
        {
            "attribute": attribute,
            "group": g,
            "registered": r,
            "responded": s,
            "suppressed": r is None,
        }
        for g, r, s in cells
    ]


def _values(findings):
    return {(f.cell, round(f.value, 2)) for f in findings}


@pytest.mark.parametrize("size", [1, 2, K - 1])
def test_a_small_site_beside_the_cohort_total_is_recovered_and_clean_when_both_are_held_back(
    tmp_path, size
):
    total = 50 + size
    participation = [{"wave": "kickoff", "registered": total, "responded": total}]
    _write(
        tmp_path,
        "kickoff",
        milestone="kickoff",
        participation=participation,
        groups=_groups("site", [("A", 50, 50), ("B", None, None)]),
    )
    assert _values(audit(tmp_path)) == {("B registered", size), ("B responded", size)}
    _write(
        tmp_path,
        "kickoff",
        milestone="kickoff",
        participation=participation,
        groups=_groups("site", [("A", None, None), ("B", None, None)]),
    )
    assert audit(tmp_path) == []


def _subgroup(group, n, mean):
    return {
        "by": "site",
        "group": group,
        "scale": "who5",
        "n": n,
        "mean_diff": mean,
        "suppressed": n is None,
    }


def test_a_breakdown_whose_complement_is_one_person_gives_away_that_persons_change(tmp_path):
    change = [
        {
            "scale": "who5",
            "baseline": "kickoff",
            "wave": "final",
            "n": 43,
            "mean_diff": (42 * 8.0 + 4.0) / 43,
        }
    ]
    _write(
        tmp_path,
        "final",
        milestone="final",
        change=change,
        subgroups=[_subgroup("A", 42, 8.0), _subgroup("B", None, None)],
    )
    assert _values(audit(tmp_path)) == {("B n", 1), ("B mean change", 4.0)}
    _write(tmp_path, "final", milestone="final", change=change, subgroups=[])
    assert audit(tmp_path) == []


def test_two_breakdowns_pin_down_the_one_non_respondent(tmp_path):
    participation = [{"wave": "kickoff", "registered": 52, "responded": 51}]
    leaking = _groups("role", [("mentee", 26, 25), ("mentor", 26, 26)]) + _groups(
        "sector", [("university", 10, 9), ("company", 42, 42)]
    )
    protected = _groups("role", [("mentee", 26, 25), ("mentor", 26, 26)]) + _groups(
        "sector", [("university", None, None), ("company", None, None)]
    )
    pinned = {("non-respondents: role mentee × sector university", 1)}
    for name, groups, expected in (("leaking", leaking, pinned), ("protected", protected, set())):
        folder = tmp_path / name
        folder.mkdir()
        _write(folder, "kickoff", milestone="kickoff", participation=participation, groups=groups)
        assert _values(audit(folder)) == expected


def test_a_group_small_in_one_wave_only_is_recovered_across_the_programmes_reports(tmp_path):
    _write(
        tmp_path,
        "kickoff",
        milestone="kickoff",
        participation=[{"wave": "kickoff", "registered": 48, "responded": 48}],
        groups=_groups("site", [("A", 40, 40), ("B", 8, 8)]),
    )
    final = {
        "milestone": "final",
        "participation": [{"wave": "final", "registered": 48, "responded": 42}],
    }
    _write(tmp_path, "final", **final, groups=_groups("site", [("A", 40, 39), ("B", None, None)]))
    assert ("B responded", 3) in _values(audit(tmp_path))
    _write(
        tmp_path, "final", **final, groups=_groups("site", [("A", None, None), ("B", None, None)])
    )
    found = audit(tmp_path)
    # registration is the same in every wave, so the kick-off's registered counts are known;
    # the responding counts of the final wave stay hidden
    assert {f.cell for f in found} <= {"A registered", "B registered"}
    assert not [f for f in found if "responded" in f.cell]


@pytest.mark.parametrize(
    ("hidden", "rest", "expected"),
    [
        (2, 2, {("a", 1), ("b", 1)}),  # two blanks summing to two: one each
        (2, 3, {("a + b", 3)}),  # together a group of three
        (2, 6, set()),  # 1 + 5 … 4 + 2: nothing certain, and six is not a small group
    ],
)
def test_blanked_categories_are_bounded_by_the_total(hidden, rest, expected):
    cells = [{"category": "shown", "n": 40, "suppressed": False}] + [
        {"category": name, "n": None, "suppressed": True} for name in "ab"[:hidden]
    ]
    assert _values(category_leaks(cells, label="t", k=K, total=40 + rest)) == expected


def test_the_demo_under_cell_by_cell_suppression_leaks_every_example_of_the_methods():
    found = {(f.table, f.cell): f.value for f in audit(CELL_BY_CELL)}
    assert found[("subgroups by site, who5 at final", "Moshi mean change")] == pytest.approx(4.0)
    assert found[("subgroups by site, gse at final", "Moshi mean change")] == pytest.approx(
        6.556, abs=1e-3
    )
    assert found[("subgroups by site, swls at final", "Moshi mean change")] == pytest.approx(1.25)
    assert found[("profile_classes cantril kickoff", "suffering")] == 1
    assert found[("reliable_change who5 final reliable_change", "improved")] == 4
    assert found[("reliable_change swls final reliable_change", "improved")] == 2
    assert found[("baseline_bands who5", "band ≤ 28.0")] == 4
    assert found[("groups site at kickoff", "Moshi registered")] == 2
    assert found[("groups site at kickoff", "Moshi responded")] == 1
    assert (
        found[
            ("groups at kickoff", "non-respondents: sector university × role mentee × site Moshi")
        ]
        == 1
    )


def test_the_command_prints_each_derivation_and_exits_1_on_a_leak(tmp_path):
    runner = CliRunner()
    for path in CELL_BY_CELL.iterdir():
        shutil.copy(path, tmp_path)
    result = runner.invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 1
    assert "Moshi mean change = 4 ((43 × 8.3256 − 42 × 8.4286) / 1)" in result.output
    clean = tmp_path / "clean"
    clean.mkdir()
    _write(
        clean,
        "kickoff",
        milestone="kickoff",
        participation=[{"wave": "kickoff", "registered": 52, "responded": 52}],
        groups=_groups("site", [("A", 26, 26), ("B", 26, 26)]),
    )
    result = runner.invoke(app, ["audit", str(clean)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["audit", str(tmp_path / "nowhere")]).exit_code == 2


def test_a_folder_without_results_is_a_report_error(tmp_path):
    with pytest.raises(ReportError, match="no .results.json"):
        audit(tmp_path)


def test_the_rendered_demo_reports_give_no_suppressed_group_away(demo_reports):
    # the demo's registry has a site with two people (Moshi) and one non-respondent at the
    # kick-off who is a university mentee: neither can be worked out any more
    out, results = demo_reports
    assert all(r.ok for r in results)
    assert audit(out) == []


def _read(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.results.json").read_text("utf-8"))


def _hidden_sum(cells: list[dict], total: int) -> int:
    return total - sum(c["n"] for c in cells if c["n"] is not None)


def test_each_example_of_the_methods_no_longer_works_on_the_rendered_demo(demo_reports):
    out, _ = demo_reports
    kickoff, final = _read(out, "kickoff_en"), _read(out, "final_en")
    # the one Moshi participant's change: 43 × cohort − 42 × Marburg; "by site" is gone
    assert "site" not in {r["by"] for r in final["subgroups"]}
    assert "site" not in {r["attribute"] for r in final["groups"] + kickoff["groups"]}
    # Cantril "suffering" = 49 − 20 − 28: the blanked classes hold k or more together
    classes = [r for r in kickoff["profile_classes"] if r["wave"] == "kickoff"]
    assert any(r["suppressed"] for r in classes)
    assert _hidden_sum(classes, classes[0]["total"]) >= K
    # reliable change WHO-5 "improved" = 43 − 39 − 0
    who5 = [
        r
        for r in final["reliable_change"]
        if r["scale"] == "who5" and r["kind"] == "reliable_change" and r["wave"] == "final"
    ]
    assert [r for r in who5 if r["suppressed"]] and _hidden_sum(who5, who5[0]["total"]) >= K
    # WHO-5 band ≤ 28 = 51 − 17 − 30: combined with its neighbour, every band shown ≥ k
    bands = kickoff["baseline_bands"]["who5"]
    assert all(b["n"] is not None and b["n"] >= K for b in bands)
    assert bands[0]["last_band"] > bands[0]["band"]
    # the kick-off's one non-respondent (a university mentee at Moshi): no group's response
    assert all(g["responded"] is None for g in kickoff["groups"])
    # the late joiner's WHO-5 at the final = 44 × wave mean − 43 × mean_post
    change = [r for r in final["change"] if r["scale"] == "who5" and r["wave"] == "final"]
    assert change[0]["mean_post"] is None and change[0]["mean_pre"] is None
    # figures: no line per participant, no Jacobson–Truax scatter, the rule in the methods
    page = (out / "final_en.html").read_text("utf-8")
    assert "no single answers are drawn" in page
    assert "each participant's final score against their kick-off score" not in page
    assert "The figures draw no single person's answer" in page
