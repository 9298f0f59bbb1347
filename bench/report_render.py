"""Report rendering against its floor, and ``--all`` against the sum of single renders.

Run: ``.venv/bin/python bench/report_render.py [--repeat 3] [--single] [--sizes 1000,10000]``

1. floor: papermill executes an empty parameterized notebook (same kernel, same config)
   and nbconvert exports it with the report template — what any papermill report costs.
   Then one demo report (final, en) rendered to HTML the way ``impact report`` does:
   a. from ``survey.yml``: load, clean, score, compute and render (one command, one report);
   b. from the programme as ``render_all`` hands it to each language's report: loaded,
      cleaned, scored and the milestone's statistics computed once before (``render``
      prepares the report's content from them: words, tables and figures, while its
      kernel boots; then the kernel shows it);
   c. of b, the kernel and the HTML export alone: the report notebook executed from the
      prepared content (what the kernel costs beyond the floor).
   Target: report ≤ 2.0 × floor (best of ``--repeat`` runs each, interleaved).
2. every milestone × language (HTML + PDF) rendered one after the other, each from
   ``survey.yml`` (the serial sum), then all of them with ``render_all`` (a process pool,
   one worker per core, each milestone's statistics computed once for its languages).
   Target on 2 cores: parallel ≤ 0.55 × serial sum.
3. ``--sizes``: one final report (en, HTML) from ``survey.yml`` of a generated programme
   of each size (``impact demo --participants N``, written once into ``bench/data/``),
   beside the demo's, one run each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench import programme_folder  # noqa: E402
from impact import sections  # noqa: E402
from impact.demo import DEMO_SURVEY  # noqa: E402
from impact.kernel import KERNEL_CONFIG, KERNEL_NAME  # noqa: E402
from impact.pipeline import load_programme  # noqa: E402
from impact.report import REPORT_NOTEBOOK, export_html, render, render_all  # noqa: E402
from impact.report_content import prepare, write_content  # noqa: E402


def empty_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(
        'survey = ""\nmilestone = ""\nlanguage = "en"\noutput_dir = ""'
    )
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell("pass")]
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def floor(scratch: Path) -> float:
    source, executed = scratch / "empty.ipynb", scratch / "empty.out.ipynb"
    empty_notebook(source)
    start = time.perf_counter()
    papermill.execute_notebook(
        str(source),
        str(executed),
        parameters={
            "survey": str(DEMO_SURVEY),
            "milestone": "final",
            "language": "en",
            "output_dir": str(scratch),
        },
        kernel_name=KERNEL_NAME,
        progress_bar=False,
        log_output=False,
        config=KERNEL_CONFIG,
    )
    page = export_html(nbformat.read(executed, as_version=4), "en")
    (scratch / "empty.html").write_text(page, encoding="utf-8")
    return time.perf_counter() - start


def timed(programme, out: Path) -> float:
    """Seconds to render the final report in English to HTML, as ``impact report`` does."""
    start = time.perf_counter()
    render(programme, "final", "en", out, pdf=False)
    return time.perf_counter() - start


def computed_programme():
    """The demo as ``render_all`` hands it to a milestone's reports: its statistics computed."""
    programme = load_programme(DEMO_SURVEY)
    sections.results(programme, "final", "de")
    return programme


def kernel_only(programme, scratch: Path) -> float:
    """Seconds to execute the report notebook from its prepared content and export it."""
    content = write_content(prepare(programme, "final", "en"), scratch / "final_en.content.json")
    start = time.perf_counter()
    papermill.execute_notebook(
        str(REPORT_NOTEBOOK),
        str(scratch / "final_en.ipynb"),
        parameters={
            "survey": str(DEMO_SURVEY),
            "milestone": "final",
            "language": "en",
            "output_dir": str(scratch),
            "content_file": str(content),
        },
        kernel_name=KERNEL_NAME,
        progress_bar=False,
        log_output=False,
        config=KERNEL_CONFIG,
    )
    page = export_html(nbformat.read(scratch / "final_en.ipynb", as_version=4), "en")
    (scratch / "final_en.html").write_text(page, encoding="utf-8")
    return time.perf_counter() - start


def single(scratch: Path, repeat: int) -> None:
    floors, cold, warm, kernel = [], [], [], []
    for run in range(repeat):  # interleaved, so load on the machine hits all alike
        floors.append(floor(scratch))
        cold.append(timed(DEMO_SURVEY, scratch / f"cold{run}"))
        programme = computed_programme()
        warm.append(timed(programme, scratch / f"warm{run}"))
        kernel.append(kernel_only(programme, scratch))
    f, c, w, k = min(floors), min(cold), min(warm), min(kernel)
    print(f"floor (empty parameterized notebook + HTML):      {f:6.2f} s")
    print(f"a. one report from survey.yml (final, en, HTML):  {c:6.2f} s  ratio {c / f:5.2f}")
    print(f"b. one report, statistics computed once before:   {w:6.2f} s  ratio {w / f:5.2f}")
    print(f"c. of b, the kernel and export of the content:    {k:6.2f} s  ratio {k / f:5.2f}")
    print("   (target: ratio of a report <= 2.0)")


def parallel(scratch: Path) -> None:
    from impact.definitions import load_survey

    survey, _ = load_survey(DEMO_SURVEY)
    jobs = [(m, lang) for m in survey.wave_ids for lang in survey.languages]
    start = time.perf_counter()
    for milestone, language in jobs:
        render(DEMO_SURVEY, milestone, language, scratch / "serial")
    serial = time.perf_counter() - start
    start = time.perf_counter()
    results = render_all(DEMO_SURVEY, scratch / "parallel")
    took = time.perf_counter() - start
    assert all(result.ok for result in results), [r.error for r in results]
    print(f"{len(jobs)} reports (HTML + PDF) one after another:  {serial:6.2f} s")
    print(f"{len(jobs)} reports with --all ({os.cpu_count()} cores):          {took:6.2f} s")
    print(f"ratio --all / serial sum:                    {took / serial:6.2f}  (target <= 0.55)")


def sizes(scratch: Path, counts: list[int]) -> None:
    surveys = {"demo (52)": DEMO_SURVEY}
    surveys |= {f"{n:,}": programme_folder(n, "csv", 1) / "survey.yml" for n in counts}
    print("one final report (en, HTML) from survey.yml, by participants:")
    for label, survey in surveys.items():
        took = timed(survey, scratch / label)
        print(f"  {label:>10}: {took:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single", action="store_true", help="only part 1")
    parser.add_argument("--sizes", default="1000,10000", help="participants of part 3 ('' to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        single(scratch, args.repeat)
        if args.single:
            return
        parallel(scratch)
        if args.sizes:
            sizes(scratch, [int(n) for n in args.sizes.split(",")])


if __name__ == "__main__":
    main()
