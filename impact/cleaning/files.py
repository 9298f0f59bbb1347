"""The raw files a definition names: each once, existing, inside the allowed folders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from impact.definitions import Survey
from impact.errors import DefinitionError, InputError, suggestion
from impact.io import Provenance

# Scaffolded programmes carry planned wave dates up to a year ahead and are tried out with
# test exports; an export of a wave dated further ahead is a typo in the date (2205, 2052).
FUTURE_WAVE_DAYS = 730


def check_files(survey: Survey, base: Path) -> None:
    """Every export named once, existing, inside the programme's folder (or a folder the
    definition allows), and no item fed by two columns of one mapping."""
    latest = dt.date.today() + dt.timedelta(days=FUTURE_WAVE_DAYS)
    allowed = allowed_folders(survey, base)
    seen: dict[Path, str] = {}
    for w, wave in enumerate(survey.waves):
        for f, file in enumerate(wave.files):
            path = base / file.path
            where = f"waves.{w}.files.{f}.path"
            check_inside(path, allowed, where=where)
            if wave.date > latest and path.exists():
                raise InputError(
                    f"wave {wave.id!r} is dated {wave.date.isoformat()} (waves.{w}.date), more "
                    f"than {FUTURE_WAVE_DAYS} days in the future, yet this export of it exists",
                    file=path,
                    hint="correct the wave's 'date' in survey.yml",
                )
            if not path.exists():
                raise InputError(
                    f"the survey definition names this export ({where}), but it does not exist",
                    file=path,
                    hint=suggestion(path.name, [p.name for p in path.parent.glob("*")])
                    or "check 'path' in survey.yml",
                )
            resolved = path.resolve()
            if resolved in seen:
                raise InputError(
                    f"the survey definition names this export twice ({seen[resolved]} and "
                    f"{where}): its rows would count twice",
                    file=path,
                    hint="list each export once, in the wave it belongs to",
                )
            seen[resolved] = where
    check_inside(base / survey.registry.file, allowed, where="registry.file")
    _check_one_column_per_item(survey)


def allowed_folders(survey: Survey, base: Path) -> list[Path]:
    """The folders raw files may be read from: the programme's, and those the definition
    lists under ``data_folders`` (relative to it, or absolute)."""
    return [base.resolve(), *((base / folder).resolve() for folder in survey.data_folders)]


def check_inside(path: Path, allowed: list[Path], *, where: str) -> None:
    """Refuse a raw file outside the allowed folders (links followed, ``..`` resolved).

    Examples
    --------
    >>> check_inside(Path("surveys/demo/../../etc/passwd"), [Path("surveys/demo").resolve()],
    ...              where="registry.file")
    Traceback (most recent call last):
    impact.errors.InputError: file 'surveys/demo/../../etc/passwd': ... outside the programme's ...
    """
    resolved = path.resolve()
    if not any(resolved.is_relative_to(folder) for folder in allowed):
        raise InputError(
            f"the survey definition names a file ({where}) outside the programme's folder "
            f"{str(allowed[0])!r}",
            file=path,
            hint="move the file into the programme's folder, or list its folder under "
            "'data_folders' in survey.yml",
        )


def _check_one_column_per_item(survey: Survey) -> None:
    for name, mapping in survey.mappings.items():
        first: dict[object, str] = {}
        for column, spec in mapping.columns.items():
            target = spec.target
            if target in first:
                raise DefinitionError(
                    f"the columns {first[target]!r} and {column!r} are both mapped to "
                    f"{spec.item!r}: each item can take its answer from one column",
                    file=survey._source,
                    key=f"mappings.{name}.{column}" if survey._source else None,
                    hint="map one of them to another item, or leave it out of the mapping",
                )
            first[target] = column


def check_distinct_contents(provenance: list[Provenance]) -> None:
    """Two exports with the same bytes are one export named twice (a copy)."""
    first: dict[str, str] = {}
    for source in provenance:
        if source.sha256 in first:
            raise InputError(
                f"this export has the same contents (SHA-256 {source.sha256[:12]}…) as "
                f"{first[source.sha256]!r}: its rows would count twice",
                file=source.path,
                hint="list each export once, in the wave it belongs to",
            )
        first[source.sha256] = source.path
