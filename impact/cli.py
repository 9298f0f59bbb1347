"""The ``impact`` command: thin verbs over the API (parse, call, print).

Exit codes, for scripts (also ``python -m impact``):

- 0: done;
- 2: a usage error: an unknown option or value, a milestone, wave or language the
  programme does not have, an output folder that is not acceptable (click uses 2 for its
  own usage errors);
- 3: bad data or definitions: a definition, registry or export that cannot be read or
  does not fit, named with file, key, column and row;
- 4: an output failed: a report could not be rendered, or files could not be written.

``check`` and ``analyse`` print tables for people (``--format table``, the default) or
CSV / JSON for scripts; a table is never cut to the width of a pipe or a file.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from impact import __version__
from impact.errors import (
    ArgumentError,
    DefinitionErrors,
    ImpactError,
    OutputError,
    ReportError,
    check_choice,
)

EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_OUTPUT = 4

app = typer.Typer(
    help="Evaluate a mentoring or training programme: import, check, analyse, report. "
    "Exit codes: 0 done, 2 usage error, 3 bad data or definitions, 4 an output failed.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

SurveyArg = Annotated[Path, typer.Argument(help="The programme's survey.yml.")]
DEMO_OUTPUT = Path("reports/demo")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", help="table (for people), csv or json (every column, for scripts)."
    ),
]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"impact {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Evaluate a mentoring or training programme: import, check, analyse, report.

    Exit codes: 0 done, 2 usage error, 3 bad data or definitions, 4 an output failed.
    """


def _exit_code(error: Exception) -> int:
    """The exit code of an error met outside an argument check."""
    return EXIT_OUTPUT if isinstance(error, OutputError | ReportError) else EXIT_DATA


@contextlib.contextmanager
def _failing(code: int | None = None) -> Iterator[None]:
    """Turn the toolkit's errors into a one-line message and an exit code: ``code``, or
    the one the kind of error calls for (:func:`_exit_code`)."""
    try:
        yield
    except ImpactError as error:
        _fail(error, code if code is not None else _exit_code(error))


def _check_option(value, choices, *, option: str) -> None:
    """Fail with a usage error unless the value of ``option`` is one of ``choices``."""
    try:
        check_choice(value, choices, argument=option)
    except ArgumentError as error:
        _fail(error)


def _fail(error: Exception, code: int = EXIT_USAGE) -> None:
    if isinstance(error, DefinitionErrors) and len(error.problems) > 1:
        errors.print(
            f"[bold red]error:[/] {len(error.problems)} problems in the definition "
            f"{escape(str(error.problems[0].file))}:",
            highlight=False,
            soft_wrap=True,
        )
        table = Table(show_lines=False)
        for column in ("line", "key", "problem", "hint"):
            table.add_column(column, overflow="fold")
        for problem in error.problems:
            cells = (problem.line, problem.key, problem.reason, problem.hint)
            table.add_row(*("" if c is None else escape(str(c)) for c in cells))
        errors.print(table)
        raise typer.Exit(code)
    # One line, never wrapped: "error: file '…', column '…', row …: message (hint)".
    message = " ".join(str(error).split())
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _show(renderable) -> None:
    """Print to stdout; off a terminal (a pipe, a file) at the table's full width, so
    that no column is cut to the 80 characters rich assumes there."""
    if console.is_terminal:
        console.print(renderable)
        return
    unbounded = console.options.update_width(1_000_000)
    width = max(80, console.measure(renderable, options=unbounded).maximum)
    # Console.print caps its width at the console's: widen the console for this table.
    Console(file=sys.stdout, width=width, soft_wrap=True).print(renderable)


def _print_frame(frame, output: OutputFormat, title: str | None = None) -> None:
    if output is OutputFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif output is OutputFormat.json:
        sys.stdout.write(frame.to_json(orient="records", double_precision=15) + "\n")
    else:
        _show(_table(frame, title))


def _records(frame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", double_precision=15))


@contextlib.contextmanager
def _steps(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar over the steps of a long run, on stderr and only on a terminal
    (never in a pipe, a file or a log); yields ``step(description)``."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,
    )
    with progress:
        task = progress.add_task("", total=total)
        started = False

        def step(description: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=description)

        yield step
        progress.update(task, completed=total)


def _table(frame, title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    cells = [
        ["" if v is None else f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    for i, column in enumerate(frame.columns):
        # Identifiers such as wave ids must never be truncated: let the table scroll instead.
        widest = max([len(row[i]) for row in cells] + [len(str(column))])
        table.add_column(escape(str(column)), min_width=widest, no_wrap=True)
    for row in cells:  # values from the files are text, never rich markup ('[/b]')
        table.add_row(*(escape(cell) for cell in row))
    return table


def _check_tables(programme) -> dict[str, object]:
    """What ``check`` shows, as tables: how every raw row was accounted for, the cleaning
    decisions, the keys to review, the item columns beside their scales."""
    from impact.clean import review

    accounting = programme.accounting()
    accounting["file"] = [Path(f).name for f in accounting["file"]]
    tables = {"accounting": accounting}
    rules = programme.cleaned.log["rule"].value_counts().rename_axis("rule").reset_index()
    tables["cleaning_decisions"] = rules
    to_review = review(programme.cleaned)
    columns = ["wave", "file", "raw_row", "old_value", "new_value", "rule"]
    if not to_review.empty:
        to_review = to_review.assign(file=[Path(f).name for f in to_review["file"]])
    tables["keys_to_review"] = to_review.reindex(columns=columns)
    ranges = programme.cleaned.columns
    if not ranges.empty:
        shown = ranges[["wave", "column", "item", "answered", "as_labels"]].assign(
            file=[Path(f).name for f in ranges["file"]],
            scale=[
                f"{a:g}..{b:g}"
                for a, b in zip(ranges["scale_min"], ranges["scale_max"], strict=True)
            ],
            observed=[
                "" if a != a else f"{a:g}..{b:g}"
                for a, b in zip(ranges["observed_min"], ranges["observed_max"], strict=True)
            ],
            recoded=ranges["recoded"].map({True: "yes", False: ""}),
        )
        columns = ["wave", "file", "column", "item", "scale", "observed", "answered"]
        columns += ["as_labels", "recoded"]
        tables["item_columns"] = shown[columns]
    return tables


CHECK_TITLES = {
    "accounting": "Raw rows = kept + excluded",
    "cleaning_decisions": "Cleaning decisions",
    "keys_to_review": "Keys to review",
    "item_columns": "Item columns: observed range beside the scale",
}


def _print_accounting(programme) -> None:
    for name, table in _check_tables(programme).items():
        if name != "keys_to_review" or not table.empty:
            _show(_table(table, CHECK_TITLES[name]))


def _plan(programme) -> list[dict]:
    """Per milestone: the sections its report will contain, and why any is left out."""
    from impact import sections

    plans = []
    for milestone in programme.survey.wave_ids:
        plan = sections.report_plan(programme, milestone)
        missing = sections.left_out(programme, milestone, "en")
        plans.append(
            {
                "milestone": milestone,
                "sections": plan.loc[plan["included"], "section"].tolist(),
                "left_out": [
                    {"section": row.section, "reason": row.reason} for row in missing.itertuples()
                ],
            }
        )
    return plans


def _print_plan(programme) -> None:
    for plan in _plan(programme):
        console.print(
            f"[bold]{escape(plan['milestone'])}[/] report: {escape(', '.join(plan['sections']))}",
            highlight=False,
            soft_wrap=True,
        )
        for row in plan["left_out"]:
            console.print(
                f"  left out: {escape(row['section'])} ({escape(row['reason'])})",
                highlight=False,
                soft_wrap=True,
            )


def _check_export_options(formats: list[str], lang: str) -> None:
    """Fail with a usage error on export formats or a language that are not offered."""
    from impact.definitions import LANGUAGES
    from impact.export import check_formats

    try:
        check_formats(formats)
    except ImpactError as error:
        _fail(error)
    _check_option(lang, LANGUAGES, option="--lang")


def _load(survey: Path, step: Callable[[str], None]):
    """The programme read, cleaned and scored, each step shown by ``step``."""
    from impact.pipeline import load_programme

    step("reading and cleaning the exports")
    programme = load_programme(survey)
    step("scoring")
    programme.scores  # noqa: B018 (computed here, under the progress bar)
    return programme


@app.command("check")
def check(survey: SurveyArg, output: FormatOption = OutputFormat.table) -> None:
    """Read and clean every export; print how every raw row was accounted for, and the
    sections each milestone's report will contain.

    With --format csv: the accounting table; with --format json: every table and the
    report plans in one object.
    """
    with _failing():
        with _steps(3) as step:
            programme = _load(survey, step)
            step("accounting for every row")
            tables = _check_tables(programme)
            plans = _plan(programme)
        if output is OutputFormat.table:
            _print_accounting(programme)
            _print_plan(programme)
        elif output is OutputFormat.csv:
            _print_frame(tables["accounting"], output)
        else:
            result = {name: _records(table) for name, table in tables.items()}
            sys.stdout.write(json.dumps(result | {"reports": plans}, ensure_ascii=False) + "\n")


@app.command("import")
def import_(
    survey: SurveyArg,
    out: Annotated[Path, typer.Option(help="Folder for the cleaned data and the log.")] = Path(
        "reports/data"
    ),
    export: Annotated[
        list[str] | None,
        typer.Option(
            "--export",
            "-e",
            help="Also write the wide cleaned table: csv, parquet or sav; repeatable.",
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the SPSS labels: de or en.")] = "en",
) -> None:
    """Clean every export; write responses, scores, the cleaning log and the exports.

    Nothing is written unless every file was read and cleaned.
    """
    from impact.export import csv_writer, export_writers, write_outputs
    from impact.report import check_output_dir

    _check_export_options(export or [], lang)
    with _failing(EXIT_DATA), _steps(3) as step:
        programme = _load(survey, step)
        step("accounting for every row")
        programme.accounting()
    with _failing(EXIT_USAGE):
        check_output_dir(out, programme.survey)
    _print_accounting(programme)
    tables = {
        "responses.csv": programme.responses,
        "scores.csv": programme.scores,
        "cleaning_log.csv": programme.cleaned.log,
        "provenance.csv": programme.cleaned.provenance_table(),
    }
    # All files appear together or not at all (impact.export.write_outputs).
    with _failing():
        writers = {name: csv_writer(table) for name, table in tables.items()}
        if export:
            writers |= export_writers(
                programme.cleaned, programme.instruments, formats=export, language=lang
            )
        written = write_outputs(out, writers)
    for path in written:
        console.print(escape(str(path)), highlight=False, soft_wrap=True)


@app.command("export")
def export_command(
    survey: SurveyArg,
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("reports/export"),
    export: Annotated[
        list[str] | None,
        typer.Option("--export", "-e", help="csv, parquet or sav; repeatable (default: all)."),
    ] = None,
    items: Annotated[
        bool, typer.Option(help="Also a column per item × wave, besides the scores.")
    ] = False,
    codebook: Annotated[
        bool, typer.Option(help="Write codebook.html and codebook.json (Table Schema).")
    ] = True,
    lang: Annotated[
        str, typer.Option(help="Language of the SPSS labels and the codebook: de or en.")
    ] = "en",
) -> None:
    """Write the analysis-ready file: one row per participant with the registry attributes
    and a column per scale × wave (participants.csv / .parquet / .sav), and its codebook.

    The .sav file carries variable and value labels, user-missing codes (-99 did not
    take part in the wave, -98 no valid answer, -97 not given in the registry) and
    measurement levels; every file appears together or not at all.
    """
    from impact.codebook import codebook_writers
    from impact.export import EXPORT_FORMATS, wide_writers, write_outputs
    from impact.report import check_output_dir

    formats = export or list(EXPORT_FORMATS)
    _check_export_options(formats, lang)
    with _failing(EXIT_DATA), _steps(3) as step:
        programme = _load(survey, step)
        step("reliability")
        programme.reliability()
    with _failing(EXIT_USAGE):
        check_output_dir(out, programme.survey)
    with _failing():
        writers = wide_writers(programme, formats=formats, items=items, language=lang)
        if codebook:
            writers |= codebook_writers(programme, items=items, language=lang)
        written = write_outputs(out, writers)
    for path in written:
        console.print(escape(str(path)), highlight=False, soft_wrap=True)


ANALYSE_COLUMNS = [
    "scale",
    "wave",
    "n",
    "mean_pre",
    "mean_post",
    "mean_diff",
    "ci_low",
    "ci_high",
    "t",
    "df",
    "p_value",
    "d_z",
]


@app.command("analyse")
def analyse(
    survey: SurveyArg,
    until: Annotated[str | None, typer.Option(help="Last wave to include.")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Print the paired change from the kick-off to each later wave.

    The table shows the main statistics; --format csv or json gives every column of
    ``Programme.change`` (effect sizes with CIs, Wilcoxon, Holm-adjusted p …).
    """
    from impact.pipeline import load_programme

    with _failing(EXIT_DATA):
        programme = load_programme(survey)
    if until is not None:
        with _failing(EXIT_USAGE):
            programme.waves_until(until)
    with _failing():
        change = programme.change(until=until)
    if output is OutputFormat.table:
        _print_frame(change[ANALYSE_COLUMNS], output, "Change from the kick-off")
    else:
        _print_frame(change, output)


def _render(
    programme,
    out: Path,
    milestones: list[str] | None,
    languages: list[str] | None,
) -> None:
    from impact.report import render_all, report_jobs

    with Progress(
        TextColumn("[bold]rendering"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("reports", total=None)

        def done(result) -> None:
            progress.advance(task)
            if result.ok:
                files = ", ".join(
                    p.name for p in (result.html, result.pdf, result.docx, result.results) if p
                )
                name = f"{result.milestone} ({result.language})"
                progress.console.print(f"[green]✓[/] {name}: {files}", soft_wrap=True)
            else:
                progress.console.print(
                    f"[red]✗ {result.milestone} ({result.language}):[/] {escape(result.error)}",
                    markup=True,
                    highlight=False,
                    soft_wrap=True,
                )

        progress.update(task, total=len(report_jobs(programme.survey, milestones, languages)))
        results = render_all(
            programme, out, milestones=milestones, languages=languages, on_done=done
        )
    failed = [r for r in results if not r.ok]
    console.print(
        f"{len(results) - len(failed)} of {len(results)} reports in {out}/ "
        f"(index: {out / 'index.html'})",
        soft_wrap=True,
    )
    if failed:
        raise typer.Exit(EXIT_OUTPUT)


@app.command("report")
def report(
    survey: SurveyArg,
    milestone: Annotated[
        list[str] | None, typer.Option("--milestone", "-m", help="Wave id; repeatable.")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--lang", "-l", help="de or en; repeatable.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every milestone in every language.")] = False,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("reports"),
) -> None:
    """Render evaluation reports (HTML, PDF and results JSON) with papermill, in parallel."""
    if not all_ and not milestone:
        _fail(ImpactError("name a --milestone, or use --all"))
    programme = _checked_programme(survey, milestone, language, out)
    with _failing():
        _render(programme, out, milestone, language)


def _checked_programme(survey: Path, milestones, languages, out: Path):
    """The programme of a report command: its definition read once, the milestones,
    languages and output folder checked against it (a usage error) before any export is
    cleaned (bad data)."""
    from impact.definitions import load_survey
    from impact.pipeline import load_programme
    from impact.report import check_parameters, report_jobs

    with _failing(EXIT_DATA):
        definitions = load_survey(survey)
    with _failing(EXIT_USAGE):
        jobs = report_jobs(definitions[0], milestones, languages)
        check_parameters(
            definitions[0],
            list(dict.fromkeys(m for m, _ in jobs)),
            list(dict.fromkeys(lang for _, lang in jobs)),
            output_dir=out,
        )
    with _failing(EXIT_DATA):
        return load_programme(survey, definitions=definitions)


@app.command("demo")
def demo(
    out: Annotated[
        Path,
        typer.Option(
            help="Output folder: the reports, with the demo programme they come from in "
            "DIR/programme/ (with --participants: the programme only)."
        ),
    ] = DEMO_OUTPUT,
    milestone: Annotated[
        list[str] | None,
        typer.Option("--milestone", "-m", help="Only this wave's report; repeatable."),
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--lang", "-l", help="Only this language; repeatable.")
    ] = None,
    regenerate: Annotated[
        bool,
        typer.Option(
            help="In a source checkout: rewrite the demo files shipped in the package "
            "from the generator first."
        ),
    ] = False,
    participants: Annotated[
        int | None,
        typer.Option(
            help="Write a synthetic programme of this many people, shaped like the demo, "
            "to --out (survey.yml, registry, raw exports) instead of rendering reports.",
            min=2,
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the generator.")] = None,
    container: Annotated[
        str, typer.Option("--format", help="With --participants: csv, xlsx or sav exports.")
    ] = "csv",
) -> None:
    """Render the reports of the embedded synthetic demo programme, from any folder.

    The demo's definition is copied into DIR/programme/, its registry and raw exports are
    generated there, and the reports are rendered into DIR. With --participants: write a
    demo-shaped programme of any size (for benchmarks) instead.
    """
    from impact.definitions import load_survey
    from impact.demo import (
        CONTAINERS,
        DEMO_FOLDER,
        DEMO_SURVEY,
        SEED,
        generate,
        write_demo_programme,
    )
    from impact.report import check_output_dir

    seed = SEED if seed is None else seed
    if participants is not None:
        _check_option(container, CONTAINERS, option="--format")
        written = generate(participants=participants, out=out, seed=seed, container=container)
        for path in written:
            console.print(f"wrote {escape(str(path))}", soft_wrap=True)
        return
    with _failing(EXIT_USAGE):
        check_output_dir(out, load_survey(DEMO_SURVEY)[0])
    if regenerate:
        for path in generate(DEMO_SURVEY, seed=seed):
            console.print(f"wrote {escape(str(path))}", soft_wrap=True)
    with _failing(EXIT_USAGE):  # a folder holding another programme is a wrong --out
        survey = write_demo_programme(out / DEMO_FOLDER, seed=seed)
    console.print(f"demo programme: {escape(str(survey))}", highlight=False, soft_wrap=True)
    programme = _checked_programme(survey, milestone, language, out)
    with _failing():
        _render(programme, out, milestone, language)


@app.command("audit")
def audit_command(
    folder: Annotated[Path, typer.Argument(help="A reports folder (impact report --out).")],
) -> None:
    """Try to recover suppressed groups from the reports' results.json by subtraction;
    print every value recovered with its derivation, exit 1 on any."""
    from impact.audit import audit

    try:
        findings = audit(folder)
    except ImpactError as error:
        _fail(error)
    for finding in findings:
        console.print(escape(str(finding)), highlight=False, soft_wrap=True)
    if findings:
        errors.print(
            f"[bold red]{len(findings)} values of suppressed groups can be recovered[/]",
            highlight=False,
        )
        raise typer.Exit(1)
    console.print(f"no suppressed group recoverable from the reports in {escape(str(folder))}")


@app.command("new-programme")
def new_programme_command(
    name: Annotated[str, typer.Argument(help="Programme id, e.g. 'youth-mentoring'.")],
    root: Annotated[Path, typer.Option(help="Folder of the programme folders.")] = Path("surveys"),
    instrument: Annotated[
        list[str] | None,
        typer.Option("--instrument", "-i", help="Shipped instrument id; repeatable."),
    ] = None,
) -> None:
    """Write surveys/NAME/survey.yml, commented, from the shipped instruments."""
    from impact.scaffold import new_programme

    try:
        path = new_programme(name, root=root, instruments=instrument)
    except ImpactError as error:
        _fail(error)
    console.print(f"wrote {path}: edit it, then run `impact check {path}`")


@app.command("new-instrument")
def new_instrument_command(
    name: Annotated[str, typer.Argument(help="Instrument id, e.g. 'team_climate'.")],
    root: Annotated[
        Path, typer.Option(help="surveys/instruments, or surveys/<programme>/instruments.")
    ] = Path("surveys/instruments"),
) -> None:
    """Write a commented instrument definition to fill in."""
    from impact.scaffold import new_instrument

    try:
        path = new_instrument(name, root=root)
    except ImpactError as error:
        _fail(error)
    console.print(f"wrote {path}: fill in the items, scoring and source")


if __name__ == "__main__":  # pragma: no cover
    app()
