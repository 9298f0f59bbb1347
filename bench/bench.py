"""Performance at scale, measured side by side in one run: ``bench/run [--participants N]``.

Prints, for a synthetic programme shaped like the demo (``impact demo --participants N``;
generated once per size and seed into ``bench/data/``, which git ignores):

1. import + clean + score of N participants x 4 waves (every shipped instrument) against
   plain ``pandas.read_csv`` of the same files (target <= 2.5x);
2. the same for ``.xlsx`` (against ``pandas.read_excel`` with the engine impact uses) and
   ``.sav`` (against ``pyreadstat.read_sav``) copies of the exports;
3. peak memory (RSS) of each run (target <= 2 GB);
4. the full analysis behind a final report, every statistic but the bootstraps, at 1,000,
   10,000 and N participants (target: N / 10,000 <= 12x);
5. typo-tolerant key matching at 10,000 and N keys (no quadratic comparison);
6. the report render ratios of ``bench/report_render.py``.

Each measurement runs in a fresh Python process, so peak RSS is that step's own.
Options: ``--participants``, ``--seed``, ``--skip xlsx,sav,report,analysis``,
``--profile`` (write a pyinstrument profile of each import run to ``bench/data/``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PYTHON = sys.executable


def programme_folder(participants: int, container: str, seed: int) -> Path:
    """The generated programme, written on first use."""
    folder = DATA / f"{container}_{participants}_{seed}"
    if not (folder / "survey.yml").exists():
        from impact.demo import generate

        start = time.perf_counter()
        generate(participants=participants, out=folder, seed=seed, container=container)
        print(
            f"  (generated {container} x {participants:,} in {time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    return folder


def peak_mb() -> float:
    """This process's peak RSS. Linux keeps ``ru_maxrss`` across ``exec``, so a child
    started by a parent that once held more would report the parent's peak: read the
    high-water mark of this process's own memory instead where there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- child measurements


def child_plain(folder: str) -> dict:
    """Read every export and the registry with the plain reader of its container."""
    import pandas as pd
    import pyreadstat

    from impact.definitions import load_survey
    from impact.io import _xlsx_engine

    survey, _ = load_survey(Path(folder) / "survey.yml")
    files = [Path(folder) / f.path for w in survey.waves for f in w.files]
    start = time.perf_counter()
    for path in files:
        if path.suffix == ".csv":
            head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace")
            sep = max(";\t,", key=lambda d: head.splitlines()[0].count(d))
            pd.read_csv(path, sep=sep)
        elif path.suffix == ".xlsx":
            pd.read_excel(path, engine=_xlsx_engine())
        else:
            pyreadstat.read_sav(str(path))
    pd.read_csv(Path(folder) / survey.registry.file)
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def child_impact(folder: str, profile: str = "") -> dict:
    """import + clean + score with impact."""
    from impact.pipeline import load_programme

    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    start = time.perf_counter()
    programme = load_programme(Path(folder) / "survey.yml")
    scores = programme.scores
    seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False))
    # The long item table is written on first read (impact.items): timed on its own, and
    # within the peak, as every report needs it.
    start = time.perf_counter()
    responses = programme.responses
    responses_seconds = time.perf_counter() - start
    table = programme.accounting()
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    return {
        "seconds": seconds,
        "responses_seconds": responses_seconds,
        "peak_mb": peak_mb(),
        "responses": len(responses),
        "scores": len(scores),
        "raw_rows": int(table["raw_rows"].sum()),
    }


def analysis(programme) -> None:
    """Every statistic of a final report except the bootstrap CIs of the E-I change."""
    until = programme.survey.wave_ids[-1]
    programme.participation()
    programme.accounting()
    programme.change(until)
    programme.reliability(until)
    programme.bands(until)
    for instrument in programme.instruments.values():
        if instrument.categories:
            programme.category_counts(instrument.id)
    programme.reliable_change_counts(until)
    programme.response_shift()
    programme.mixed_model(until)
    programme.completers_change(until)
    programme.attrition(until)
    for by in ("sector_group", "role", "site"):  # the SPEC's subgroups
        programme.subgroup_change(by, until)
    programme.design_sensitivity(until)
    programme.collaboration_matrix(until)
    programme.cohort_ei(until)
    programme.sdgs(until)
    programme.feedback()


def child_analysis(folder: str, profile: str = "") -> dict:
    import warnings

    from impact.pipeline import load_programme

    # Shapiro-Wilk's p above 5000 pairs is approximate: known, and not what is timed here.
    warnings.filterwarnings("ignore", message="scipy.stats.shapiro: For N > 5000")

    programme = load_programme(Path(folder) / "survey.yml")
    programme.scores  # noqa: B018  (scored before the clock starts)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    start = time.perf_counter()
    analysis(programme)
    seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False))
    return {"seconds": seconds, "peak_mb": peak_mb()}


def child_matching(n: str, seed: str) -> dict:
    """Typo-tolerant matching of n unknown keys against n registered keys."""
    import numpy as np
    import pandas as pd

    from impact.clean import typo_candidates
    from impact.demo import _distinct_codes

    rng = np.random.default_rng(int(seed))
    known = pd.Series(_distinct_codes(rng, int(n)))
    # Every unknown key is a registered key with one character changed, dropped or added.
    keys = known.sample(frac=1, random_state=int(seed)).reset_index(drop=True)
    position = rng.integers(0, 6, len(keys))
    letter = pd.Series(rng.choice(list("ABCDEFGHKLMNPRSTUWZ"), len(keys)))
    kind = rng.integers(0, 3, len(keys))
    head = pd.Series([k[:p] for k, p in zip(keys, position, strict=True)])
    tail = pd.Series([k[p + 1 :] for k, p in zip(keys, position, strict=True)])
    full_tail = pd.Series([k[p:] for k, p in zip(keys, position, strict=True)])
    unknown = (head + letter + tail).where(kind == 0, head + tail)
    unknown = unknown.where(kind != 2, head + letter + full_tail)
    unknown = unknown[~unknown.isin(set(known))]
    start = time.perf_counter()
    pairs = typo_candidates(unknown, known)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "unknown": len(unknown),
        "matched": len(pairs),
    }


CHILDREN = {
    "plain": child_plain,
    "impact": child_impact,
    "analysis": child_analysis,
    "matching": child_matching,
}


def run_child(*args: str) -> dict:
    output = subprocess.run(
        [PYTHON, __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# ---------------------------------------------------------------- the report


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numpy
    import pandas

    return (
        f"{platform.node()}: {os.cpu_count()} cores, {memory:.1f} GB RAM, "
        f"Python {platform.python_version()}, pandas {pandas.__version__}, "
        f"numpy {numpy.__version__}; {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )


def import_ratio(n: int, container: str, seed: int, profile: bool) -> None:
    folder = programme_folder(n, container, seed)
    plain = min(run_child("plain", str(folder))["seconds"] for _ in range(2))
    profile_path = str(DATA / f"profile_import_{container}_{n}.txt") if profile else ""
    ours = run_child("impact", str(folder), profile_path)
    ratio = ours["seconds"] / plain
    reader = {"csv": "pandas.read_csv", "xlsx": "pandas.read_excel", "sav": "pyreadstat"}
    print(
        f"  {container:4}  plain {reader[container]:17} {plain:7.2f} s   "
        f"impact import+clean+score {ours['seconds']:7.2f} s   "
        f"ratio {ratio:5.2f}x (target <= 2.5)   peak RSS {ours['peak_mb']:6.0f} MB "
        f"(target <= 2048)   [{ours['raw_rows']:,} raw rows, {ours['responses']:,} item "
        f"responses, {ours['scores']:,} scores]",
        flush=True,
    )
    print(
        f"        then the long table of item responses, written on first read: "
        f"{ours['responses_seconds']:.2f} s (with it: "
        f"{(ours['seconds'] + ours['responses_seconds']) / plain:.2f}x)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma-separated: xlsx,sav,analysis,report")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        print(json.dumps(CHILDREN[name](*rest)))
        return
    skip = set(filter(None, args.skip.split(",")))
    n, seed = args.participants, args.seed
    DATA.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"command: bench/run {' '.join(sys.argv[1:])}".rstrip())

    print(f"\n1-3. import + clean + score, {n:,} participants x 4 waves, every instrument")
    for container in ("csv", "xlsx", "sav"):
        if container not in skip:
            import_ratio(n, container, seed, args.profile)

    if "analysis" not in skip:
        print("\n4. full final-report analysis (all statistics but bootstraps)")
        times = {}
        for size in sorted({1_000, 10_000, n}):
            folder = programme_folder(size, "csv", seed)
            profile = str(DATA / f"profile_analysis_{size}.txt") if args.profile else ""
            result = run_child("analysis", str(folder), profile)
            times[size] = result["seconds"]
            print(
                f"  {size:>7,} participants: {result['seconds']:7.2f} s "
                f"(peak RSS {result['peak_mb']:.0f} MB)",
                flush=True,
            )
        if 10_000 in times and n != 10_000:
            ratio = times[n] / times[10_000]
            print(f"  ratio {n:,} / 10,000: {ratio:.2f}x (target <= {12 * n / 100_000:g}, linear)")

    print("\n5. typo-tolerant key matching (deletion-variant blocking)")
    results = {}
    for size in sorted({10_000, n}):
        result = run_child("matching", str(size), str(seed))
        results[size] = result["seconds"]
        print(
            f"  {size:>7,} keys: {result['unknown']:,} mistyped keys, {result['matched']:,} "
            f"matched unambiguously in {result['seconds']:.2f} s "
            f"(peak RSS {result['peak_mb']:.0f} MB)",
            flush=True,
        )
    if n != 10_000:
        print(
            f"  ratio {n:,} / 10,000: {results[n] / results[10_000]:.1f}x "
            f"(linear: {n / 10_000:g}x; pairwise would be {(n / 10_000) ** 2:g}x)"
        )

    if "report" not in skip:
        print("\n6. report rendering (bench/report_render.py --repeat 2)")
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "report_render.py"), "--repeat", "2"],
            check=True,
            cwd=ROOT,
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
