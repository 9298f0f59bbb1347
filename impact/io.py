"""Readers for survey-tool exports: bytes on disk → a raw table of strings + provenance.

A reader never interprets values: every cell comes back as text exactly as exported, so
cleaning can log what it changed. Raw files are opened read-only and never written.

Two things describe an export: its *container* (delimited text, Excel ``.xlsx`` or SPSS
``.sav``, told apart by their first bytes) and the *tool* that wrote it (one of the
adapters of :mod:`impact.tools`, or none: a plain table). ``format`` in ``survey.yml`` names
the tool or a plain table (``csv``, ``xlsx``, ``sav``), or is ``auto``: then the tool is
recognised by its own columns, and a file that only partly looks like a tool's export is an
error that says how to name the format.

Examples
--------
>>> from impact.io import read_export
>>> from impact.demo import DEMO_SURVEY
>>> raw = read_export(DEMO_SURVEY.parent / "raw" / "kickoff.csv")
>>> raw.provenance.format, raw.provenance.encoding, raw.provenance.delimiter
('sosci', 'utf-8-sig', ';')
>>> raw.table["IC01_01"].str.len().eq(6).all()
np.True_
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv

from impact import tools
from impact.errors import InputError
from impact.tools import PLAIN, formats

DELIMITERS = (",", ";", "\t")
CONTAINER_NAMES = {"text": "delimited text", "xlsx": "an Excel workbook", "sav": "an SPSS file"}
_MAGIC = {b"PK\x03\x04": "xlsx", b"$FL2": "sav", b"$FL3": "sav"}


@dataclass(frozen=True)
class Provenance:
    """Where a raw table came from: enough to find and verify the exact file."""

    path: str
    sha256: str
    format: str
    encoding: str
    delimiter: str
    rows: int
    container: str = "text"
    sheet: str | None = None
    header_rows: int = 1


@dataclass(frozen=True)
class RawExport:
    """An export as read: ``table`` holds strings only, one row per data row of the file.

    Attributes
    ----------
    table : DataFrame
        The export's columns, every value a string (empty for blank cells); the index is
        the 1-based data row (``raw_row``), counted after the header row(s).
    provenance : Provenance
    questions : dict
        Column → question text where the file carries it (Qualtrics' second header row,
        SPSS variable labels).
    value_labels : dict
        Column → {code as exported: label} where the file carries them (SPSS).
    user_missing : dict
        Column → list of ``(low, high)`` ranges the file declares missing (SPSS).
    """

    table: pd.DataFrame
    provenance: Provenance
    questions: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    user_missing: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def read_regular_file(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file, read once, and its status when opened.

    A device (``/dev/zero``), FIFO or socket is refused before a byte is read: it is opened
    without blocking (a FIFO with no writer would wait for ever) and checked with
    ``fstat`` on the open descriptor, so it cannot be swapped in between check and read.

    Examples
    --------
    >>> read_regular_file(Path("/dev/zero"))
    Traceback (most recent call last):
    impact.errors.InputError: file '/dev/zero': this is not a regular file but a character ...
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError("the export file does not exist", file=path) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not an export file", file=path) from None
    except OSError as error:
        raise InputError(f"cannot open the file: {error.strerror}", file=path) from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise InputError("this is a folder, not an export file", file=path)
        raise InputError(
            f"this is not a regular file but a {_file_kind(status.st_mode)}",
            file=path,
            hint="name the export file itself in survey.yml",
        )
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read()
        except OSError as error:
            raise InputError(f"cannot read the file: {error.strerror}", file=path) from None
    return data, status


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISFIFO, "FIFO (named pipe)"),
        (stat.S_ISSOCK, "socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "special file")


def _check_unchanged(path: Path, before: os.stat_result, sha256: str | None) -> None:
    """Refuse a file that changed while it was read (size or modification time, or, for a
    file the parser reads again from disk, its SHA-256)."""
    try:
        after = os.stat(path)
        changed = (after.st_size, after.st_mtime_ns, after.st_ino) != (
            before.st_size,
            before.st_mtime_ns,
            before.st_ino,
        )
        if not changed and sha256 is not None:
            changed = hashlib.sha256(read_regular_file(path)[0]).hexdigest() != sha256
    except (OSError, InputError):
        changed = True
    if changed:
        raise InputError(
            "the file changed while it was read",
            file=path,
            hint="is the survey tool or another program still writing it? Run again once "
            "the export is complete",
        )


def detect_encoding(data: bytes, path: str | Path) -> str:
    """Name the text encoding of an export: BOMs first, then UTF-8, then Windows-1252.

    A file that is UTF-8 except for a few broken bytes is an error, not Windows-1252:
    decoding it as such would turn every umlaut into garbage without a word.

    Examples
    --------
    >>> detect_encoding("Größe;x".encode("cp1252"), "f.csv")
    'cp1252'
    >>> detect_encoding("\\ufeffa;b".encode("utf-8"), "f.csv")
    'utf-8-sig'
    >>> detect_encoding("Größe;x".encode("utf-8") + b"\\xff", "f.csv")
    Traceback (most recent call last):
    impact.errors.InputError: file 'f.csv': cannot decode byte 0xff at offset 9 (line 1) ...
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        if re.search(rb"[\xc2-\xf4][\x80-\xbf]", data):
            raise _undecodable(data, error.start, "UTF-8", path) from None
    else:
        return "utf-8"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise _undecodable(data, error.start, "UTF-8 or Windows-1252", path) from None
    return "cp1252"


def _undecodable(data: bytes, offset: int, encoding: str, path: str | Path) -> InputError:
    line = data[:offset].count(b"\n") + 1
    return InputError(
        f"cannot decode byte {data[offset]:#04x} at offset {offset} (line {line}) as {encoding}",
        file=path,
        hint="save the export again as UTF-8, or name its 'encoding' in survey.yml",
    )


def detect_delimiter(text: str, path: str | Path) -> str:
    """Choose the delimiter that splits the header and the next lines consistently.

    Examples
    --------
    >>> detect_delimiter("a;b;c\\n1;2,5;3\\n", "f.csv")
    ';'
    """
    sample = "\n".join(text.splitlines()[:30])
    scores = {}
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:  # e.g. a field beyond csv's size limit: the reader will say so
            continue
        if widths and widths[0] > 1:
            consistent = sum(width == widths[0] for width in widths)
            scores[delimiter] = (consistent, widths[0])
    if not scores:
        header = lines[0] if (lines := text.splitlines()) else ""
        if not re.search(r"[|:]", header):
            return ","  # a table of one column
        raise InputError(
            "cannot find the delimiter: the header is a single column when split by ',', "
            "';' or tab",
            file=path,
            hint="is this a CSV export? Name its 'delimiter' in survey.yml if it is another",
        )
    return max(scores, key=lambda d: scores[d])


def _container(data: bytes, path: Path) -> str:
    kind = _MAGIC.get(data[:4])
    if kind:
        return kind
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            "this is an old Excel .xls (or another OLE) file, which is not supported",
            file=path,
            hint="save it as .xlsx or CSV",
        )
    return "text"


def _read_text(
    data: bytes, path: Path, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, str, str]:
    """Read delimited text: the fast path when it can vouch for its result, else the careful
    one (which also words every error)."""
    fast = _read_text_fast(data, path, encoding, delimiter)
    if fast is not None:
        return fast
    return _read_text_careful(data, path, encoding, delimiter)


_UTF8_BOM = b"\xef\xbb\xbf"
# Lines of the file's start that delimiter detection and the header need (see below).
_PREFIX_LINES = 31
_LONE_CR = re.compile(b"\r(?!\n)")


def _read_text_fast(
    data: bytes, path: Path, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, str, str] | None:
    """The careful path's table, read by arrow's multithreaded CSV parser; ``None`` whenever
    the file is anything but plain (the careful path then reads it and names what is wrong).

    Arrow and pandas split fields the same way; what differs is what each forgives. So the
    fast path only returns a table where the careful path would return the same one:

    - the text decodes as the careful path decodes it, is not blank and holds no stray BOM
      or NUL, and no carriage return outside a CRLF (Python's csv refuses a lone CR);
    - the header (Python's csv, as the careful path reads it) has two or more columns, each
      named, none twice, and arrow reads the same names;
    - arrow reads every row at the header's width (it refuses a short or long row; blank
      lines are skipped by both), and no field exceeds Python's csv field size limit;
    - no quote is left open at the end: pandas refuses that, arrow would take the rest of the
      file as the last value. A sentinel row appended after the data shows it — an open quote
      swallows the sentinel into the last value.
    """
    decoded = _decode(data, path, encoding)
    if decoded is None:
        return None
    text, encoding = decoded
    if not text or text.isspace():
        return None
    try:
        _check_stray_characters(text, path)
    except InputError:
        return None
    prefix_end = -1
    for _ in range(_PREFIX_LINES):
        prefix_end = text.find("\n", prefix_end + 1)
        if prefix_end < 0:
            break
    prefix = text if prefix_end < 0 else text[: prefix_end + 1]
    if delimiter is None:
        try:
            # The first 30 lines decide, and the prefix holds them all (it ends after a 31st
            # line break), so detection sees what it would see on the whole text.
            delimiter = detect_delimiter(prefix, path)
        except InputError:
            return None
    elif len(delimiter) != 1 or delimiter in '"\r\n' or not delimiter.isascii():
        return None
    records = csv.reader(io.StringIO(prefix), delimiter=delimiter)
    try:
        header = next(records)
    except (csv.Error, StopIteration):
        return None
    if prefix is not text and records.line_num >= prefix.count("\n"):
        return None  # the header may go on beyond the prefix
    names = [c.strip() for c in header]
    if len(header) < 2 or "" in names or len(set(names)) < len(names):
        return None

    body = _utf8_body(data, text, encoding)
    if body is None or (b"\r" in body and _LONE_CR.search(body)):
        return None
    sentinel = "~" if delimiter != "~" else "^"
    try:
        read = pyarrow.csv.read_csv(
            pa.py_buffer(body + ("\n" + delimiter.join([sentinel] * len(header)) + "\n").encode()),
            read_options=pyarrow.csv.ReadOptions(autogenerate_column_names=False),
            parse_options=pyarrow.csv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=True
            ),
            convert_options=pyarrow.csv.ConvertOptions(
                column_types={name: pa.large_string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # decoded above
            ),
        )
    except pa.ArrowException:
        return None
    if read.column_names != header or any(t != pa.large_string() for t in read.schema.types):
        return None
    if read.num_rows < 2 or any(c[-1].as_py() != sentinel for c in read.columns):
        return None  # an open quote swallowed the sentinel row
    if _longest_field(read, csv.field_size_limit()) >= csv.field_size_limit():
        return None  # Python's csv refuses such a field (bytes ≥ characters: conservative)
    table = read.slice(0, read.num_rows - 1).to_pandas()
    table.columns = names
    return table, encoding, delimiter


def _longest_field(read: pa.Table, enough: int) -> int:
    """The bytes of the longest value, or a bound ≥ ``enough`` once one is reached.

    A chunk's values together are no longer than its data; arrow's chunks are about a
    megabyte of the file, so only a chunk (if any) whose data is ``enough`` or more is
    measured value by value.
    """
    longest = 0
    for column in read.columns:
        for chunk in column.chunks:
            offsets = chunk.buffers()[1]  # large_string: int64 offsets
            first, last = (
                int(np.frombuffer(offsets, np.int64, 1, 8 * at)[0])
                for at in (chunk.offset, chunk.offset + len(chunk))
            )
            if last - first >= enough:
                longest = max(longest, pc.max(pc.binary_length(chunk)).as_py() or 0)
                if longest >= enough:
                    return longest
    return longest


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str] | None:
    """The text and its encoding as the careful path decodes them, with one decode instead of
    two; ``None`` where that fails (the careful path says why)."""
    text = None
    if encoding is None and not data.startswith((_UTF8_BOM, b"\xff\xfe", b"\xfe\xff")):
        with contextlib.suppress(UnicodeDecodeError):
            text, encoding = data.decode("utf-8"), "utf-8"
    try:
        encoding = encoding or detect_encoding(data, path)
        if text is None:
            text = data.decode(encoding)
    except (InputError, UnicodeDecodeError, LookupError):
        return None
    return text.removeprefix("\ufeff"), encoding


def _utf8_body(data: bytes, text: str, encoding: str) -> bytes | None:
    """The text as UTF-8 bytes for arrow: the file's own bytes where it is UTF-8."""
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return text.encode("utf-8")
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    # A second BOM at the start (removed from the text by both paths): leave it to them.
    return None if body.startswith(_UTF8_BOM) else body


def _read_text_careful(
    data: bytes, path: Path, encoding: str | None, delimiter: str | None
) -> tuple[pd.DataFrame, str, str]:
    """Python's csv checks every row's width, then pandas reads: slow, but says what is wrong."""
    encoding = encoding or detect_encoding(data, path)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        # The utf-8-sig codec counts offsets after the BOM it removed.
        bom = 3 if encoding.replace("_", "-").lower() == "utf-8-sig" else 0
        raise _undecodable(data, error.start + bom, encoding, path) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=path) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError("the export file is empty", file=path)
    _check_stray_characters(text, path)
    explicit = delimiter is not None
    delimiter = delimiter or detect_delimiter(text, path)
    records = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(records)
        widths = np.fromiter(map(len, records), dtype=np.int64)
    except csv.Error as error:
        raise InputError(
            f"malformed CSV: {error}",
            file=path,
            line=records.line_num,
            hint="a lone carriage return or a broken quote? Export the file again",
        ) from None
    if len(header) < 2 and explicit:
        raise InputError(
            f"the header is a single column when split by {delimiter!r}",
            file=path,
            hint="the delimiter is wrong: name the right 'delimiter' in survey.yml or leave it out",
        )
    # Unnamed columns are checked after reading: empty ones (Excel's trailing ';;;') are
    # dropped, one with data is refused by _check_unnamed.
    _check_header([c.strip() for c in header if c.strip()], path)
    widths = widths[widths > 0]
    wrong = np.flatnonzero(widths != len(header))
    if wrong.size:
        row = int(wrong[0]) + 1
        last = row == len(widths)
        raise InputError(
            f"the row has {widths[wrong[0]]} fields where the header has {len(header)}"
            + (": the file looks truncated" if last and widths[-1] < len(header) else ""),
            file=path,
            row=row,
            hint="export the file again"
            if last
            else f"check the quoting of that row, or the delimiter {delimiter!r}",
        )
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            index_col=False,
        )
    except (pd.errors.ParserError, ValueError) as error:
        # Python's csv module forgives what pandas refuses, e.g. a quote left open at the end.
        raise InputError(
            f"malformed CSV: {str(error).strip()}",
            file=path,
            line=_strict_error_line(text, delimiter),
            hint="a quote that is never closed? Export the file again",
        ) from None
    table.columns = [c.strip() for c in header]
    _check_unnamed(table, path)
    table = table.loc[:, [bool(c) for c in table.columns]]
    return table, encoding, delimiter


def _strict_error_line(text: str, delimiter: str) -> int | None:
    """The line where a strict CSV parser gives up (only asked once pandas has failed)."""
    records = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        for _ in records:
            pass
    except csv.Error:
        return records.line_num
    return None


# Characters that never belong inside an export's text, and what their presence means.
_STRAY = {
    "\ufeff": (
        "a byte-order mark (BOM) in the middle of the file",
        "were two exports pasted together? Keep each export in its own file",
    ),
    "\x00": (
        "a NUL byte: this is not a text export",
        "export the file again as CSV (UTF-8)",
    ),
}


def _check_stray_characters(text: str, path: Path) -> None:
    for char, (problem, hint) in _STRAY.items():
        position = text.find(char)
        if position >= 0:
            line = text.count("\n", 0, position) + 1
            raise InputError(problem, file=path, line=line, hint=hint)


def _check_unnamed(table: pd.DataFrame, path: Path, merged: str | None = None) -> None:
    """A column without a name in the header but with data under it cannot be mapped."""
    for position, name in enumerate(table.columns):
        if name:
            continue
        filled = np.flatnonzero(table.iloc[:, position].astype(str).str.strip().ne("").to_numpy())
        if filled.size:
            raise InputError(
                f"column {position + 1} has no name in the header, but holds data"
                + (f" (the header cells {merged} are merged)" if merged else ""),
                file=path,
                row=int(filled[0]) + 1,
                hint="unmerge the header cells and give every column its own name"
                if merged
                else "give every column a name in the header row",
            )


def _check_header(header: list[str], path: Path) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise InputError(
                f"the header repeats column {name!r} (positions {seen[name]} and {position})",
                file=path,
                column=name,
                hint="rename one of them in the export",
            )
        seen[name] = position


def _xlsx_engine() -> str:
    """calamine (Rust) reads a large workbook about ten times faster than openpyxl, with the
    same cells as text; openpyxl stays the fallback where python-calamine is missing."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl"
    return "calamine"


def _read_xlsx(path: Path, sheet: str | None, data: bytes) -> tuple[pd.DataFrame, str]:
    """A sheet of a workbook as text, read from the bytes already read (and hashed)."""
    try:
        sheets = pd.read_excel(
            io.BytesIO(data),
            sheet_name=None,
            header=None,
            dtype=str,
            na_filter=False,
            engine=_xlsx_engine(),
        )
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise InputError(f"cannot read the Excel workbook: {error}", file=path) from None
    names = list(sheets)
    name = names[0] if sheet is None else sheet
    if name not in sheets:
        raise InputError(f"the workbook has no sheet {sheet!r}", file=path, hint=f"sheets: {names}")
    grid = sheets[name]
    grid = grid.loc[grid.ne("").any(axis=1), grid.ne("").any(axis=0)]
    if grid.empty:
        raise InputError(f"the sheet {name!r} is empty", file=path)
    header_row = int(grid.index[0]) + 1
    xml = _sheet_xml(data, name)
    _check_formulas(xml, path, name, header_row)
    merged = _merged_ranges(xml)
    header = [str(c).strip() for c in grid.iloc[0]]
    _check_header([c for c in header if c], path)
    table = grid.iloc[1:].reset_index(drop=True)
    table.columns = header
    if "" in header:
        touching = [r for r, (low, high) in merged.items() if low <= header_row <= high]
        _check_unnamed(table, path, ", ".join(sorted(touching)) or None)
        table = table.loc[:, [bool(c) for c in header]]
    below = [r for r, (low, high) in merged.items() if high > header_row]
    if below:
        raise InputError(
            f"the cells {below[0]} of sheet {name!r} are merged: only the first holds the "
            "value, the others read as empty"
            + (f" ({len(below) - 1} more merged range(s))" if len(below) > 1 else ""),
            file=path,
            hint="unmerge the cells and fill the value into every cell",
        )
    return table, name


def _sheet_xml(data: bytes, sheet: str) -> bytes:
    """The XML of one sheet of an .xlsx (its name → relationship → part), or b"" when the
    workbook does not say (pandas read it, so the cells are there)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            target = None
            for element in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
                name = re.search(r'\bname="([^"]*)"', element)
                rid = re.search(r'\br:id="([^"]*)"', element)
                if name and rid and _xml_text(name[1]) == sheet:
                    for relation in re.findall(r"<Relationship\b[^>]*>", relations):
                        if re.search(rf'\bId="{re.escape(rid[1])}"', relation):
                            found = re.search(r'\bTarget="([^"]*)"', relation)
                            target = found[1] if found else None
            if target is None:
                return b""
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return archive.read(part)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return b""


def _xml_text(value: str) -> str:
    import html

    return html.unescape(value)


# A cell with a formula: its reference, the formula element, and what follows it. Each part
# is a run of one character class, so the scan is linear in the size of the sheet.
_FORMULA_CELL = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(<v>[^<]|<v\b[^/>]*>[^<])?'
)


def _check_formulas(xml: bytes, path: Path, sheet: str, header_row: int) -> None:
    """Refuse a formula cell without a saved result: pandas' readers see it as empty."""
    if b"<f" not in xml:
        return
    for match in _FORMULA_CELL.finditer(xml):
        if match[3] is None:
            column, row = match[1].decode(), int(match[2])
            raise InputError(
                f"cell {column}{row} of sheet {sheet!r} holds a formula without a saved "
                "result, which would read as empty",
                file=path,
                row=row - header_row if row > header_row else None,
                hint="open the workbook in Excel or LibreOffice and save it again (or paste "
                "the values instead of formulas)",
            )


def _merged_ranges(xml: bytes) -> dict[str, tuple[int, int]]:
    """Merged cell ranges of a sheet: ``"A3:A5"`` → first and last row."""
    ranges = {}
    for ref in re.findall(
        rb'<mergeCell\b[^>]*\bref="([A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}[0-9]{1,7})"', xml
    ):
        text = ref.decode()
        rows = [int(re.sub(r"[A-Z]", "", part)) for part in text.split(":")]
        ranges[text] = (min(rows), max(rows))
    return ranges


def _numbers_as_text(values: pd.Series) -> pd.Series:
    """Floats as an export would print them: ``3`` not ``3.0``, blank for missing.

    Examples
    --------
    >>> _numbers_as_text(pd.Series([3.0, -9.0, 2.5, float("nan"), 1e20])).tolist()
    ['3', '-9', '2.5', '', '1e+20']
    """
    numbers = np.asarray(values, dtype=float)
    missing = np.isnan(numbers)
    with np.errstate(invalid="ignore"):  # inf - inf in floor's comparison
        whole = ~missing & (numbers == np.floor(numbers)) & (np.abs(numbers) < 2**53)
    # Printing a float is slow, and nearly every answer code is whole: those are printed as
    # integers (answer codes span a few values: each printed once, then looked up), and
    # only the rest as floats.
    integers = np.where(whole, numbers, 0).astype(np.int64)
    low, high = (int(integers.min()), int(integers.max())) if len(integers) else (0, 0)
    if high - low < 4096:
        printed = pa.array(np.arange(low, high + 1)).cast(pa.large_string())
        text = printed.take(pa.array(integers - low))
    else:
        text = pa.array(integers).cast(pa.large_string())
    if missing.any():
        text = pc.if_else(pa.array(missing), "", text)
    fraction = ~missing & ~whole
    if fraction.any():
        printed = pd.Series(numbers[fraction]).astype(str).to_numpy(dtype=object)
        text = pc.replace_with_mask(text, pa.array(fraction), pa.array(printed, pa.large_string()))
    return pd.Series(text, index=values.index, dtype=pd.StringDtype(na_value=np.nan))


def _read_sav(path: Path) -> tuple[pd.DataFrame, dict, dict, dict, str]:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as error:  # pyreadstat.ReadstatError and friends
        raise InputError(f"cannot read the SPSS file: {error}", file=path) from None
    _check_header(list(frame.columns), path)
    table = pd.DataFrame(
        {
            column: _numbers_as_text(values)
            if pd.api.types.is_numeric_dtype(values)
            else values.astype(str).where(values.notna(), "")
            for column, values in frame.items()
        },
        index=frame.index,
    )
    value_labels = {
        column: {
            _numbers_as_text(pd.Series([code])).iloc[0]: str(label) for code, label in m.items()
        }
        for column, m in meta.variable_value_labels.items()
    }
    user_missing = {
        column: [(float(r["lo"]), float(r["hi"])) for r in ranges]
        for column, ranges in meta.missing_ranges.items()
    }
    questions = {c: str(q) for c, q in meta.column_names_to_labels.items() if q}
    return table, questions, value_labels, user_missing, meta.file_encoding or "utf-8"


def detect_tool(columns: list[str], path: str | Path) -> str | None:
    """The survey tool whose export these columns are, ``None`` for a plain table.

    A file with some but not all of a tool's own columns is an error: guessing would risk
    silent garbage.

    Examples
    --------
    >>> detect_tool(["id", "submitdate", "lastpage", "startlanguage", "Q1"], "f.csv")
    'limesurvey'
    >>> detect_tool(["code", "q1"], "f.csv") is None
    True
    """
    present = set(columns)
    adapters = {name: tools.adapter_for(name) for name in tools.names()}
    full = [name for name, adapter in adapters.items() if set(adapter.signature) <= present]
    if len(full) == 1:
        return full[0]
    if len(full) > 1:
        raise InputError(
            f"the columns fit the exports of {', '.join(adapters[t].title for t in full)}",
            file=path,
            hint=f"name the file's format in survey.yml, e.g. 'format: {full[0]}'",
        )
    for adapter in adapters.values():
        _check_misexport(adapter, present, path)
    for name, adapter in adapters.items():
        found = [c for c in adapter.signature if c in present]
        if len(found) >= 2:
            lacking = [c for c in adapter.signature if c not in present]
            raise InputError(
                f"the file looks partly like a {adapter.title} export (it has {found} but "
                f"not {lacking}), so its format is unclear",
                file=path,
                hint=f"name the format in survey.yml: 'format: {name}' or 'format: csv'",
            )
    return None


def _check_misexport(adapter: tools.Adapter, present: set[str], path: str | Path) -> None:
    """Refuse an export of the tool made with options impact cannot read."""
    for misexport in adapter.misexports:
        if set(misexport.columns) <= present:
            raise InputError(misexport.message, file=path, hint=misexport.hint)


def _check_tool(adapter: tools.Adapter, table: pd.DataFrame, path: Path) -> None:
    """Refuse a file named the tool's export that lacks the tool's own columns."""
    lacking = [c for c in adapter.signature if c not in table.columns]
    if lacking:
        _check_misexport(adapter, set(table), path)
        raise InputError(
            f"this is not a {adapter.title} export: columns {lacking} are missing",
            file=path,
            hint="check the file, or set its 'format' in survey.yml",
        )


def read_export(
    path: str | Path,
    *,
    format: str = "auto",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> RawExport:
    """Read one export file into a table of strings.

    Parameters
    ----------
    path : str or Path
        The export as the survey tool wrote it: delimited text, ``.xlsx`` or ``.sav``.
    format : str
        The tool that wrote it (a name :func:`impact.tools.names` lists), a plain table
        (``csv``, ``xlsx``, ``sav``), or ``auto`` to recognise the tool by its columns.
    encoding, delimiter : str, optional
        Override the detected text encoding and delimiter.
    sheet : str, optional
        The Excel sheet (default: the first).

    Returns
    -------
    RawExport
        ``table`` has the export's columns, every value a string (empty for blank cells);
        its index is the 1-based data row number (``raw_row``).

    Raises
    ------
    InputError
        For a missing, empty, undecodable, truncated or malformed file, or one that is not
        what ``format`` says, naming the file and, where there is one, the row and column.

    Examples
    --------
    >>> raw = read_export("tests/fixtures/tools/qualtrics.csv")
    >>> raw.provenance.format, raw.provenance.header_rows
    ('qualtrics', 3)
    """
    path = Path(path)
    if format not in formats():
        raise InputError(
            f"unknown format {format!r}",
            file=path,
            hint=f"the formats are {list(formats())}",
        )
    data, before = read_regular_file(path)
    if not data or data.isspace():  # as ``not data.strip()``, without copying the file
        raise InputError("the export file is empty", file=path)
    container = _container(data, path)
    if format in PLAIN and format != {"text": "csv"}.get(container, container):
        raise InputError(
            f"the survey definition says {format!r}, but the file is {CONTAINER_NAMES[container]}",
            file=path,
            hint="correct 'format' in survey.yml, or use 'format: auto'",
        )
    questions: dict[str, str] = {}
    value_labels: dict[str, dict[str, str]] = {}
    user_missing: dict[str, list[tuple[float, float]]] = {}
    used_delimiter = ""
    if container == "text":
        table, encoding, used_delimiter = _read_text(data, path, encoding, delimiter)
    elif container == "xlsx":
        table, sheet = _read_xlsx(path, sheet, data)
        encoding = "xlsx"
    else:
        table, questions, value_labels, user_missing, encoding = _read_sav(path)
    sha256 = hashlib.sha256(data).hexdigest()
    _check_unchanged(path, before, sha256 if container == "sav" else None)

    tool = detect_tool(list(table.columns), path) if format == "auto" else format
    if format in PLAIN:
        tool = None  # named a plain table: take it as such, whatever its columns
    adapter = tools.adapter_for(tool)
    header_rows = 1
    if adapter is not None:
        _check_tool(adapter, table, path)
        if adapter.read_header_rows is not None and container != "sav":
            table, questions = adapter.read_header_rows(table, path)
            header_rows = adapter.header_rows
    if table.empty:
        raise InputError("the export has a header but no data rows", file=path)
    table.index = pd.RangeIndex(1, len(table) + 1, name="raw_row")
    provenance = Provenance(
        path=str(path),
        sha256=sha256,
        format=tool or {"text": "csv"}.get(container, container),
        encoding=encoding,
        delimiter=used_delimiter,
        rows=len(table),
        container=container,
        sheet=sheet,
        header_rows=header_rows,
    )
    return RawExport(
        table=table,
        provenance=provenance,
        questions=questions,
        value_labels=value_labels,
        user_missing=user_missing,
    )
