"""Rendering reports: papermill executes the report notebook, nbconvert exports it to HTML,
WeasyPrint prints the HTML to PDF.

Parameters are checked before a kernel starts (:func:`check_parameters`): the milestone is
a wave of the survey, the language one it offers, the notebook declares every
parameter papermill will inject, and the output folder is an explicitly given folder that
is neither the programme's folder nor a folder holding its raw data (so reports can never
overwrite or mix with raw exports).

Every file is written into a scratch folder inside the output folder
(``.impact-<pid>-<report>-…``) and renamed into place when complete, under a lock on the
output folder (:func:`folder_lock`), so a failed or killed render leaves no partial report
and two runs writing to one folder do not mix their files. Scratch folders of killed runs
are removed by the next run. :func:`render_all` renders milestones × languages in a process
pool and writes ``index.html``.

The PDF engine is WeasyPrint (from PyPI): it needs no browser, only the pango, harfbuzz and
fontconfig libraries that Debian and Ubuntu machines have installed (``libpango-1.0-0``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import functools
import html
import importlib.resources
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from impact import fmt, sections
from impact.audit import RESULTS_SUFFIX, audit_results, read_results
from impact.definitions import Survey, load_survey
from impact.destinations import check_language, check_output_dir, survey_definition
from impact.errors import ReportError
from impact.kernel import KERNEL_NAME, ask_to_exit, report_kernel
from impact.layout import typeset
from impact.pipeline import Programme, load_programme, restore_programme, save_programme
from impact.report_content import prepare, write_content

# Package data, found with importlib.resources so that an installed wheel finds it too.
PACKAGE_DATA = Path(str(importlib.resources.files("impact")))
REPORT_NOTEBOOK = PACKAGE_DATA / "notebooks" / "evaluation_report.ipynb"
TEMPLATES = PACKAGE_DATA / "templates"
# The parameters papermill injects; the notebook must declare each of them.
PARAMETERS = ("survey", "milestone", "language", "output_dir", "programme_file", "content_file")
SCRATCH_PREFIX = ".impact-"
REPORT_SUFFIXES = (".results.json", ".pdf", ".docx", ".html")


@dataclass(frozen=True)
class RenderResult:
    """The outcome of one report: its files, or the error that stopped it."""

    milestone: str
    language: str
    html: Path | None = None
    results: Path | None = None
    pdf: Path | None = None
    docx: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the report was rendered (no ``error``)."""
        return self.error is None


def report_jobs(
    survey: Survey, milestones: list[str] | None = None, languages: list[str] | None = None
) -> list[tuple[str, str]]:
    """The reports asked for, as (milestone, language) pairs: by default every wave of the
    survey in every language it offers (check them with :func:`check_parameters`)."""
    return [
        (milestone, language)
        for milestone in milestones or survey.wave_ids
        for language in languages or survey.languages
    ]


def check_parameters(
    survey: str | Path | Survey,
    milestone: str | list[str],
    language: str | list[str],
    *,
    output_dir: str | Path | None = None,
    notebook: str | Path = REPORT_NOTEBOOK,
) -> Survey:
    """Fail before a kernel starts when a parameter of a report is not acceptable.

    ``milestone`` and ``language`` may be lists: every combination is checked.

    Parameters
    ----------
    survey : str, Path or Survey
        The programme's ``survey.yml`` (it must load), or its definition as loaded.
    milestone : str
        Must be a wave of the survey.
    language : str
        Must be offered by the survey and have a locale.
    output_dir : str or Path, optional
        Where the report goes: not an existing file, and not the programme's folder or a
        folder holding its raw exports or registry (nor inside one).
    notebook : str or Path
        Must exist and declare every parameter papermill injects.

    Returns
    -------
    Survey
        The definition, so that a caller who passed a path need not load it again.

    Raises
    ------
    DefinitionError
        For a survey that does not load or a milestone that is not one of its waves.
    ReportError
        For a language, output folder or notebook that does not fit.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> check_parameters(DEMO_SURVEY, "final", "xx")
    Traceback (most recent call last):
    impact.errors.ReportError: file '...survey.yml', key 'languages': language 'xx' is ...
    """
    definition, survey = survey_definition(survey)
    for wave in [milestone] if isinstance(milestone, str) else milestone:
        definition.wave(wave, what="milestone")
    for code in [language] if isinstance(language, str) else language:
        check_language(definition, survey, code)
    _check_notebook(Path(notebook))
    if output_dir is not None:
        check_output_dir(output_dir, definition)
    return definition


def _checked_programme(
    programme: str | Path | Programme,
    milestone: str | list[str],
    language: str | list[str],
    **checks,
) -> Programme:
    """The programme of a render, its parameters checked before any export is cleaned: a
    ``survey.yml`` is read once, checked, then cleaned (:func:`check_parameters`)."""
    if isinstance(programme, Programme):
        check_parameters(programme.survey, milestone, language, **checks)
        return programme
    path = Path(programme).resolve()
    definitions = load_survey(path)
    check_parameters(definitions[0], milestone, language, **checks)
    return load_programme(path, definitions=definitions)


def _check_notebook(notebook: Path) -> None:
    if not notebook.is_file():
        raise ReportError(f"the report notebook {str(notebook)!r} does not exist")
    declared = set(_declared_parameters(str(notebook), notebook.stat().st_mtime_ns))
    missing = [p for p in PARAMETERS if p not in declared]
    if missing:
        raise ReportError(
            f"the report notebook {str(notebook)!r} does not declare the parameters "
            f"{missing} in its 'parameters' cell (papermill would only warn)"
        )


@functools.lru_cache(maxsize=8)
def _declared_parameters(notebook: str, mtime_ns: int) -> tuple[str, ...]:
    import papermill

    return tuple(papermill.inspect_notebook(notebook))


def export_html(notebook: nbformat.NotebookNode, language: str) -> str:
    """The executed notebook as a self-contained HTML document without code or parameter
    cells: ``<html lang>`` of the report's language, its title, author and subject, a table
    of contents and the wide tables in an appendix (:func:`impact.layout.typeset`)."""
    body, _ = _html_exporter(language).from_notebook_node(
        notebook, resources={"metadata": {"name": ""}}
    )
    return typeset(body, language)


@functools.cache
def _html_exporter(language: str) -> HTMLExporter:
    # One exporter a language and process: it compiles its templates on first use, which
    # takes a quarter of a second, and keeps no state between notebooks.
    exporter = HTMLExporter(
        template_name="impact_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=language,
    )
    remover = TagRemovePreprocessor(
        remove_cell_tags={"parameters", "injected-parameters", "setup", "results"}, enabled=True
    )
    exporter.register_preprocessor(remover, enabled=True)
    exporter.register_preprocessor(_DropMarkdown(), enabled=True)
    exporter.register_preprocessor(_DropStderr(), enabled=True)
    return exporter


class _DropMarkdown(TagRemovePreprocessor):
    """Drops markdown cells: they address notebook readers, not report readers."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if cell.cell_type != "markdown"]
        return nb, resources


class _DropStderr(TagRemovePreprocessor):
    """Drops what cells wrote to stderr: Python warnings name source files on the machine
    that rendered the report (a server path, a user name) and mean nothing to its readers."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [
                    output
                    for output in cell.get("outputs", [])
                    if output.get("output_type") != "stream" or output.get("name") != "stderr"
                ]
        return nb, resources


def _running_cell(executed: Path) -> str | None:
    """Where a kernel died: the last cell papermill started, by position, tags and code."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # nothing readable was saved
        return None
    started = [
        (position, cell)
        for position, cell in enumerate(cells, start=1)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if not started:
        return None
    position, cell = started[-1]
    tags = cell.metadata.get("tags", [])
    first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
    return (
        f"{position} of {len(cells)}"
        + (f" [{', '.join(tags)}]" if tags else "")
        + (f" ({first_line.strip()[:60]!r})" if first_line else "")
    )


def _cell_error(
    error: Exception, executed: Path | None = None, *, milestone: str, language: str
) -> ReportError:
    """``report final_en, cell 2 [setup]: NameError: …``: the report, the failing cell (its
    number and tags, where known) and what went wrong there."""
    cell, reason = _failing_cell(error, executed)
    return ReportError(reason, milestone=milestone, language=language, cell=cell)


def _failing_cell(error: Exception, executed: Path | None = None) -> tuple[str | None, str]:
    """The failing cell (``"2 [setup]"``: its number and tags) and what went wrong there
    (``"ReportError: …"``); the cell is None where it is not known."""
    if type(error).__name__ == "DeadKernelError":
        where = _running_cell(executed) if executed is not None else None
        return where, "the kernel died (it crashed, ran out of memory or was killed)"
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
    return (f"{cell}{tags}" if cell is not None else None), f"{name}: {value}"


def export_pdf(page: str, target: Path) -> None:
    """Print a report's HTML to PDF with WeasyPrint (offline: every resource is embedded).

    The PDF is tagged (PDF/UA-1: a structure tree of headings, paragraphs, tables with
    their header cells and figures with their alt text, the document's language and
    title); title, author, subject and keywords come from the page's ``<title>`` and
    ``<meta>`` (see :func:`impact.layout.typeset`).
    """
    # WeasyPrint logs every CSS property it does not support.
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
    HTML(string=page, url_fetcher=fetcher).write_pdf(
        target, pdf_variant="pdf/ua-1", presentational_hints=True
    )


def export_docx(page: str, target: Path, language: str) -> None:
    """The report's HTML as an editable Word document, by pandoc (``pypandoc-binary``).

    Headings become Word headings, tables Word tables, figures embedded pictures with
    their alt text and caption; the table of contents (page numbers of the printed
    document) is left out: Word makes its own.
    """
    try:
        import pypandoc
    except ImportError:
        raise ReportError(
            "cannot make DOCX files: pandoc is missing; install the project again "
            "(`pip install -e .`, it brings pypandoc-binary)"
        ) from None
    soup = BeautifulSoup(page, "html.parser")
    # pandoc opens the document with its title and author (the page's <title> and author):
    # the cover's own heading and programme line would repeat them.
    for repeated in soup.select("nav.impact-toc, .impact-cover h1, .impact-cover-programme"):
        repeated.decompose()
    metadata = {"lang": language}
    subject = soup.find("meta", attrs={"name": "description"})
    if subject is not None and subject.get("content"):
        metadata["subject"] = str(subject["content"])
    # Beside the target (a report's scratch folder): nothing is written elsewhere.
    with tempfile.TemporaryDirectory(prefix="docx-", dir=Path(target).parent) as folder:
        # Figures as files: given as data: URLs, pandoc also writes each one, base64 and
        # all, into the picture's name.
        for number, image in enumerate(soup.select("img[src^='data:image/png;base64,']"), 1):
            name = f"figure-{number}.png"
            data = str(image["src"]).split(",", 1)[1]
            (Path(folder) / name).write_bytes(base64.b64decode(data))
            image["src"] = name
        try:
            pypandoc.convert_text(
                str(soup),
                "docx",
                format="html",
                outputfile=str(Path(target).resolve()),
                # The sections (h2) become Word's "Heading 1", their parts "Heading 2".
                extra_args=["--shift-heading-level-by=-1"]
                + [f"--metadata={key}:{value}" for key, value in metadata.items()],
                cworkdir=folder,
            )
        except RuntimeError as error:  # pandoc's own message
            raise ReportError(f"cannot make the DOCX file {target.name}: {error}") from None


def render(
    programme: str | Path | Programme,
    milestone: str,
    language: str,
    output_dir: str | Path,
    *,
    notebook: str | Path = REPORT_NOTEBOOK,
    pdf: bool = True,
    programme_file: str | Path | None = None,
) -> RenderResult:
    """Render one report: ``<milestone>_<language>.html``, ``.pdf``, ``.docx`` and
    ``.results.json``.

    The report's content (every section of the report plan: words, tables, figures, and
    the numbers of ``results.json``) is prepared here from the loaded programme
    (:func:`impact.report_content.prepare`); the notebook's kernel only shows it, so it
    neither reads the definition, cleans the exports nor loads a data library. The kernel
    is started first and boots while the content is prepared (:mod:`impact.kernel`).

    Parameters
    ----------
    programme : str, Path or Programme
        The programme's ``survey.yml`` (loaded and cleaned here), or the programme as
        loaded.
    milestone : str
        A wave id of the survey (``kickoff``, ``milestone-1``, …, ``final``).
    language : {"de", "en"}
    output_dir : str or Path
        Created if needed; files appear there only when complete.
    notebook : str or Path
        The parameterized report notebook. Its kernel works in the report's scratch
        folder inside ``output_dir``; a researcher's own section comes in by name from
        survey.yml (``sections:``), not from the kernel's folder.
    pdf : bool
        Also print the report to PDF and write it as an editable DOCX.
    programme_file : str or Path, optional
        Where ``programme`` is saved already (:func:`render_all` saves it once for all its
        reports), handed to the notebook for a cell of a researcher's own copy; by default
        a copy of the notebook gets it saved into a private temporary folder, the report
        notebook, which shows the prepared content, none.

    Returns
    -------
    RenderResult

    Raises
    ------
    ReportError
        When a section or the notebook fails, naming the milestone, language and the
        failing section or cell.
    """
    notebook = Path(notebook).resolve()
    programme = _checked_programme(
        programme, milestone, language, output_dir=output_dir, notebook=notebook
    )
    survey = programme.survey.source
    assert survey is not None
    output_dir = Path(output_dir).resolve()
    name = f"{milestone}_{language}"
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_scratch(output_dir)
        scratch_dir = Path(
            tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{name}-", dir=output_dir)
        )
    except OSError as error:
        raise _write_error(name, output_dir, error) from None
    saved = contextlib.ExitStack()
    try:
        # The report notebook shows the prepared content; only a researcher's own copy
        # may restore the programme in a cell of its own.
        if programme_file is None and notebook != Path(REPORT_NOTEBOOK).resolve():
            programme_file = saved.enter_context(_saved(programme))
        executed = scratch_dir / f"{name}.ipynb"
        parameters = {
            "survey": str(survey.resolve()),
            "milestone": milestone,
            "language": language,
            "output_dir": str(scratch_dir),
            "programme_file": str(Path(programme_file).resolve()) if programme_file else "",
        }
        # The kernel boots while the content is prepared, and exits while the page is
        # exported. It works in the scratch folder: never in the programme's folder (its
        # raw data) nor in whatever folder the command was started from.
        with report_kernel(scratch_dir) as kernel:
            parameters["content_file"] = str(
                _prepared(programme, milestone, language, scratch_dir / f"{name}.content.json")
            )
            _execute(notebook, executed, parameters, kernel=kernel)
            ask_to_exit(kernel)
            paths = _exported(executed, output_dir, language=language, pdf=pdf)
    finally:
        saved.close()
        shutil.rmtree(scratch_dir, ignore_errors=True)
    return RenderResult(
        milestone,
        language,
        html=paths[".html"],
        results=paths[".results.json"],
        pdf=paths.get(".pdf"),
        docx=paths.get(".docx"),
    )


def _exported(executed: Path, output_dir: Path, *, language: str, pdf: bool) -> dict:
    """The executed notebook exported beside it (HTML, with ``pdf`` also PDF and DOCX),
    its ``results.json`` checked for disclosure against the folder's other reports, and
    every file published into ``output_dir``; the published paths by suffix."""
    scratch_dir, name = executed.parent, executed.stem
    suffixes = [s for s in REPORT_SUFFIXES if pdf or s not in (".pdf", ".docx")]
    try:
        page = export_html(nbformat.read(executed, as_version=4), language)
        (scratch_dir / f"{name}.html").write_text(page, encoding="utf-8")
        if pdf:
            export_pdf(page, scratch_dir / f"{name}.pdf")
            export_docx(page, scratch_dir / f"{name}.docx", language)
        if not (scratch_dir / f"{name}.results.json").is_file():
            raise ReportError("the notebook wrote no results.json", report=name)
        with folder_lock(output_dir):
            _check_disclosure(scratch_dir / f"{name}{RESULTS_SUFFIX}", output_dir)
            return _publish(scratch_dir, output_dir, name, suffixes)
    except OSError as error:
        raise _write_error(name, output_dir, error) from None


def _execute(notebook: Path, executed: Path, parameters: dict, *, kernel) -> None:
    """Papermill executes ``notebook`` into ``executed`` with ``parameters`` on the started
    ``kernel``; a failure names the report and the cell."""
    import papermill

    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            km=kernel,
        )
    except Exception as error:  # papermill raises PapermillExecutionError and others
        raise _cell_error(
            error, executed, milestone=parameters["milestone"], language=parameters["language"]
        ) from error


def _prepared(programme: Programme, milestone: str, language: str, path: Path) -> Path:
    """The report's content (:func:`impact.report_content.prepare`) written to ``path`` for
    its kernel; a failure names the report."""
    try:
        content = prepare(programme, milestone, language)
    except ReportError as error:
        if error.report is not None:
            raise
        raise ReportError(str(error), milestone=milestone, language=language) from error
    return write_content(content, path)


def _check_disclosure(results_path: Path, output_dir: Path) -> None:
    """Refuse a report whose numbers, with those of the programme's reports already in
    ``output_dir``, give away a suppressed group (:func:`impact.audit.audit_results`)."""
    this = json.loads(results_path.read_text(encoding="utf-8"))
    others = [
        (name, results)
        for name, results in read_results(output_dir).get(str(this.get("programme")), [])
        if name != results_path.name and results.get("language") == this.get("language")
    ]
    found = [
        finding
        for finding in audit_results([*others, (results_path.name, this)])
        if results_path.name in finding.report.split(", ")
    ]
    if found:
        shown = "; ".join(str(finding) for finding in found[:3])
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        raise ReportError(
            f"the disclosure audit failed: {shown}{more}. Nothing of the report was written",
            report=results_path.name.removesuffix(RESULTS_SUFFIX),
            hint="leave that group's breakdown out (registry.roles.breakdowns) or raise "
            "privacy.min_group_size",
        )


def _publish(scratch_dir: Path, output_dir: Path, name: str, suffixes: list[str]) -> dict:
    """Rename a report's files into place, HTML last: a report is listed once its HTML is
    there. A failure part-way removes the report's files: a report is all or nothing."""
    paths = {suffix: output_dir / f"{name}{suffix}" for suffix in suffixes}
    try:
        for suffix, target in paths.items():
            os.replace(scratch_dir / f"{name}{suffix}", target)
    except OSError:
        for suffix in REPORT_SUFFIXES:
            with contextlib.suppress(OSError):
                (output_dir / f"{name}{suffix}").unlink(missing_ok=True)
        raise
    return paths


def _write_error(name: str, output_dir: Path, error: OSError) -> ReportError:
    """A clear message for a report that cannot be written (full disk, read-only folder)."""
    code = errno.errorcode.get(error.errno or 0, "")
    hints = {
        errno.ENOSPC: "the disk is full: free some space and render again",
        errno.EDQUOT: "the disk quota is used up: free some space and render again",
        errno.EROFS: "the folder is on a read-only file system: choose another with --out",
        errno.EACCES: "the folder is not writable: choose another with --out",
        errno.EPERM: "the folder is not writable: choose another with --out",
    }
    hint = hints.get(error.errno or 0, "check the output folder")
    reason = error.strerror or str(error)
    return ReportError(
        f"cannot write into the output folder {str(output_dir)!r}: {reason}"
        + (f" [{code}]" if code else "")
        + f" ({hint}); no partial report was left",
        report=name,
    )


@contextlib.contextmanager
def folder_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on an output folder while files are renamed into it.

    The lock (``fcntl.flock`` on the folder itself, so no lock file is left behind) is
    released by the system when its holder dies: a killed render never leaves it locked.
    """
    try:
        import fcntl
    except ImportError:  # Windows: the renames are still atomic, only not grouped
        yield
        return
    handle = os.open(output_dir, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_scratch(output_dir: str | Path) -> list[Path]:
    """Remove the scratch folders (and index files) of renders whose process is gone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    for folder in Path(output_dir).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):  # another user's, in a shared folder
                    folder.unlink(missing_ok=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def _saved(programme: Programme) -> Iterator[Path]:
    """The programme saved for other processes (:func:`impact.pipeline.save_programme`)
    while the block runs. It holds participant data, so it waits in a private folder of
    the system's temporary folder (mode 0700), never beside the reports; a killed run's
    folder is removed by the next run."""
    remove_stale_scratch(tempfile.gettempdir())
    folder = None
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-programme-"))
        saved = save_programme(programme, folder / "programme.pickle")
    except OSError as error:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise ReportError(
            "cannot save the loaded programme for the report processes in the temporary "
            f"folder {tempfile.gettempdir()!r}: {error.strerror or error} (free some space, "
            "or name another folder in TMPDIR); no report was started"
        ) from None
    try:
        yield saved
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _quiet_worker() -> None:
    """Send a worker's standard streams (and so its kernels') to /dev/null.

    jupyter_client interrupts a kernel before shutting it down, and ipykernel then prints
    "KeyboardInterrupt caught in kernel". Results and errors travel back by pickling.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _render_milestone(
    programme_file: str, milestone: str, languages: list[str], output_dir: str, pdf: bool
) -> list[RenderResult]:
    """Every language's report of one milestone, the statistics computed once for all.

    The milestone's statistics (all that ``results.json`` holds, memoised in the programme)
    are computed here before any kernel starts, so each language's report is prepared from
    them (:func:`impact.report_content.prepare`) and its kernel only shows it. A failure is
    returned per report, never raised: one failing report must not stop the others.
    """
    try:
        programme = restore_programme(programme_file)
    except Exception as error:
        return [RenderResult(milestone, language, error=str(error)) for language in languages]
    # Should a statistic fail, the report fails at the same one and names its section.
    with contextlib.suppress(Exception):
        sections.results(programme, milestone, languages[0])
    rendered = []
    with _saved(programme) as computed:
        for language in languages:
            try:
                rendered.append(
                    render(
                        programme,
                        milestone,
                        language,
                        output_dir,
                        pdf=pdf,
                        programme_file=computed,
                    )
                )
            except Exception as error:
                rendered.append(RenderResult(milestone, language, error=str(error)))
    return rendered


def render_all(
    programme: str | Path | Programme,
    output_dir: str | Path,
    *,
    milestones: list[str] | None = None,
    languages: list[str] | None = None,
    workers: int | None = None,
    pdf: bool = True,
    on_done: Callable[[RenderResult], None] | None = None,
) -> list[RenderResult]:
    """Render every milestone × language in parallel; failures are returned, not raised.

    The programme (a ``survey.yml``, loaded and cleaned here, or a programme as loaded) is
    loaded, cleaned and scored once and saved into a private scratch folder of the run.
    One process per core (at most one per milestone) takes one milestone at a time, the
    latest first: it computes the milestone's statistics once, and each language's report
    is prepared from them, its kernel only showing it. A report that fails leaves no files
    and does not stop the others. ``index.html`` lists every report in the folder
    afterwards.

    Returns
    -------
    list of RenderResult
        In the order of the waves, then languages.
    """
    loaded = isinstance(programme, Programme)
    path = None if loaded else Path(programme).resolve()
    definitions = None if path is None else load_survey(path)
    definition = programme.survey if definitions is None else definitions[0]
    jobs = report_jobs(definition, milestones, languages)
    check_parameters(
        definition,
        list(dict.fromkeys(m for m, _ in jobs)),
        list(dict.fromkeys(lang for _, lang in jobs)),
        output_dir=output_dir,
    )
    if path is not None:
        programme = load_programme(path, definitions=definitions)
    try:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        remove_stale_scratch(output_dir)
    except OSError as error:
        raise _write_error("index", Path(output_dir), error) from None
    workers = workers or min(len({m for m, _ in jobs}), os.cpu_count() or 1)
    results: dict[tuple[str, str], RenderResult] = {}
    # What every report reads, made once here rather than in every kernel.
    programme.scores, programme.responses  # noqa: B018
    with (
        _saved(programme) as programme_file,
        ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker) as pool,
    ):
        by_milestone = {m: [lang for n, lang in jobs if n == m] for m, _ in jobs}
        # The longest first, so no worker idles at the end: a later milestone's report
        # analyses more waves (and the final one the most sections).
        order = sorted(by_milestone, key=definition.wave_ids.index, reverse=True)
        futures = [
            pool.submit(_render_milestone, programme_file, m, by_milestone[m], str(output_dir), pdf)
            for m in order
        ]
        for future in as_completed(futures):
            for result in future.result():
                results[(result.milestone, result.language)] = result
                if on_done:
                    on_done(result)
    ordered = [results[job] for job in jobs]
    try:
        with folder_lock(Path(output_dir)):
            write_index(output_dir, definition.programme.name.en)
    except OSError as error:
        raise _write_error("index", Path(output_dir), error) from None
    return ordered


INDEX_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 50rem; margin: 2rem auto; }
table { border-collapse: collapse; } th, td { padding: .3rem .8rem; text-align: left;
border-bottom: 1px solid #ddd; } thead th { border-bottom: 2px solid #444; }
"""


def _index_section(output_dir: Path, language: str, reports: list) -> str:
    """One language's table of the index page, its headers in that language."""
    known = language if language in fmt.LOCALES else "en"
    t = fmt.texts(known)
    rows = []
    for wave_date, name, info in reports:
        page = output_dir / f"{name}.html"
        files = [page] + [output_dir / f"{name}{suffix}" for suffix in (".pdf", ".docx")]
        links = [
            f"<a href='{html.escape(path.name)}'>{path.suffix[1:].upper()}</a>"
            for path in files
            if path.exists()
        ]
        links.append(
            f"<a href='{html.escape(name)}.results.json'>{html.escape(t['index_results'])}</a>"
        )
        labels = info.get("labels") if isinstance(info.get("labels"), dict) else {}
        report = (
            f"{labels['report']} – {labels['wave']}"
            if labels.get("report") and labels.get("wave")
            else str(info.get("milestone"))
        )
        summary = info.get("executive_summary")
        headline = summary.get("headline", "") if isinstance(summary, dict) else ""
        cells = [
            f"<a href='{html.escape(page.name)}'>{html.escape(report)}</a>",
            html.escape(_index_date(wave_date, known)),
            html.escape(str(headline or "")),
            " ".join(links),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    headers = [t["index_col_report"], t["index_col_date"], t["index_col_headline"]]
    headers.append(t["index_col_files"])
    return (
        f"<section lang='{html.escape(language, quote=True)}'>"
        f"<h2>{html.escape(t['index_title'])}</h2><table><thead><tr>"
        + "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in headers)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _index_date(text: str, language: str) -> str:
    """An ISO date as the reports write it in ``language``; anything else as it is."""
    try:
        return fmt.date(dt.date.fromisoformat(text), language)
    except (TypeError, ValueError):
        return text


def write_index(output_dir: str | Path, title: str) -> Path:
    """``index.html`` listing every report in the folder, one table per language in that
    language: the report (kind and wave, linked to its HTML), the survey's date, the
    report's headline sentence and links to its HTML, PDF, DOCX and ``results.json``.

    Reads each report's ``results.json`` (its ``labels`` and the executive summary's
    ``headline``), so the index carries nothing the reports do not; a report without them
    is listed by its milestone. ``title`` heads the page. Written atomically.
    """
    output_dir = Path(output_dir)
    reports: dict[str, list[tuple[str, str, dict]]] = {}
    for results_path in output_dir.glob("*.results.json"):
        name = results_path.name.removesuffix(".results.json")
        if (output_dir / f"{name}.html").exists():
            try:
                info = json.loads(results_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # not ours, or damaged by hand: not listed
                continue
            if not isinstance(info, dict):
                continue
            language = str(info.get("language"))
            reports.setdefault(language, []).append((str(info.get("wave_date")), name, info))
    parts = [
        _index_section(output_dir, language, sorted(reports[language], key=lambda r: r[:2]))
        for language in sorted(reports)
    ]
    first = html.escape(next(iter(sorted(reports)), "en"), quote=True)
    document = (
        f"<!DOCTYPE html><html lang='{first}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{INDEX_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{''.join(parts)}</body></html>"
    )
    target = output_dir / "index.html"
    # A name of its own: another run may be writing its index into the same folder.
    handle, scratch = tempfile.mkstemp(
        prefix=f"{SCRATCH_PREFIX}{os.getpid()}-index-", dir=output_dir
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(document)
        os.chmod(scratch, 0o644)  # mkstemp makes it private; the index is for readers
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target
