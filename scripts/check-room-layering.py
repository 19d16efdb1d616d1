#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that no room library calls upward.

Every room (util, physmem, memory, softmmu, qom, chardev, monitor,
backends, hw_*, system) is one static library, declared in meson with the
rooms below it that it may use.  Because the final links put all the
archives in one group, an upward call would still link; this check makes
it visible instead: for every symbol a room's archive leaves undefined,
at least one room the room may use (or the room itself) must define it.
A symbol that no room defines (GLib, libc) is not ours and is ignored.

Usage:
  check-room-layering.py ROOM=ARCHIVE=DEP,DEP,... [...]

Exit status 0 when clean; 1 with one line per offending symbol
("hw_core: machine.o uses pc_q35_register_types, defined only in
hw_i386") otherwise.  Run by `meson test check-room-layering`.
"""
import subprocess
import sys


def nm_lines(archive, *flags):
    out = subprocess.run(['nm', '-A', '--no-sort', *flags, archive],
                         check=True, capture_output=True, text=True).stdout
    return out.splitlines()


def defined_symbols(archive):
    """Global symbols the archive defines (any member)."""
    syms = set()
    for line in nm_lines(archive, '-g', '--defined-only'):
        parts = line.split()
        if len(parts) >= 3 and parts[-2] not in ('U', 'w', 'v'):
            syms.add(parts[-1])
    return syms


def undefined_symbols(archive):
    """(member, symbol) pairs left undefined by a member."""
    pairs = []
    for line in nm_lines(archive, '-u'):
        # "libfoo.a:member.o:                 U symbol"
        loc, _, rest = line.rpartition(':')
        parts = rest.split()
        if len(parts) == 2 and parts[0] == 'U':
            member = loc.rsplit("/", 1)[-1]
            pairs.append((member, parts[1]))
    return pairs


def main(argv):
    rooms = {}
    for arg in argv:
        name, archive, deps = arg.split('=', 2)
        rooms[name] = (archive, [d for d in deps.split(',') if d])
    for name, (_, deps) in rooms.items():
        for d in deps:
            if d not in rooms:
                print(f'{name}: unknown room {d!r} in its dependencies')
                return 1

    defined = {name: defined_symbols(a) for name, (a, _) in rooms.items()}
    owners = {}
    for name, syms in defined.items():
        for s in syms:
            owners.setdefault(s, set()).add(name)

    bad = 0
    for name, (archive, deps) in rooms.items():
        allowed = set(deps) | {name}
        seen = set()
        for member, sym in undefined_symbols(archive):
            who = owners.get(sym)
            if not who or who & allowed or (member, sym) in seen:
                continue
            seen.add((member, sym))
            print(f'{name}: {member} uses {sym}, defined only in '
                  f'{", ".join(sorted(who))}')
            bad += 1
    if bad:
        print(f'{bad} upward or sideways use(s); see docs/devel/build.md')
        return 1
    print(f'{len(rooms)} room libraries, no upward use')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
