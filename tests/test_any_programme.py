"""Any programme, not only the demo's shape: the definitions decide what a report contains.

The "Quartier" fixture (tests/fixtures/quartier) differs from the demo in every optional
way: other key and attribute names (with a space and an umlaut), no tandems, no sector,
three waves, two instruments, no collaboration, SDG or feedback instruments, exports from
LimeSurvey, Qualtrics and SPSS. Its reports render; the demo renders with each optional
role and instrument dropped in turn; and the definition is read once per command.
"""

from __future__ import annotations

import ast
import html
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import impact.definitions
from impact import sections
from impact.cli import app
from impact.demo import DEMO_SURVEY
from impact.errors import DefinitionError, DefinitionErrors
from impact.pipeline import load_programme
from impact.report import REPORT_NOTEBOOK, render_all

ROOT = Path(__file__).resolve().parent.parent
QUARTIER = ROOT / "tests" / "fixtures" / "quartier" / "survey.yml"
runner = CliRunner()


def _visible(path: Path) -> str:
    """The text a reader of an HTML report sees (no markup, styles or embedded images)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text("utf-8"), flags=re.S)
    alts = " ".join(re.findall(r'alt="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + alts)


@pytest.fixture
def count_loads(monkeypatch) -> list[str]:
    """Every survey definition read (in this process) while the test runs."""
    loads: list[str] = []
    original = impact.definitions._reference_problems

    def counting(data, path):
        loads.append(str(path))
        return original(data, path)

    monkeypatch.setattr(impact.definitions, "_reference_problems", counting)
    return loads


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, list[str]]:
    """Every report of the Quartier programme, rendered by the command line, and every
    survey definition read in this process while it rendered."""
    out = tmp_path_factory.mktemp("quartier-reports")
    loads: list[str] = []
    original = impact.definitions._reference_problems

    def counting(data, path):
        loads.append(str(path))
        return original(data, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(impact.definitions, "_reference_problems", counting)
        result = runner.invoke(app, ["report", str(QUARTIER), "--all", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, loads


@pytest.fixture(scope="module")
def quartier_reports(rendered) -> Path:
    return rendered[0]


def test_rendering_every_report_reads_the_definition_once(rendered):
    assert rendered[1] == [str(QUARTIER)]


def test_every_report_of_a_programme_unlike_the_demo_renders(quartier_reports):
    names = {p.name for p in quartier_reports.iterdir() if not p.name.startswith(".")}
    for milestone in ("kickoff", "milestone-1", "final"):
        for language in ("de", "en"):
            for suffix in (".html", ".pdf", ".results.json"):
                assert f"{milestone}_{language}{suffix}" in names


def test_its_reports_contain_what_it_has_and_say_what_it_did_not_collect(quartier_reports):
    final = json.loads((quartier_reports / "final_de.results.json").read_text("utf-8"))
    assert {"change", "reliable_change", "subgroups", "groups"} <= set(final)
    assert not {"collaboration", "ei_index", "sdg_coverage", "feedback", "response_shift"} & set(
        final
    )
    left_out = {s["section"]: s["reason"] for s in final["sections"] if not s["included"]}
    assert {"network", "sdgs", "feedback", "response_shift"} <= set(left_out)
    assert {g["attribute"] for g in final["groups"]} == {"Art der Tätigkeit", "Standort"}
    assert not any(k["key"] in ("sectors", "pairs") for k in final["key_figures"])
    page = _visible(quartier_reports / "final_de.html")
    assert "In diesem Programm nicht erhoben" in page
    assert "Art der Tätigkeit" in page and "Ehrenamt" in page
    english = _visible(quartier_reports / "final_en.html")
    assert "Not collected in this programme" in english and "Kind of work" in english
    # Methods and glossary describe nothing the programme lacks.
    for text in (page, english):
        assert "E–I" not in text and "E-I" not in text and "SDG" not in text
    kickoff = _visible(quartier_reports / "kickoff_en.html")
    assert "30 participants" in kickoff and "tandem" not in kickoff.lower()


def test_check_names_the_sections_each_report_leaves_out():
    result = runner.invoke(app, ["check", str(QUARTIER)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "final report:" in output and "subgroups" in output
    assert "left out: network (no collaboration instrument (kind: counts))" in output
    assert "left out: sdgs (no multi-select instrument" in output


def _variant(tmp_path: Path, name: str, edit) -> Path:
    """A copy of the demo programme whose survey.yml ``edit`` changed."""
    folder = tmp_path / name
    shutil.copytree(DEMO_SURVEY.parent, folder)
    path = folder / "survey.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _drop_instrument(instrument: str):
    def edit(data: dict) -> None:
        data["instruments"].remove(instrument)
        for mapping in data["mappings"].values():
            columns = mapping["columns"] if isinstance(mapping.get("columns"), dict) else mapping
            for column, target in list(columns.items()):
                item = target["item"] if isinstance(target, dict) else target
                if item.startswith(f"{instrument}."):
                    del columns[column]
        # a goal measured by the dropped instrument goes with it
        data["goals"] = [g for g in data.get("goals", []) if g.get("scale") != instrument]

    return edit


def _drop_role(role: str):
    def edit(data: dict) -> None:
        del data["registry"]["roles"][role]

    return edit


def _drop_sector(data: dict) -> None:
    _drop_instrument("collaboration")(data)
    del data["registry"]["roles"]["sector"]


def _no_breakdowns(data: dict) -> None:
    data["registry"]["roles"]["breakdowns"] = []


VARIANTS = {
    "no-pairing": (_drop_role("pairing"), []),
    "no-sector": (_drop_sector, ["network"]),
    "no-breakdowns": (_no_breakdowns, ["subgroups", "groups"]),
    "no-sdgs": (_drop_instrument("sdgs"), ["sdgs"]),
    "no-feedback": (_drop_instrument("feedback"), ["feedback"]),
    "no-partnership": (_drop_instrument("partnership"), ["partnership"]),
    "no-retrospective": (_drop_instrument("competences"), ["response_shift"]),
    "no-profiles": (_drop_instrument("cantril"), ["profile"]),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_demo_renders_with_each_optional_role_or_instrument_dropped(tmp_path, variant):
    edit, gone = VARIANTS[variant]
    survey = _variant(tmp_path, variant, edit)
    programme = load_programme(survey)
    plan = sections.report_plan(programme, "final")
    included = set(plan.loc[plan["included"], "section"])
    results = render_all(
        programme, tmp_path / "out", milestones=["kickoff", "final"], languages=["en"], pdf=False
    )
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    final = json.loads((tmp_path / "out" / "final_en.results.json").read_text("utf-8"))
    shown = {s["section"] for s in final["sections"] if s["included"]}
    assert shown == included
    for section in gone:
        if section in {s.id for s in sections.SECTIONS if "final" in s.kinds}:
            assert section not in shown, section


def test_a_report_starts_from_the_loaded_programme_and_never_rereads_its_files(tmp_path):
    folder = tmp_path / "quartier"
    shutil.copytree(QUARTIER.parent, folder)
    programme = load_programme(folder / "survey.yml")
    # Gone after loading: neither the workers nor the kernels may need them again.
    (folder / "survey.yml").unlink()
    shutil.rmtree(folder / "raw")
    results = render_all(
        programme, tmp_path / "out", milestones=["final"], languages=["de"], pdf=False
    )
    assert results[0].ok, results[0].error


@pytest.mark.parametrize(
    "arguments",
    [
        ["check"],
        ["analyse"],
        ["report", "-m", "final", "-l", "en", "--out", "{out}"],
    ],
)
def test_one_command_reads_its_definition_once(tmp_path, count_loads, arguments):
    arguments = [a.replace("{out}", str(tmp_path / "out")) for a in arguments]
    result = runner.invoke(app, [arguments[0], str(QUARTIER), *arguments[1:]])
    assert result.exit_code == 0, result.output
    assert count_loads == [str(QUARTIER)]


def _attribute_literals(source: str, names: set[str]) -> list[tuple[int, str]]:
    """String constants of code (not docstrings) that are one of ``names``."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value in names
    ]


def test_no_registry_attribute_name_is_written_into_the_code():
    demo = yaml.safe_load(DEMO_SURVEY.read_text("utf-8"))["registry"]
    names = set(demo["columns"]) | set(demo["groups"])
    found = []
    for path in sorted((ROOT / "impact").rglob("*.py")):
        if path.name == "demo.py":  # writes the demo's own registry
            continue
        found += [(str(path), *hit) for hit in _attribute_literals(path.read_text(), names)]
    for path in [*sorted((ROOT / "notebooks").glob("*.ipynb")), REPORT_NOTEBOOK]:
        notebook = json.loads(path.read_text("utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                code = "".join(cell["source"])
                found += [(str(path), *hit) for hit in _attribute_literals(code, names)]
    assert not found


# -- the definition: roles and every problem at once -------------------------------------------
def _edited(demo_copy: Path, edit) -> Path:
    data = yaml.safe_load(demo_copy.read_text("utf-8"))
    edit(data)
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return demo_copy


def test_every_problem_of_a_definition_is_reported_at_once(demo_copy):
    def edit(data):
        data["quality"]["speeder_ratio"] = 1.5
        data["mappings"]["sosci"]["WB01_01"] = "who5.i9"
        data["waves"][1]["files"][0]["mapping"] = "sosi"
        data["registry"]["roles"]["breakdowns"] = ["sektor", "role"]

    with pytest.raises(DefinitionErrors) as caught:
        impact.definitions.load_survey(_edited(demo_copy, edit))
    table = caught.value.table()
    assert len(table) == 4
    assert set(table["key"]) == {
        "quality.speeder_ratio",
        "mappings.sosci.WB01_01",
        "waves.1.files.0.mapping",
        "registry.roles.breakdowns.0",
    }
    assert table["line"].notna().all() and table["hint"].str.contains("did you mean").sum() == 2
    result = runner.invoke(app, ["check", str(demo_copy)])
    assert result.exit_code == 3
    output = " ".join(result.output.split())
    assert "4 problems in the definition" in output and "Traceback" not in output
    assert "speeder_ratio" in output and "sosi" in output and "i9" in output


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["registry"]["roles"].update(sector="Sektor"),
            "'Sektor' is not a registry attribute",
        ),
        (
            lambda d: d["registry"]["roles"].update(
                pairing={"attribute": "tandem", "member": "rol"}
            ),
            "did you mean 'role'",
        ),
        (lambda d: d["registry"]["roles"].pop("sector"), "no registry attribute is declared as"),
        (
            lambda d: d["registry"]["columns"].update(wave="site"),
            "'wave' is used by the toolkit's own tables",
        ),
        (
            lambda d: [
                d["registry"]["labels"]["sector"].pop("investor"),
                d["registry"]["groups"]["sector_group"]["values"].pop("investor"),
            ],
            "counts contacts in the sectors ['investor']",
        ),
    ],
)
def test_roles_are_checked_against_the_attributes_and_instruments(demo_copy, edit, message):
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace("[", r"\[")):
        impact.definitions.load_survey(_edited(demo_copy, edit))


def test_attribute_names_may_have_spaces_and_umlauts():
    survey, _ = impact.definitions.load_survey(QUARTIER)
    assert survey.registry.breakdowns == ["Art der Tätigkeit", "Standort"]
    assert survey.registry.sector is None and survey.registry.pairing is None
    assert survey.registry.name("Standort", "en") == "Neighbourhood"
