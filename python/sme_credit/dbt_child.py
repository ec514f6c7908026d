"""dbt as the CLI runs it: `python -m sme_credit.dbt_child <dbt args>` (sme_credit.project.run_dbt).

The process leads its own process group, which holds dbt's CV worker processes (joblib/loky)
too. On SIGTERM (from the CLI, or the kernel's death signal when the CLI dies) a watcher thread
SIGKILLs the whole group at once, so no worker outlives a stopped build even when nobody is left to clean up.
Letting dbt unwind as on Ctrl-C instead printed screens of tracebacks from dbt and loky and
gained nothing: DuckDB recovers an interrupted write from its WAL when the file is next opened.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

_LEADER = os.getpid()


def _stop_group() -> None:
    print("dbt stopped (SIGTERM): dbt and its worker processes are killed", file=sys.stderr, flush=True)
    os.killpg(os.getpgid(_LEADER), signal.SIGKILL)


def _on_sigterm(signum, frame) -> None:
    if os.getpid() != _LEADER:  # a forked worker inherited this handler: just stop
        os._exit(128 + signum)
    _stop_group()


def _watch_wakeup_fd(read_fd: int) -> None:
    """Act on SIGTERM at once. Python runs signal handlers in the main thread only, and dbt's main
    thread can sleep for minutes waiting for a model; the C-level handler writes the signal number
    to the wakeup fd from whichever thread the kernel picked, which wakes this thread."""
    while data := os.read(read_fd, 64):
        if signal.SIGTERM in data:
            _stop_group()


def _die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the CLI dies, even by SIGKILL (Linux PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    parent = os.environ.get("SME_CREDIT_CLI_PID")
    if parent and os.getppid() != int(parent):  # the CLI died before the request took effect
        sys.exit(1)


def main() -> int:
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    threading.Thread(target=_watch_wakeup_fd, args=(read_fd,), name="sigterm-watch", daemon=True).start()
    _die_with_parent()
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    return cli()


if __name__ == "__main__":
    sys.exit(main())
