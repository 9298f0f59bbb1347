"""Primary and secondary suppression: what the audit recovers from cell-by-cell
suppression, it recovers nothing from once the table is protected."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from impact import disclosure
from impact.audit import audit_results, category_leaks
from impact.cli import app
from impact.disclosure import protect, shown_breakdowns
from impact.errors import ReportError
from impact.pipeline import load_programme
from impact.report import _check_disclosure
from impact.sections import results

K = 5
runner = CliRunner()


def _cells(table: pd.DataFrame) -> list[dict]:
    return [
        {"category": c, "n": None if s else n, "suppressed": s}
        for c, n, s in zip(table["category"], table["n"], table["suppressed"], strict=True)
    ]


@pytest.mark.parametrize("size", [1, 2, K - 1])
def test_a_planted_small_category_is_protected_against_the_total(size):
    table = pd.DataFrame({"category": ["small", "middle", "large"], "n": [size, 12, 30]})
    total = int(table["n"].sum())
    cell_by_cell = table.assign(suppressed=table["n"] < K)
    assert [f.value for f in category_leaks(_cells(cell_by_cell), label="", k=K, total=total)] == [
        size
    ]
    protected = protect(table, count="n", k=K)
    assert protected["suppressed"].tolist() == [True, True, False]  # the smallest other cell
    assert category_leaks(_cells(protected), label="", k=K, total=total) == []


def test_a_breakdown_whose_complement_is_small_is_left_out():
    sites = pd.DataFrame({"attribute": "site", "category": ["Marburg", "Moshi"], "n": [50, 2]})
    roles = pd.DataFrame({"attribute": "role", "category": ["mentee", "mentor"], "n": [26, 26]})
    table = protect(
        pd.concat([sites, roles], ignore_index=True), count="n", k=K, within=["attribute"]
    )
    assert table.loc[table["attribute"] == "site", "suppressed"].all()
    assert shown_breakdowns(table, by="attribute")["attribute"].tolist() == ["role", "role"]


def test_each_table_is_protected_against_its_own_total_and_zeros_are_shown():
    table = pd.DataFrame(
        {
            "wave": ["a", "a", "a", "b", "b", "b"],
            "category": ["improved", "unchanged", "deteriorated"] * 2,
            "n": [4, 39, 0, 10, 30, 3],
            "total": [43, 43, 43, 43, 43, 43],
        }
    )
    protected = protect(table, count="n", k=K, within=["wave"], total="total")
    # wave a: the 4 improved and the 39 unchanged are blanked together; the zero stays
    assert protected["suppressed"].tolist() == [True, True, False, True, False, True]
    for _, part in protected.groupby("wave"):
        assert category_leaks(_cells(part), label="", k=K, total=43) == []


# -- planted small groups in a programme unlike the demo -------------------------------------
QUARTIER = Path(__file__).resolve().parent / "fixtures" / "quartier"
# who answered every wave of the Quartier fixture, and who did not (see make_quartier.py)
ALWAYS = ["Q03CS", "Q05EW", "Q06FT", "Q07GP", "Q08HZ", "Q09JU"]
MISSED_MILESTONE_1 = ["Q01AM", "Q02BV"]
KICKOFF_NON_RESPONDENTS = ["Q29JU", "Q30KR"]


def _site(codes: list[str], site: str):
    return lambda row: site if row["Teilnehmer-Code"] in codes else None


def test_the_planted_people_are_who_they_are_said_to_be():
    programme = load_programme(QUARTIER / "survey.yml")
    kept = programme.cleaned.submissions.query("status == 'kept'")
    waves = kept.groupby("participant")["wave"].agg(set)
    every = {wave.id for wave in programme.survey.waves}
    assert all(waves[code] == every for code in ALWAYS)
    assert all("milestone-1" not in waves[code] for code in MISSED_MILESTONE_1)
    assert all("kickoff" not in waves.get(code, set()) for code in KICKOFF_NON_RESPONDENTS)


PLANTED = {
    # a third site of 1, 2 and k − 1 people who answered every wave
    "a group of 1": ("Standort", _site(ALWAYS[:1], "Altstadt"), "Altstadt"),
    "a group of 2": ("Standort", _site(ALWAYS[:2], "Altstadt"), "Altstadt"),
    "a group of k − 1": ("Standort", _site(ALWAYS[: K - 1], "Altstadt"), "Altstadt"),
    # two sites, one of two people: the other is the cohort minus two
    "a breakdown whose complement is small": (
        "Standort",
        lambda row: "Südviertel" if row["Teilnehmer-Code"] in ALWAYS[:2] else "Nordstadt",
        "Südviertel",
    ),
    # both kick-off non-respondents are staff in Südviertel: each breakdown alone says so
    "two breakdowns whose intersection is small": (
        "Art der Tätigkeit",
        _site(KICKOFF_NON_RESPONDENTS, "Hauptamt"),
        "Hauptamt",
    ),
    # six people, two of whom missed milestone 1: four answered that wave
    "a group small in one wave only": (
        "Standort",
        _site(MISSED_MILESTONE_1 + ALWAYS[:4], "Altstadt"),
        "Altstadt",
    ),
}


def _planted_programme(tmp_path: Path, column: str, value) -> Path:
    """The Quartier fixture with its registry changed in one column; raw exports as they are."""
    folder = tmp_path / "quartier"
    shutil.copytree(QUARTIER, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = folder / "teilnehmende.csv"
    registry = pd.read_csv(path, sep=";", encoding="latin-1", dtype=str)
    planted = registry.apply(value, axis=1)
    registry[column] = planted.where(planted.notna(), registry[column])
    registry.to_csv(path, sep=";", encoding="latin-1", index=False)
    return folder / "survey.yml"


def _published(survey: Path) -> list[tuple[str, dict]]:
    """Every report's results of the programme, as a reader of the reports has them."""
    programme = load_programme(survey)
    return [
        (f"{wave.id}_en.results.json", json.loads(json.dumps(results(programme, wave.id, "en"))))
        for wave in programme.survey.waves
    ]


def _cell_by_cell(monkeypatch) -> None:
    """Switch the protection back to primary suppression alone, cell by cell."""
    monkeypatch.setattr(disclosure, "_complementary", lambda cells, hidden, **_: hidden)
    monkeypatch.setattr(disclosure, "_small_group", lambda size, k: False)


@pytest.mark.parametrize("planted", PLANTED)
def test_a_planted_small_group_gives_nothing_away_and_leaks_without_the_protection(
    planted, tmp_path, monkeypatch
):
    column, value, group = PLANTED[planted]
    survey = _planted_programme(tmp_path, column, value)
    assert audit_results(_published(survey)) == []
    _cell_by_cell(monkeypatch)
    leaks = audit_results(_published(survey))
    assert leaks, "the audit found nothing in cell-by-cell suppression"
    assert any(group in f"{f.table} {f.cell}" for f in leaks), [str(f) for f in leaks]
    if planted == "a group small in one wave only":
        # six registered are shown; the four who answered milestone 1 are not
        assert any("milestone-1" in f.table and group in f.cell for f in leaks)


def test_the_few_who_left_are_not_given_away_by_the_means_of_the_pairs(tmp_path, monkeypatch):
    # three of the Quartier fixture's kick-off respondents did not answer milestone 1
    survey = QUARTIER / "survey.yml"
    scores = load_programme(survey).scores.query("scale == 'who5'").dropna(subset=["score"])
    kickoff = scores[scores["wave"] == "kickoff"].set_index("participant")["score"]
    later = set(scores.loc[scores["wave"] == "milestone-1", "participant"])
    leavers = kickoff[~kickoff.index.isin(later)]
    assert 0 < len(leavers) < K
    assert [f for f in audit_results(_published(survey)) if "leavers" in f.cell] == []
    _cell_by_cell(monkeypatch)
    found = {
        (f.table, f.cell): f.value
        for f in audit_results(_published(survey))
        if "who5 from kickoff to milestone-1" in f.table
    }
    assert found[("change of who5 from kickoff to milestone-1", "leavers' mean")] == (
        pytest.approx(leavers.mean())
    )


CELL_BY_CELL = Path(__file__).resolve().parent / "fixtures" / "disclosure"


def test_a_report_that_gives_a_group_away_is_not_published(tmp_path):
    # the final report's numbers as cell-by-cell suppression printed them
    scratch, out = tmp_path / "scratch", tmp_path / "out"
    scratch.mkdir()
    out.mkdir()
    leaking = scratch / "final_en.results.json"
    shutil.copy(CELL_BY_CELL / "final_en.results.json", leaking)
    with pytest.raises(
        ReportError, match=r"report final_en: the disclosure audit failed: .*suffering = 1"
    ):
        _check_disclosure(leaking, out)
    assert list(out.iterdir()) == []


def _classes(milestone: str, thriving, suffering, struggling) -> dict:
    cells = {"thriving": thriving, "suffering": suffering, "struggling": struggling}
    return {
        "programme": "p",
        "milestone": milestone,
        "language": "en",
        "min_group_size": K,
        "profile_classes": [
            {
                "instrument": "cantril",
                "wave": "kickoff",
                "category": name,
                "n": n,
                "total": 49,
                "suppressed": n is None,
            }
            for name, n in cells.items()
        ],
    }


def test_a_report_is_refused_for_what_it_gives_away_beside_the_reports_already_there(tmp_path):
    scratch, out = tmp_path / "scratch", tmp_path / "out"
    scratch.mkdir()
    out.mkdir()
    earlier = _classes("kickoff", 20, None, None)
    later = _classes("final", None, None, 28)
    assert audit_results([("kickoff_en", earlier)]) == []
    assert audit_results([("final_en", later)]) == []
    (out / "kickoff_en.results.json").write_text(json.dumps(earlier), "utf-8")
    path = scratch / "final_en.results.json"
    path.write_text(json.dumps(later), "utf-8")
    with pytest.raises(ReportError, match="final_en: the disclosure audit failed: .*suffering = 1"):
        _check_disclosure(path, out)
    # a report in the other language is not set against it (each language's are attacked)
    other = tmp_path / "other"
    other.mkdir()
    (other / "kickoff_de.results.json").write_text(json.dumps({**earlier, "language": "de"}))
    _check_disclosure(path, other)


def test_a_programme_with_a_site_of_two_renders_reports_the_audit_finds_nothing_in(tmp_path):
    column, value, _ = PLANTED["a breakdown whose complement is small"]
    survey = _planted_programme(tmp_path, column, value)
    out = tmp_path / "reports"
    waves = ["kickoff", "milestone-1", "final"]
    options = [item for wave in waves for item in ("-m", wave)]
    rendered = runner.invoke(app, ["report", str(survey), *options, "-l", "en", "--out", str(out)])
    assert rendered.exit_code == 0, rendered.output
    assert {f"{wave}_en.results.json" for wave in waves} <= {p.name for p in out.iterdir()}
    audited = runner.invoke(app, ["audit", str(out)])
    assert audited.exit_code == 0, audited.output
    assert "no suppressed group recoverable" in audited.output
    final = json.loads((out / "final_en.results.json").read_text("utf-8"))
    assert "Standort" not in {record["by"] for record in final["subgroups"]}
    assert "Standort" not in {record["attribute"] for record in final["groups"]}
