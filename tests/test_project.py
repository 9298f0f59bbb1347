"""The project's own files: environment.yml in step, notebooks without outputs, README."""

import json
import re
import tomllib
from pathlib import Path

import yaml

from impact.report import PARAMETERS, REPORT_NOTEBOOK

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] + [
        d for ds in project["optional-dependencies"].values() for d in ds
    ]
    return {m[1].lower(): m[2] for m in (re.match(r"([A-Za-z0-9_.-]+)(.*)", s) for s in specs)}


def test_environment_yml_has_the_same_dependencies_and_ranges():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, spec = re.match(r"([A-Za-z0-9_.-]+)(.*)", dep).groups()
            if name not in ("python", "pip"):  # pip-audit is a dependency, pip is not
                conda[name.lower()] = spec
    assert conda == _requirements()
    pip_section = next(d for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section["pip"]


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + [REPORT_NOTEBOOK]
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, path.name


def test_report_notebook_has_the_documented_parameters():
    import papermill

    parameters = papermill.inspect_notebook(str(REPORT_NOTEBOOK))
    assert (
        set(parameters)
        == set(PARAMETERS)
        == {
            "survey",
            "milestone",
            "language",
            "output_dir",
            "programme_file",
            "content_file",
        }
    )


def test_readme_shows_exactly_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
