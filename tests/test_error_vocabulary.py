"""One error vocabulary: located errors of the project's own classes, one choice check,
no bare built-in exceptions on public paths, no private names across modules."""

import ast
import warnings
from pathlib import Path

import pytest

import impact
from impact.errors import ArgumentError, ReportError, check_choice

PACKAGE = Path(impact.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def test_the_errors_module_imports_nothing_of_the_package():
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(_tree(PACKAGE / "errors.py"))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert imported and not [name for name in imported if name and name.startswith("impact")]


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("impact")):
            continue
        # Within the sections package its modules share the helpers of sections.common.
        if node.module == "impact.sections.common" and path.parent.name == "sections":
            continue
        found += [
            f"{path.name}:{node.lineno} {node.module}.{alias.name}"
            for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")
        ]
    return found


def _private_attributes(path: Path) -> list[str]:
    tree = _tree(path)
    modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "impact"
        for alias in node.names
    }
    return [
        f"{path.name}:{node.lineno} {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


def test_no_module_uses_a_private_name_of_another():
    assert [hit for path in MODULES for hit in _private_imports(path)] == []
    assert [hit for path in MODULES for hit in _private_attributes(path)] == []


def _is_validator(function: ast.FunctionDef) -> bool:
    """pydantic turns a ValueError raised in a validator into a located DefinitionError."""
    names = [
        getattr(getattr(d, "func", d), "id", getattr(getattr(d, "func", d), "attr", ""))
        for d in function.decorator_list
    ]
    return any(name.endswith("validator") for name in names)


def _bare_raises(path: Path) -> list[str]:
    found = []

    def visit(node: ast.AST, in_validator: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_validator = _is_validator(node)
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = getattr(node.exc.func, "id", None)
            if name in ("ValueError", "KeyError") and not in_validator:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
        for child in ast.iter_child_nodes(node):
            visit(child, in_validator)

    visit(_tree(path), False)
    return found


def test_no_bare_value_or_key_error_is_raised():
    assert [hit for path in MODULES for hit in _bare_raises(path)] == []


def test_a_choice_error_names_the_argument_the_choices_and_the_nearest():
    with pytest.raises(ArgumentError) as raised:
        check_choice("Kickoff", ["kickoff", "final"], argument="wave", what="a wave of")
    assert str(raised.value) == (
        "`wave` must be a wave of ['kickoff', 'final']; got 'Kickoff' (did you mean 'kickoff'?)"
    )
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, KeyError)
    check_choice("final", ["kickoff", "final"], argument="wave")  # a known one passes


def test_a_report_error_is_located_by_the_shared_error_base():
    error = ReportError(
        "NameError: x", milestone="final", language="en", cell="3 [setup]", hint="see the log"
    )
    assert str(error) == "report final_en, cell 3 [setup]: NameError: x (see the log)"
    assert (error.milestone, error.language, error.cell, error.report) == (
        "final",
        "en",
        "3 [setup]",
        "final_en",
    )
    assert error.reason == "NameError: x"
    assert str(ReportError("no results", report="index")) == "report index: no results"
    assert str(ReportError("bad", milestone="final")) == "milestone 'final': bad"


def test_the_definitions_programme_has_a_name_of_its_own_and_the_old_one_still_works():
    from impact import definitions
    from impact.pipeline import Programme

    assert definitions.ProgrammeDefinition is not Programme
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = definitions.Programme
    assert old is definitions.ProgrammeDefinition
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    with pytest.raises(AttributeError):
        definitions.NoSuchName  # noqa: B018
