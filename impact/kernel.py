"""A report's kernel, started before its content is ready.

A Jupyter kernel takes most of a second to start (a Python process importing IPython and
ipykernel). :func:`report_kernel` launches it at once and hands its manager to papermill
when the notebook is executed, so the kernel boots on another core while the report's
content is prepared (:func:`impact.report_content.prepare`) instead of after it.

The kernel works in the folder it is started in, with the transport keys the manager
provisions (ipykernel warns about unencrypted TCP otherwise). It is shut down when the
``with`` block ends: killed when anything failed, otherwise asked to exit, which
:func:`ask_to_exit` does early so that the kernel exits while the page is exported.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder, report_kernel(folder) as kernel:
...     kernel.has_kernel
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets.config import Config

KERNEL_NAME = "python3"
KERNEL_CONFIG = Config({"KernelManager": {"transport_encryption": "auto"}})


class _ReportKernelManager(AsyncKernelManager):
    """A kernel manager that closes the channels of the clients it made when the kernel is
    shut down (a client given a manager it does not own leaves them open)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.clients_made: list = []
        self.exit_requested = False

    def client(self, **kwargs):
        client = super().client(**kwargs)
        self.clients_made.append(client)
        return client

    def close_clients(self) -> None:
        for client in self.clients_made:
            client.stop_channels()
        self.clients_made.clear()


@contextlib.contextmanager
def report_kernel(cwd: str | Path) -> Iterator[AsyncKernelManager]:
    """A started kernel working in ``cwd``, for ``papermill.execute_notebook(km=...)``.

    The kernel is launched before the block runs and shut down when it ends: gracefully
    when the block ends normally, at once when it raises.

    Parameters
    ----------
    cwd : str or Path
        The kernel's working folder.

    Yields
    ------
    AsyncKernelManager
        The manager of the running kernel.
    """
    manager = _ReportKernelManager(kernel_name=KERNEL_NAME, config=KERNEL_CONFIG)
    run_sync(manager.start_kernel)(cwd=str(cwd))
    try:
        yield manager
    except BaseException:
        _shut_down(manager, now=True)
        raise
    _shut_down(manager, now=False)


def ask_to_exit(manager: AsyncKernelManager) -> None:
    """Ask the kernel of :func:`report_kernel` to exit, without waiting for it: the block
    goes on while the kernel winds down, and its end waits for the exit."""
    run_sync(manager.request_shutdown)()
    manager.exit_requested = True


def _shut_down(manager: _ReportKernelManager, *, now: bool) -> None:
    manager.close_clients()
    if manager.exit_requested and not now:
        # What shutdown_kernel does after its request: wait for the exit (killing the
        # kernel after shutdown_wait_time), then remove the connection file.
        run_sync(manager.finish_shutdown)()
        run_sync(manager.cleanup_resources)()
    elif run_sync(manager.is_alive)():
        run_sync(manager.shutdown_kernel)(now=now)  # cleans up as well
    else:
        run_sync(manager.cleanup_resources)()
