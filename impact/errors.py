"""The project's own exceptions and the words they share.

Every error the toolkit raises on purpose is an :class:`ImpactError`. A located error
says where it broke — the file, line, key, column and row of an input
(:class:`DefinitionError`, :class:`InputError`); the report, milestone, language and cell
of a rendering (:class:`ReportError`) — and how to fix it. :func:`check_choice` and
:func:`suggestion` are the one way an unknown name is refused:
``"`dv` must be one of ['score', 'wave']; got 'Score' (did you mean 'score'?)"``.

This module imports nothing of the package, so every module can import it.
"""

from __future__ import annotations

import difflib
from pathlib import Path


class ImpactError(Exception):
    """Base class of every error the toolkit raises on purpose."""


def _where(
    *,
    report: str | None = None,
    milestone: str | None = None,
    language: str | None = None,
    file: str | Path | None = None,
    line: int | None = None,
    key: str | None = None,
    column: str | None = None,
    row: int | None = None,
    section: str | None = None,
    cell: int | str | None = None,
) -> str:
    """``"file 'survey.yml', line 4, key 'waves'"``: the known parts of a place (a report
    named, its milestone and language are not repeated)."""
    parts = []
    if report is not None:
        parts.append(f"report {report}")
    else:
        parts += [
            f"{name} {value!r}"
            for name, value in (("milestone", milestone), ("language", language))
            if value is not None
        ]
    if file is not None:
        parts.append(f"file {str(file)!r}")
    if line is not None:
        parts.append(f"line {line}")
    if key is not None:
        parts.append(f"key {key!r}")
    if column is not None:
        parts.append(f"column {column!r}")
    if section is not None:
        parts.append(f"section {section!r}")
    if row is not None:
        parts.append(f"row {row}")
    if cell is not None:
        parts.append(f"cell {cell}")
    return ", ".join(parts)


class LocatedError(ImpactError):
    """An error that knows the file, and where possible the key, column and row.

    ``reason`` is the message without its place, ``hint`` the fix (shown in parentheses);
    the message reads ``"<place>: <reason> (<hint>)"``.

    Examples
    --------
    >>> str(LocatedError("not a number", file="final.csv", column="WB01", row=4, hint="use 1-5"))
    "file 'final.csv', column 'WB01', row 4: not a number (use 1-5)"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.column = column
        self.row = row
        self.key = key
        self.line = line
        self.hint = hint
        self.reason = message
        where = _where(**self._place())
        text = f"{where}: {message}" if where else message
        if hint:
            text += f" ({hint})"
        super().__init__(text)

    def _place(self) -> dict:
        """The parts of the place this error knows, for :func:`_where`."""
        return {
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "column": self.column,
            "row": self.row,
        }


class DefinitionError(LocatedError):
    """An instrument or survey definition is invalid (names the file, the line and the key)."""

    def __init__(self, message: str, *, line: int | None = None, **where) -> None:
        if line is None and where.get("file") is not None and where.get("key") is not None:
            line = line_of(Path(where["file"]), where["key"])
        super().__init__(message, line=line, **where)


class DefinitionErrors(DefinitionError):
    """Every problem of a definition at once, each a located :class:`DefinitionError`.

    With one problem it reads exactly as that problem; with several, the first line says
    how many and each follows on a line of its own. :meth:`table` gives them as a tidy
    DataFrame (``file, line, key, problem, hint``), as ``impact check`` prints them.
    """

    def __init__(self, problems: list[DefinitionError]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        ImpactError.__init__(self, str(first))
        self.file, self.column, self.row = first.file, first.column, first.row
        self.key, self.line, self.hint, self.reason = (
            first.key,
            first.line,
            first.hint,
            first.reason,
        )
        if len(self.problems) > 1:
            lines = [f"{len(self.problems)} problems in the definition:"]
            lines += [f"  - {problem}" for problem in self.problems]
            self.args = ("\n".join(lines),)

    def table(self):
        """The problems as a DataFrame: ``file, line, key, problem, hint``."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "file": p.file,
                    "line": p.line,
                    "key": p.key,
                    "problem": p.reason,
                    "hint": p.hint,
                }
                for p in self.problems
            ],
            columns=["file", "line", "key", "problem", "hint"],
        )


class InputError(LocatedError):
    """A data file cannot be read or does not fit its definition (names file, column, row)."""


class ReportError(LocatedError):
    """A report could not be rendered: names the report (its milestone and language), the
    failing section or cell, or the file and key of the definition that stops it.

    Examples
    --------
    >>> str(ReportError("NameError: x", milestone="final", language="en", cell="3 [setup]"))
    'report final_en, cell 3 [setup]: NameError: x'
    >>> str(ReportError("KeyError: 'x'", milestone="final", language="de", section="change"))
    "report final_de, section 'change': KeyError: 'x'"
    """

    def __init__(
        self,
        message: str,
        *,
        report: str | None = None,
        milestone: str | None = None,
        language: str | None = None,
        cell: int | str | None = None,
        section: str | None = None,
        **where,
    ) -> None:
        self.milestone = milestone
        self.language = language
        self.cell = cell
        self.section = section
        self.report = (
            f"{milestone}_{language}"
            if report is None and milestone is not None and language is not None
            else report
        )
        super().__init__(message, **where)

    def _place(self) -> dict:
        return {
            "report": self.report,
            "milestone": self.milestone,
            "language": self.language,
            **super()._place(),
            "section": self.section,
            "cell": self.cell,
        }


class OutputError(ImpactError):
    """An output could not be written (names the folder, the file and the reason); nothing
    of the command's outputs was left behind."""


class ArgumentError(ImpactError, ValueError, KeyError):
    """A function was called with an argument it cannot use: the message names the
    argument, the value given and the values it accepts (``"`dv` must be one of the
    columns ['score', 'wave']; got 'Score' (did you mean 'score'?)"``).

    It is a ``ValueError`` and a ``KeyError`` too, so code that caught those still works.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def suggestion(value: str, choices) -> str | None:
    """``"did you mean 'who5'?"`` for the choice nearest to ``value`` (differences of case
    included), or ``None`` when none is near: the hint of every unknown-name error.

    Examples
    --------
    >>> suggestion("WHO5", ["who5", "swls"])
    "did you mean 'who5'?"
    >>> suggestion("kickof", ["kickoff", "final"])
    "did you mean 'kickoff'?"
    >>> suggestion("xyz", ["kickoff", "final"]) is None
    True
    """
    choices = [str(choice) for choice in choices]
    close = difflib.get_close_matches(str(value), choices, n=1)
    if not close:
        # 'WHO5' for 'who5', 'Final' for 'final': a difference of case only.
        folded = {choice.casefold(): choice for choice in choices}
        close = [folded[str(value).casefold()]] if str(value).casefold() in folded else []
    return f"did you mean {close[0]!r}?" if close else None


def choice_hint(value: str, choices, *, listing: str = "choose from") -> str:
    """The hint for an unknown ``value``: the nearest choice, or else all of them.

    Examples
    --------
    >>> choice_hint("rol", ["role", "site"])
    "did you mean 'role'?"
    >>> choice_hint("xyz", ["role", "site"], listing="the attributes are")
    "the attributes are ['role', 'site']"
    """
    choices = list(choices)
    return suggestion(str(value), choices) or f"{listing} {choices}"


def check_choice(
    value, choices, *, argument: str, what: str = "one of", hint: str | None = None
) -> None:
    """Raise :class:`ArgumentError` unless ``value`` is one of ``choices``.

    Examples
    --------
    >>> check_choice("Score", ["score", "wave"], argument="dv", what="a column of `data`")
    Traceback (most recent call last):
    impact.errors.ArgumentError: `dv` must be ...; got 'Score' (did you mean 'score'?)
    """
    choices = list(choices)
    if value in choices:
        return
    near = suggestion(value, choices) if isinstance(value, str) else None
    message = f"`{argument}` must be {what} {choices}; got {value!r}"
    extra = [part for part in (near, hint) if part]
    if extra:
        message += f" ({'; '.join(extra)})"
    raise ArgumentError(message)


def unknown_choices(values, choices) -> list:
    """The ``values`` that are not among ``choices``, in their order, each once.

    Examples
    --------
    >>> unknown_choices(["csv", "xls", "xls"], ["csv", "xlsx"])
    ['xls']
    """
    allowed = set(choices)
    return [value for value in dict.fromkeys(values) if value not in allowed]


def line_of(path: Path, key: str | None) -> int | None:
    """The 1-based line of a dotted key path (``waves.2.files.0.path``) in a YAML file.

    Returns the line of the deepest part of the path that exists, or None when the file
    cannot be parsed. :class:`DefinitionError` uses it to name the line of its key.

    Examples
    --------
    >>> from impact.definitions import SHIPPED_INSTRUMENTS
    >>> line_of(SHIPPED_INSTRUMENTS / "who5.yml", "scoring.min_items")
    40
    """
    import yaml

    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in (key or "").split(".") if key else []:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if str(kv[0].value) == part), None)
            columns = next((kv for kv in node.value if str(kv[0].value) == "columns"), None)
            if match is None and columns is not None and isinstance(columns[1], yaml.MappingNode):
                # 'mappings.<name>.<column>' names a column of a mapping in its full form.
                match = next((kv for kv in columns[1].value if str(kv[0].value) == part), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line
