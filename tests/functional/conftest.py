# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest fixtures: start the emulator with QMP on a UNIX socket.

The binary comes from $QEMU_BINARY (meson sets it) or build/ next to the
source tree.  Each VM lives in its own temporary directory and is killed
at teardown if the test did not stop it.
"""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from qmp import QMPClient  # noqa: E402

SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


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

    def launch(self):
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        return self

    def connect(self, negotiate=True):
        c = QMPClient.connect(self.qmp_path)
        self.clients.append(c)
        if negotiate:
            c.negotiate()
        return c

    def wait(self, timeout=10):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()

    def kill(self):
        for c in self.clients:
            c.close()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def make_vm(tmp_path):
    vms = []

    def make(*args):
        vm = VM(tmp_path / f"vm{len(vms)}", args)
        os.makedirs(os.path.dirname(vm.qmp_path), exist_ok=True)
        vms.append(vm)
        return vm.launch()

    yield make
    for vm in vms:
        vm.kill()


@pytest.fixture
def vm(make_vm):
    return make_vm()


@pytest.fixture
def qmp(vm):
    return vm.connect()
