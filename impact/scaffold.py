"""Scaffolding: commented starting points for a new programme or a new instrument.

The files written are valid definitions straight away, so ``impact check`` can guide the
next edits with its messages.

Examples
--------
>>> import tempfile, pathlib
>>> from impact.definitions import load_survey
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> path = new_programme("youth-mentoring", root=root, instruments=["who5", "swls"])
>>> survey, instruments = load_survey(path)
>>> survey.programme.id, sorted(instruments)
('youth-mentoring', ['swls', 'who5'])
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument
from impact.errors import DefinitionError, suggestion

PROGRAMME_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
INSTRUMENT_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise DefinitionError(
            "the file exists already; remove it or choose another name", file=path
        )


def shipped_instruments() -> list[str]:
    """Ids of the instruments shipped in the package (``impact/instruments``)."""
    return sorted(path.stem for path in SHIPPED_INSTRUMENTS.glob("*.yml"))


# The survey definition new_programme writes; $-fields are filled in (string.Template: the
# YAML's own braces need no escaping).
_SURVEY = string.Template(
    """\
# Survey definition of the programme '$name'. Written by `impact new-programme`;
# edit it to match your exports, then run `impact check` on it.
programme:
  id: $name
  name:
    de: $name
    en: $name
  # Set to true for made-up data: every report then says so.
  synthetic: false

# Instrument ids: shipped ones come with impact; your own go into
# surveys/$name/instruments/<id>.yml (`impact new-instrument`).
# Shipped: $shipped
instruments: [$chosen]

# The programme office's list of participants, joined by the key.
registry:
  file: registry.csv
  key: code
  # attribute: column in the registry file
  columns: {sector: sector, role: role, tandem: tandem, site: site}
  # What the attributes are for; use your registry's own names, drop what it lacks.
  roles:
    breakdowns: [sector, role, site]   # participation and change by these
    sector: sector        # what the collaboration instrument counts contacts in
    pairing: {attribute: tandem, member: role}   # tandems or teams, and who is who
  # Display names of the attributes in reports.
  names:
    sector: {de: Sektor, en: Sector}
    role: {de: Rolle, en: Role}
    tandem: {de: Tandem, en: Tandem}
    site: {de: Standort, en: Site}
  # Columns read but dropped at import (names, e-mails): never analysed or reported.
  identifying: [name, email]

# Codes your survey tool writes for 'no answer' (SoSci Survey: -1, -9).
missing_codes: [-1, -9]

quality:
  duplicates: keep-latest-complete   # or keep-most-complete
  incomplete: exclude                # or keep
  straightlining: flag               # or exclude
  typo_tolerant_keys: true           # match codes one character apart, logged

privacy:
  min_group_size: 5   # groups smaller than this are never shown
  quotes: false       # free-text quotes in reports

languages: [de, en]

# Export column -> instrument.item ('@then' for a retrospective rating).
# Rename the columns on the left to the ones in your exports.
mappings:
  main:
$mappings

# Waves in date order: kickoff first, then milestone-1, milestone-2, ..., final.
waves:
$waves
"""
)


def new_programme(
    name: str,
    *,
    root: str | Path = "surveys",
    instruments: list[str] | None = None,
    kickoff: dt.date | None = None,
) -> Path:
    """Write ``<root>/<name>/survey.yml``, commented, using shipped instruments, and an
    empty ``commentary-<wave>.<language>.md`` per report for the evaluator's interpretation.

    Parameters
    ----------
    name : str
        The programme id: lower case letters, digits, ``-`` and ``_``.
    root : str or Path
        The folder that holds programme folders.
    instruments : list of str, optional
        Shipped instrument ids to include (default: all scale instruments shipped).
    kickoff : date, optional
        The kick-off date (default: today); later waves are placed a few months apart.

    Returns
    -------
    Path
        The survey definition written.
    """
    if not PROGRAMME_ID.match(name):
        raise DefinitionError(
            f"{name!r} is not a valid programme id",
            hint="use lower case letters, digits, '-' and '_', starting with a letter",
        )
    folder = Path(root) / name
    path = folder / "survey.yml"
    _refuse_existing(path)
    available = shipped_instruments()
    chosen = _chosen_instruments(instruments, available)
    waves = _waves(kickoff or dt.date.today())
    text = _SURVEY.substitute(
        name=name,
        shipped=", ".join(available),
        chosen=", ".join(chosen),
        mappings="\n".join(_mapping_lines(chosen)),
        waves="\n".join(_wave_lines(waves)),
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "raw").mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    # The evaluator's interpretation and recommendations, one Markdown file per report
    # (impact.sections.commentary): left empty, a report says that none has been added.
    for wave_id, *_ in waves:
        for language in ("de", "en"):
            commentary = folder / f"commentary-{wave_id}.{language}.md"
            if not commentary.exists():
                commentary.write_text("", encoding="utf-8")
    return path


def _chosen_instruments(instruments: list[str] | None, available: list[str]) -> list[str]:
    """The shipped instruments asked for, or every shipped scale; an unknown one is a
    :class:`DefinitionError`."""
    chosen = instruments or [
        i for i in available if load_instrument(SHIPPED_INSTRUMENTS / f"{i}.yml").kind == "scale"
    ]
    unknown = [i for i in chosen if i not in available]
    if unknown:
        raise DefinitionError(
            f"no shipped instrument {unknown[0]!r}",
            hint=suggestion(unknown[0], available) or f"shipped instruments: {available}",
        )
    return chosen


def _mapping_lines(chosen: list[str]) -> list[str]:
    """The mapping of made-up export columns (``WHO5_01``) to each instrument's items, with
    its retrospective ratings commented out."""
    lines = []
    for instrument_id in chosen:
        instrument = load_instrument(SHIPPED_INSTRUMENTS / f"{instrument_id}.yml")
        lines.append(f"    # {instrument.name.en}")
        prefix = instrument_id.upper()
        for number, item in enumerate(instrument.items, start=1):
            target = f"{instrument_id}.{item.id}"
            lines.append(f"    {prefix}_{number:02d}: {target}")
            if instrument.retrospective:
                lines.append(f"    # {prefix}_THEN_{number:02d}: {target}@then")
    return lines


def _waves(start: dt.date) -> list[tuple[str, dt.date, str, str]]:
    """The kick-off, a milestone four months on and the closing event a year on: id, date,
    German and English label."""
    return [
        ("kickoff", start, "Auftakt", "Kick-off"),
        ("milestone-1", start + dt.timedelta(days=120), "Meilenstein 1", "Milestone 1"),
        ("final", start + dt.timedelta(days=365), "Abschluss", "Closing event"),
    ]


def _wave_lines(waves: list[tuple[str, dt.date, str, str]]) -> list[str]:
    """The ``waves`` list of the definition, each wave with one CSV export."""
    lines = []
    for wave_id, date, de, en in waves:
        lines += [
            f"  - id: {wave_id}",
            f"    date: {date.isoformat()}",
            f"    label: {{de: {de}, en: {en}}}",
            "    files:",
            f"      - {{path: raw/{wave_id}.csv, format: csv, mapping: main, key_column: code}}",
        ]
    return lines


def new_instrument(name: str, *, root: str | Path = "surveys/instruments") -> Path:
    """Write ``<root>/<name>.yml``: a commented instrument definition to fill in.

    Parameters
    ----------
    name : str
        The instrument id (lower case letters, digits and ``_``); also the file name.
    root : str or Path
        ``surveys/instruments`` for everyone, or ``surveys/<programme>/instruments``.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = new_instrument("team_climate", root=pathlib.Path(tempfile.mkdtemp()))
    >>> load_instrument(path).item_ids
    ['i1', 'i2', 'i3']
    """
    if not INSTRUMENT_ID.match(name):
        raise DefinitionError(
            f"{name!r} is not a valid instrument id",
            hint="use lower case letters, digits and '_', starting with a letter",
        )
    path = Path(root) / f"{name}.yml"
    _refuse_existing(path)
    text = f"""\
# Instrument definition written by `impact new-instrument`. Fill in every key.
id: {name}                      # must equal the file name
name: {{de: "{name}", en: "{name}"}}
short: {{de: "{name}", en: "{name}"}}   # label in tables and figures
kind: scale                     # scale | single | counts | multiselect | text
source: "Author, A. (Year). Title. Journal, volume(issue), pages."
# What the licence allows: item texts only where redistribution is permitted;
# otherwise leave `text` out and keep the item ids and scoring.
licence: "State the licence here."
response:
  min: 1
  max: 5
  labels:                       # value: labels; exports may carry them instead of numbers
    1: {{de: "trifft gar nicht zu", en: "not at all true"}}
    5: {{de: "trifft voll zu", en: "completely true"}}
items:
  - id: i1
    text: {{de: "Erstes Item.", en: "First item."}}
  - id: i2
    text: {{de: "Zweites Item.", en: "Second item."}}
  - id: i3
    text: {{de: "Drittes Item (invertiert).", en: "Third item (reverse-keyed)."}}
    reverse: true                 # recoded as min + max - value before scoring
retrospective: false            # true: may be asked as 'then' rating (item@then)
scoring:
  method: mean                  # mean | sum
  multiply: 1                   # linear transform: score * multiply + add
  add: 0
  min_items: 2                  # fewer valid items: score missing; otherwise prorated
# bands:                        # optional labelled score bands, ordered by max
#   - max: 2.5
#     label: {{de: "niedrig", en: "low"}}
#   - label: {{de: "hoch", en: "high"}}
# clinical_cutoff: 2.5          # for clinically significant change
higher_is_better: true
# minimal_important_change: 0.5
# reliability: 0.80             # published alpha, used for the reliable change index
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_instrument(path)
    return path
