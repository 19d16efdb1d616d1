# SPDX-License-Identifier: GPL-2.0-or-later
"""What the migration tests share (test_migration.py,
test_migration_devices.py, test_migration_kvm.py,
test_migration_libvirt.py): starting qtest machines, passing descriptors
the way libvirt does (getfd), waiting on query-migrate, and reading and
editing a captured stream section by section.

The stream's layout is docs/devel/migration.md's ("The stream"): the
magic and a u32 format version, then sections of u8 kind, u8 0, u16 n +
name, u16 n + type, u32 version, u64 length, the payload and a crc32 of
all that from the kind on.  The fixtures these tests use (vms,
sock_path) are in conftest.py.
"""

import collections
import json
import socket
import struct
import time
import zlib

import qtest

MAGIC = b"QELMIGR\n"
HEADER = 12                 # magic and format version


# ---- machines -------------------------------------------------------------

def start(vms, args, binary=None, accel=None):
    """Launch a qtest machine (our binary unless @binary, -accel qtest
    unless @accel) with @args and a 60 s reply timeout, and add it to
    @vms (the fixture kills whatever is left of it at teardown)."""
    vm = qtest.QTestMachine(args, binary=binary, accel=accel, timeout=60)
    vm.launch()
    vms.append(vm)
    return vm


def start_pair(vms, args, incoming, dst_args=None, binary=None,
               accel=None):
    """start() a source with @args, then a destination with @dst_args
    (default @args) waiting on -incoming @incoming, both of @binary and
    @accel; (source, destination)."""
    src = start(vms, args, binary, accel)
    dst = start(vms, (args if dst_args is None else dst_args) +
                ["-incoming", incoming], binary, accel)
    return src, dst


# ---- query-migrate --------------------------------------------------------

def qmp_with_fds(vm, fds, cmd, **args):
    """One QMP command whose bytes carry @fds (SCM_RIGHTS), as libvirt
    sends getfd; returns the whole response (events skipped)."""
    data = json.dumps({"execute": cmd, "arguments": args}) + "\n"
    socket.send_fds(vm.qmp_chan.sock, [data.encode()], fds)
    while True:
        rsp = vm.qmp_receive()
        if "event" not in rsp:
            return rsp


def connect_by_getfd(src, dst):
    """libvirt's wiring: the two ends of a socketpair, passed with getfd
    as "migrate" to @src and "incoming" to @dst, and the destination
    told migrate-incoming fd:incoming.  Then migrate uri=fd:migrate."""
    a, b = socket.socketpair()
    try:
        assert qmp_with_fds(dst, [b.fileno()], "getfd",
                            fdname="incoming") == {"return": {}}
        dst.command("migrate-incoming", uri="fd:incoming")
        assert qmp_with_fds(src, [a.fileno()], "getfd",
                            fdname="migrate") == {"return": {}}
    finally:
        a.close()
        b.close()


def wait_migration(query, want=None, timeout=60):
    """Poll @query (a callable returning query-migrate's answer) every
    50 ms; return the answer once its status is one of @want or, without
    @want, once the migration is no longer under way (neither "setup" nor
    "active").  Fails the test (with the last answer) after @timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        info = query()
        status = info.get("status")
        if want is None:
            if status not in ("setup", "active"):
                return info
        elif status in want:
            return info
        assert time.monotonic() < deadline, info
        time.sleep(0.05)


def wait_status(vm, want, timeout=60):
    """wait_migration() on qtest machine @vm until a status of @want."""
    return wait_migration(lambda: vm.command("query-migrate"), want, timeout)


def migrate(src, dst, uri):
    """Migrate qtest machine @src to @dst over @uri and wait until both
    say "completed"; the source's query-migrate answer."""
    src.command("migrate", uri=uri)
    info = wait_status(src, ("completed",))
    wait_status(dst, ("completed",))
    return info


# ---- the stream -----------------------------------------------------------

# @start: the kind byte's offset; @offset: the payload's.
Section = collections.namedtuple(
    "Section", "start kind name type version offset length")


def read_sections(data):
    """The sections of stream @data in order, as Section tuples."""
    assert data[:8] == MAGIC
    pos, out = HEADER, []
    while pos < len(data):
        start = pos
        kind = data[pos]
        pos += 2
        n, = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        n, = struct.unpack_from("<H", data, pos)
        typ = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        version, length = struct.unpack_from("<IQ", data, pos)
        pos += 12
        out.append(Section(start, kind, name, typ, version, pos, length))
        pos += length + 4
    return out


def sections_by_name(data):
    """{name: Section} of stream @data; a name used again (a RAM block's,
    once per pass) keeps its last section."""
    return {s.name: s for s in read_sections(data)}


def payload_of(data, sec):
    """The payload bytes of Section @sec in stream @data."""
    return bytes(data[sec.offset:sec.offset + sec.length])


def replace_section(data, name, payload=None, version=None):
    """Stream @data with section @name's payload and/or version replaced,
    its length and crc32 recomputed."""
    sec = sections_by_name(data)[name]
    if payload is None:
        payload = payload_of(data, sec)
    head = bytearray(data[sec.start:sec.offset - 12])
    head += struct.pack("<IQ", sec.version if version is None else version,
                        len(payload))
    body = bytes(head) + bytes(payload)
    crc = zlib.crc32(body) & 0xffffffff
    return (bytes(data[:sec.start]) + body + struct.pack("<I", crc) +
            bytes(data[sec.offset + sec.length + 4:]))
