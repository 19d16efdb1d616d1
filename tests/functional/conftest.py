# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest fixtures: start the emulator with QMP on a UNIX socket.

The binary comes from $QEMU_BINARY (meson sets it) or build/ next to the
source tree.  Each VM lives in its own temporary directory.  At teardown
every VM still running gets SIGTERM and must exit with status 0, and no
VM may leave a sanitizer report on stderr (VM.stop()): a leak or an
error found at shutdown fails the test.
"""

import ctypes
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from qmp import QMPClient  # noqa: E402

SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


# Sanitizer builds shut down slowly (LeakSanitizer scans the heap).
STOP_TIMEOUT = 60

# What ASan, LSan and UBSan print when they find something.
SANITIZER_REPORT = re.compile(
    r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|"
    r"SUMMARY: \w+Sanitizer|runtime error: ")


def check_no_sanitizer_report(text):
    """Raise AssertionError if @text (a binary's stderr) has a sanitizer
    report in it."""
    if SANITIZER_REPORT.search(text):
        raise AssertionError("sanitizer report on stderr:\n" + text)


def qemu_binary():
    path = os.environ.get("QEMU_BINARY")
    if not path:
        path = os.path.join(SRCDIR, "build", "qemu-system-x86_64")
    if not os.access(path, os.X_OK):
        pytest.fail(f"emulator binary not found: {path}")
    return path


class VM:
    """One emulator process with a QMP server socket in @tmpdir."""

    def __init__(self, tmpdir, args=()):
        self.binary = qemu_binary()
        self.qmp_path = os.path.join(str(tmpdir), "qmp.sock")
        self.args = [self.binary, "-machine", "none", "-nodefaults",
                     "-display", "none",
                     "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
                     *args]
        self.proc = None
        self.clients = []
        self.stderr = ""
        self.stopped = False
        self.waited = False

    def launch(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     preexec_fn=_die_with_parent)
        return self

    def connect(self, negotiate=True):
        c = QMPClient.connect(self.qmp_path)
        self.clients.append(c)
        if negotiate:
            c.negotiate()
        return c

    def wait(self, timeout=10):
        """Wait for the process to end on its own; (status, out, err).
        Its stderr is kept for the sanitizer check at stop()."""
        out, err = self.proc.communicate(timeout=timeout)
        self.stderr = err.decode(errors="replace")
        self.waited = True
        return self.proc.returncode, out.decode(), err.decode()

    def stop(self, timeout=STOP_TIMEOUT):
        """End the VM the way a user does (SIGTERM, or nothing more after
        a QMP quit: the binary shuts down cleanly, so sanitizer exit
        checks such as LeakSanitizer's run) and judge it: exit status 0
        when we stopped it, and in any case no sanitizer report on its
        stderr.  A VM that already ended keeps the status its test
        checked.  Raises AssertionError."""
        quit_sent = any(c.quit_sent for c in self.clients)
        for c in self.clients:
            c.close()
        self.clients = []
        if not self.proc or self.stopped:
            return
        self.stopped = True
        ours = self.proc.poll() is None
        if ours and not quit_sent:
            # The binary handles SIGTERM from start-up to exit; waiting
            # for the QMP greeting keeps the test's start-up errors apart.
            self.wait_for_main_loop()
            self.proc.terminate()
        if not self.waited:
            try:
                _, err = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
                raise AssertionError(f"{self.binary} ignored SIGTERM for "
                                     f"{timeout} s")
            self.stderr = err.decode(errors="replace")
        check_no_sanitizer_report(self.stderr)
        if ours and self.proc.returncode != 0:
            raise AssertionError(f"exit status {self.proc.returncode} "
                                 f"after SIGTERM; stderr:\n{self.stderr}")

    def wait_for_main_loop(self, timeout=10):
        """Connect to QMP and read the greeting (the main loop sends it),
        retrying while the binary is starting; give up after @timeout s
        (e.g. a test left a raw client connected) or if it exits."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            try:
                QMPClient(self.qmp_path, timeout=2).close()
                return
            except (OSError, ValueError):
                time.sleep(0.02)

    # Old name: every caller wants the judged stop.
    kill = stop


def stop_all(vms):
    """VM.stop() every VM of @vms, then raise the first failure."""
    failures = []
    for vm in vms:
        try:
            vm.stop()
        except AssertionError as e:
            failures.append(e)
    if failures:
        raise failures[0]


def _die_with_parent():
    """In the child: SIGKILL when pytest goes, whatever happens to it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)      # PR_SET_PDEATHSIG


@pytest.fixture
def make_vm(tmp_path):
    vms = []

    def make(*args):
        vm = VM(tmp_path / f"vm{len(vms)}", args)
        os.makedirs(os.path.dirname(vm.qmp_path), exist_ok=True)
        vms.append(vm)
        return vm.launch()

    yield make
    stop_all(vms)


@pytest.fixture
def vm(make_vm):
    return make_vm()


@pytest.fixture
def qmp(vm):
    return vm.connect()


# ---- fixtures for tests that start their own processes -----------------

@pytest.fixture
def vms():
    """A list for the test to add each process it starts to (conftest's
    VM, qtest.QTestMachine, ...); each gets kill() at teardown, in order."""
    started = []
    yield started
    for vm in started:
        vm.kill()


@pytest.fixture
def sock_path():
    """A path for a UNIX socket in a new directory of its own under the
    system's temporary one: short whatever the test's name (sun_path
    holds 108 bytes)."""
    d = tempfile.mkdtemp(prefix="mig-")
    yield os.path.join(d, "mig.sock")
