"""Survey tools as adapters: one registry, the format names derived from it, a tool added
by registering an adapter."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact import tools
from impact.cleaning.cells import number_column, text_column
from impact.cleaning.times import parse_times
from impact.definitions import load_survey
from impact.errors import DefinitionError
from impact.io import detect_tool, read_export
from impact.pipeline import load_programme

PACKAGE = Path(__file__).resolve().parent.parent / "impact"
HEADER = "Antwort-ID;Beginn;Sekunden;Status;Fortschritt;E-Mail;Code;W1;W2;W3;W4;W5\n"


def _klick_metadata(table: pd.DataFrame, path) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "started": parse_times(text_column(table, "Beginn"), file=path, column="Beginn"),
            "duration": number_column(table, "Sekunden"),
            "finished": text_column(table, "Status").eq("fertig"),
            "progress": number_column(table, "Fortschritt"),
        },
        index=table.index,
    )


@pytest.fixture
def klick():
    """A made-up tool, registered for the test and forgotten after it."""
    tools.register(
        "klick",
        tools.Adapter(
            title="Klick",
            signature=("Antwort-ID", "Beginn", "Sekunden", "Status"),
            submission_metadata=_klick_metadata,
            identifying=("E-Mail",),
            missing_codes=(-77,),
        ),
    )
    yield "klick"
    tools.unregister("klick")


def _programme(folder: Path, *, kickoff_format: str = "klick") -> Path:
    (folder / "registry.csv").write_text("code,role\nAB12CD,mentor\nEF34GH,mentee\n")
    (folder / "kickoff.csv").write_text(
        HEADER + "1;2024-01-10 09:00:00;300;fertig;100;a@example.org;AB12CD;3;4;-77;2;5\n"
        "2;2024-01-10 09:05:00;280;fertig;100;e@example.org;EF34GH;2;2;3;3;1\n"
    )
    (folder / "final.csv").write_text(
        HEADER + "3;2024-06-12 18:00:00;250;fertig;100;a@example.org;ab12cd;4;4;3;3;5\n"
        "4;2024-06-12 18:02:00;20;abgebrochen;40;e@example.org;EF34GH;3;;;;\n"
    )
    (folder / "survey.yml").write_text(
        f"""
programme: {{id: klick-test, name: Surveyed with a made-up tool, synthetic: true}}
instruments: [who5]
registry: {{file: registry.csv, key: code, columns: {{role: role}}}}
mappings:
  klick:
    key: Code
    columns: {{W1: who5.i1, W2: who5.i2, W3: who5.i3, W4: who5.i4, W5: who5.i5}}
waves:
  - id: kickoff
    date: 2024-01-10
    label: {{de: Auftakt, en: Kick-off}}
    files: [{{path: kickoff.csv, format: {kickoff_format}, mapping: klick}}]
  - id: final
    date: 2024-06-12
    label: {{de: Abschluss, en: Closing event}}
    files: [{{path: final.csv, mapping: klick}}]
"""
    )
    return folder / "survey.yml"


def test_the_formats_are_the_registered_tools_and_the_plain_tables():
    assert tools.formats() == ("auto", *tools.names(), "csv", "xlsx", "sav")
    assert len(tools.names()) >= 3
    for name in tools.names():
        adapter = tools.adapter_for(name)
        assert adapter.signature and adapter.title
        assert detect_tool([*adapter.signature, "Q1"], "f.csv") == name


def test_a_registered_tool_is_read_recognised_and_cleaned(klick, tmp_path):
    survey = _programme(tmp_path)
    raw = read_export(tmp_path / "final.csv")  # format auto
    assert raw.provenance.format == klick
    programme = load_programme(survey)
    accounting = programme.accounting()
    assert accounting["format"].tolist() == [klick, klick]
    assert accounting["kept"].tolist() == [2, 1]
    submissions = programme.cleaned.submissions
    assert submissions["duration"].tolist() == [300, 280, 250, 20]
    assert submissions["finished"].tolist() == [True, True, True, False]
    assert submissions.loc[3, "reason"] == "incomplete"
    log = programme.cleaned.log
    dropped = log[log["rule"] == "identifying_column_dropped"]
    assert dropped["column"].tolist() == ["E-Mail", "E-Mail"]
    coded = log[log["rule"] == "missing_code"]
    assert coded[["participant", "column", "old_value"]].values.tolist() == [
        ["AB12CD", "W3", "-77"]
    ]
    responses = programme.responses
    i3 = responses.query("wave == 'kickoff' and participant == 'AB12CD' and item == 'i3'")
    assert np.isnan(i3["value"].iloc[0])


def test_a_format_no_adapter_is_registered_for_is_a_located_definition_error(tmp_path):
    survey = _programme(tmp_path)
    with pytest.raises(DefinitionError) as error:
        load_survey(survey)
    message = str(error.value)
    assert "waves.0.files.0.format" in message
    for name in tools.formats():
        assert repr(name) in message
    assert "'klick'" not in message


def test_a_tool_cannot_take_the_name_of_a_plain_table_or_auto():
    adapter = tools.adapter_for(tools.names()[0])
    for name in ("auto", "csv", "sav", "Klick", "2tool"):
        with pytest.raises(DefinitionError):
            tools.register(name, adapter)
    assert "auto" not in tools.names()


def test_an_export_named_as_a_tool_it_does_not_come_from_is_refused(klick, tmp_path):
    _programme(tmp_path)
    name = tools.names()[0]
    with pytest.raises(Exception, match=f"not a {tools.adapter_for(name).title} export"):
        read_export(tmp_path / "final.csv", format=name)


def _string_constants(path: Path) -> set[str]:
    """The string literals of a module's code (docstrings left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


def test_no_tool_is_named_in_code_outside_its_adapter():
    """The readers and the cleaning ask the registry. The demo's writers, which make
    synthetic exports of each tool, are the one other place that knows the tools."""
    adapters = {name: PACKAGE / "tools" / f"{name}.py" for name in tools.names()}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "demo.py":
            continue
        named = {name for name in tools.names() if name in _string_constants(path)}
        named -= {name for name, adapter in adapters.items() if adapter == path}
        assert not named, f"{path.relative_to(PACKAGE)} names {sorted(named)}"
