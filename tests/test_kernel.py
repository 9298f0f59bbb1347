"""The report's kernel: started before the content, working in its folder, always shut down."""

from __future__ import annotations

import gc
import os
import warnings
from pathlib import Path

import nbformat
import papermill
import pytest

from impact.kernel import KERNEL_NAME, ask_to_exit, report_kernel


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state  # a zombie has exited


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.getcwd())")]
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "where.ipynb"
    nbformat.write(nb, path)
    return path


def _execute(source: Path, target: Path, kernel) -> str:
    papermill.execute_notebook(
        str(source), str(target), kernel_name=KERNEL_NAME, progress_bar=False, km=kernel
    )
    return nbformat.read(target, as_version=4).cells[0].outputs[0]["text"].strip()


def test_the_kernel_works_in_its_folder_and_exits_when_asked(tmp_path):
    work = tmp_path / "scratch"
    work.mkdir()
    source = _notebook(tmp_path)
    with report_kernel(work) as kernel:
        pid = kernel.provisioner.pid
        connection_file = Path(kernel.connection_file)
        assert _running(pid) and connection_file.is_file()
        assert _execute(source, tmp_path / "out.ipynb", kernel) == str(work)
        ask_to_exit(kernel)
    assert not _running(pid)
    assert not connection_file.exists()


def test_a_kernel_not_asked_to_exit_is_shut_down_at_the_end(tmp_path):
    with report_kernel(tmp_path) as kernel:
        pid = kernel.provisioner.pid
        _execute(_notebook(tmp_path), tmp_path / "out.ipynb", kernel)
    assert not _running(pid)


def test_a_failing_block_kills_the_kernel_and_raises(tmp_path):
    with pytest.raises(RuntimeError, match="content failed"), report_kernel(tmp_path) as kernel:
        pid = kernel.provisioner.pid
        raise RuntimeError("content failed")
    assert not _running(pid)


def test_the_clients_papermill_made_are_closed(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with report_kernel(tmp_path) as kernel:
            _execute(_notebook(tmp_path), tmp_path / "out.ipynb", kernel)
            ask_to_exit(kernel)
        del kernel
        gc.collect()
    unclosed = [str(w.message) for w in caught if "Unclosed socket" in str(w.message)]
    assert unclosed == []
    assert os.getcwd() != str(tmp_path)  # the parent's own folder is untouched
