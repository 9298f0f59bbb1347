"""The codebook of the participant-level file: every exported variable described.

One row per variable of :func:`impact.export.participants_wide`: its name, its label in
German and English, its type and measurement level, its values and their labels, the
user-missing codes of the ``.sav`` file, its valid n, the wave, the instrument with its
source, and the reliability behind a score (the published one of the definition, and
alpha and omega in this sample at that wave). Written as HTML for people
(:func:`codebook_html`) and as a Frictionless Table Schema for machines
(:func:`table_schema`), after the model of R's ``codebook`` package.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> book = codebook(load_programme(DEMO_SURVEY))
>>> book.set_index("name").loc["who5_final", ["type", "measure", "wave", "valid_n"]].tolist()
['number', 'scale', 'final', 44]
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from impact.export import (
    MISSING_ABSENT,
    MISSING_LABELS,
    MISSING_NO_ANSWER,
    MISSING_UNREGISTERED,
    participants_wide,
    wide_variables,
)

CODEBOOK_NAME = "codebook"
TABLE_SCHEMA = "https://specs.frictionlessdata.io/schemas/table-schema.json"


def _source(programme, row) -> str:
    registry = programme.survey.registry
    if row.kind == "key":
        return f"registry {registry.file}, column {registry.key!r} (the participant key)"
    if row.kind == "attribute":
        if row.column in registry.groups:
            grouping = registry.groups[row.column]
            return f"derived from {grouping.of!r} (registry.groups in survey.yml)"
        column = registry.columns.get(row.column, row.column)
        return f"registry {registry.file}, column {column!r}"
    return programme.instruments[row.instrument].source


def codebook(programme, *, items: bool = False) -> pd.DataFrame:
    """Every variable of the participant-level file, described.

    Parameters
    ----------
    programme : Programme
        As returned by :func:`impact.pipeline.load_programme`.
    items : bool
        Describe the item columns too (as exported with ``items=True``).

    Returns
    -------
    DataFrame
        The columns of :func:`impact.export.wide_variables`, and
        - ``missing_codes``: user-missing code → label in de/en, as in the ``.sav`` file
          (CSV and Parquet leave these cells empty)
        - ``valid_n``: participants with a value
        - ``source``: the instrument's source, or the registry column it comes from
        - ``reliability``: the published reliability of the instrument (scores only)
        - ``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``omega_total``: this sample's
          reliability of the score at its wave (scales of several items only)
    """
    variables = wide_variables(programme, items=items)
    table = participants_wide(programme, items=items)
    reliability = programme.reliability()
    by_scale = {(str(r.scale), str(r.wave)): r for r in reliability.itertuples(index=False)}
    extra = []
    for row in variables.itertuples(index=False):
        if row.kind == "attribute":
            codes = [MISSING_UNREGISTERED]
        elif row.kind in ("score", "item"):
            codes = [MISSING_ABSENT, MISSING_NO_ANSWER]
        else:
            codes = []
        sample = by_scale.get((row.scale, row.wave)) if row.kind == "score" else None
        instrument = programme.instruments[row.instrument] if row.instrument else None
        extra.append(
            {
                "missing_codes": {code: MISSING_LABELS[code] for code in codes},
                "valid_n": int(table[row.name].notna().sum()),
                "source": _source(programme, row),
                "reliability": (
                    instrument.reliability if instrument and row.kind == "score" else None
                ),
                "alpha": None if sample is None else float(sample.alpha),
                "alpha_ci_low": None if sample is None else float(sample.ci_low),
                "alpha_ci_high": None if sample is None else float(sample.ci_high),
                "omega_total": None if sample is None else float(sample.omega_total),
            }
        )
    book = pd.concat([variables, pd.DataFrame(extra)], axis=1)
    return book.astype(object).where(book.notna(), None)


def _labels_text(labels: dict, language: str) -> str:
    return "; ".join(f"{code:g} = {text[language]}" for code, text in sorted(labels.items()))


def codebook_html(book: pd.DataFrame, *, title: str, language: str = "en") -> str:
    """The codebook as a self-contained HTML page (every text escaped).

    Examples
    --------
    >>> book = pd.DataFrame([{"name": "x", "label_de": "<b>", "label_en": "x", "type": "number",
    ...     "measure": "scale", "value_labels": {}, "missing_codes": {}, "valid_n": 3,
    ...     "wave": None, "instrument": None, "source": "s", "reliability": None,
    ...     "alpha": None, "omega_total": None}])
    >>> "&lt;b&gt;" in codebook_html(book, title="T")
    True
    """
    headings = [
        "variable",
        "label (de)",
        "label (en)",
        "type",
        "measure",
        "values",
        "missing codes",
        "valid n",
        "wave",
        "instrument",
        "source",
        "reliability",
    ]

    def cell(value) -> str:
        return "" if value is None else html.escape(str(value))

    rows = []
    for row in book.itertuples(index=False):
        reliability = []
        if row.reliability is not None:
            reliability.append(f"published {row.reliability:.2f}")
        if row.alpha is not None and row.alpha == row.alpha:
            reliability.append(f"alpha {row.alpha:.2f}")
        if row.omega_total is not None and row.omega_total == row.omega_total:
            reliability.append(f"omega {row.omega_total:.2f}")
        values = {k: v for k, v in row.value_labels.items()}
        cells = [
            f"<code>{cell(row.name)}</code>",
            cell(row.label_de),
            cell(row.label_en),
            cell(row.type),
            cell(row.measure),
            cell(_labels_text(values, language)),
            cell(_labels_text(row.missing_codes, language)),
            cell(row.valid_n),
            cell(row.wave),
            cell(row.instrument),
            cell(row.source),
            cell(", ".join(reliability)),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in headings)
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left;
  vertical-align: top; }}
th {{ background: #eee; position: sticky; top: 0; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{len(book)} variables. Missing cells are empty in CSV and Parquet; the SPSS file marks
them with the user-missing codes shown.</p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""


def _plain(value):
    """JSON-ready: floats that are whole numbers as ints, NaN as None."""
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if value.is_integer() else value
    return value


def table_schema(book: pd.DataFrame) -> dict:
    """The codebook as a Frictionless Table Schema of the participant-level CSV.

    Each field has the Table Schema properties ``name``, ``title`` (the English label),
    ``description`` (the German label), ``type`` and ``constraints`` (the key unique and
    required; an attribute's values as ``enum``), and the codebook's further properties
    in camel case: ``labels``, ``measure``, ``valueLabels``, ``missingCodes``, ``validN``,
    ``wave``, ``instrument``, ``source``, ``reliability``, ``alpha``, ``omegaTotal``.

    Examples
    --------
    >>> book = pd.DataFrame([{"name": "participant", "label_de": "TN", "label_en": "P",
    ...     "kind": "key", "type": "string", "measure": "nominal", "value_labels": {},
    ...     "missing_codes": {}, "valid_n": 3, "wave": None, "instrument": None,
    ...     "source": "s", "reliability": None, "alpha": None, "omega_total": None}])
    >>> table_schema(book)["fields"][0]["constraints"]
    {'required': True, 'unique': True}
    """
    fields = []
    for row in book.itertuples(index=False):
        field = {
            "name": row.name,
            "title": row.label_en,
            "description": row.label_de,
            "type": row.type,
            "labels": {"de": row.label_de, "en": row.label_en},
            "measure": row.measure,
        }
        if row.kind == "key":
            field["constraints"] = {"required": True, "unique": True}
        if row.kind == "attribute":
            values = [labels["value"] for labels in row.value_labels.values()]
            field["constraints"] = {"enum": values}
            field["valueLabels"] = {
                labels["value"]: {"de": labels["de"], "en": labels["en"]}
                for labels in row.value_labels.values()
            }
            field["savCodes"] = {
                labels["value"]: _plain(code) for code, labels in row.value_labels.items()
            }
        elif row.value_labels:
            field["valueLabels"] = {
                str(_plain(code)): labels for code, labels in row.value_labels.items()
            }
        if row.missing_codes:
            field["missingCodes"] = {
                str(_plain(code)): labels for code, labels in row.missing_codes.items()
            }
        field["validN"] = row.valid_n
        for key, value in (
            ("wave", row.wave),
            ("instrument", row.instrument),
            ("source", row.source),
            ("reliability", row.reliability),
            ("alpha", row.alpha),
            ("omegaTotal", row.omega_total),
        ):
            if _plain(value) is not None:
                field[key] = _plain(value)
        fields.append(field)
    return {
        "$schema": TABLE_SCHEMA,
        "fields": fields,
        "missingValues": [""],
        "primaryKey": ["participant"],
    }


def codebook_writers(
    programme, *, items: bool = False, language: str = "en"
) -> dict[str, Callable[[Path], None]]:
    """File name → writer of ``codebook.html`` and ``codebook.json`` (the Table Schema),
    for :func:`impact.export.write_outputs`."""
    book = codebook(programme, items=items)
    name = programme.survey.programme.name[language]
    title = f"Codebook: {name}" if language == "en" else f"Codebuch: {name}"
    page = codebook_html(book, title=title, language=language)
    schema = json.dumps(table_schema(book), ensure_ascii=False, indent=1)
    return {
        f"{CODEBOOK_NAME}.html": lambda p: p.write_text(page, encoding="utf-8"),
        f"{CODEBOOK_NAME}.json": lambda p: p.write_text(schema + "\n", encoding="utf-8"),
    }


__all__ = ["codebook", "codebook_html", "codebook_writers", "table_schema"]
