#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail when the test guest contains an instruction that this host's KVM
(kvm_pvm, which emulates all CPL0 code) cannot emulate, or any SSE/AVX
register use.  Only the named functions may hold one on purpose.

usage: check-insns.py OBJDUMP GUEST.ELF STAMP
       check-insns.py --selftest OBJDUMP BAD.O BAD.S
(the self-test expects exactly one finding per line of BAD.S marked
"bad" and none in allowed_popcnt or user_vec_*)
"""

import re
import subprocess
import sys

FORBIDDEN = re.compile(
    r"^(cmpxchg16b|xsave\w*|xrstor\w*|xgetbv|int3|clac|stac|popcnt\w*|"
    r"fwait|wait|"
    r"ldmxcsr|stmxcsr|fxsave\w*|fxrstor\w*)$")
VECTOR_REG = re.compile(r"%[xyz]mm\d|%k[0-7]\b")
INT3 = re.compile(r"^int\s+\$0x3$")
# Functions allowed to hold a forbidden instruction, and which ones.
ALLOWED = {"guest_popcnt": {"popcnt"}, "allowed_popcnt": {"popcnt"}}
# Functions that run at CPL3 only (natively on the PVM host) may use
# vector registers: mode=cpu-state's vector half (vector-user.S).
CPL3_VECTOR_PREFIX = "user_vec_"


def scan(objdump, elf):
    """(number of instructions, list of forbidden ones as text)."""
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", "-M", "att",
                          elf], check=True, capture_output=True,
                         text=True).stdout
    func = None
    bad = []
    count = 0
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            func = m.group(1)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
        if not m:
            continue
        insn = m.group(2).strip()
        if not insn or insn.startswith("(bad)"):
            continue
        count += 1
        words = insn.split()
        mnem = words[0]
        # Prefixes print as separate words (rep, lock, data16, ...).
        while mnem in ("rep", "repz", "repnz", "repe", "repne", "lock",
                       "data16", "addr32", "notrack", "bnd", "cs", "ds") \
                and len(words) > 1:
            words = words[1:]
            mnem = words[0]
        base = re.sub(r"[lqwb]$", "", mnem) if mnem.startswith("popcnt") \
            else mnem
        cpl3_vector = func is not None and \
            func.startswith(CPL3_VECTOR_PREFIX)
        if FORBIDDEN.match(mnem) or INT3.match(insn) or \
                (VECTOR_REG.search(insn) and not cpl3_vector):
            allowed = ALLOWED.get(func, set())
            if base in allowed or mnem in allowed:
                continue
            bad.append(f"{m.group(1)} <{func}>: {insn}")
    return count, bad


def selftest(objdump, obj, source):
    count, bad = scan(objdump, obj)
    with open(source) as f:
        want = sum(1 for line in f if "/* bad */" in line)
    for b in bad:
        print("found: " + b)
    if len(bad) != want or any("allowed" in b for b in bad):
        print(f"expected {want} findings, none in allowed_*",
              file=sys.stderr)
        return 1
    return 0


def main():
    if sys.argv[1] == "--selftest":
        return selftest(*sys.argv[2:5])
    objdump, elf, stamp = sys.argv[1:4]
    count, bad = scan(objdump, elf)
    if count == 0:
        print(f"{elf}: no instructions found", file=sys.stderr)
        return 1
    if bad:
        print(f"{elf}: instructions KVM on this host cannot emulate at CPL0:",
              file=sys.stderr)
        for b in bad:
            print("  " + b, file=sys.stderr)
        return 1
    with open(stamp, "w") as f:
        f.write(f"{count} instructions checked\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
