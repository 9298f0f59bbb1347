"""JupyterLab (as `make lab` starts it) serves the project's notebooks with its kernel."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict | list:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_jupyterlab_lists_the_notebooks_and_offers_the_project_kernel(tmp_path):
    port, token = _free_port(), "impact-test"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT / 'notebooks'}",
            "--ServerApp.open_browser=False",
            "--allow-root",  # CI runs as root
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            "HOME": str(tmp_path),
            "PATH": str(Path(sys.executable).parent),
            "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        },
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        contents = None
        while time.monotonic() < deadline:
            try:
                contents = _get(f"{base}/api/contents?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        assert contents is not None, "the server did not answer within 60 s"
        names = {item["name"] for item in contents["content"]}
        assert "cohort_explorer.ipynb" in names
        assert names >= {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        specs = _get(f"{base}/api/kernelspecs?token={token}")
        assert "python3" in specs["kernelspecs"]
        argv = specs["kernelspecs"]["python3"]["spec"]["argv"]
        assert argv[0] in ("python", sys.executable), argv
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode is not None
