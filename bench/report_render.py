"""Report rendering against its floor, and ``--all`` against the sum of single renders.

Run: ``.venv/bin/python bench/report_render.py [--repeat 3] [--single]`` (``--single``:
part 1 only)

1. floor: papermill executes an empty parameterized notebook (same kernel, same config)
   and nbconvert exports it with the report template — what any papermill report costs.
   report: one demo report (final, en) rendered to HTML the way ``impact report`` does.
   Target: report ≤ 2.0 × floor (best of ``--repeat`` runs each, interleaved).
2. every milestone × language (HTML + PDF) rendered one after the other (the serial sum),
   then all of them with ``render_all`` (a process pool, one worker per core).
   Target on 2 cores: parallel ≤ 0.65 × serial sum.
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
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from impact.demo import DEMO_SURVEY  # noqa: E402
from impact.report import export_html, render, render_all  # noqa: E402


def empty_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(
        'survey = ""\nmilestone = ""\nlanguage = "en"\noutput_dir = ""'
    )
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell("pass")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
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
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        config=Config({"KernelManager": {"transport_encryption": "auto"}}),
    )
    page = export_html(nbformat.read(executed, as_version=4), "en")
    (scratch / "empty.html").write_text(page, encoding="utf-8")
    return time.perf_counter() - start


def one_report(scratch: Path) -> float:
    start = time.perf_counter()
    render(DEMO_SURVEY, "final", "en", scratch / "one", pdf=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--single", action="store_true", help="only part 1 (one report against the floor)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        floors, reports = [], []
        for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
            floors.append(floor(scratch))
            reports.append(one_report(scratch))
        f, r = min(floors), min(reports)
        print(f"floor (empty parameterized notebook + HTML): {f:6.2f} s")
        print(f"one report (final, en, HTML):                {r:6.2f} s")
        print(f"ratio report / floor:                        {r / f:6.2f}  (target <= 2.0)")
        if args.single:
            return

        from impact.definitions import load_survey

        survey, _ = load_survey(DEMO_SURVEY)
        jobs = [(m, lang) for m in survey.wave_ids for lang in survey.languages]
        start = time.perf_counter()
        for milestone, language in jobs:
            render(DEMO_SURVEY, milestone, language, scratch / "serial")
        serial = time.perf_counter() - start
        start = time.perf_counter()
        results = render_all(DEMO_SURVEY, scratch / "parallel")
        parallel = time.perf_counter() - start
        assert all(result.ok for result in results), [r.error for r in results]
        cores = os.cpu_count()
        print(f"{len(jobs)} reports (HTML + PDF) one after another:  {serial:6.2f} s")
        print(f"{len(jobs)} reports with --all ({cores} cores):          {parallel:6.2f} s")
        print(
            f"ratio --all / serial sum:                    {parallel / serial:6.2f}"
            "  (target <= 0.65)"
        )


if __name__ == "__main__":
    main()
