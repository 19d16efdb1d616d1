# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the test guest (tests/guest/guest.elf) under a binary with a
virtio-mem device, drive requested-size over QMP and read the guest's
console transcript.  Shared by tests/functional/test_guest_reference.py
and `scripts/demo --kvm` (which runs this file as a program).

The transcript is the debug-port file; the guest prints one line per
converged change:  virtio-mem: requested=0x... plugged=0x... verified=N
blocks.
"""

import ctypes
import fcntl
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRCDIR, "tests", "functional"))
from qmp import QMPClient  # noqa: E402

GiB = 1 << 30
MiB = 1 << 20
STEPS = [1 * GiB, 4 * GiB, 512 * MiB, 0]
LINE_RE = re.compile(r"^virtio-mem: requested=0x([0-9a-f]+) "
                     r"plugged=0x([0-9a-f]+) verified=(\d+) blocks$")

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01


def kvm_unusable_reason():
    """None when /dev/kvm opens, speaks API 12 and creates a VM; else why."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"/dev/kvm: {e.strerror}"
    try:
        try:
            version = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
        except OSError as e:
            return f"/dev/kvm is not a KVM device: {e.strerror}"
        if version != 12:
            return f"/dev/kvm: API version {version}, not 12"
        try:
            vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        except OSError as e:
            return f"/dev/kvm: KVM_CREATE_VM failed: {e.strerror}"
        os.close(vm)
        return None
    finally:
        os.close(fd)


def default_guest_elf():
    return os.environ.get("GUEST_ELF") or os.path.join(
        SRCDIR, "build", "tests", "guest", "guest.elf")


def rss_of(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _die_with_parent():
    """In the child: SIGKILL when the Python process goes away, so a
    killed test or demo leaves no binary behind (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class StartupError(Exception):
    """The binary exited before its QMP socket answered."""

    def __init__(self, rc, stderr):
        super().__init__(f"exit status {rc}: {stderr.strip()}")
        self.rc = rc
        self.stderr = stderr


class GuestRun:
    """One binary running the guest with a virtio-mem-pci device vm0."""

    def __init__(self, binary, accel, workdir, guest_elf=None,
                 append="mode=virtio-mem", backend_size="16G",
                 maxmem="17G", requested="0", extra=()):
        self.binary = binary
        self.workdir = workdir
        self.console = os.path.join(workdir, "console.txt")
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.guest_elf = guest_elf or default_guest_elf()
        self.args = [binary, *accel, "-machine", "q35", "-m",
                     f"1G,maxmem={maxmem}", "-kernel", self.guest_elf,
                     "-append", append,
                     "-debugcon", f"file:{self.console}",
                     "-object",
                     f"memory-backend-ram,id=mem0,size={backend_size},"
                     "reserve=off",
                     "-device", "virtio-mem-pci,id=vm0,memdev=mem0,"
                     f"requested-size={requested}",
                     "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
                     "-display", "none", "-nodefaults", *extra]
        self.proc = None
        self.qmp = None
        self.stderr_path = os.path.join(workdir, "stderr.txt")

    def start(self, timeout=30.0):
        """Start and connect QMP; StartupError if the binary exits first."""
        os.makedirs(self.workdir, exist_ok=True)
        for p in (self.console, self.qmp_path):
            if os.path.exists(p):
                os.unlink(p)
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self._stderr,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise StartupError(self.proc.returncode, self.stderr())
            try:
                self.qmp = QMPClient(self.qmp_path, timeout=timeout)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError("QMP socket never answered")
                time.sleep(0.02)
        self.qmp.negotiate()
        return self

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def transcript(self):
        """The console's complete lines so far."""
        try:
            with open(self.console, "rb") as f:
                data = f.read().decode(errors="replace")
        except FileNotFoundError:
            return []
        return data.split("\n")[:-1]

    def wait_line(self, pattern, timeout, start=0):
        """Index of the first line from @start matching @pattern (a regex)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            lines = self.transcript()
            for i in range(start, len(lines)):
                if rx.search(lines[i]):
                    return i
            for line in lines[start:]:
                if "PANIC" in line:
                    raise AssertionError("guest: " + line)
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"binary exited ({self.proc.returncode}): "
                    f"{self.stderr().strip()}; console: {lines[-5:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no console line matching {pattern!r} within "
                    f"{timeout} s; last lines: {lines[-5:]}")
            time.sleep(0.01)

    def step(self, size, timeout, block_size=2 * MiB):
        """Set requested-size to @size and wait for the guest's line.

        Returns a dict: requested, device (qom-get size), guest_plugged,
        verified, line, rss, seconds.
        """
        start = len(self.transcript())
        t0 = time.monotonic()
        self.qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                                 "value": size})
        want = (f"^virtio-mem: requested=0x{size:x} plugged=0x{size:x} "
                "verified=")
        i = self.wait_line(want, timeout, start)
        seconds = time.monotonic() - t0
        line = self.transcript()[i]
        m = LINE_RE.match(line)
        device = self.qmp.cmd("qom-get", {"path": "vm0", "property": "size"})
        return {"requested": size, "device": device,
                "guest_plugged": int(m.group(2), 16) if m else None,
                "verified": int(m.group(3)) if m else None,
                "line": line, "rss": rss_of(self.proc.pid),
                "seconds": seconds}

    def stop(self):
        if self.qmp:
            try:
                self.qmp.close()
            except OSError:
                pass
            self.qmp = None
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None


def fmt_size(n):
    if n is None:
        return "?"
    return f"{n // MiB} MiB"


def demo(argv):
    """scripts/demo --kvm: one line per step; exit 0 on success."""
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(prog="scripts/demo --kvm")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--accel", default="kvm")
    ap.add_argument("--guest", default=default_guest_elf())
    ap.add_argument("--backend-size", default="16G")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--cpu", help="-cpu model (default: none for our "
                    "binary, max under tcg, qemu64 for QEMU under kvm)")
    ap.add_argument("--smp", action="store_true",
                    help="two vCPUs, the second verifies half the blocks")
    ap.add_argument("--append", default="",
                    help="more guest options (tests/guest/README.md)")
    args = ap.parse_args(argv)
    accel = ["-accel", args.accel]
    if args.cpu:
        accel += ["-cpu", args.cpu]
    elif args.accel == "tcg":
        accel += ["-cpu", "max"]
    append = "mode=virtio-mem" + (" smp" if args.smp else "")
    if args.append:
        append += " " + args.append
    with tempfile.TemporaryDirectory(prefix="demo-kvm-") as tmp:
        run = GuestRun(args.binary, accel, tmp, guest_elf=args.guest,
                       backend_size=args.backend_size, append=append,
                       extra=["-smp", "2"] if args.smp else [],
                       maxmem=f"{int(args.backend_size.rstrip('G')) + 1}G")
        print(f"guest demo: {' '.join(run.args)}", flush=True)
        t0 = time.monotonic()
        try:
            run.start()
        except StartupError as e:
            print(f"scripts/demo: {args.binary} cannot run the guest with "
                  f"-accel {args.accel}: {e.stderr.strip() or e}",
                  file=sys.stderr)
            return 3
        try:
            run.wait_line(r"^virtio-mem: ready", args.timeout)
            print(f"guest ready after {time.monotonic() - t0:.2f} s "
                  f"(RSS {fmt_size(rss_of(run.proc.pid))})")
            print(f"{'requested':>10} {'plugged':>10} {'plugged':>10} "
                  f"{'verified':>9} {'RSS':>10} {'converged':>10}")
            print(f"{'(qom-set)':>10} {'(device)':>10} {'(guest)':>10} "
                  f"{'(blocks)':>9} {'(binary)':>10} {'(s)':>10}")
            for size in STEPS:
                r = run.step(size, args.timeout)
                print(f"{fmt_size(r['requested']):>10} "
                      f"{fmt_size(r['device']):>10} "
                      f"{fmt_size(r['guest_plugged']):>10} "
                      f"{r['verified']:>9} {fmt_size(r['rss']):>10} "
                      f"{r['seconds']:>10.2f}", flush=True)
        except (AssertionError, TimeoutError) as e:
            print(f"scripts/demo: {e}", file=sys.stderr)
            return 1
        finally:
            run.stop()
    return 0


def run_cmd(argv):
    """guestrun.py run: boot, apply --steps, print the transcript and RSS
    (for reproducing a run by hand)."""
    import argparse
    import tempfile

    ap = argparse.ArgumentParser(prog="guestrun.py run")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--accel", default="-accel kvm",
                    help="accelerator arguments, e.g. '-accel tcg -cpu max'")
    ap.add_argument("--append", default="mode=virtio-mem")
    ap.add_argument("--steps", default="",
                    help="requested sizes in bytes or with G/M, comma-separated")
    ap.add_argument("--extra", default="", help="more binary arguments")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args(argv)

    def size(t):
        mult = {"G": GiB, "M": MiB}.get(t[-1:].upper(), 1)
        return int(t.rstrip("GgMm")) * mult

    with tempfile.TemporaryDirectory(prefix="guestrun-") as tmp:
        run = GuestRun(args.binary, args.accel.split(), tmp,
                       append=args.append, extra=args.extra.split())
        rc = 0
        try:
            run.start()
            run.wait_line(r"^virtio-mem: ready|^guest: done", args.timeout)
            print(f"RSS {fmt_size(rss_of(run.proc.pid))}")
            for t in filter(None, args.steps.split(",")):
                r = run.step(size(t), args.timeout)
                print(f"step {t}: {r['seconds']:.2f} s, device "
                      f"{fmt_size(r['device'])}, RSS {fmt_size(r['rss'])}")
            time.sleep(0.5)
        except (StartupError, AssertionError, TimeoutError) as e:
            print(f"guestrun: {e}", file=sys.stderr)
            rc = 1
        finally:
            print("\n".join(run.transcript()))
            run.stop()
    return rc


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        sys.exit(demo(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(run_cmd(sys.argv[2:]))
    print("usage: guestrun.py demo|run --binary PATH ... (--help)",
          file=sys.stderr)
    sys.exit(2)
