"""The built wheel, installed into a fresh virtual environment, renders a report from an
empty folder: the package carries its notebook, instruments, demo and schema, and nothing
depends on the repository or the current folder.

No network: the wheel is built without build isolation (setuptools from the test extras),
and the fresh environment (no system site-packages) sees the dependencies of the current
one through a ``.pth`` file naming its site-packages. The project itself comes only from
the wheel, installed with ``--no-deps``: ``.pth`` lines add folders to ``sys.path`` without
running the ``.pth`` files inside them, so the editable install of the current
environment stays invisible, and the fresh environment's own site-packages comes first.
The dependencies' data files (nbconvert's templates) are found through ``JUPYTER_PATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from impact.results_schema import results_schema

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = [
    "impact/notebooks/evaluation_report.ipynb",
    "impact/instruments/who5.yml",
    "impact/demo_programme/survey.yml",
    "impact/demo_programme/registry.csv",
    "impact/demo_programme/raw/kickoff.csv",
    "impact/schemas/results.schema.json",
    "impact/locales/de.yml",
    "impact/py.typed",
]


def _run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    run = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{args}: {run.stdout}\n{run.stderr}"
    return run


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the source tree (the checkout stays untouched)."""
    source = tmp_path_factory.mktemp("source") / "impact"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "reports",
            "build",
            "*.egg-info",
            "__pycache__",
            ".*_cache",
            ".hypothesis",
            "tests",
            "bench",
        ),
    )
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(dist),
        ],
        cwd=dist,
        env=env,
    )
    (built,) = dist.glob("*.whl")
    return built


def test_the_wheel_carries_the_package_data_and_its_name(wheel):
    assert wheel.name.startswith("impact_evaluation-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    assert set(PACKAGE_DATA) <= names
    assert not [n for n in names if n.startswith(("tests/", "surveys/", "notebooks/"))]
    assert "Name: impact-evaluation" in text and "License-Expression: MIT" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "Requires-Dist: jsonschema" in text


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with only the wheel installed; its bin folder."""
    target = tmp_path_factory.mktemp("venv") / "env"
    venv.create(target, with_pip=False, system_site_packages=False)
    python = target / "bin" / "python"
    purelib = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        cwd=target,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    return target / "bin"


def _clean_env(bin_dir: Path, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return env | {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(home),
        # The dependencies' data files (nbconvert's templates, the kernel spec) lie in the
        # current environment's share/jupyter, where installing them would have put them.
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
    }


def test_the_installed_wheel_renders_the_demo_from_an_empty_folder(installed, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = _clean_env(installed, tmp_path)
    where = _run(
        [str(installed / "python"), "-c", "import impact; print(impact.__file__)"], empty, env
    )
    package = Path(where.stdout.strip()).parent
    assert installed.parent in package.parents, "impact must come from the wheel"
    shipped = {p: p.read_bytes() for p in (package / "demo_programme").rglob("*") if p.is_file()}

    version = _run([str(installed / "impact"), "--version"], empty, env)
    assert version.stdout.strip().startswith("impact 0.")
    helped = _run([str(installed / "python"), "-m", "impact", "--help"], empty, env)
    assert "demo" in helped.stdout and "Exit codes" in helped.stdout

    _run(
        [str(installed / "impact"), "demo", "--out", "out", "-m", "kickoff", "-l", "en"], empty, env
    )
    out = empty / "out"
    assert (out / "kickoff_en.html").stat().st_size > 10_000
    assert (out / "kickoff_en.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "programme" / "raw" / "kickoff.csv").is_file()
    document = json.loads((out / "kickoff_en.results.json").read_text(encoding="utf-8"))
    import jsonschema

    jsonschema.validate(document, results_schema())
    assert document["milestone"] == "kickoff" and document["synthetic"] is True
    # Nothing was written into the installed package, nor beside the empty folder.
    after = {p: p.read_bytes() for p in (package / "demo_programme").rglob("*") if p.is_file()}
    assert after == shipped
    assert {p.name for p in empty.iterdir()} == {"out"}
