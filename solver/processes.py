"""Run processes that never outlive the batch that started them.

Each run is a subprocess leading its own process group, so that one signal ends the run and anything it
started: when it times out, and when the batch is interrupted (Ctrl-C, SIGTERM, SIGHUP) or fails. A
batch killed by SIGKILL cannot clean up, so on Linux every run also dies with its batch by itself: the
kernel sends it SIGKILL when the thread that started it (and waits for it) ends. That parent-death
signal is armed between fork and exec, so there is no moment at which a run could outlive a dead batch,
and it acts whatever the run is doing, even inside a long HiGHS call (a watchdog thread in the run
would need the interpreter's lock, and could start only once the run's imports were done). Elsewhere
a run whose batch was killed by SIGKILL goes on to its end, its solve bounded by its time limit, and
its record is kept for the resumed batch.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

_PR_SET_PDEATHSIG = 1
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None  # looked up before any fork
_EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """The batch ended the run before it finished."""


class Processes:
    """The run processes of one batch, each in its own process group and dying with this process;
    `stop` ends those running and refuses new ones, so an interrupted batch leaves none behind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._stopped = False

    @contextmanager
    def run(self, command: list[str], cwd: str | None = None) -> Iterator[subprocess.Popen[str]]:
        """The process running `command` (stderr piped) for the block; on leaving, if still running, it is
        killed with its group. Interrupted, on entering or leaving, once `stop` has been called."""
        with self._lock:
            if self._stopped:
                raise Interrupted
            process = subprocess.Popen(command, cwd=cwd, process_group=0, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                       preexec_fn=dying_with(os.getpid()))
            self._running.add(process)
        try:
            yield process
        finally:
            if process.poll() is None:
                _kill_group(process)
                process.communicate()
            with self._lock:
                self._running.discard(process)
        if self._stopped:
            raise Interrupted

    def stop(self) -> None:
        """Kill every process running, with its group; refuse new ones."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        for process in running:
            _kill_group(process)


@contextmanager
def signals_as_exit() -> Iterator[None]:
    """Inside the block SIGTERM and SIGHUP raise SystemExit (as Ctrl-C raises KeyboardInterrupt), so that
    the batch's cleanup runs. Only in the main thread, and only for a signal that has its default action
    (a batch started under nohup keeps ignoring SIGHUP)."""
    main = threading.current_thread() is threading.main_thread()
    changed = [s for s in _EXIT_SIGNALS if main and signal.getsignal(s) is signal.SIG_DFL]
    for signum in changed:
        signal.signal(signum, _exit)
    try:
        yield
    finally:
        for signum in changed:
            signal.signal(signum, signal.SIG_DFL)


def dying_with(parent: int) -> Callable[[], None] | None:
    """A preexec_fn arming the parent-death signal (Linux; else None). It only makes system calls through
    a function looked up before the fork, so it is safe in a process with threads."""
    if _PRCTL is None:
        return None
    prctl, kill = _PRCTL, int(signal.SIGKILL)

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, kill)
        if os.getppid() != parent:  # the batch died before the signal was armed
            os._exit(1)
    return arm


def _kill_group(process: subprocess.Popen[str]) -> None:
    if process.returncode is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # it has just ended
            pass


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
