"""results.json against its JSON Schema, and the schema in step with docs/results-schema.md."""

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest

from impact.errors import ReportError
from impact.results_schema import RESULTS_SCHEMA, results_schema, validate_results

DOCS = Path(__file__).resolve().parent.parent / "docs" / "results-schema.md"


def _documented() -> dict[str, list[str]]:
    """Key → documented record fields, from the table of docs/results-schema.md."""
    text = DOCS.read_text(encoding="utf-8")
    return {
        m[1]: re.findall(r"`([a-z_0-9]+)`", m[3]) if m[2].strip() == "list of records" else []
        for m in re.finditer(r"^\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \| ([^|]*) \|", text, re.M)
    }


def test_the_schema_is_valid_json_schema_and_ships_in_the_package():
    assert RESULTS_SCHEMA.parent.name == "schemas" and RESULTS_SCHEMA.parent.parent.name == "impact"
    jsonschema.Draft202012Validator.check_schema(results_schema())


def test_every_rendered_results_json_fits_the_schema(demo_reports):
    out, results = demo_reports
    files = sorted(out.glob("*.results.json"))
    assert len(files) == len(results) == 8  # 4 milestones × de, en
    for path in files:
        validate_results(json.loads(path.read_text(encoding="utf-8")))


def test_the_schema_and_the_docs_name_the_same_keys_and_fields():
    schema = results_schema()
    documented = _documented()
    assert set(schema["properties"]) == set(documented)
    for key, fields in documented.items():
        if fields:
            record = schema["properties"][key]["items"]
            assert list(record["properties"]) == fields, key
            assert record["required"] == fields and record["additionalProperties"] is False


def test_a_document_that_does_not_fit_is_named_where_it_breaks(demo_reports):
    out, _ = demo_reports
    good = json.loads((out / "final_en.results.json").read_text(encoding="utf-8"))
    for change, place in [
        (lambda d: d["change"][0].update(n="many"), "at change/0/n"),
        (lambda d: d.update(undocumented=1), "'undocumented' was unexpected"),
        (lambda d: d.pop("accounting"), "'accounting' is a required property"),
        (lambda d: d.update(kind="weekly"), "at kind"),
        (lambda d: d["scores"][0].update(participant="AB12CD"), "'participant' was unexpected"),
    ]:
        bad = copy.deepcopy(good)
        change(bad)
        with pytest.raises(ReportError, match=re.escape(place)):
            validate_results(bad)
