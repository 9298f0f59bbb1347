"""A report's content prepared before its kernel starts: what the report notebook shows.

The content is the report plan worked out for one milestone and language
(:mod:`impact.sections.outline`): the HTML blocks of its cover and of every included
section in order (headings, sentences, tables, figures), and the numbers of its
``results.json``. ``impact report`` prepares it in the process that loaded, cleaned and
scored the programme and computed the milestone's statistics once for all languages, and
writes it as a JSON file for the kernel (:func:`write_content`). The report notebook's
kernel then only reads and displays it, so it imports no statistics, data or plotting
library. Run by hand (JupyterLab, papermill without ``content_file``), the notebook
prepares the content itself with :func:`notebook_content`.

The file holds aggregates and report text only, the same as the published report.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> content = prepare(load_programme(DEMO_SURVEY), "kickoff", "en")
>>> content["milestone"], content["parts"][0].startswith("<header"), "scores" in content["results"]
('kickoff', True, True)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impact.pipeline import Programme


def prepare(
    programme: Programme, milestone: str, language: str, *, today: dt.date | None = None
) -> dict:
    """The content of the report for ``milestone`` in ``language``.

    Returns
    -------
    dict
        ``milestone``, ``language``, ``parts`` (the report's HTML blocks in order, see
        :func:`impact.sections.report_parts`) and ``results`` (the document
        :func:`impact.sections.results` gives, written as ``results.json``).

    Raises
    ------
    ReportError
        When the milestone has no responses, or a section cannot be shown (naming the
        report and the section).
    """
    from impact import sections

    today = today or dt.date.today()
    return {
        "milestone": milestone,
        "language": language,
        "parts": sections.report_parts(programme, milestone, language, today=today),
        "results": sections.results(programme, milestone, language, today=today),
    }


def write_content(content: dict, path: str | Path) -> Path:
    """Write ``content`` (from :func:`prepare`) as JSON for the report's kernel."""
    path = Path(path)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def notebook_content(
    survey: str,
    *,
    milestone: str,
    language: str,
    output_dir: str = "",
    programme_file: str = "",
) -> dict:
    """The content for a report notebook run by hand: the programme restored from
    ``programme_file`` or loaded from ``survey`` (an empty one is the demo), its parameters
    checked (:func:`impact.notebook.parameters`), and ``output_dir`` (a new temporary
    folder when empty) added to the content.

    Examples
    --------
    >>> content = notebook_content("", milestone="kickoff", language="de")
    >>> content["language"], Path(content["output_dir"]).is_dir()
    ('de', True)
    """
    from impact.notebook import parameters
    from impact.pipeline import load_programme, restore_programme

    programme = restore_programme(programme_file) if programme_file else None
    checked = parameters(
        programme.survey if programme else survey,
        milestone=milestone,
        language=language,
        output_dir=output_dir,
    )
    programme = programme or load_programme(checked.survey, definitions=checked.definitions)
    content = prepare(programme, milestone, language)
    return content | {"output_dir": str(checked.output_dir)}
