#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark (not a test): the test guest plugs 4 GiB in 2 MiB blocks
with 128 MiB requests (chunk=64) under -accel kvm, then unplugs it.

Prints, per step: requests, requests/s over the request phase (first to
last virtio_mem_request trace event), the time until the guest reported
the new size (qom-set to transcript line, including its pattern pass),
user-space exits per request inside the request phase (kvm_exit_pio /
kvm_exit_mmio trace events), and all exits per request from KVM's
binary statistics (query-stats, vCPU "exits", summed; this includes
the guest's pattern pass after the requests, so it is an upper bound).

Usage: tests/bench/bench-kvm-plug.py [BINARY] (default build/...);
prints a reason and exits 0 where /dev/kvm or the guest is unavailable.
"""

import os
import re
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "guest"))
from guestrun import GuestRun, kvm_unusable_reason, default_guest_elf, GiB  # noqa

def trace_times(path, event):
    out = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^\d+@([0-9.]+):(\S+)", line)
            if m and m[2].startswith(event):
                out.append(float(m[1]))
    return out


def all_exits(qmp):
    res = qmp.cmd("query-stats", {"target": "vcpu", "providers": [
        {"provider": "kvm", "names": ["exits"]}]})
    return sum(s["value"] for r in res for s in r["stats"])


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(SRC, "build", "qemu-system-x86_64")
    why = kvm_unusable_reason()
    if why or not os.path.exists(default_guest_elf()):
        print("bench-kvm-plug: skipped:", why or "guest not built")
        return 0
    work = tempfile.mkdtemp(prefix="bench-kvm-")
    trace = os.path.join(work, "trace.txt")
    run = GuestRun(binary, ["-accel", "kvm"], work,
                   append="mode=virtio-mem chunk=64",
                   extra=["-trace", "virtio_mem_request", "-trace",
                          "kvm_exit_*", "-D", trace])
    run.start()
    try:
        run.wait_line(r"^virtio-mem: ready", 90)
        print(f"{'step':>12} {'requests':>8} {'req/s':>8} {'converge':>9} "
              f"{'user exits/req':>14} {'all exits/req':>13}")
        for size in (4 * GiB, 0):
            mark = time.time()
            e0 = all_exits(run.qmp)
            r = run.step(size, 300)
            e1 = all_exits(run.qmp)
            reqs = [t for t in trace_times(trace, "virtio_mem_request")
                    if t >= mark]
            span = (reqs[-1] - reqs[0]) if len(reqs) > 1 else 0
            user = [t for t in trace_times(trace, "kvm_exit_")
                    if reqs and reqs[0] - 0.001 <= t <= reqs[-1]]
            n = max(len(reqs), 1)
            rate = f"{(len(reqs) - 1) / span:.0f}" if span else "-"
            print(f"{size // (1 << 20):>9} MiB {len(reqs):>8} {rate:>8} "
                  f"{r['seconds']:>8.2f}s {len(user) / n:>14.1f} "
                  f"{(e1 - e0) / n:>13.1f}")
    finally:
        run.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
