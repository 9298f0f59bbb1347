"""Instrument and survey definitions: YAML files validated into typed objects.

The definitions are the single source of truth for items, response ranges, labels,
reverse keying, scoring and the mapping of export columns to items. Code never
hard-codes an item name.

Examples
--------
>>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
>>> who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
>>> who5.id, len(who5.items), who5.scoring.multiply
('who5', 5, 4.0)
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from impact.errors import DefinitionError

SHIPPED_INSTRUMENTS = Path(__file__).resolve().parent.parent / "surveys" / "instruments"
LANGUAGES = ("de", "en")
IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in German and English."""

    de: str
    en: str

    @model_validator(mode="before")
    @classmethod
    def _same_text_for_both(cls, value: object) -> object:
        if isinstance(value, str):
            return {"de": value, "en": value}
        return value

    def __getitem__(self, language: str) -> str:
        return getattr(self, language)


class ResponseScale(_Strict):
    """The response scale of an instrument: lowest and highest value, labels per value."""

    min: float
    max: float
    labels: dict[int, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self) -> ResponseScale:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        outside = [v for v in self.labels if not self.min <= v <= self.max]
        if outside:
            raise ValueError(f"labels {outside} lie outside the scale {self.min}..{self.max}")
        return self


class Item(_Strict):
    """One item. ``sector`` names the registry sector a ``counts`` item counts contacts in."""

    id: str = Field(pattern=IDENTIFIER)
    text: Text | None = None
    short: Text | None = None
    reverse: bool = False
    sector: str | None = None


class Scoring(_Strict):
    """The scoring rule: ``mean`` or ``sum`` of the items, a linear transform, prorating."""

    method: Literal["mean", "sum"] = "mean"
    multiply: float = 1.0
    add: float = 0.0
    min_items: int | None = Field(default=None, ge=1)


class Band(_Strict):
    """A score band: scores up to and including ``max`` (``None``: the rest) get ``label``."""

    max: float | None = None
    label: Text


class Condition(_Strict):
    """Bounds on one item's score (inclusive); either may be left open."""

    min: float | None = None
    max: float | None = None


class Category(_Strict):
    """A profile class over several item scores, e.g. Cantril 'thriving'.

    ``when`` maps item ids to bounds that must all hold; an empty ``when`` is the class of
    everyone left (put it last). Classes are tried in order; the first match wins.
    """

    label: Text
    when: dict[str, Condition] = Field(default_factory=dict)


class Norm(_Strict):
    """Published norm of a scale: mean and SD in a reference population, with its source."""

    mean: float
    sd: float = Field(gt=0)
    source: str


class Instrument(_Strict):
    """A questionnaire instrument defined as data (see ``surveys/instruments/*.yml``).

    ``kind`` says how its items are analysed:

    - ``scale``: items combine into one score by ``scoring`` (WHO-5, SWLS, GSE);
    - ``single``: every item is a score of its own (Cantril ladder now / in five years);
    - ``counts``: non-negative counts, one item per registry ``sector`` (collaboration);
    - ``multiselect``: one tick box per item, ``checked`` is the stored value of a tick;
    - ``text``: free text, never scored; ``identifying`` text is not kept for analysis.
    """

    id: str = Field(pattern=IDENTIFIER)
    name: Text
    short: Text | None = None
    kind: Literal["scale", "single", "counts", "multiselect", "text"] = "scale"
    # multiselect: the stored value of a ticked box (SoSci Survey stores 2, unticked 1).
    checked: float | None = None
    # text: answers that name or contact a person are dropped at import, never analysed.
    identifying: bool = False
    source: str
    licence: str
    response: ResponseScale | None = None
    items: list[Item] = Field(min_length=1)
    retrospective: bool = False
    scoring: Scoring = Field(default_factory=Scoring)
    bands: list[Band] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    clinical_cutoff: float | None = None
    higher_is_better: bool = True
    minimal_important_change: float | None = None
    reliability: float | None = Field(default=None, gt=0, lt=1)
    norms: Norm | None = None
    missing_codes: list[float] = Field(default_factory=list)

    @field_validator("items")
    @classmethod
    def _unique_items(cls, items: list[Item]) -> list[Item]:
        ids = [item.id for item in items]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"item ids must be unique, repeated: {duplicated}")
        return items

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        if self.kind in ("scale", "single") and self.response is None:
            raise ValueError(f"an instrument of kind {self.kind!r} needs a 'response' scale")
        if self.scoring.min_items is not None and self.scoring.min_items > len(self.items):
            raise ValueError(
                f"scoring.min_items ({self.scoring.min_items}) exceeds the number of items "
                f"({len(self.items)})"
            )
        maxima = [band.max for band in self.bands if band.max is not None]
        if maxima != sorted(maxima):
            raise ValueError("bands must be ordered by their 'max'")
        reversed_ = self.reverse_items
        if reversed_ and self.kind not in ("scale", "single"):
            raise ValueError(
                f"items {reversed_} are reverse-keyed, but reverse keying needs a response "
                f"scale ('scale' or 'single' instruments), not a {self.kind!r} instrument"
            )
        if self.kind == "counts":
            unnamed = [item.id for item in self.items if item.sector is None]
            if unnamed:
                raise ValueError(f"the items {unnamed} of a 'counts' instrument need a 'sector'")
        if self.kind == "multiselect" and self.checked is None:
            raise ValueError("a 'multiselect' instrument needs 'checked' (the value of a tick)")
        unknown = sorted({i for c in self.categories for i in c.when if i not in self.item_ids})
        if unknown:
            raise ValueError(f"categories name items {unknown} that the instrument lacks")
        if self.categories and self.categories[-1].when:
            raise ValueError("the last category must have an empty 'when' (everyone left)")
        return self

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def reverse_items(self) -> list[str]:
        return [item.id for item in self.items if item.reverse]

    @property
    def min_items(self) -> int:
        """Valid items needed for a score (all items unless the definition allows prorating)."""
        return self.scoring.min_items or len(self.items)

    @property
    def sectors(self) -> dict[str, str]:
        """Item id → registry sector, for a ``counts`` instrument."""
        return {item.id: item.sector for item in self.items if item.sector is not None}

    def score_range(self) -> tuple[float, float]:
        """The lowest and highest possible score under the scoring rule."""
        assert self.response is not None
        n = len(self.items) if self.scoring.method == "sum" and self.kind == "scale" else 1
        low = self.response.min * n * self.scoring.multiply + self.scoring.add
        high = self.response.max * n * self.scoring.multiply + self.scoring.add
        return (min(low, high), max(low, high))


class Grouping(_Strict):
    """A coarser attribute derived from a registry attribute, e.g. sector → sector group."""

    of: str
    values: dict[str, str]


class Registry(_Strict):
    """The programme office's participant list: key, attributes, identifying columns."""

    file: str
    key: str
    columns: dict[str, str] = Field(default_factory=dict)
    identifying: list[str] = Field(default_factory=list)
    groups: dict[str, Grouping] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _groups_of_known_attributes(self) -> Registry:
        for name, grouping in self.groups.items():
            if grouping.of not in self.columns:
                raise ValueError(
                    f"group {name!r} is of {grouping.of!r}, which is not among the registry "
                    f"columns {sorted(self.columns)}"
                )
        return self

    # Display names of attribute values in reports: attribute → value → text per language.
    labels: dict[str, dict[str, Text]] = Field(default_factory=dict)

    def label(self, attribute: str, value: str, language: str) -> str:
        """The display name of a registry value; the value itself when none is defined."""
        text = self.labels.get(attribute, {}).get(value)
        return text[language] if text is not None else value


class ExportFile(_Strict):
    """One export file of a wave: where it is, what wrote it, which mapping applies."""

    path: str
    format: Literal["auto", "sosci", "limesurvey", "qualtrics", "csv", "xlsx", "sav"] = "auto"
    mapping: str
    key_column: str | None = None
    encoding: str | None = None
    delimiter: Literal[",", ";", "\t", "|"] | None = None
    sheet: str | None = None


class ItemTarget(BaseModel):
    """Where an export column goes: ``instrument.item`` or ``instrument.item@then``."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    item: str
    frame: Literal["now", "then"] = "now"

    @classmethod
    def parse(cls, text: str) -> ItemTarget:
        match = re.fullmatch(r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:@(now|then))?", text)
        if not match:
            raise ValueError(
                f"{text!r} is not of the form 'instrument.item' or 'instrument.item@then'"
            )
        return cls(instrument=match[1], item=match[2], frame=match[3] or "now")


class ColumnSpec(_Strict):
    """One mapped export column: its item, and how the tool's codes become item values.

    ``recode`` maps the tool's codes to scale values (a tool that stores WHO-5's 0-5 as
    1-6: ``{1: 0, 2: 1, ...}``); codes not in it pass unchanged, so missing codes and
    out-of-range values are still caught. ``labels`` maps exported texts to codes, beside
    the instrument's own response labels.
    """

    item: str
    recode: dict[float, float] = Field(default_factory=dict)
    labels: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        return {"item": value} if isinstance(value, str) else value

    @field_validator("item")
    @classmethod
    def _target(cls, item: str) -> str:
        ItemTarget.parse(item)
        return item

    @property
    def target(self) -> ItemTarget:
        return ItemTarget.parse(self.item)


class ColumnMapping(_Strict):
    """How an export's columns map to items (``survey.yml`` ``mappings``).

    Either the full form (``key``, ``columns``, ``ignore``, ``identifying``) or, for short,
    just the columns: ``{WB01_01: who5.i1, ...}``. ``ignore`` and ``identifying`` take
    column names or glob patterns (``Recipient*``); identifying columns are dropped at
    import and the drop is logged.
    """

    key: str | None = None
    columns: dict[str, ColumnSpec] = Field(min_length=1)
    ignore: list[str] = Field(default_factory=list)
    identifying: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        if isinstance(value, dict) and not isinstance(value.get("columns"), dict):
            return {"columns": value}
        return value


class Wave(_Strict):
    """One survey wave: its id (``kickoff``, ``milestone-N``, ``final``), date and files."""

    id: str = Field(pattern=r"^(kickoff|milestone-[1-9][0-9]*|final)$")
    date: dt.date
    label: Text
    files: list[ExportFile] = Field(min_length=1)


class Quality(_Strict):
    """The data-quality policy: what is flagged, and whether flagged rows are excluded."""

    duplicates: Literal["keep-latest-complete", "keep-most-complete"] = "keep-latest-complete"
    incomplete: Literal["exclude", "keep"] = "exclude"
    # An unfinished response with at least this progress (percent) counts as complete.
    min_progress: float = Field(default=100, ge=0, le=100)
    speeders: Literal["exclude", "flag", "keep"] = "flag"
    # A speeder took less than this fraction of the median duration of the file.
    speeder_ratio: float = Field(default=0.5, gt=0, lt=1)
    straightlining: Literal["exclude", "flag"] = "flag"
    straightlining_min_items: int = Field(default=10, ge=3)
    typo_tolerant_keys: bool = True
    unregistered: Literal["keep", "exclude"] = "keep"


class Privacy(_Strict):
    """Privacy settings: the smallest group shown, quotes, key pseudonymisation."""

    min_group_size: int = Field(default=5, ge=2)
    quotes: bool = False
    # Replace participant keys by a salted hash (salt from IMPACT_SALT or .impact-salt).
    pseudonymise_keys: bool = False


class Programme(_Strict):
    """The programme's id and name; ``synthetic`` marks made-up data in every report."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Text
    synthetic: bool = False


class Survey(_Strict):
    """A programme's survey definition (``surveys/<programme>/survey.yml``)."""

    programme: Programme
    instruments: list[str] = Field(min_length=1)
    registry: Registry
    missing_codes: list[float] = Field(default_factory=list)
    quality: Quality = Field(default_factory=Quality)
    privacy: Privacy = Field(default_factory=Privacy)
    languages: list[Literal["de", "en"]] = Field(default_factory=lambda: list(LANGUAGES))
    mappings: dict[str, ColumnMapping]
    waves: list[Wave] = Field(min_length=2)
    # Folders outside the programme's folder that exports and the registry may be read from
    # (relative to survey.yml, or absolute); nothing else outside it is read.
    data_folders: list[str] = Field(default_factory=list)
    # The file it was loaded from, so that later errors (an unknown wave) can name it.
    _source: Path | None = PrivateAttr(default=None)

    @field_validator("waves")
    @classmethod
    def _ordered_waves(cls, waves: list[Wave]) -> list[Wave]:
        ids = [wave.id for wave in waves]
        if ids[0] != "kickoff":
            raise ValueError(f"the first wave must be 'kickoff' (the baseline), not {ids[0]!r}")
        if len(set(ids)) != len(ids):
            raise ValueError(f"wave ids must be unique: {ids}")
        dates = [wave.date for wave in waves]
        if dates != sorted(dates):
            raise ValueError("waves must be listed in the order of their dates")
        return waves

    @model_validator(mode="after")
    def _consistent(self) -> Survey:
        for wave in self.waves:
            for file in wave.files:
                if file.mapping not in self.mappings:
                    raise ValueError(
                        f"wave {wave.id!r} file {file.path!r} names mapping {file.mapping!r}, "
                        f"which is not among the mappings {sorted(self.mappings)}"
                    )
                if file.key_column is None and self.mappings[file.mapping].key is None:
                    raise ValueError(
                        f"wave {wave.id!r} file {file.path!r} has no 'key_column', and its "
                        f"mapping {file.mapping!r} names no 'key'"
                    )
        return self

    @property
    def wave_ids(self) -> list[str]:
        return [wave.id for wave in self.waves]

    def wave(self, wave_id: str) -> Wave:
        for wave in self.waves:
            if wave.id == wave_id:
                return wave
        raise DefinitionError(
            f"there is no wave {wave_id!r}",
            file=self._source,
            key="waves" if self._source is not None else None,
            hint=_did_you_mean(wave_id, self.wave_ids) or f"the waves are {self.wave_ids}",
        )


def _did_you_mean(value: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(value, choices, n=1)
    return f"did you mean {close[0]!r}?" if close else None


# Limits that make a hostile or broken definition fail fast instead of hanging: real
# definitions are a few kilobytes with a few dozen aliases.
MAX_DEFINITION_BYTES = 1_000_000
MAX_YAML_ALIASES = 1_000
MAX_YAML_NODES = 200_000


class _YamlLimit(yaml.YAMLError):
    def __init__(self, problem: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that also counts aliases and refuses repeated keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise _YamlLimit(f"more than {MAX_YAML_ALIASES} aliases (*name)", mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                if key_node.value in seen:
                    raise _YamlLimit(
                        f"the key {key_node.value!r} appears twice in one mapping "
                        "(YAML would silently keep only the last)",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


class _YamlBadValue(_YamlLimit):
    """A scalar YAML reads into no value, e.g. the date 2024-02-30."""


def _timestamp(loader: _GuardedLoader, node: yaml.Node) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise _YamlBadValue(f"{node.value!r} is not a date ({error})", node.start_mark) from None


_GuardedLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded (capped), or raise
    on an anchor that contains itself."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if finished:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in children)
            sizes[key] = min(total, MAX_YAML_NODES + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _YamlLimit(
                "an anchor contains an alias of itself (an anchor loop)", node.start_mark
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _safe_load(text: str) -> object:
    """Parse YAML with the safe loader within the limits above."""
    loader = _GuardedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_YAML_NODES:
            raise _YamlLimit(
                f"the aliases expand to more than {MAX_YAML_NODES:,} values (an alias bomb?)",
                node.start_mark,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> object:
    """A definition file parsed safely: no Python tags, no alias bombs, no huge files."""
    try:
        size = path.stat().st_size
        if size > MAX_DEFINITION_BYTES:
            raise DefinitionError(
                f"the definition file is {size:,} bytes; definitions are at most "
                f"{MAX_DEFINITION_BYTES:,} bytes",
                file=path,
                hint="is this the right file?",
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DefinitionError("the definition file does not exist", file=path) from None
    except IsADirectoryError:
        raise DefinitionError("this is a folder, not a definition file", file=path) from None
    except UnicodeDecodeError as error:
        raise DefinitionError(f"the file is not UTF-8 ({error.reason})", file=path) from None
    except OSError as error:
        raise DefinitionError(f"cannot read the file: {error.strerror}", file=path) from None
    try:
        return _safe_load(text)
    except RecursionError:
        raise DefinitionError("the YAML is nested too deeply", file=path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None)
        if isinstance(error, _YamlBadValue):
            message = "a value is invalid"
        elif isinstance(error, _YamlLimit):
            message = "the YAML is refused"
        elif isinstance(error, yaml.constructor.ConstructorError):
            message = "the YAML uses a tag that definitions may not use"
        else:
            message = "the YAML is not well-formed"
        if problem:
            message += f": {problem}"
        raise DefinitionError(
            message, file=path, line=None if mark is None else mark.line + 1
        ) from None


def line_of(path: Path, key: str | None) -> int | None:
    """The 1-based line of a dotted key path (``waves.2.files.0.path``) in a YAML file.

    Returns the line of the deepest part of the path that exists, or None when the file
    cannot be parsed.

    Examples
    --------
    >>> line_of(SHIPPED_INSTRUMENTS / "who5.yml", "scoring.min_items")
    40
    """
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
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


def _validated(model: type[BaseModel], data: object, path: Path) -> BaseModel:
    if not isinstance(data, dict):
        raise DefinitionError("the file must hold a mapping of keys to values", file=path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or None
        message = {
            "extra_forbidden": "unknown key",
            "missing": "a required key is missing",
        }.get(first["type"], first["msg"].removeprefix("Value error, "))
        hint = None
        if first["type"] == "extra_forbidden" and first["loc"]:
            parent = model
            for part in first["loc"][:-1]:
                field = getattr(parent, "model_fields", {}).get(str(part))
                annotation = getattr(field, "annotation", None)
                parent = annotation if isinstance(annotation, type) else parent
            allowed = list(getattr(parent, "model_fields", {}))
            hint = _did_you_mean(str(first["loc"][-1]), allowed)
        more = len(error.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise DefinitionError(message, file=path, key=key, hint=hint) from None


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate one instrument definition.

    Parameters
    ----------
    path : str or Path
        A YAML file such as ``surveys/instruments/who5.yml``.

    Returns
    -------
    Instrument

    Raises
    ------
    DefinitionError
        Naming the file and the key when the definition is invalid.
    """
    path = Path(path)
    instrument = _validated(Instrument, _read_yaml(path), path)
    assert isinstance(instrument, Instrument)
    if instrument.id != path.stem:
        raise DefinitionError(
            f"the instrument id {instrument.id!r} differs from the file name {path.stem!r}",
            file=path,
            key="id",
        )
    return instrument


def load_survey(path: str | Path) -> tuple[Survey, dict[str, Instrument]]:
    """Load a survey definition and the instruments it names, cross-checked.

    Instruments are looked up first in an ``instruments/`` folder beside the survey
    definition, then among the shipped instruments.

    Parameters
    ----------
    path : str or Path
        ``surveys/<programme>/survey.yml``.

    Returns
    -------
    (Survey, dict of instrument id to Instrument)

    Examples
    --------
    >>> survey, instruments = load_survey("surveys/demo/survey.yml")
    >>> survey.wave_ids
    ['kickoff', 'milestone-1', 'milestone-2', 'final']
    >>> sorted(instruments)[:3]
    ['cantril', 'collaboration', 'competences']
    """
    path = Path(path)
    survey = _validated(Survey, _read_yaml(path), path)
    assert isinstance(survey, Survey)
    survey._source = path
    folders = [path.parent / "instruments", SHIPPED_INSTRUMENTS]
    instruments: dict[str, Instrument] = {}
    for index, instrument_id in enumerate(survey.instruments):
        candidates = [folder / f"{instrument_id}.yml" for folder in folders]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            shipped = sorted(p.stem for p in SHIPPED_INSTRUMENTS.glob("*.yml"))
            raise DefinitionError(
                f"no instrument definition {instrument_id!r} in {[str(f) for f in folders]}",
                file=path,
                key=f"instruments.{index}",
                hint=_did_you_mean(instrument_id, shipped) or f"shipped: {shipped}",
            )
        instruments[instrument_id] = load_instrument(found)
    for mapping_name, mapping in survey.mappings.items():
        for column, spec in mapping.columns.items():
            key = f"mappings.{mapping_name}.{column}"
            target = spec.target
            if target.instrument not in instruments:
                raise DefinitionError(
                    f"instrument {target.instrument!r} is not listed under 'instruments'",
                    file=path,
                    key=key,
                    hint=_did_you_mean(target.instrument, list(instruments)),
                )
            instrument = instruments[target.instrument]
            if target.item not in instrument.item_ids:
                raise DefinitionError(
                    f"instrument {instrument.id!r} has no item {target.item!r}",
                    file=path,
                    key=key,
                    hint=_did_you_mean(target.item, instrument.item_ids),
                )
            if target.frame == "then" and not instrument.retrospective:
                raise DefinitionError(
                    f"instrument {instrument.id!r} is not asked retrospectively ('@then')",
                    file=path,
                    key=key,
                )
    return survey, instruments


def item_targets(survey: Survey, mapping_name: str) -> dict[str, ItemTarget]:
    """The parsed targets of one named column mapping: export column → item."""
    return {column: spec.target for column, spec in survey.mappings[mapping_name].columns.items()}


def key_column(survey: Survey, file: ExportFile) -> str:
    """The export column that holds the participant key (the file's, else its mapping's)."""
    key = file.key_column or survey.mappings[file.mapping].key
    if key is None:
        raise DefinitionError(f"no key column for {file.path!r}", key="key_column")
    return key
