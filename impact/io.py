"""Readers for survey-tool exports: bytes on disk → a raw table of strings + provenance.

A reader never interprets values: every cell comes back as text exactly as exported, so
cleaning can log what it changed. Raw files are opened read-only and never written.

Examples
--------
>>> from impact.io import read_export
>>> raw = read_export("surveys/demo/raw/kickoff.csv", format="sosci")
>>> raw.provenance.encoding, raw.provenance.delimiter
('utf-8-sig', ';')
>>> raw.table["IC01_01"].str.len().eq(6).all()
np.True_
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from impact.errors import InputError

DELIMITERS = (",", ";", "\t")
SOSCI_SIGNATURE = ("CASE", "QUESTNNR", "STARTED")


@dataclass(frozen=True)
class Provenance:
    """Where a raw table came from: enough to find and verify the exact file."""

    path: str
    sha256: str
    format: str
    encoding: str
    delimiter: str
    rows: int


@dataclass(frozen=True)
class RawExport:
    """An export as read: ``table`` holds strings only, one row per data row of the file."""

    table: pd.DataFrame
    provenance: Provenance


def detect_encoding(data: bytes, path: str | Path) -> str:
    """Name the text encoding of an export: BOMs first, then UTF-8, then Windows-1252.

    Examples
    --------
    >>> detect_encoding("Größe;x".encode("cp1252"), "f.csv")
    'cp1252'
    >>> detect_encoding("\\ufeffa;b".encode("utf-8"), "f.csv")
    'utf-8-sig'
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InputError(
            f"cannot decode byte {data[error.start]:#04x} at offset {error.start} as UTF-8 or "
            "Windows-1252",
            file=path,
            hint="save the export as UTF-8 or name its 'encoding' in survey.yml",
        ) from None
    return "cp1252"


def detect_delimiter(text: str, path: str | Path) -> str:
    """Choose the delimiter that splits the header and the next lines consistently.

    Examples
    --------
    >>> detect_delimiter("a;b;c\\n1;2,5;3\\n", "f.csv")
    ';'
    """
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    scores = {}
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if widths and widths[0] > 1:
            consistent = sum(width == widths[0] for width in widths)
            scores[delimiter] = (consistent, widths[0])
    if not scores:
        raise InputError(
            "cannot find the delimiter: the header has a single column with ',', ';' and tab",
            file=path,
            hint="is this a CSV export?",
        )
    return max(scores, key=lambda d: scores[d])


def read_export(path: str | Path, *, format: str = "csv", encoding: str | None = None) -> RawExport:
    """Read one export file into a table of strings.

    Parameters
    ----------
    path : str or Path
        The export as the survey tool wrote it.
    format : {"csv", "sosci"}
        ``sosci`` checks for SoSci Survey's own columns (``CASE``, ``QUESTNNR``, ``STARTED``).
    encoding : str, optional
        Overrides the detected encoding.

    Returns
    -------
    RawExport
        ``table`` has the export's columns, every value a string (empty for blank cells);
        its index is the 1-based data row number.

    Raises
    ------
    InputError
        For a missing, empty, undecodable or malformed file, naming the file and row.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("the export file does not exist", file=path) from None
    if not data.strip():
        raise InputError("the export file is empty", file=path)
    encoding = encoding or detect_encoding(data, path)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise InputError(f"cannot decode as {encoding}: {error}", file=path) from None
    text = text.removeprefix("\ufeff")
    delimiter = detect_delimiter(text, path)
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as error:
        line = re.search(r"line (\d+)", str(error))
        row = int(line[1]) - 1 if line else None
        raise InputError(f"malformed CSV: {error}", file=path, row=row) from None
    table.columns = [str(c).strip() for c in table.columns]
    duplicated = table.columns[table.columns.duplicated()].tolist()
    if duplicated:
        raise InputError(f"the header repeats columns {duplicated}", file=path)
    if table.empty:
        raise InputError("the export has a header but no data rows", file=path)
    table.index = pd.RangeIndex(1, len(table) + 1, name="raw_row")
    if format == "sosci":
        missing = [c for c in SOSCI_SIGNATURE if c not in table.columns]
        if missing:
            raise InputError(
                f"this is not a SoSci Survey export: columns {missing} are missing",
                file=path,
                hint="check the file, or set its 'format' in survey.yml",
            )
    provenance = Provenance(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        format=format,
        encoding=encoding,
        delimiter=delimiter,
        rows=len(table),
    )
    return RawExport(table=table, provenance=provenance)
