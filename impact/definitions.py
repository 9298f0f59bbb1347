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
import importlib.resources
import re
import warnings
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

from impact.errors import (
    ArgumentError,
    DefinitionError,
    DefinitionErrors,
    choice_hint,
    suggestion,
)
from impact.errors import line_of as line_of  # public here too: where a key of a definition is
from impact.tools import formats

# Package data, found with importlib.resources so that an installed wheel finds it too.
SHIPPED_INSTRUMENTS = Path(str(importlib.resources.files("impact") / "instruments"))
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
    """A published population norm of a scale: mean, SD and n of a reference sample.

    ``metric_min`` and ``metric_max`` give the range of the score the publication reports
    (WHO-5: the raw sum 0–25, where the instrument scores 0–100); the report converts the
    norm linearly onto the instrument's range and says so. Without them the norm is on the
    instrument's own score. ``source`` is the APA reference, ``url`` where it was read.
    """

    mean: float
    sd: float = Field(gt=0)
    n: int = Field(gt=0)
    country: str
    sample: Text
    # the short citation the report's sentence names ("Brähler et al., 2007")
    citation: str
    source: str
    url: str | None = None
    metric_min: float | None = None
    metric_max: float | None = None

    @model_validator(mode="after")
    def _metric(self) -> Norm:
        if (self.metric_min is None) != (self.metric_max is None):
            raise ValueError("a norm's metric needs both 'metric_min' and 'metric_max'")
        if self.metric_min is not None and self.metric_max <= self.metric_min:
            raise ValueError("a norm's 'metric_max' must exceed its 'metric_min'")
        return self


class Instrument(_Strict):
    """A questionnaire instrument defined as data (see ``impact/instruments/*.yml``).

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
    # Published population norms (mean, SD, n, country, source), shown beside the cohort.
    norms: list[Norm] = Field(default_factory=list)
    missing_codes: list[float] = Field(default_factory=list)
    # For the report's instruments table and reference list: a short citation ("Topp et
    # al., 2015"), the APA references, and whether the instrument has been validated.
    citation: str | None = None
    references: list[str] = Field(default_factory=list)
    validated: bool = False

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
        """The item ids in the order of the definition."""
        return [item.id for item in self.items]

    @property
    def reverse_items(self) -> list[str]:
        """The ids of the reverse-keyed items (``reverse: true``)."""
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


class Pairing(_Strict):
    """The attribute that pairs participants into tandems or teams (``tandem``), and the one
    (if any) that tells a pair's members apart (``role``: mentor and mentee).

    A plain attribute name is short for ``{attribute: name}``.
    """

    attribute: str
    member: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        return {"attribute": value} if isinstance(value, str) else value


class Roles(_Strict):
    """What the registry's attributes are for in the analysis and the reports.

    - ``breakdowns``: the attributes participation and change are broken down by, in this
      order (``None``: every attribute; ``[]``: none). An attribute with a derived group
      in ``groups`` is broken down by that coarser group where change is compared.
    - ``sector``: the attribute whose values the collaboration instrument (``kind:
      counts``) counts contacts in; needed when the survey has such an instrument.
    - ``pairing``: the attribute that pairs participants into tandems or teams.
    """

    breakdowns: list[str] | None = None
    sector: str | None = None
    pairing: Pairing | None = None


class AttributeName(_Strict):
    """The display name of a registry attribute in both languages (``Sektor`` / ``Sector``),
    and optionally its plural for counts (``26 Tandems`` / ``26 tandems``)."""

    de: str
    en: str
    plural: Text | None = None

    def __getitem__(self, language: str) -> str:
        return getattr(self, language)


# Columns every long table of the toolkit has: a registry attribute may not take their name.
RESERVED_ATTRIBUTES = frozenset(
    ["participant", "wave", "instrument", "item", "frame", "value", "scale", "score"]
    + ["status", "group", "by", "n", "responded", "registered"]
)


class Registry(_Strict):
    """The programme office's participant list: key, attributes, identifying columns.

    ``columns`` maps each attribute's name (any text: ``Art der Tätigkeit``) to its
    column in the registry file; ``groups`` derives coarser attributes from them;
    ``names`` gives the attributes' display names, ``labels`` their values' display
    names; ``roles`` says what the attributes are for (:class:`Roles`).
    """

    file: str
    key: str
    columns: dict[str, str] = Field(default_factory=dict)
    identifying: list[str] = Field(default_factory=list)
    groups: dict[str, Grouping] = Field(default_factory=dict)
    roles: Roles = Field(default_factory=Roles)
    # Display names of attributes in reports: attribute → text per language (and plural).
    names: dict[str, AttributeName] = Field(default_factory=dict)
    # Display names of attribute values in reports: attribute → value → text per language.
    labels: dict[str, dict[str, Text]] = Field(default_factory=dict)

    @property
    def attributes(self) -> list[str]:
        """Every attribute: the registry's columns, then the derived groups."""
        return [*self.columns, *self.groups]

    @property
    def breakdowns(self) -> list[str]:
        """The attributes participation is broken down by (``roles.breakdowns``)."""
        if self.roles.breakdowns is None:
            return self.attributes
        return list(self.roles.breakdowns)

    @property
    def change_breakdowns(self) -> list[str]:
        """The attributes change is broken down by: each breakdown, replaced by its derived
        group where it has one (a sector by its sector group), without repeats."""
        coarser = {grouping.of: name for name, grouping in self.groups.items()}
        return list(dict.fromkeys(coarser.get(name, name) for name in self.breakdowns))

    @property
    def sector(self) -> str | None:
        """The attribute the collaboration instrument counts in (``roles.sector``)."""
        return self.roles.sector

    @property
    def pairing(self) -> str | None:
        """The attribute that pairs participants (``roles.pairing.attribute``)."""
        return None if self.roles.pairing is None else self.roles.pairing.attribute

    def name(self, attribute: str, language: str) -> str:
        """The display name of an attribute; the attribute itself when none is defined."""
        text = self.names.get(attribute)
        return text[language] if text is not None else attribute

    def plural(self, attribute: str, language: str) -> str | None:
        """The plural of an attribute's display name (``tandems``), when the survey gives it."""
        name = self.names.get(attribute)
        return None if name is None or name.plural is None else name.plural[language]

    def label(self, attribute: str, value: str, language: str) -> str:
        """The display name of a registry value; the value itself when none is defined."""
        text = self.labels.get(attribute, {}).get(value)
        return text[language] if text is not None else value


class ExportFile(_Strict):
    """One export file of a wave: where it is, what wrote it, which mapping applies."""

    path: str
    # One of impact.tools.formats(): the registered survey tools, a plain table, or auto.
    format: str = "auto"
    mapping: str
    key_column: str | None = None
    encoding: str | None = None
    delimiter: Literal[",", ";", "\t", "|"] | None = None
    sheet: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        known = formats()
        if value not in known:
            quoted = [repr(name) for name in known]
            raise ValueError(f"Input should be {', '.join(quoted[:-1])} or {quoted[-1]}")
        return value


class ItemTarget(BaseModel):
    """Where an export column goes: ``instrument.item`` or ``instrument.item@then``."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    item: str
    frame: Literal["now", "then"] = "now"

    @classmethod
    def parse(cls, text: str) -> ItemTarget:
        """``instrument.item`` or ``instrument.item@then`` of a mapping, as a target."""
        match = re.fullmatch(r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:@(now|then))?", text)
        if not match:
            raise ArgumentError(
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
        """The instrument item this column fills (:meth:`ItemTarget.parse` of ``item``)."""
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
    """Privacy settings: the smallest group shown, quotes, individual data in figures, key
    pseudonymisation."""

    min_group_size: int = Field(default=5, ge=2)
    quotes: bool = False
    # Draw each participant's trajectory, change and Jacobson–Truax point (individual data).
    individual_lines: bool = False
    # Replace participant keys by a salted hash (salt from IMPACT_SALT or .impact-salt).
    pseudonymise_keys: bool = False


class Analysis(_Strict):
    """Choices of the analysis: ``reliable_change_reliability`` is the reliability of
    reliable change, the instrument's ``published`` one (default) or the ``sample``'s
    baseline alpha."""

    reliable_change_reliability: Literal["published", "sample"] = "published"


class Outcomes(_Strict):
    """Which outcomes are primary and which secondary (``outcomes:`` in survey.yml).

    Each entry names an instrument of the survey (all its scales: ``cantril`` covers
    ``cantril_now`` and ``cantril_future``) or one scale. The multiplicity correction of
    paired change runs within each family at each wave: the primary outcomes are one
    family, the secondary another, and the outcomes named in neither a third
    (``exploratory``). Without ``outcomes`` every outcome is one family.
    """

    primary: list[str] = Field(min_length=1)
    secondary: list[str] = Field(default_factory=list)

    def family(self, scale: str, instrument: str | None = None) -> str:
        """``primary``, ``secondary`` or ``exploratory`` for a scale (or its instrument).

        Examples
        --------
        >>> Outcomes(primary=["who5"], secondary=["cantril"]).family("cantril_now", "cantril")
        'secondary'
        """
        for family in ("primary", "secondary"):
            named = getattr(self, family)
            if scale in named or (instrument is not None and instrument in named):
                return family
        return "exploratory"


class CustomSection(_Strict):
    """A researcher's own report section (``sections:`` in survey.yml); see
    :mod:`impact.extension`.

    ``module`` is a Python file in the programme's folder (``role_change`` for
    ``role_change.py``) or an importable module; its ``section(programme, milestone)``
    returns the section's table. The section follows the plan's section ``after`` in the
    reports of ``kinds``; ``title`` and the display names of its ``columns`` are given in
    each language.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    module: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    after: str
    title: Text
    kinds: list[Literal["kickoff", "progress", "final"]] = Field(
        default_factory=lambda: ["kickoff", "progress", "final"]
    )
    columns: dict[str, Text] = Field(default_factory=dict)
    text: Text | None = None


class ProgrammeDefinition(_Strict):
    """The programme's id and name (the ``programme`` key of ``survey.yml``);
    ``synthetic`` marks made-up data in every report.

    The programme as loaded, with its cleaned data and scores, is
    :class:`impact.pipeline.Programme`.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Text
    synthetic: bool = False


class Goal(_Strict):
    """An intended outcome of the programme, as data: what it is (``outcome``), how it is
    measured (``indicator``) and the ``target`` the final report holds the result to.

    Indicators: ``mean_change`` (a scale's mean change since the kick-off, in its points),
    ``share_mic`` (the share gaining at least the scale's minimal important change, 0-1),
    ``share_crossing_cutoff`` (of those at or below the scale's cut-off at the kick-off, the
    share above it now, 0-1) and ``ei_change`` (the change of the cohort's E-I index).
    Every target is a least value: met when the result's 95% CI lies at or above it.
    """

    id: str = Field(pattern=IDENTIFIER)
    outcome: Text
    indicator: Literal["mean_change", "share_mic", "share_crossing_cutoff", "ei_change"]
    scale: str | None = None
    target: float

    @model_validator(mode="after")
    def _scale_where_needed(self) -> Goal:
        if self.indicator != "ei_change" and self.scale is None:
            raise ValueError(f"the indicator {self.indicator!r} needs a 'scale'")
        if self.indicator.startswith("share") and not 0 <= self.target <= 1:
            raise ValueError(f"a share's target is between 0 and 1, not {self.target}")
        return self


class Survey(_Strict):
    """A programme's survey definition (``surveys/<programme>/survey.yml``)."""

    programme: ProgrammeDefinition
    instruments: list[str] = Field(min_length=1)
    registry: Registry
    missing_codes: list[float] = Field(default_factory=list)
    quality: Quality = Field(default_factory=Quality)
    privacy: Privacy = Field(default_factory=Privacy)
    analysis: Analysis = Field(default_factory=Analysis)
    # Primary and secondary outcomes: the families of the multiplicity correction.
    outcomes: Outcomes | None = None
    # A researcher's own report sections, each at its place in the report plan.
    sections: list[CustomSection] = Field(default_factory=list)
    languages: list[Literal["de", "en"]] = Field(default_factory=lambda: list(LANGUAGES))
    # How German labels write gender-inclusive nouns (they are written with the colon,
    # "Mentor:in"): colon, star ("Mentor*in"), slash ("Mentor/in") or paired ("Mentorin
    # oder Mentor"); see :func:`impact.fmt.inclusive`.
    language_style: Literal["colon", "star", "slash", "paired"] = "colon"
    # The programme's intended outcomes with their indicators and targets (goals against
    # results in the reports).
    goals: list[Goal] = Field(default_factory=list)
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

    @property
    def source(self) -> Path | None:
        """The file the definition was loaded from (:func:`load_survey`)."""
        return self._source

    @property
    def wave_ids(self) -> list[str]:
        """The wave ids in the order of survey.yml; the first is the baseline."""
        return [wave.id for wave in self.waves]

    def wave(self, wave_id: str, *, what: str = "wave") -> Wave:
        """The wave ``wave_id``; an unknown id is a :class:`DefinitionError` that names
        the nearest wave (``what`` is the word for it in the message: a milestone)."""
        for wave in self.waves:
            if wave.id == wave_id:
                return wave
        raise DefinitionError(
            f"there is no {what} {wave_id!r}",
            file=self._source,
            key="waves" if self._source is not None else None,
            hint=choice_hint(wave_id, self.wave_ids, listing="the waves are"),
        )


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


def _schema_problems(error: ValidationError, model: type[BaseModel], path: Path) -> list:
    """Every problem pydantic found, as located errors (not only the first)."""
    problems = []
    for found in error.errors():
        key = ".".join(str(part) for part in found["loc"]) or None
        message = {
            "extra_forbidden": "unknown key",
            "missing": "a required key is missing",
        }.get(found["type"], found["msg"].removeprefix("Value error, "))
        hint = None
        if found["type"] == "extra_forbidden" and found["loc"]:
            parent = model
            for part in found["loc"][:-1]:
                field = getattr(parent, "model_fields", {}).get(str(part))
                annotation = getattr(field, "annotation", None)
                parent = annotation if isinstance(annotation, type) else parent
            allowed = list(getattr(parent, "model_fields", {}))
            hint = suggestion(str(found["loc"][-1]), allowed)
        problems.append(DefinitionError(message, file=path, key=key, hint=hint))
    return problems


def _validated(model: type[BaseModel], data: object, path: Path) -> BaseModel:
    if not isinstance(data, dict):
        raise DefinitionError("the file must hold a mapping of keys to values", file=path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = _schema_problems(error, model, path)
        raise (problems[0] if len(problems) == 1 else DefinitionErrors(problems)) from None


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate one instrument definition.

    Parameters
    ----------
    path : str or Path
        A YAML file such as ``impact/instruments/who5.yml``.

    Returns
    -------
    Instrument

    Raises
    ------
    DefinitionError
        Naming the file and the key when the definition is invalid (every problem of the
        file: :class:`~impact.errors.DefinitionErrors` when there are several).
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


def _mapping(data: dict, key: str) -> dict:
    """``data[key]`` when it is a mapping, else an empty one: cross-references are checked
    as far as the file's shape allows, beside the schema's own problems."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _sequence(data: dict, key: str) -> list:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _reference_problems(data: dict, path: Path) -> list[DefinitionError]:
    """Names in one part of a survey definition that another part must declare: the
    mapping and key column of every wave file, and the registry's attributes (derived
    groups, roles, display names and labels)."""
    problems = []
    mappings = _mapping(data, "mappings")
    for w, wave in enumerate(_sequence(data, "waves")):
        for f, file in enumerate(_sequence(wave, "files")):
            if not isinstance(file, dict) or not isinstance(file.get("mapping"), str):
                continue
            name = file["mapping"]
            if name not in mappings:
                problems.append(
                    DefinitionError(
                        f"the file names mapping {name!r}, which is not among the mappings "
                        f"{sorted(mappings)}",
                        file=path,
                        key=f"waves.{w}.files.{f}.mapping",
                        hint=suggestion(name, list(mappings)),
                    )
                )
            elif file.get("key_column") is None and not (
                isinstance(mappings[name], dict) and mappings[name].get("key")
            ):
                problems.append(
                    DefinitionError(
                        f"the file has no 'key_column', and its mapping {name!r} names no 'key'",
                        file=path,
                        key=f"waves.{w}.files.{f}",
                        hint="name the export column that holds the participant key",
                    )
                )
    registry = _mapping(data, "registry")
    columns = list(_mapping(registry, "columns"))
    groups = _mapping(registry, "groups")
    attributes = columns + list(groups)

    def unknown(name: object, key: str, *, allowed: list[str] = attributes) -> None:
        if isinstance(name, str) and name not in allowed:
            problems.append(
                DefinitionError(
                    f"{name!r} is not a registry attribute",
                    file=path,
                    key=key,
                    hint=choice_hint(name, allowed, listing="the attributes are"),
                )
            )

    for name in attributes:
        if str(name) in RESERVED_ATTRIBUTES:
            problems.append(
                DefinitionError(
                    f"the attribute name {name!r} is used by the toolkit's own tables",
                    file=path,
                    key=f"registry.{'columns' if name in columns else 'groups'}.{name}",
                    hint=f"rename it, e.g. {f'{name}_attribute'!r} (reserved: "
                    f"{sorted(RESERVED_ATTRIBUTES)})",
                )
            )
    for name, grouping in groups.items():
        if isinstance(grouping, dict):
            unknown(grouping.get("of"), f"registry.groups.{name}.of", allowed=columns)
    for role, value in _mapping(registry, "roles").items():
        # A role names one attribute, a list of them, or (pairing) a mapping of them.
        if isinstance(value, list):
            named = {f"registry.roles.{role}.{i}": name for i, name in enumerate(value)}
        elif isinstance(value, dict):
            named = {f"registry.roles.{role}.{part}": name for part, name in value.items()}
        else:
            named = {f"registry.roles.{role}": value}
        for key, name in named.items():
            unknown(name, key)
    for part in ("names", "labels"):
        for name in _mapping(registry, part):
            unknown(name, f"registry.{part}.{name}")
    return problems


def _instrument_problems(
    data: dict, path: Path
) -> tuple[dict[str, Instrument], list[DefinitionError]]:
    """The instruments a survey lists, each loaded, and every problem on the way: a
    missing or invalid definition, and mapped columns whose instrument or item is not
    there."""
    # The programme's own instruments, those shared by the programmes beside it
    # (``surveys/instruments``), then the shipped ones.
    folders = [path.parent / "instruments", path.parent.parent / "instruments", SHIPPED_INSTRUMENTS]
    shipped = sorted(p.stem for p in SHIPPED_INSTRUMENTS.glob("*.yml"))
    instruments: dict[str, Instrument] = {}
    problems: list[DefinitionError] = []
    listed = [i for i in _sequence(data, "instruments") if isinstance(i, str)]
    for index, instrument_id in enumerate(listed):
        candidates = [folder / f"{instrument_id}.yml" for folder in folders]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            problems.append(
                DefinitionError(
                    f"no instrument definition {instrument_id!r} in {[str(f) for f in folders]}",
                    file=path,
                    key=f"instruments.{index}",
                    hint=choice_hint(instrument_id, shipped, listing="shipped:"),
                )
            )
            continue
        try:
            instruments[instrument_id] = load_instrument(found)
        except DefinitionErrors as errors:
            problems.extend(errors.problems)
        except DefinitionError as error:
            problems.append(error)
    for mapping_name, mapping in _mapping(data, "mappings").items():
        columns = _mapping(mapping, "columns") if "columns" in mapping else mapping
        for column, spec in columns.items():
            text = spec.get("item") if isinstance(spec, dict) else spec
            try:
                target = ItemTarget.parse(text) if isinstance(text, str) else None
            except ValueError:
                continue  # the schema reports the form
            if target is None:
                continue
            key = f"mappings.{mapping_name}.{column}"
            if target.instrument not in listed:
                problems.append(
                    DefinitionError(
                        f"instrument {target.instrument!r} is not listed under 'instruments'",
                        file=path,
                        key=key,
                        hint=suggestion(target.instrument, listed),
                    )
                )
                continue
            instrument = instruments.get(target.instrument)
            if instrument is None:
                continue  # its own problem is reported above
            if target.item not in instrument.item_ids:
                problems.append(
                    DefinitionError(
                        f"instrument {instrument.id!r} has no item {target.item!r}",
                        file=path,
                        key=key,
                        hint=suggestion(target.item, instrument.item_ids)
                        or f"its items are {instrument.item_ids}",
                    )
                )
            elif target.frame == "then" and not instrument.retrospective:
                problems.append(
                    DefinitionError(
                        f"instrument {instrument.id!r} is not asked retrospectively ('@then')",
                        file=path,
                        key=key,
                    )
                )
    return instruments, problems


def _role_problems(survey: Survey, instruments: dict[str, Instrument], path: Path) -> list:
    """The sector role against the collaboration instrument that counts in it."""
    counting = [i for i in instruments.values() if i.kind == "counts"]
    registry = survey.registry
    problems = []
    if counting and registry.sector is None:
        problems.append(
            DefinitionError(
                f"the instrument {counting[0].id!r} counts contacts per sector, but no registry "
                "attribute is declared as the sector",
                file=path,
                key="registry.roles",
                hint="add 'sector: <attribute>' under registry.roles, or remove the instrument",
            )
        )
    if counting and registry.sector is not None:
        # The values the programme declares for its sector attribute, where it does.
        known = set(registry.labels.get(registry.sector, {}))
        for grouping in registry.groups.values():
            if grouping.of == registry.sector:
                known |= set(grouping.values)
        for instrument in counting:
            missing = sorted(set(instrument.sectors.values()) - known) if known else []
            if missing:
                problems.append(
                    DefinitionError(
                        f"the instrument {instrument.id!r} counts contacts in the sectors "
                        f"{missing}, which the sector attribute {registry.sector!r} does not "
                        "declare (registry.labels or registry.groups)",
                        file=path,
                        key="registry.roles.sector",
                        hint="the items' 'sector' values must be values of the attribute",
                    )
                )
    return problems


def _outcome_problems(survey: Survey, instruments: dict[str, Instrument], path: Path) -> list:
    """Outcomes that are not an instrument or scale of the survey, or in both families."""
    if survey.outcomes is None:
        return []
    scales = []
    for instrument in instruments.values():
        scales += [instrument.id, *(f"{instrument.id}_{item}" for item in instrument.item_ids)]
    problems = []
    for family in ("primary", "secondary"):
        for index, name in enumerate(getattr(survey.outcomes, family)):
            if name not in scales:
                problems.append(
                    DefinitionError(
                        f"{name!r} is not an instrument or scale of the survey",
                        file=path,
                        key=f"outcomes.{family}.{index}",
                        hint=suggestion(name, scales) or f"the instruments are {list(instruments)}",
                    )
                )
    both = sorted(set(survey.outcomes.primary) & set(survey.outcomes.secondary))
    if both:
        problems.append(
            DefinitionError(
                f"{both} are both primary and secondary outcomes",
                file=path,
                key="outcomes.secondary",
                hint="name each outcome in one family",
            )
        )
    return problems


def load_survey(path: str | Path) -> tuple[Survey, dict[str, Instrument]]:
    """Load a survey definition and the instruments it names, cross-checked.

    Instruments are looked up first in an ``instruments/`` folder beside the survey
    definition, then among the shipped instruments. Every problem is collected before
    anything is raised: schema, cross-references (mappings, registry attributes and
    roles), and the instruments' own definitions.

    Parameters
    ----------
    path : str or Path
        ``surveys/<programme>/survey.yml``.

    Returns
    -------
    (Survey, dict of instrument id to Instrument)

    Raises
    ------
    DefinitionError
        A file that cannot be read as YAML; a definition with one problem.
    DefinitionErrors
        (a DefinitionError) A definition with several problems: ``.problems`` lists
        them all and ``.table()`` gives them as a DataFrame (file, line, key, problem,
        hint).

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> survey, instruments = load_survey(DEMO_SURVEY)
    >>> survey.wave_ids
    ['kickoff', 'milestone-1', 'milestone-2', 'final']
    >>> sorted(instruments)[:3]
    ['cantril', 'collaboration', 'competences']
    >>> survey.registry.breakdowns, survey.registry.sector, survey.registry.pairing
    (['sector', 'role', 'site'], 'sector', 'tandem')
    """
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise DefinitionError("the file must hold a mapping of keys to values", file=path)
    problems = _reference_problems(data, path)
    survey = None
    try:
        survey = Survey.model_validate(data)
    except ValidationError as error:
        problems = _schema_problems(error, Survey, path) + problems
    instruments, found = _instrument_problems(data, path)
    problems += found
    if survey is not None and not found:
        problems += _role_problems(survey, instruments, path)
        problems += _outcome_problems(survey, instruments, path)
    if problems:
        raise problems[0] if len(problems) == 1 else DefinitionErrors(problems)
    assert survey is not None
    survey._source = path
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


def __getattr__(name: str):
    # The former name of ProgrammeDefinition, still importable.
    if name == "Programme":
        warnings.warn(
            "impact.definitions.Programme is now ProgrammeDefinition "
            "(impact.pipeline.Programme is the loaded programme)",
            DeprecationWarning,
            stacklevel=2,
        )
        return ProgrammeDefinition
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
