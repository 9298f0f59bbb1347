"""The project's own exceptions: each message says where it broke and how to fix it."""

from __future__ import annotations

from pathlib import Path


class ImpactError(Exception):
    """Base class of every error the toolkit raises on purpose."""


def _where(
    file: str | Path | None,
    column: str | None,
    row: int | None,
    key: str | None,
    line: int | None = None,
) -> str:
    parts = []
    if file is not None:
        parts.append(f"file {str(file)!r}")
    if line is not None:
        parts.append(f"line {line}")
    if key is not None:
        parts.append(f"key {key!r}")
    if column is not None:
        parts.append(f"column {column!r}")
    if row is not None:
        parts.append(f"row {row}")
    return ", ".join(parts)


class LocatedError(ImpactError):
    """An error that knows the file, and where possible the key, column and row."""

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
        where = _where(file, column, row, key, line)
        text = f"{where}: {message}" if where else message
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class DefinitionError(LocatedError):
    """An instrument or survey definition is invalid (names the file, the line and the key)."""

    def __init__(self, message: str, *, line: int | None = None, **where) -> None:
        if line is None and where.get("file") is not None and where.get("key") is not None:
            from impact.definitions import line_of

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


class ReportError(ImpactError):
    """A report could not be rendered (names the milestone, language and failing cell)."""


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
    from impact.definitions import suggestion

    near = suggestion(str(value), [str(c) for c in choices]) if isinstance(value, str) else None
    message = f"`{argument}` must be {what} {choices}; got {value!r}"
    extra = [part for part in (near, hint) if part]
    if extra:
        message += f" ({'; '.join(extra)})"
    raise ArgumentError(message)
