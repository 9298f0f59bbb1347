"""Every code block of the README and the guides works as written.

A page's ``python`` blocks run in order in one namespace, from the project folder, as a
reader pastes them into one session; ``yaml`` blocks must parse; ``sh`` blocks name only
verbs and options the command line has (``impact <verb> --help``) and targets of the
Makefile, and the cheap commands that write nothing run for real; ``text`` blocks are not
code. A block without one of these tags fails, so nothing escapes the tests by accident.
"""

import re
import shlex
from pathlib import Path

import matplotlib
import pytest
import yaml
from typer.testing import CliRunner

from impact.cli import app

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# docs/api.md is generated from the docstrings, whose examples run as doctests.
PAGES = [p for p in PAGES if p.name != "api.md"]
TAGS = {"python", "yaml", "sh", "text"}
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<tag>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```\s*$", re.M | re.S
)
# Commands that read and print only: they run for real on the demo.
RUN = {"check", "analyse"}
runner = CliRunner()


def blocks(page: Path) -> list[tuple[str, str, int]]:
    """(tag, code, line) of every fenced block of a page, the indentation of a block in a
    list item removed."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        indent = len(match["indent"])
        body = "\n".join(line[indent:] for line in match["body"].splitlines())
        found.append((match["tag"].strip(), body, text[: match.start()].count("\n") + 1))
    return found


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_code_block_is_tagged(page):
    for tag, _, line in blocks(page):
        assert tag in TAGS, f"{_name(page)}, line {line}: tag the block as one of {sorted(TAGS)}"


PYTHON_PAGES = [p for p in PAGES if any(tag == "python" for tag, _, _ in blocks(p))]


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=_name)
def test_python_blocks_run_in_order(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    matplotlib.use("agg")
    namespace: dict = {"__name__": "__doc_snippets__"}
    ran = 0
    for tag, code, line in blocks(page):
        if tag != "python":
            continue
        try:
            exec(compile(code, f"{_name(page)}:{line}", "exec"), namespace)
        except Exception as error:  # the snippet as a reader would see it fail
            pytest.fail(f"{_name(page)}, block at line {line}: {type(error).__name__}: {error}")
        ran += 1
    assert ran >= 1


@pytest.mark.parametrize(
    "page", [p for p in PAGES if any(t == "yaml" for t, _, _ in blocks(p))], ids=_name
)
def test_yaml_blocks_parse(page):
    for tag, code, line in blocks(page):
        if tag == "yaml":
            assert isinstance(yaml.safe_load(code), dict), f"{_name(page)}, line {line}"


def _commands(page: Path) -> list[tuple[list[str], int]]:
    commands = []
    for tag, code, line in blocks(page):
        if tag != "sh":
            continue
        for offset, text in enumerate(code.splitlines()):
            text = text.split("  #")[0].split(" # ")[0].strip()
            if text:
                commands.append((shlex.split(text), line + 1 + offset))
    return commands


def _options(verb: str) -> set[str]:
    result = runner.invoke(app, [verb, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"impact has no command {verb!r}"
    return set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", result.output))


SH_PAGES = [p for p in PAGES if _commands(p)]


@pytest.mark.parametrize("page", SH_PAGES, ids=_name)
def test_shell_lines_name_real_commands_and_options(page, tmp_path):
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    for words, line in _commands(page):
        where = f"{_name(page)}, line {line}: {' '.join(words)}"
        while words and "=" in words[0]:  # VARIABLE=value before the command
            words = words[1:]
        program = Path(words[0]).name
        if program == "make":
            assert set(words[1:]) <= targets, where
        elif program == "impact":
            verb, rest = words[1], words[2:]
            options = _options(verb)
            for word in rest:
                option = word.strip("[]").split("=")[0]
                if option.startswith("-"):
                    assert option in options, f"{where}: no option {option}"
            runnable = all(not w.startswith("-") or w == "--until" for w in rest)
            if verb in RUN and runnable and (ROOT / rest[0]).is_file():
                result = runner.invoke(app, [verb, *rest])
                assert result.exit_code == 0, f"{where}\n{result.output}"
        else:
            assert program in {"python", "pytest", "pip"}, f"{where}: an unknown program"
