"""Survey tools as adapters: everything impact knows of one tool's exports, in one place.

An adapter says which columns every export of its tool has (so ``format: auto`` can
recognise it), which of the tool's own columns identify a person (dropped and logged), the
residual codes the tool writes for "no answer", extra header rows, and how the tool
records when a submission started, how long it took, whether it was finished and how far
it got. The readers (:mod:`impact.io`), the cleaning (:mod:`impact.cleaning`) and the
definitions (the ``format`` of an export file) ask the registry; none of them names a tool.

Adding a tool is adding an adapter: write one (a module beside the shipped ones, or your
own code) and :func:`register` it under the name ``survey.yml`` uses in ``format``. The
registry is modelled on papermill's engine and I/O registries.

Examples
--------
>>> from impact import tools
>>> tools.names()
('sosci', 'limesurvey', 'qualtrics')
>>> tools.adapter_for("sosci").title
'SoSci Survey'
>>> tools.adapter_for("csv") is None  # a plain table: no tool
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from impact.errors import DefinitionError

# The submission metadata every adapter gives, one row per data row of the export.
METADATA_COLUMNS = ("started", "duration", "finished", "progress")
# Formats that are containers, not tools: a plain table of columns (see impact.io).
PLAIN = ("csv", "xlsx", "sav")


@dataclass(frozen=True)
class Misexport:
    """An export of the tool made with the wrong options, told by columns it then has."""

    columns: tuple[str, ...]
    message: str
    hint: str


@dataclass(frozen=True)
class Adapter:
    """What impact knows of one survey tool's exports.

    Attributes
    ----------
    title : str
        The tool's name as people write it (``SoSci Survey``), used in messages.
    signature : tuple of str
        Columns every export of the tool has: a file with all of them is the tool's, one
        with some of them (two or more) is refused as unclear.
    submission_metadata : callable
        ``(table, path) -> DataFrame`` with the columns ``started`` (datetime),
        ``duration`` (seconds), ``finished`` (bool) and ``progress`` (%) of each row of
        the export's table of strings, on its index.
    identifying : tuple of str
        The tool's own columns that identify a person (IP address, e-mail, name …):
        dropped before cleaning and logged ``identifying_column_dropped``.
    missing_codes : tuple of float
        Residual codes the tool writes for "no answer"; set missing unless they lie on an
        item's response scale.
    header_rows : int
        Header rows of the tool's text and workbook exports (the column names included).
    read_header_rows : callable, optional
        ``(table, path) -> (table, questions)`` for ``header_rows`` above 1: the table
        without the extra header rows (checked to be what the tool writes there), and
        column → question text where they carry it.
    misexports : tuple of Misexport
        Exports of the tool made with the wrong options, refused with their own message.
    """

    title: str
    signature: tuple[str, ...]
    submission_metadata: Callable[[pd.DataFrame, str | Path], pd.DataFrame]
    identifying: tuple[str, ...] = ()
    missing_codes: tuple[float, ...] = ()
    header_rows: int = 1
    read_header_rows: Callable[[pd.DataFrame, Path], tuple[pd.DataFrame, dict[str, str]]] | None = (
        None
    )
    misexports: tuple[Misexport, ...] = ()


_ADAPTERS: dict[str, Adapter] = {}
_NAME = re.compile(r"[a-z][a-z0-9_-]*")


def register(name: str, adapter: Adapter) -> None:
    """Make a survey tool's exports readable under ``format: <name>`` (and by ``auto``).

    Parameters
    ----------
    name : str
        The format name ``survey.yml`` uses: lower case letters, digits, ``-`` and ``_``,
        not ``auto`` nor a plain table's name (``csv``, ``xlsx``, ``sav``). Registering a
        name again replaces its adapter.
    adapter : Adapter

    Raises
    ------
    DefinitionError
        For a name that cannot be a format.

    Examples
    --------
    >>> register("csv", adapter_for("sosci"))
    Traceback (most recent call last):
    impact.errors.DefinitionError: 'csv' cannot name a survey tool: ...
    """
    if not _NAME.fullmatch(name) or name == "auto" or name in PLAIN:
        raise DefinitionError(
            f"{name!r} cannot name a survey tool: names are lower case letters, digits, '-' "
            f"and '_', and not 'auto' or a plain table's {list(PLAIN)}",
            hint="choose another name for the tool",
        )
    _ADAPTERS[name] = adapter


def unregister(name: str) -> None:
    """Forget a registered tool (its exports can then only be read as plain tables)."""
    _ADAPTERS.pop(name, None)


def names() -> tuple[str, ...]:
    """The registered tools' format names, in the order they were registered."""
    return tuple(_ADAPTERS)


def adapter_for(name: str | None) -> Adapter | None:
    """The adapter of a tool's format name; ``None`` for a plain table (or no name)."""
    return _ADAPTERS.get(name) if name is not None else None


def formats() -> tuple[str, ...]:
    """Every format ``survey.yml`` may name: ``auto``, the registered tools, the plain tables.

    Examples
    --------
    >>> formats()
    ('auto', 'sosci', 'limesurvey', 'qualtrics', 'csv', 'xlsx', 'sav')
    """
    return ("auto", *names(), *PLAIN)


def _register_shipped() -> None:
    from impact.tools import limesurvey, qualtrics, sosci

    for module in (sosci, limesurvey, qualtrics):
        register(module.NAME, module.ADAPTER)


_register_shipped()
