"""A researcher's own report section: declared in survey.yml, computed by their module.

survey.yml names the section, the module that computes it and the section of the report
plan it follows (:class:`impact.definitions.CustomSection`)::

    sections:
      - id: change_by_role
        module: role_change          # role_change.py beside survey.yml, or an importable module
        after: subgroups             # a section of impact.sections.plan.SECTIONS
        kinds: [final]               # default: every kind of report
        title: {de: Veränderung nach Rolle, en: Change by role}
        columns: {mean_diff: {de: Mittlere Veränderung, en: Mean change}}

The module defines ``section(programme, milestone)``, which returns a tidy DataFrame of
aggregates with raw ids (``scale``, ``wave``, a registry attribute's values, …). The
report shows it at its place in the report plan (:mod:`impact.sections.outline`), after
the section it follows: the ids replaced by their labels (scales, waves and the
values of registry attributes in the report's language), the columns by their display
names, numbers formatted for the language, and a table with an ``n`` column protected as
the report's own tables are (small groups blanked, and so many more that none follows
from the others and the total). ``results.json`` carries the same rows, blanked
alike, under ``custom_sections``.

A module in the programme's folder is loaded from its file, so it works wherever the
report's kernel runs (in the report's scratch folder, see :func:`impact.report.render`).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.definitions import CustomSection
from impact.errors import DefinitionError

if TYPE_CHECKING:
    from impact.pipeline import Programme


def custom_section(programme: Programme, section_id: str) -> CustomSection:
    """The declaration of the custom section ``section_id``."""
    for section in programme.survey.sections:
        if section.id == section_id:
            return section
    raise DefinitionError(
        f"there is no custom section {section_id!r}",
        file=programme.survey.source,
        key="sections",
        hint=f"the custom sections are {[s.id for s in programme.survey.sections]}",
    )


def load_section_module(programme: Programme, section: CustomSection) -> ModuleType:
    """The module that computes ``section``: ``<programme folder>/<module>.py`` if there
    is one, else the importable module of that name; it must define ``section``."""
    where = {"file": programme.survey.source, "key": f"sections.{section.id}.module"}
    file = Path(programme.base) / f"{section.module.replace('.', '/')}.py"
    if file.is_file():
        name = f"impact_custom_section_{section.id}"
        spec = importlib.util.spec_from_file_location(name, file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(section.module)
        except ImportError as error:
            raise DefinitionError(
                f"the module {section.module!r} of section {section.id!r} cannot be imported "
                f"({error})",
                hint=f"put {file.name} beside survey.yml or install the module",
                **where,
            ) from None
    if not callable(getattr(module, "section", None)):
        raise DefinitionError(
            f"the module {section.module!r} defines no function 'section(programme, milestone)'",
            **where,
        )
    return module


def section_data(programme: Programme, milestone: str, section_id: str) -> pd.DataFrame:
    """The section's table as its module computes it, protected where it has an ``n``
    column: what ``results.json`` carries.

    Groups below the privacy threshold are blanked with every number of their row, and
    within each table (each ``by`` × ``scale`` × ``wave`` × ``frame`` the rows share) so many more
    that no blanked group follows from the others and the total
    (:func:`impact.disclosure.protect`).
    """
    from impact.disclosure import protect

    section = custom_section(programme, section_id)
    table = load_section_module(programme, section).section(programme, milestone)
    if not isinstance(table, pd.DataFrame):
        raise DefinitionError(
            f"section({section.id!r}) returned {type(table).__name__}, not a DataFrame",
            file=programme.survey.source,
            key=f"sections.{section.id}.module",
        )
    table = table.reset_index(drop=True)
    if "n" in table.columns:
        within = [c for c in ("by", "scale", "wave", "frame") if c in table.columns]
        numbers = [c for c in table.select_dtypes("number").columns if c != "n"]
        table = protect(
            table,
            k=programme.survey.privacy.min_group_size,
            within=within or None,
            columns=numbers,
        )
    return table


def section_results(programme: Programme, milestone: str, section_id: str) -> list[dict]:
    """The section's rows as JSON records (missing values as ``None``)."""
    table = section_data(programme, milestone, section_id)
    table = table.astype(object).where(table.notna(), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in table.to_dict("records")
    ]


def section_table(programme: Programme, milestone: str, section_id: str, language: str):
    """The section's table as the report shows it: labels instead of ids, display names
    of the columns, numbers formatted for ``language``, suppressed rows left out."""
    from impact import fmt, sections

    section = custom_section(programme, section_id)
    table = section_data(programme, milestone, section_id)
    if "suppressed" in table.columns:
        table = table[~table["suppressed"].astype(bool)].drop(columns="suppressed")
    shown = pd.DataFrame(index=table.index)
    attributes = set(programme.attributes.columns) - {"participant"}
    by = table["by"].iloc[0] if "by" in table.columns and len(table) else None
    for column in table.columns:
        values = table[column]
        if column == "scale":
            values = [sections.scale_label(programme, str(v), language) for v in values]
        elif column in ("wave", "baseline"):
            values = [sections.wave_label(programme, str(v), language) for v in values]
        elif column in attributes or (column == "group" and by in attributes):
            attribute = column if column in attributes else by
            values = [
                sections.attribute_label(programme, attribute, str(v), language) for v in values
            ]
        elif column == "by":
            continue
        elif pd.api.types.is_integer_dtype(values):
            values = [fmt.number(v, 0, language) for v in values]
        elif pd.api.types.is_float_dtype(values):
            values = [fmt.number(v, 2, language) for v in values]
        name = section.columns[column][language] if column in section.columns else column
        shown[name] = list(values)
    return shown.reset_index(drop=True)


def section_html(programme: Programme, milestone: str, section_id: str, language: str) -> str:
    """The section as the report shows it: its title, its text and its table."""
    from impact import sections

    section = custom_section(programme, section_id)
    parts = [sections.heading(section.title[language], 3)]
    if section.text is not None:
        parts.append(sections.html_paragraphs([section.text[language]]))
    table = section_table(programme, milestone, section_id, language)
    if len(table):
        parts.append(sections.html_table(table))
    return "\n".join(parts)
