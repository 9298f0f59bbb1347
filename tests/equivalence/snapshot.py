"""Snapshot every result of a code tree, to prove a refactoring changes no result.

Run it once with the old tree first on the path and once with the new one, then compare::

    PYTHONPATH=/tmp/base python tests/equivalence/snapshot.py dump /tmp/before /tmp/work
    python tests/equivalence/snapshot.py dump /tmp/after /tmp/work
    python tests/equivalence/snapshot.py compare /tmp/before /tmp/after

For the demo, the tool fixtures and the city-lab fixture it records:
``sections.results`` (as JSON) for every milestone × language; the output of every
``sections`` function that takes ``(programme, milestone[, language])`` (tables, sentences,
HTML); every table method of ``Programme``; ``programme.scores`` and
``programme.responses``; and the bytes of the CSV / Parquet / ``.sav`` exports. ``compare``
compares JSON and bytes exactly and tables with ``assert_frame_equal`` after turning
unordered categorical columns into text (ordered categoricals, i.e. waves, stay as they are).
It was used for the categorical long tables; it is not part of the test suite.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import pickle
import sys
import tempfile
from pathlib import Path

import pandas as pd

PROGRAMMES = {
    "demo": "impact/demo_programme/survey.yml",
    "tools": "tests/fixtures/tools/survey.yml",
    "city_lab": "tests/fixtures/city_lab (scaffolded as in test_researcher_workflow.py)",
}
METHODS = [
    ("participation", {}),
    ("change", {}),
    ("reliability", {}),
    ("bands", {}),
    ("reliable_change", {}),
    ("reliable_change_counts", {}),
    ("response_shift", {}),
    ("mixed_model", {}),
    ("completers_change", {}),
    ("attrition", {}),
    ("design_sensitivity", {}),
    ("collaboration_matrix", {}),
    ("ei_index", {}),
    ("cohort_ei", {}),
    ("sdgs", {}),
    ("feedback", {}),
    ("accounting", {}),
]
TODAY = dt.date(2026, 11, 27)


def _survey_path(name: str, work: Path) -> Path:
    if name != "city_lab":
        return Path(PROGRAMMES[name])
    survey_path = work / "city-lab" / "survey.yml"
    if not survey_path.exists():
        _city_lab(work)
    return survey_path


def _city_lab(work: Path) -> None:
    """The programme of tests/test_researcher_workflow.py, made the same way."""
    import shutil

    import yaml
    from typer.testing import CliRunner

    from impact.cli import app

    fixtures = Path("tests/fixtures/city_lab")
    runner = CliRunner()
    runner.invoke(app, ["new-programme", "city-lab", "--root", str(work), "-i", "who5"])
    programme = work / "city-lab"
    instruments = programme / "instruments"
    runner.invoke(app, ["new-instrument", "whoqol_physical", "--root", str(instruments)])
    shutil.copy(fixtures / "whoqol_physical.yml", instruments / "whoqol_physical.yml")
    survey_path = programme / "survey.yml"
    survey = yaml.safe_load(survey_path.read_text(encoding="utf-8"))
    survey["instruments"] = ["who5", "whoqol_physical"]
    mapping = {f"WHO5_{i:02d}": f"who5.i{i}" for i in range(1, 6)}
    mapping |= {
        f"WQ_{n:02d}": f"whoqol_physical.{item}"
        for n, item in enumerate(["q3", "q4", "q10", "q15", "q16", "q17", "q18"], start=1)
    }
    survey["mappings"] = {"main": mapping}
    survey_path.write_text(yaml.safe_dump(survey, allow_unicode=True), encoding="utf-8")
    shutil.copy(fixtures / "registry.csv", programme / "registry.csv")
    shutil.copytree(fixtures / "raw", programme / "raw", dirs_exist_ok=True)


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as error:  # the same error before and after is the same result
        return f"{type(error).__name__}: {error}"


def dump(out: Path, work: Path) -> None:
    import impact
    from impact import export, sections
    from impact.pipeline import load_programme

    print("impact from", Path(impact.__file__).parent, file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    snapshot: dict[str, object] = {}
    for name in PROGRAMMES:
        programme = load_programme(_survey_path(name, work))
        snapshot[f"{name}/scores"] = programme.scores
        snapshot[f"{name}/responses"] = programme.responses
        for method, kwargs in METHODS:
            snapshot[f"{name}/{method}"] = _call(getattr(programme, method), **kwargs)
        for milestone in programme.survey.wave_ids:
            snapshot[f"{name}/subgroups/{milestone}"] = [
                _call(programme.subgroup_change, by, until=milestone)
                for by in sections.subgroup_attributes(programme)
            ]
            for language in ("en", "de"):
                document = _call(sections.results, programme, milestone, language, TODAY)
                snapshot[f"{name}/results/{milestone}/{language}"] = json.dumps(
                    document, sort_keys=True, ensure_ascii=False, default=str
                )
                for function_name, function in vars(sections).items():
                    # the functions of sections, whether a module or a package of submodules
                    module = getattr(function, "__module__", "")
                    ours = module == sections.__name__ or module.startswith(f"{sections.__name__}.")
                    if not inspect.isfunction(function) or not ours:
                        continue
                    if function_name.startswith("_") or function_name == "results":
                        continue
                    parameters = list(inspect.signature(function).parameters)
                    if parameters == ["programme", "milestone", "language"]:
                        args = (programme, milestone, language)
                    elif parameters == ["programme", "milestone"] and language == "en":
                        args = (programme, milestone)
                    else:
                        continue
                    key = f"{name}/sections.{function_name}/{milestone}/{language}"
                    snapshot[key] = _call(function, *args)
        with tempfile.TemporaryDirectory() as folder:
            for path in export.export(
                programme.cleaned, programme.instruments, folder, formats=export.EXPORT_FORMATS
            ):
                snapshot[f"{name}/export/{path.name}"] = path.read_bytes()
    (out / "snapshot.pkl").write_bytes(pickle.dumps(snapshot))
    print(f"{len(snapshot)} results written to {out / 'snapshot.pkl'}", file=sys.stderr)


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in table.columns:
        dtype = table[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) and not dtype.ordered:
            table[column] = table[column].astype(str)
    if isinstance(table.index, pd.CategoricalIndex):
        table.index = table.index.astype(str)
    return table


def _same(before: object, after: object) -> str | None:
    if isinstance(before, pd.DataFrame) and isinstance(after, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(_as_text(before), _as_text(after))
        except AssertionError as error:
            return str(error)
        return None
    if isinstance(before, pd.Series) and isinstance(after, pd.Series):
        return _same(before.to_frame(), after.to_frame())
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if len(before) != len(after):
            return f"lengths {len(before)} != {len(after)}"
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            problem = _same(b, a)
            if problem:
                return f"[{i}] {problem}"
        return None
    if type(before) is not type(after):
        return f"types {type(before).__name__} != {type(after).__name__}"
    return None if before == after else f"{before!r:.300} != {after!r:.300}"


def _types(table: pd.DataFrame) -> dict[str, str]:
    return {
        str(c): "category" if isinstance(t, pd.CategoricalDtype) and not t.ordered else str(t)
        for c, t in table.dtypes.items()
    }


def _sav_without_date(data: bytes) -> bytes:
    # The header's creation date and time (bytes 92-108) are the only bytes that move.
    return data[:92] + data[109:]


def compare(before_dir: Path, after_dir: Path) -> int:
    before = pickle.loads((before_dir / "snapshot.pkl").read_bytes())
    after = pickle.loads((after_dir / "snapshot.pkl").read_bytes())
    problems = 0
    if set(before) != set(after):
        print("keys differ:", sorted(set(before) ^ set(after)))
        problems += 1
    for key in sorted(set(before) & set(after)):
        if key.endswith(".sav"):
            before[key], after[key] = _sav_without_date(before[key]), _sav_without_date(after[key])
        problem = _same(before[key], after[key])
        if problem:
            problems += 1
            print(f"DIFFERENT {key}: {problem}\n")
    retyped = [
        key
        for key in sorted(set(before) & set(after))
        if isinstance(before[key], pd.DataFrame)
        and isinstance(after[key], pd.DataFrame)
        and _types(before[key]) != _types(after[key])
    ]
    for key in retyped:
        old, new = _types(before[key]), _types(after[key])
        changed = {c: f"{old[c]} -> {new.get(c)}" for c in old if old[c] != new.get(c)}
        print(f"same values, other column types: {key}: {changed}")
    print(f"{len(set(before) & set(after))} results compared, {problems} different")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        # argv[3]: where the city-lab programme is scaffolded (shared by both runs)
        dump(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
