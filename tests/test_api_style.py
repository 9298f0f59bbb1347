"""The public statistics functions follow the guide's style: the data first (with the
definitions or registry they need), every option keyword-only."""

import importlib
import inspect

import pytest

MODULES = [
    "bayes",
    "change",
    "clean",
    "dyads",
    "equivalence",
    "longitudinal",
    "meaningful",
    "network",
    "power",
    "reliability",
    "score",
    "scrub",
    "subgroups",
]
DATA = {"data", "responses", "scores", "items", "table", "individual", "change", "frame"}


def _data_first_functions():
    for name in MODULES:
        module = importlib.import_module(f"impact.{name}")
        for function_name, function in vars(module).items():
            if function_name.startswith("_") or not inspect.isfunction(function):
                continue
            if function.__module__ != module.__name__:
                continue
            parameters = list(inspect.signature(function).parameters.values())
            if parameters and parameters[0].name in DATA:
                yield f"{name}.{function_name}", parameters


@pytest.mark.parametrize(
    ("name", "parameters"),
    list(_data_first_functions()),
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_options_after_the_data_are_keyword_only(name, parameters):
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    # The data, and at most the definitions or registry they are read with.
    assert len(positional) <= 2, (name, [p.name for p in positional])
    assert all(p.default is inspect.Parameter.empty for p in positional), (
        name,
        [p.name for p in positional if p.default is not inspect.Parameter.empty],
    )
