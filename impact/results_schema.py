"""The JSON Schema of ``results.json``: what every report's numbers file holds, for machines.

The schema (``impact/schemas/results.schema.json``, JSON Schema draft 2020-12, shipped in
the package) describes each key of :func:`impact.sections.results` and the fields of its
records; ``docs/results-schema.md`` says the same for people, and a test keeps the two in
step and validates every rendered ``results.json`` of the demo against the schema.

Examples
--------
>>> schema = results_schema()
>>> schema["properties"]["kind"]["enum"]
['kickoff', 'progress', 'final']
>>> validate_results({"programme": "x"})
Traceback (most recent call last):
impact.errors.ReportError: results.json does not fit its schema: ... is a required property
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from pathlib import Path

from impact.errors import ReportError

RESULTS_SCHEMA = Path(str(importlib.resources.files("impact") / "schemas" / "results.schema.json"))


@functools.cache
def results_schema() -> dict:
    """The schema of ``results.json`` as a dict."""
    return json.loads(RESULTS_SCHEMA.read_text(encoding="utf-8"))


def validate_results(document: dict) -> None:
    """Raise :class:`~impact.errors.ReportError` naming the first place where ``document``
    does not fit the schema of ``results.json`` (checked with ``jsonschema``)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        results_schema(), format_checker=jsonschema.FormatChecker()
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        place = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise ReportError(f"results.json does not fit its schema: at {place}: {error.message}")


__all__ = ["RESULTS_SCHEMA", "results_schema", "validate_results"]
