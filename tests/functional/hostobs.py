# SPDX-License-Identifier: GPL-2.0-or-later
"""Host-side observation for functional tests: what the kernel says about
memory, rather than what the binary says about itself."""


def meminfo(field):
    """A /proc/meminfo field, in bytes (plain counts as they are)."""
    with open("/proc/meminfo") as f:
        for line in f:
            name, value = line.split(":", 1)
            if name == field:
                parts = value.split()
                return int(parts[0]) * (1024 if len(parts) > 1 else 1)
    raise KeyError(field)


def status_bytes(pid, field):
    """A kB field of /proc/PID/status (VmLck, VmRSS, ...), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def rss_of(pid):
    """Resident set of @pid from smaps_rollup, in bytes."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                return int(line.split()[1]) * 1024
    raise KeyError("Rss")


def overcommit_mode():
    with open("/proc/sys/vm/overcommit_memory") as f:
        return int(f.read())
