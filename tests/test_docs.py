"""The docs stay true: API reference current, links resolve, results.json schema complete."""

import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from impact import __all__ as public_api
from impact import sections

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _make_api():
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_generated_from_the_current_docstrings():
    make_api = _make_api()
    assert (DOCS / "api.md").read_text(encoding="utf-8") == make_api.render(), (
        "docs/api.md is stale: run `python docs/make_api.py`"
    )


def test_api_reference_lists_every_public_function_with_a_docstring():
    make_api = _make_api()
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for module in make_api.modules():
        for name, _ in make_api.public_members(module):
            assert f"### `{module.__name__}.{name}(" in text
    for name in public_api:
        assert re.search(rf"### `impact\.[\w.]+\.{name}\(", text), name
    assert "(no docstring)" not in text


def test_api_reference_documents_every_method_and_attribute_of_programme():
    from impact.pipeline import Programme

    make_api = _make_api()
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    members = make_api.class_members(Programme)
    names = {name for name, _, _ in members}
    public = {n for n in dir(Programme) if not n.startswith("_")} | {"survey", "cleaned"}
    assert public <= names, public - names
    for name, kind, member in members:
        assert f"#### `impact.pipeline.Programme.{name}" in text, name
        if kind == "method" and member.__annotations__.get("return") == "pd.DataFrame":
            doc = member.__doc__ or ""
            # What it returns, column by column, and what each argument means.
            returns = doc.split("Returns")[-1]
            assert "Returns" in doc and ("``" in returns or ":meth:" in returns), name
            arguments = [a for a in inspect.signature(member).parameters if a != "self"]
            for argument in arguments:
                assert f"{argument} :" in doc, (name, argument)


@pytest.mark.parametrize(
    "page", sorted(p.name for p in (ROOT / "docs").glob("*.md")) + ["../README.md"]
)
def test_links_between_docs_resolve(page):
    path = (DOCS / page).resolve()
    for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
        assert (path.parent / target).exists(), f"{page} links to missing {target}"


def test_results_schema_documents_every_key_and_field(demo):
    schema = (DOCS / "results-schema.md").read_text(encoding="utf-8")
    rows = {
        m[1]: m[2]
        for m in re.finditer(r"^\| `([a-z_]+)` \| [^|]+ \| [^|]+ \| ([^|]*) \|", schema, re.M)
    }
    for milestone in ("kickoff", "milestone-1", "final"):
        results = sections.results(demo, milestone, "en")
        assert set(results) <= set(rows), set(results) - set(rows)
        for key, value in results.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                documented = set(re.findall(r"`([a-z_0-9]+)`", rows[key]))
                assert set(value[0]) == documented, key
