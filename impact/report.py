"""Rendering reports: papermill executes the report notebook, nbconvert exports it to HTML,
WeasyPrint prints the HTML to PDF.

Parameters are checked before a kernel starts. Every file is written to a temporary name
in the output folder and renamed when complete, so a failed or killed render leaves no
partial report. :func:`render_all` renders milestones × languages in a process pool and
writes ``index.html``.

The PDF engine is WeasyPrint (from PyPI): it needs no browser, only the pango, harfbuzz and
fontconfig libraries that Debian and Ubuntu machines have installed (``libpango-1.0-0``).
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

from impact.definitions import load_survey
from impact.errors import ReportError
from impact.fmt import LOCALES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REPORT_NOTEBOOK = PROJECT_ROOT / "notebooks" / "evaluation_report.ipynb"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class RenderResult:
    """The outcome of one report: its files, or the error that stopped it."""

    milestone: str
    language: str
    html: Path | None = None
    results: Path | None = None
    pdf: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_parameters(survey: str | Path, milestone: str, language: str) -> None:
    """Fail before a kernel starts when the milestone or language is not offered."""
    definition, _ = load_survey(survey)
    definition.wave(milestone)
    if language not in definition.languages or language not in LOCALES:
        raise ReportError(
            f"language {language!r} is not offered by {str(survey)!r}; "
            f"choose from {definition.languages}"
        )


def export_html(notebook: nbformat.NotebookNode, language: str) -> str:
    """The executed notebook as self-contained HTML without code or parameter cells."""
    exporter = HTMLExporter(
        template_name="impact_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags={"parameters", "injected-parameters", "setup", "results"}, enabled=True
    )
    exporter.register_preprocessor(remover, enabled=True)
    exporter.register_preprocessor(_DropMarkdown(), enabled=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"language_code": language})
    return body


class _DropMarkdown(TagRemovePreprocessor):
    """Drops markdown cells: they address notebook readers, not report readers."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if cell.cell_type != "markdown"]
        return nb, resources


def _failing_cell(error: Exception, executed: Path | None = None) -> str:
    """``ReportError in cell 2 [setup]: …``: the failing cell, its tags, the error."""
    name = getattr(error, "ename", type(error).__name__)
    value = getattr(error, "evalue", str(error))
    cell = getattr(error, "exec_count", None)
    tags = ""
    if executed is not None and cell is not None and executed.exists():
        try:
            cells = nbformat.read(executed, as_version=4).cells
            failing = next(c for c in cells if c.get("execution_count") == cell)
            cell_tags = failing.metadata.get("tags", [])
            tags = f" [{', '.join(cell_tags)}]" if cell_tags else ""
        except Exception:  # the notebook may be incomplete; the message is still useful
            tags = ""
    where = f" in cell {cell}{tags}" if cell is not None else ""
    return f"{name}{where}: {value}"


def export_pdf(page: str, target: Path) -> None:
    """Print a report's HTML to PDF with WeasyPrint (offline: every resource is embedded)."""
    # WeasyPrint logs every CSS property of the Jupyter styles it does not support.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as error:  # the system libraries are missing
        raise ReportError(
            f"cannot make PDFs: WeasyPrint needs pango ({error}); on Debian or Ubuntu run "
            "`apt-get install libpango-1.0-0 libpangoft2-1.0-0`"
        ) from None

    # Everything a report shows is embedded as data: URLs; nothing is fetched.
    fetcher = URLFetcher(allowed_protocols=["data"])
    HTML(string=page, url_fetcher=fetcher).write_pdf(target)


def render(
    survey: str | Path,
    milestone: str,
    language: str,
    output_dir: str | Path,
    *,
    notebook: str | Path = REPORT_NOTEBOOK,
    pdf: bool = True,
) -> RenderResult:
    """Render one report: ``<milestone>_<language>.html``, ``.pdf`` and ``.results.json``.

    Parameters
    ----------
    survey : str or Path
        The programme's ``survey.yml``.
    milestone : str
        A wave id of the survey (``kickoff``, ``milestone-1``, …, ``final``).
    language : {"de", "en"}
    output_dir : str or Path
        Created if needed; files appear there only when complete.
    notebook : str or Path
        The parameterized report notebook.
    pdf : bool
        Also print the report to PDF.

    Returns
    -------
    RenderResult

    Raises
    ------
    ReportError
        When the notebook fails, naming the milestone, language and failing cell.
    """
    import papermill

    survey = Path(survey).resolve()
    output_dir = Path(output_dir).resolve()
    check_parameters(survey, milestone, language)
    output_dir.mkdir(parents=True, exist_ok=True)
    name = f"{milestone}_{language}"
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=output_dir) as scratch:
        scratch_dir = Path(scratch)
        executed = scratch_dir / f"{name}.ipynb"
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters={
                    "survey": str(survey),
                    "milestone": milestone,
                    "language": language,
                    "output_dir": str(scratch_dir),
                },
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=str(PROJECT_ROOT),
                # ipykernel warns about unencrypted TCP unless the manager provisions keys.
                config=Config({"KernelManager": {"transport_encryption": "auto"}}),
            )
        except Exception as error:  # papermill raises PapermillExecutionError and others
            raise ReportError(f"report {name} failed: {_failing_cell(error, executed)}") from error
        page = export_html(nbformat.read(executed, as_version=4), language)
        html_tmp = scratch_dir / f"{name}.html"
        html_tmp.write_text(page, encoding="utf-8")
        if pdf:
            export_pdf(page, scratch_dir / f"{name}.pdf")
        paths = {}
        # The HTML goes last: a report is listed once its HTML is there.
        for suffix in [".results.json", *([".pdf"] if pdf else []), ".html"]:
            paths[suffix] = output_dir / f"{name}{suffix}"
            os.replace(scratch_dir / f"{name}{suffix}", paths[suffix])
    return RenderResult(
        milestone,
        language,
        html=paths[".html"],
        results=paths[".results.json"],
        pdf=paths.get(".pdf"),
    )


def _quiet_worker() -> None:
    """Send a worker's standard streams (and so its kernels') to /dev/null.

    jupyter_client interrupts a kernel before shutting it down, and ipykernel then prints
    "KeyboardInterrupt caught in kernel". Results and errors travel back by pickling.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _render_safely(
    survey: str, milestone: str, language: str, output_dir: str, pdf: bool
) -> RenderResult:
    try:
        return render(survey, milestone, language, output_dir, pdf=pdf)
    except Exception as error:  # one failing report must not stop the others
        return RenderResult(milestone, language, error=str(error))


def render_all(
    survey: str | Path,
    output_dir: str | Path,
    *,
    milestones: list[str] | None = None,
    languages: list[str] | None = None,
    workers: int | None = None,
    pdf: bool = True,
    on_done: Callable[[RenderResult], None] | None = None,
) -> list[RenderResult]:
    """Render every milestone × language in parallel; failures are returned, not raised.

    One process per core (at most one per report) renders one report at a time; a report
    that fails leaves no files and does not stop the others. ``index.html`` lists every
    report in the folder afterwards.

    Returns
    -------
    list of RenderResult
        In the order of the waves, then languages.
    """
    definition, _ = load_survey(survey)
    milestones = milestones or definition.wave_ids
    languages = languages or list(definition.languages)
    jobs = [(m, lang) for m in milestones for lang in languages]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    results: dict[tuple[str, str], RenderResult] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker) as pool:
        futures = {
            pool.submit(_render_safely, str(survey), m, lang, str(output_dir), pdf): (m, lang)
            for m, lang in jobs
        }
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if on_done:
                on_done(result)
    ordered = [results[job] for job in jobs]
    write_index(output_dir, definition.programme.name.en)
    return ordered


INDEX_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 50rem; margin: 2rem auto; }
table { border-collapse: collapse; } th, td { padding: .3rem .8rem; text-align: left;
border-bottom: 1px solid #ddd; } thead th { border-bottom: 2px solid #444; }
"""


def write_index(output_dir: str | Path, title: str) -> Path:
    """``index.html`` listing every report in the folder (milestone, kind, language, dates).

    Reads each report's ``results.json``; written atomically.
    """
    output_dir = Path(output_dir)
    rows = []
    reports = []
    for results_path in output_dir.glob("*.results.json"):
        name = results_path.name.removesuffix(".results.json")
        if (output_dir / f"{name}.html").exists():
            info = json.loads(results_path.read_text(encoding="utf-8"))
            reports.append((str(info.get("wave_date")), str(info.get("language")), name, info))
    for _, _, name, info in sorted(reports):
        page = output_dir / f"{name}.html"
        pdf = output_dir / f"{name}.pdf"
        pdf_link = f"<a href='{html.escape(pdf.name)}'>PDF</a>" if pdf.exists() else ""
        cells = [
            f"<a href='{html.escape(page.name)}'>{html.escape(str(info.get('milestone')))}</a>",
            html.escape(str(info.get("kind", ""))),
            html.escape(str(info.get("language", ""))),
            html.escape(str(info.get("wave_date", ""))),
            html.escape(str(info.get("rendered", ""))),
            f"<a href='{html.escape(page.name)}'>HTML</a> {pdf_link}",
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    headers = ["Milestone", "Report", "Language", "Wave date", "Rendered", "Files"]
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{INDEX_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table><thead><tr>"
        + "".join(f"<th>{h}</th>" for h in headers)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></body></html>"
    )
    target = output_dir / "index.html"
    scratch = target.with_name(".index.html.tmp")
    scratch.write_text(document, encoding="utf-8")
    os.replace(scratch, target)
    return target


def clean_output(output_dir: str | Path) -> None:
    """Remove a report folder (used by tests and ``impact demo --fresh``)."""
    shutil.rmtree(output_dir, ignore_errors=True)
