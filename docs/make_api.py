"""Write docs/api.md: every public function and class of the package, from its docstring,
and every public method, property and dataclass field of its classes (``Programme``'s
included).

Run ``python docs/make_api.py``; ``tests/test_docs.py`` fails when docs/api.md is stale.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from pathlib import Path

import impact

API = Path(__file__).resolve().parent / "api.md"
PROJECT = str(API.parent.parent)
SKIP = {"impact.cli"}  # the command line is documented by `impact --help`


def public_members(module) -> list[tuple[str, object]]:
    """Functions and classes defined in ``module`` whose names do not start with ``_``."""
    members = []
    for name, member in vars(module).items():
        if name.startswith("_") or not (inspect.isfunction(member) or inspect.isclass(member)):
            continue
        if getattr(member, "__module__", None) == module.__name__:
            members.append((name, member))
    return sorted(members)


def class_members(cls) -> list[tuple[str, str, object]]:
    """The public methods, properties and dataclass fields a class defines itself, in the
    order of its source: (name, kind, member)."""
    members = []
    fields = getattr(cls, "__dataclass_fields__", {})
    for name in fields:
        if not name.startswith("_"):
            members.append((name, "field", fields[name]))
    for name, member in vars(cls).items():
        if name.startswith("_") or name in fields:
            continue
        if isinstance(member, (property, functools.cached_property)):
            members.append((name, "property", member))
        elif inspect.isfunction(member):
            members.append((name, "method", member))
        elif isinstance(member, (staticmethod, classmethod)):
            members.append((name, "method", member.__func__))
    return members


def _member_lines(cls, name: str, kind: str, member) -> list[str]:
    """A class member's heading and docstring; a field's type and the class docstring's
    line for it."""
    qualified = f"{cls.__module__}.{cls.__name__}.{name}"
    if kind == "field":
        annotation = member.type if isinstance(member.type, str) else member.type.__name__
        return [f"#### `{qualified}: {annotation}`", "", "*attribute*", ""]
    function = member.fget if isinstance(member, property) else getattr(member, "func", member)
    if kind == "property":
        heading = f"#### `{qualified}`"
    else:
        signature = str(inspect.signature(function)).replace(PROJECT, "<project>")
        heading = f"#### `{qualified}{signature.replace('(self, ', '(').replace('(self)', '()')}`"
    doc = inspect.getdoc(function)
    doc = inspect.cleandoc(doc) if doc else "(no docstring)"
    return [heading, "", f"*{kind}*", "", "```text", doc, "```", ""]


def modules() -> list:
    """Every public module, the submodules of a package (``impact.sections``) included."""
    names = sorted(
        info.name
        for info in pkgutil.walk_packages(impact.__path__, prefix="impact.")
        if not any(part.startswith("_") for part in info.name.split("."))
    )
    return [importlib.import_module(name) for name in names if name not in SKIP]


def render() -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `python docs/make_api.py`; do not edit by hand.",
        "Every public function and class of every module, with its signature and docstring;",
        "under each class its public methods, properties and attributes.",
        "",
    ]
    for module in modules():
        members = public_members(module)
        package = hasattr(module, "__path__")
        if not members and not package:
            continue
        summary = (inspect.getdoc(module) or "").split("\n\n")[0].replace("\n", " ")
        lines += [f"## `{module.__name__}`", "", summary, ""]
        if package:
            lines += [
                f"A package: its modules follow. Every public name below is also importable"
                f" from `{module.__name__}` itself.",
                "",
            ]
        for name, member in members:
            try:
                # Defaults such as DEMO_SURVEY hold absolute paths: show them from the project.
                signature = str(inspect.signature(member)).replace(PROJECT, "<project>")
            except (TypeError, ValueError):
                signature = "(...)"
            kind = "class" if inspect.isclass(member) else "function"
            lines += [f"### `{module.__name__}.{name}{signature}`", "", f"*{kind}*", ""]
            own = member.__dict__.get("__doc__") if inspect.isclass(member) else member.__doc__
            doc = inspect.cleandoc(own) if own else "(no docstring)"
            lines += ["```text", doc, "```", ""]
            if inspect.isclass(member) and member.__module__.startswith("impact."):
                for entry in class_members(member):
                    lines += _member_lines(member, *entry)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    API.write_text(render(), encoding="utf-8")
    print(f"wrote {API}")
