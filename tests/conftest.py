"""Shared fixtures: the demo programme (loaded once), a seeded generator, closed figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from impact.demo import DEMO_SURVEY
from impact.pipeline import load_programme

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def demo():
    """The demo programme, cleaned and scored."""
    return load_programme(DEMO_SURVEY)


@pytest.fixture(scope="session")
def reference() -> dict:
    """Reference values computed by R (tests/reference/make_reference.R)."""
    return json.loads((REFERENCE / "reference.json").read_text(encoding="utf-8"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo programme folder; returns its survey.yml."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO_SURVEY.parent, target)
    return target / "survey.yml"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory):
    """Every demo report rendered once (HTML, PDF, DOCX, results.json): the folder and the
    results of :func:`impact.report.render_all`."""
    from impact.report import render_all

    out = tmp_path_factory.mktemp("reports")
    return out, render_all(DEMO_SURVEY, out)
