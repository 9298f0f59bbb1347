"""JupyterLab (as `make lab` starts it) serves the project's notebooks with its kernel, and
each notebook runs there top to bottom as "Run all" runs it: its kernel started by the
server in ``notebooks/``, every cell sent over the kernel's websocket."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import websocket

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TOKEN = "impact-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, data: dict | None = None, method: str = "GET") -> dict | list:
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else {}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port with ``notebooks/`` as its root, as
    ``make lab`` starts it."""
    home = tmp_path_factory.mktemp("lab-home")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={NOTEBOOKS}",
            "--ServerApp.open_browser=False",
            "--allow-root",  # CI runs as root
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            "HOME": str(home),
            "PATH": str(Path(sys.executable).parent),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "MPLBACKEND": "agg",
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _request(f"{base}/api/status")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the server did not answer within 60 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_jupyterlab_lists_the_notebooks_and_offers_the_project_kernel(lab):
    contents = _request(f"{lab}/api/contents")
    names = {item["name"] for item in contents["content"]}
    assert "cohort_explorer.ipynb" in names
    assert names >= {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    specs = _request(f"{lab}/api/kernelspecs")
    assert "python3" in specs["kernelspecs"]
    argv = specs["kernelspecs"]["python3"]["spec"]["argv"]
    assert argv[0] in ("python", sys.executable), argv


def _message(code: str, session: str) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "username": "test",
            "session": session,
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
    }


def _run_all(lab: str, name: str, timeout: float = 600) -> list[str]:
    """Open ``name`` as JupyterLab does (a session whose kernel the server starts in the
    notebook's folder), send each code cell in turn, and return the text outputs; fail at
    the first cell that raises."""
    session = _request(
        f"{lab}/api/sessions",
        {"path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}},
        method="POST",
    )
    kernel = session["kernel"]["id"]
    ws_url = lab.replace("http", "ws") + f"/api/kernels/{kernel}/channels?token={TOKEN}"
    channel = websocket.create_connection(ws_url, timeout=timeout)
    outputs: list[str] = []
    try:
        cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
        # The working folder comes back on the shell channel (iopub may join late).
        where = {"cell_type": "code", "source": "import os"}
        for number, cell in enumerate([where, *cells], start=-1):
            if cell["cell_type"] != "code":
                continue
            request = _message("".join(cell["source"]), session["id"])
            if number < 0:
                request["content"]["user_expressions"] = {"cwd": "os.getcwd()"}
            channel.send(json.dumps(request))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                reply = json.loads(channel.recv())
                if reply.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                kind, content = reply["msg_type"], reply["content"]
                if kind == "stream":
                    outputs.append(content["text"])
                elif kind in ("execute_result", "display_data"):
                    outputs.append(content["data"].get("text/plain", ""))
                    outputs.append(content["data"].get("text/html", ""))
                elif kind == "error":
                    pytest.fail(f"{name}, cell {number}: {content['ename']}: {content['evalue']}")
                elif kind == "execute_reply":
                    assert content["status"] == "ok", (name, number, content)
                    if number < 0:
                        cwd = content["user_expressions"]["cwd"]["data"]["text/plain"]
                        outputs.append(cwd.strip("'"))
                    break
            else:
                pytest.fail(f"{name}, cell {number}: no reply within {timeout} s")
    finally:
        channel.close()
        _request(f"{lab}/api/sessions/{session['id']}", method="DELETE")
    return outputs


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_each_notebook_runs_all_in_the_jupyterlab_kernel(lab, name):
    before = {p: p.stat().st_mtime_ns for p in ROOT.glob("reports/**/*") if p.is_file()}
    outputs = _run_all(lab, name)
    assert outputs[0] == str(NOTEBOOKS), "the kernel runs in the notebook's folder"
    text = "\n".join(outputs)
    assert "Traceback" not in text
    expected = {
        "cohort_explorer.ipynb": "raw_rows",
        "psychometrics.ipynb": "parallel analysis suggests",
        "custom_analysis.ipynb": "final_en.html",
    }[name]
    assert expected in text
    # The defaults write to a temporary folder: rendered reports stay as they were.
    after = {p: p.stat().st_mtime_ns for p in ROOT.glob("reports/**/*") if p.is_file()}
    assert after == before
