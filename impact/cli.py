"""The ``impact`` command: thin verbs over the API (parse, call, print)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from impact.errors import DefinitionErrors, ImpactError

app = typer.Typer(
    help="Evaluate a mentoring or training programme: import, check, analyse, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

SurveyArg = Annotated[Path, typer.Argument(help="The programme's survey.yml.")]
DEMO_OUTPUT = Path("reports/demo")


def _fail(error: Exception, code: int = 2) -> None:
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


def _print_accounting(programme) -> None:
    from impact.clean import review

    accounting = programme.accounting()
    accounting["file"] = [Path(f).name for f in accounting["file"]]
    console.print(_table(accounting, "Raw rows = kept + excluded"))
    rules = programme.cleaned.log["rule"].value_counts().rename_axis("rule").reset_index()
    console.print(_table(rules, "Cleaning decisions"))
    to_review = review(programme.cleaned)
    if not to_review.empty:
        to_review = to_review.assign(file=[Path(f).name for f in to_review["file"]])
        columns = ["wave", "file", "raw_row", "old_value", "new_value", "rule"]
        console.print(_table(to_review[columns], "Keys to review"))
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
        console.print(_table(shown[columns], "Item columns: observed range beside the scale"))


def _print_plan(programme) -> None:
    """Per milestone: the sections its report will contain, and why any is left out."""
    from impact import sections

    for milestone in programme.survey.wave_ids:
        plan = sections.report_plan(programme, milestone)
        kept = plan.loc[plan["included"], "section"].tolist()
        console.print(
            f"[bold]{escape(milestone)}[/] report: {escape(', '.join(kept))}", highlight=False
        )
        missing = sections.left_out(programme, milestone, "en")
        for row in missing.itertuples():
            console.print(
                f"  left out: {escape(row.section)} ({escape(row.reason)})", highlight=False
            )


@app.command("check")
def check(survey: SurveyArg) -> None:
    """Read and clean every export; print how every raw row was accounted for, and the
    sections each milestone's report will contain."""
    from impact.pipeline import load_programme

    try:
        programme = load_programme(survey)
        _print_accounting(programme)
        _print_plan(programme)
    except ImpactError as error:
        _fail(error)


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
    from impact.definitions import LANGUAGES
    from impact.export import EXPORT_FORMATS, csv_writer, export_writers, write_outputs
    from impact.pipeline import load_programme
    from impact.report import check_output_dir

    unknown = [f for f in export or [] if f not in EXPORT_FORMATS]
    if unknown:
        _fail(ImpactError(f"unknown export format(s) {unknown} (choose from {EXPORT_FORMATS})"))
    if lang not in LANGUAGES:
        _fail(ImpactError(f"--lang {lang!r} is not offered (choose from {list(LANGUAGES)})"))
    try:
        programme = load_programme(survey)
        scores = programme.scores
        check_output_dir(out, programme.survey)
    except ImpactError as error:
        _fail(error)
    _print_accounting(programme)
    tables = {
        "responses.csv": programme.responses,
        "scores.csv": scores,
        "cleaning_log.csv": programme.cleaned.log,
        "provenance.csv": programme.cleaned.provenance_table(),
    }
    # All files appear together or not at all (impact.export.write_outputs).
    try:
        writers = {name: csv_writer(table) for name, table in tables.items()}
        if export:
            writers |= export_writers(
                programme.cleaned, programme.instruments, formats=export, language=lang
            )
        written = write_outputs(out, writers)
    except ImpactError as error:
        _fail(error)
    for path in written:
        console.print(escape(str(path)))


@app.command("analyse")
def analyse(
    survey: SurveyArg,
    until: Annotated[str | None, typer.Option(help="Last wave to include.")] = None,
) -> None:
    """Print the paired change from the kick-off to each later wave."""
    from impact.pipeline import load_programme

    try:
        programme = load_programme(survey)
        change = programme.change(until=until)
    except ImpactError as error:
        _fail(error)
    columns = [
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
    console.print(_table(change[columns], "Change from the kick-off"))


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
                progress.console.print(f"[green]✓[/] {name}: {files}")
            else:
                progress.console.print(
                    f"[red]✗ {result.milestone} ({result.language}):[/] {escape(result.error)}",
                    markup=True,
                    highlight=False,
                )

        progress.update(task, total=len(report_jobs(programme.survey, milestones, languages)))
        results = render_all(
            programme, out, milestones=milestones, languages=languages, on_done=done
        )
    failed = [r for r in results if not r.ok]
    console.print(
        f"{len(results) - len(failed)} of {len(results)} reports in {out}/ "
        f"(index: {out / 'index.html'})"
    )
    if failed:
        raise typer.Exit(1)


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
    try:
        _render(_checked_programme(survey, milestone, language, out), out, milestone, language)
    except ImpactError as error:
        _fail(error)


def _checked_programme(survey: Path, milestones, languages, out: Path, definitions=None):
    """The programme of a report command: its definition read once (unless given), the
    milestones, languages and output folder checked against it before any export is
    cleaned."""
    from impact.definitions import load_survey
    from impact.pipeline import load_programme
    from impact.report import check_parameters, report_jobs

    definitions = definitions or load_survey(survey)
    jobs = report_jobs(definitions[0], milestones, languages)
    check_parameters(
        definitions[0],
        list(dict.fromkeys(m for m, _ in jobs)),
        list(dict.fromkeys(lang for _, lang in jobs)),
        output_dir=out,
    )
    return load_programme(survey, definitions=definitions)


@app.command("demo")
def demo(
    out: Annotated[
        Path,
        typer.Option(help="Output folder: of the reports, or with --participants of the data."),
    ] = DEMO_OUTPUT,
    regenerate: Annotated[
        bool, typer.Option(help="Rewrite the demo's raw exports from the generator first.")
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
    """Render every report of the embedded synthetic demo programme (or, with
    --participants, write a demo-shaped programme of any size for benchmarks)."""
    from impact.definitions import load_survey
    from impact.demo import CONTAINERS, DEMO_SURVEY, SEED, generate
    from impact.report import check_output_dir

    if participants is not None:
        if container not in CONTAINERS:
            _fail(ValueError(f"--format must be one of {list(CONTAINERS)}, not {container!r}"))
        written = generate(
            participants=participants,
            out=out,
            seed=SEED if seed is None else seed,
            container=container,
        )
        for path in written:
            console.print(f"wrote {path}")
        return
    try:
        definitions = load_survey(DEMO_SURVEY)
        check_output_dir(out, definitions[0])
    except ImpactError as error:
        _fail(error)
    if regenerate:
        for path in generate(DEMO_SURVEY, seed=SEED if seed is None else seed):
            console.print(f"wrote {path}")
    try:
        programme = _checked_programme(DEMO_SURVEY, None, None, out, definitions)
        _render(programme, out, None, None)
    except ImpactError as error:
        _fail(error)


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
