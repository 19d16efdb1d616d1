# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration between two of our processes (-accel qtest) over unix:.

The source has a 64 GiB reserve=off virtio-mem region of which 1 GiB is
plugged (tests/functional/vmem_driver.py plays the guest driver); the
qtest client writes a pattern, then keeps writing while the migration
runs.  The destination must end with the same plugged bitmap, usable
region and data, unplugged blocks reading zero and costing it no RSS,
and the bytes on the wire must scale with what is plugged (and written),
never with the region.  Incompatible destinations are refused with the
section named; a cut connection or migrate_cancel leaves the source
running with its memory intact.
"""

import os
import socket
import struct
import sys
import time
import zlib

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest  # noqa: E402
from hostobs import status_bytes  # noqa: E402
from migutil import (connect_by_getfd, migrate, qmp_with_fds,  # noqa: E402
                     read_sections, replace_section, start, start_pair,
                     wait_status)
from vmem_driver import ACK, BUSY, VirtioMemDriver  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
VMEM_PATH = "/machine/peripheral/vm0/virtio-backend"


def vm_args(region="64G", block="2M", requested="1G", incoming=None,
            extra=None):
    args = ["-machine", "q35", "-m", "128M,maxmem=128G",
            "-object", "memory-backend-ram,id=mem0,size=%s,reserve=off"
            % region,
            "-device", "virtio-mem-pci,id=vm0,memdev=mem0,block-size=%s,"
            "requested-size=%s" % (block, requested)]
    if extra:
        args += ["-device", extra]
    if incoming:
        args += ["-incoming", incoming]
    return args


def rss_kib(vm):
    return status_bytes(vm.pid, "VmRSS") // 1024


def plugged(vm, blocks):
    """A driver for @vm's vm0 with its first @blocks blocks plugged."""
    drv = VirtioMemDriver(vm)
    drv.probe()
    assert drv.plug(drv.block_addr(0), blocks) == ACK
    return drv


def plug_1g(vm):
    drv = VirtioMemDriver(vm)
    drv.probe()
    bs = drv.block_size
    nblocks = GiB // bs
    step = 256
    for i in range(0, nblocks, step):
        assert drv.plug(drv.block_addr(i), min(step, nblocks - i)) == ACK
    assert drv.plugged_size == GiB
    return drv


def write_pattern(vm, drv, seed):
    """One 64 KiB stripe per plugged block plus a tag at its end."""
    for i in range(GiB // drv.block_size):
        base = drv.block_addr(i)
        vm.memset(base, 64 * 1024, (seed + i) & 0xff)
        vm.writeq(base + drv.block_size - 8, (seed << 32) | i)


def check_pattern(vm, drv, seed, overrides):
    for i in range(GiB // drv.block_size):
        base = drv.block_addr(i)
        want = bytes([(seed + i) & 0xff]) * 16
        assert vm.memread(base, 16) == want, i
        assert vm.memread(base + 64 * 1024 - 16, 16) == want, i
        assert vm.memread(base + 64 * 1024, 8) == bytes(8), i
        assert vm.readq(base + drv.block_size - 8) == (seed << 32) | i, i
    for addr, value in overrides.items():
        assert vm.readq(addr) == value, hex(addr)


def test_migrate_plugged_only_while_writing(vms, sock_path):
    src, dst = start_pair(vms, vm_args(), "unix:" + sock_path)
    drv = plug_1g(src)
    write_pattern(src, drv, 0x5a)
    stripe_bytes = (GiB // drv.block_size) * (64 * 1024 + 8)

    # Slow enough that the client's writes land mid-migration.
    src.command("migrate-set-parameters", **{"max-bandwidth": 40 * MiB,
                                             "downtime-limit": 100})
    src.command("migrate", uri="unix:" + sock_path)
    # A plug while migrating is refused BUSY (QEMU's answer).
    assert drv.plug(drv.block_addr(GiB // drv.block_size), 1) == BUSY
    overrides = {}
    n = 0
    while src.command("query-migrate")["status"] in ("setup", "active"):
        addr = drv.block_addr((n * 37) % (GiB // drv.block_size)) + \
            4096 * (1 + n % 200) + 128 * 1024
        value = 0xfeed000000000000 | n
        src.writeq(addr, value)
        # A write the VM was still running for must arrive; one after
        # the final stop (a stopped guest does not write) may not.
        if src.command("query-status")["status"] == "running":
            overrides[addr] = value
        else:
            overrides.pop(addr, None)
            break
        n += 1
    info = wait_status(src, ("completed",))
    assert n > 10, "the client could not write while migrating"
    wait_status(dst, ("completed",))

    # Same plugged bitmap, usable region and data.
    assert dst.command("qom-get", path=VMEM_PATH, property="size") == GiB
    # PCI and virtio state travelled: the source's driver goes on on the
    # destination without re-initialising (BARs, ring positions).
    ddrv = drv
    ddrv.vm = dst
    assert ddrv.plugged_size == GiB
    assert ddrv.usable_region_size == drv.usable_region_size
    nblocks = GiB // drv.block_size
    assert ddrv.state(ddrv.block_addr(0), nblocks) == (ACK, 0)  # plugged
    assert ddrv.state(ddrv.block_addr(nblocks), 1) == (ACK, 1)  # unplugged
    check_pattern(dst, ddrv, 0x5a, overrides)

    # Bytes on the wire: the written data plus re-dirtied pages plus
    # headers, nowhere near the region (64 GiB) or even what is plugged.
    ram = info["ram"]
    # plugged virtio-mem memory plus the machine's 128 MiB, which is the
    # "pc.ram" backend (as in QEMU 7.2) and migrates like any backend
    assert ram["total"] == GiB + 128 * MiB
    assert ram["transferred"] >= stripe_bytes
    redirtied = ram["normal-bytes"] - stripe_bytes
    assert ram["transferred"] < stripe_bytes + redirtied + 8 * MiB, ram
    assert ram["transferred"] < GiB // 8, ram
    assert info["downtime"] >= 0 and info["total-time"] > 0
    assert "setup-time" in info

    # Pages that arrived as zero runs were not allocated: the
    # destination holds no more than the source (which, with THP, may
    # hold a huge page per written stripe).
    assert rss_kib(dst) < rss_kib(src) + 64 * 1024, \
        (rss_kib(dst), rss_kib(src))
    # Unplugged blocks read zero on the destination and cost it no RSS.
    before = rss_kib(dst)
    for i in range(nblocks, drv.usable_region_size // drv.block_size):
        assert dst.readq(ddrv.block_addr(i)) == 0
    assert rss_kib(dst) - before < 4 * 1024

    # The destination continues resizing where the source stopped.
    # requested-size came along: plugging more is NACKed until raised.
    assert ddrv.plug(ddrv.block_addr(nblocks), 1) == 1   # NACK
    dst.command("qom-set", path="/machine/peripheral/vm0",
                property="requested-size", value=2 * GiB)
    assert ddrv.usable_region_size >= 2 * GiB
    assert ddrv.plug(ddrv.block_addr(nblocks), 256) == ACK
    assert ddrv.plugged_size == GiB + 256 * drv.block_size
    src.shutdown()
    dst.shutdown()


@pytest.mark.parametrize("dst_cfg,section", [
    ({"block": "4M"}, VMEM_PATH),
    ({"region": "32G"}, "mem0"),
    ({"extra": "edu,id=e0"}, "/machine/peripheral/e0#pci"),
])
def test_incompatible_destination_refused(vms, sock_path, dst_cfg,
                                          section):
    src, dst = start_pair(vms, vm_args(), "unix:" + sock_path,
                          vm_args(**dst_cfg))
    plug_1g(src)
    src.command("migrate", uri="unix:" + sock_path)
    info = wait_status(dst, ("failed",))
    assert "'%s'" % section in info["error-desc"], info
    # Nothing was applied: nothing plugged on the destination.
    assert dst.command("qom-get", path=VMEM_PATH, property="size") == 0
    # The source survives the refusal.
    wait_status(src, ("failed", "completed"))
    assert src.command("query-status")["status"] == "running"
    src.shutdown()
    dst.shutdown()


def whole_section(data, sec):
    """The bytes of Section @sec in stream @data, framing and crc32 included."""
    return bytes(data[sec.start:sec.offset + sec.length + 4])


def device_section(name, typ, payload):
    """A device section (kind 2, version 1) with a right crc32."""
    body = bytes([2, 0])
    for s in (name, typ):
        body += struct.pack("<H", len(s)) + s.encode()
    body += struct.pack("<IQ", 1, len(payload)) + payload
    return body + struct.pack("<I", zlib.crc32(body) & 0xffffffff)


@pytest.mark.parametrize("edit,want", [
    ("early-twice", "'%s' (virtio-mem) appears twice" % VMEM_PATH),
    ("late-twice", "'/machine/unattached/serial0' (isa-serial) appears twice"),
    ("late-missing", "'/machine/unattached/serial0' (isa-serial): missing"),
    ("early-after-ram", "'%s' (virtio-mem) comes after RAM" % VMEM_PATH),
    ("unknown", "'/nowhere' (x): no such device"),
    ("data-unplugged", "'mem0' (ram): data for 0x4000000+1 pages, which "
     "are not plugged here"),
])
def test_stream_structure_refused(vms, tmp_path, edit, want):
    """Sections in a well-framed stream that the source never writes that
    way: each is refused with the section named, nothing is loaded twice
    or over arrived pages (a virtio-mem section given twice used to abort
    the destination), and the destination keeps answering."""
    args = vm_args(region="1G", requested="64M") + ["-serial", "null"]
    src = start(vms, args)
    plugged(src, 4)
    path = str(tmp_path / "stream")
    src.command("migrate", uri="exec:cat > %s" % path)
    wait_status(src, ("completed",))
    with open(path, "rb") as f:
        data = f.read()
    secs = read_sections(data)
    vmem = next(s for s in secs if s.name == VMEM_PATH)
    serial = next(s for s in secs if s.type == "isa-serial")
    ram = next(s for s in secs if s.kind == 3)
    end = secs[-1]
    assert end.kind == 4 and vmem.start < ram.start < serial.start

    def cut(sec):
        return data[:sec.start] + data[sec.offset + sec.length + 4:]

    if edit == "early-twice":
        fed = (data[:vmem.start] + whole_section(data, vmem) +
               data[vmem.start:])
    elif edit == "late-twice":
        fed = (data[:end.start] + whole_section(data, serial) +
               data[end.start:])
    elif edit == "late-missing":
        fed = cut(serial)
    elif edit == "early-after-ram":
        after = ram.offset + ram.length + 4
        fed = (data[:vmem.start] + data[vmem.offset + vmem.length + 4:after]
               + whole_section(data, vmem) + data[after:])
    elif edit == "unknown":
        fed = data[:end.start] + device_section("/nowhere", "x", b"") + \
            data[end.start:]
    else:
        # One page of data at 64 MiB, in the unplugged part of the region.
        fed = replace_section(data, "mem0", struct.pack("<QIB", 64 * MiB, 1, 1)
                              + b"\x5a" * 4096)
    with open(path, "wb") as f:
        f.write(fed)
    dst = start(vms, args + ["-incoming", "exec:cat %s" % path])
    info = wait_status(dst, ("failed", "completed"))
    assert info["status"] == "failed", info
    assert want in info["error-desc"], info
    assert dst.command("query-status")["status"] == "inmigrate"
    # The untouched stream loads on the same kind of destination.
    with open(path, "wb") as f:
        f.write(data)
    ok = start(vms, args + ["-incoming", "exec:cat %s" % path])
    wait_status(ok, ("completed",))
    assert ok.command("qom-get", path=VMEM_PATH, property="size") == 8 * MiB
    dst.shutdown()
    ok.shutdown()


def fake_destination(path):
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(1)
    return lsock


def migrating_to_fake(vms, sock_path, seed, bandwidth):
    """A source with 1 GiB plugged and written (@seed) migrating at
    @bandwidth to a listener of ours that has read its first bytes;
    (source, driver, listener, connection)."""
    src = start(vms, vm_args())
    drv = plug_1g(src)
    write_pattern(src, drv, seed)
    lsock = fake_destination(sock_path)
    src.command("migrate-set-parameters", **{"max-bandwidth": bandwidth})
    src.command("migrate", uri="unix:" + sock_path)
    conn, _ = lsock.accept()
    assert conn.recv(4096)
    return src, drv, lsock, conn


def check_source_runs_on(src, drv, seed):
    """After a failed or cancelled migration: running, the data intact,
    and plugging and unplugging work again (no longer BUSY)."""
    assert src.command("query-status")["status"] == "running"
    check_pattern(src, drv, seed, {})
    last = GiB // drv.block_size - 1
    assert drv.unplug(drv.block_addr(last), 1) == ACK
    assert drv.plug(drv.block_addr(last), 1) == ACK


def test_cut_connection_leaves_source_running(vms, sock_path):
    src, drv, lsock, conn = migrating_to_fake(vms, sock_path, 0x33, 8 * MiB)
    conn.close()
    lsock.close()
    info = wait_status(src, ("failed",))
    assert info["error-desc"]
    check_source_runs_on(src, drv, 0x33)
    src.shutdown()


def test_cancel_leaves_source_running(vms, sock_path):
    src, drv, lsock, conn = migrating_to_fake(vms, sock_path, 0x44, 1 * MiB)
    src.command("migrate_cancel")
    wait_status(src, ("cancelled",))
    conn.close()
    lsock.close()
    check_source_runs_on(src, drv, 0x44)
    src.shutdown()


def test_qmp_commands_and_parameters(vms):
    vm = start(vms, vm_args(requested="0"))
    assert vm.command("query-migrate") == {}
    params = vm.command("query-migrate-parameters")
    assert params["max-bandwidth"] == 128 * MiB
    assert params["downtime-limit"] == 300
    vm.command("migrate-set-parameters", **{"max-bandwidth": 1000,
                                            "downtime-limit": 5})
    params = vm.command("query-migrate-parameters")
    assert params["max-bandwidth"] == 1000
    assert params["downtime-limit"] == 5
    rsp = vm.qmp("migrate-set-parameters", **{"downtime-limit": 2000001})
    assert "downtime_limit" in rsp["error"]["desc"]
    rsp = vm.qmp("migrate", uri="bogus:x")
    assert "unknown migration protocol" in rsp["error"]["desc"]
    rsp = vm.qmp("migrate-incoming", uri="unix:/nonexistent")
    assert "-incoming" in rsp["error"]["desc"]
    rsp = vm.qmp("migrate", uri="unix:/nonexistent/sock")
    assert "Failed to connect" in rsp["error"]["desc"]
    vm.command("migrate_cancel")
    vm.shutdown()


def test_incoming_defer_and_exec(vms, sock_path):
    src, dst = start_pair(vms, vm_args(requested="64M"), "defer")
    drv = plugged(src, 8)
    src.writeq(drv.block_addr(3) + 8, 0x1234abcd)
    dst.command("migrate-incoming", uri="unix:" + sock_path)
    rsp = dst.qmp("migrate-incoming", uri="unix:" + sock_path)
    assert "already been started" in rsp["error"]["desc"]
    src.command("migrate", uri="exec:cat > /dev/null")
    wait_status(src, ("completed",))
    # exec: went to /dev/null; now the real one, over the deferred socket.
    src.command("cont")
    migrate(src, dst, "unix:" + sock_path)
    assert dst.readq(drv.block_addr(3) + 8) == 0x1234abcd
    src.shutdown()
    dst.shutdown()


def test_exec_completes_when_the_command_has_everything(vms, tmp_path):
    """exec: is "completed" only once the command has read the whole
    stream and exited with status 0; a failing command fails the
    migration and the source runs on."""
    src = start(vms, vm_args(requested="64M"))
    out = tmp_path / "stream.bin"
    done = tmp_path / "done"
    # The command keeps going after reading everything: completion must
    # wait for it, not only for the last write into the pipe.
    src.command("migrate", uri="exec:cat > %s && sleep 0.5 && touch %s"
                % (out, done))
    info = wait_status(src, ("completed", "failed"))
    assert info["status"] == "completed", info
    assert done.exists()
    assert out.read_bytes()[:8] == b"QELMIGR\n"
    assert info["ram"]["transferred"] == out.stat().st_size
    assert src.command("query-status")["status"] == "postmigrate"

    src.command("cont")
    src.command("migrate", uri="exec:cat > /dev/null; exit 3")
    info = wait_status(src, ("completed", "failed"))
    assert info["status"] == "failed", info
    assert "exited with status 3" in info["error-desc"], info
    assert src.command("query-status")["status"] == "running"
    src.shutdown()


def test_bad_incoming_uri_is_a_startup_error():
    vm = qtest.QTestMachine(vm_args(incoming="nope:1"), timeout=10)
    with pytest.raises(qtest.QTestError):
        vm.launch()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_tcp_loopback_and_fd(vms):
    uri = "tcp:127.0.0.1:%d" % free_port()
    src, dst = start_pair(vms, vm_args(requested="64M"), uri)
    drv = plugged(src, 4)
    src.writeq(drv.block_addr(2) + 4096, 0xabcdef0123)
    migrate(src, dst, uri)
    assert dst.readq(drv.block_addr(2) + 4096) == 0xabcdef0123
    assert dst.command("query-status")["status"] == "running"
    assert src.command("query-status")["status"] == "postmigrate"
    # fd: a descriptor the process does not have is refused.
    rsp = src.qmp("migrate", uri="fd:987")
    assert "987" in rsp["error"]["desc"]
    src.shutdown()
    dst.shutdown()


def migration_events(vm):
    return [(e["event"], e["data"]) for e in vm.get_events()
            if e["event"].startswith("MIGRATION")]


def test_events_follow_the_capability(vms, sock_path):
    src = start(vms, vm_args(requested="64M"))
    names = [c["name"] for c in src.command("query-commands")]
    if "migrate-set-capabilities" not in names:
        pytest.skip("migrate-set-capabilities is not in this tree (lv-qmp)")
    # Off (the default): no MIGRATION events, on either side.
    src.command("migrate", uri="exec:cat > /dev/null")
    wait_status(src, ("completed",))
    time.sleep(0.2)
    assert migration_events(src) == []
    src.command("cont")

    dst = start(vms, vm_args(requested="64M", incoming="defer"))
    for vm in (src, dst):
        vm.command("migrate-set-capabilities", capabilities=[
            {"capability": "events", "state": True}])
    dst.command("migrate-incoming", uri="unix:" + sock_path)
    migrate(src, dst, "unix:" + sock_path)
    time.sleep(0.2)
    got = migration_events(src)
    statuses = [d["status"] for e, d in got if e == "MIGRATION"]
    passes = [d["pass"] for e, d in got if e == "MIGRATION_PASS"]
    assert statuses == ["setup", "active", "completed"], got
    assert passes and passes == list(range(1, len(passes) + 1)), got
    dst_statuses = [d["status"] for e, d in migration_events(dst)
                    if e == "MIGRATION"]
    assert dst_statuses == ["setup", "active", "completed"]
    src.shutdown()
    dst.shutdown()


REF_BINARY = "/usr/bin/qemu-system-x86_64"
RUNSTATE_BINARIES = [pytest.param((None, None), id="ours"),
                     pytest.param((REF_BINARY, "-accel tcg"), id="qemu-7.2")]


def binary_or_skip(binary):
    """(path, accel) of a RUNSTATE_BINARIES entry; skips the test when it
    names the QEMU 7.2 reference and that is not installed."""
    path, accel = binary
    if path and not os.access(path, os.X_OK):
        pytest.skip("QEMU 7.2 reference %s is not installed" % path)
    return path, accel


def runstate_vm(vms, binary, accel, extra):
    return start(vms, ["-machine", "q35", "-m", "128M"] + extra,
                 binary=binary, accel=accel)


def stop_resume(vm):
    return [e["event"] for e in vm.get_events()
            if e["event"] in ("STOP", "RESUME")]


# (source -S, source stopped, destination -S, cont on the destination
#  while it waits) -> (destination's state at the end, its events)
RUNSTATE_CASES = [
    ((False, False, False, False), ("running", ["RESUME"])),
    ((False, False, True, False), ("paused", [])),
    ((False, False, True, True), ("running", ["RESUME"])),
    ((False, True, False, False), ("paused", [])),
    ((True, False, False, False), ("prelaunch", [])),
]


@pytest.mark.parametrize("binary", RUNSTATE_BINARIES)
@pytest.mark.parametrize("case,want", RUNSTATE_CASES,
                         ids=["running", "dst-S", "dst-S-cont", "src-paused",
                              "src-prelaunch"])
def test_run_states(vms, sock_path, binary, case, want):
    """query-status and STOP/RESUME around a migration, as QEMU 7.2 shows
    them: the destination is "inmigrate" until the stream is complete,
    then takes the source's state (a running source: running unless -S
    or a stop said otherwise, when cont while waiting undoes -S); the
    source ends "postmigrate" and cont resumes it."""
    path, accel = binary_or_skip(binary)
    src_s, src_stop, dst_s, dst_cont = case
    src = runstate_vm(vms, path, accel, ["-S"] if src_s else [])
    dst = runstate_vm(vms, path, accel, (["-S"] if dst_s else []) +
                      ["-incoming", "unix:" + sock_path])
    assert dst.command("query-status") == {
        "status": "inmigrate", "running": False, "singlestep": False}
    if src_stop:
        src.command("stop")
    if dst_cont:
        dst.command("cont")
        assert dst.command("query-status")["status"] == "inmigrate"
    src.get_events()
    migrate(src, dst, "unix:" + sock_path)
    assert src.command("query-status")["status"] == "postmigrate"
    assert stop_resume(src) == ([] if src_s or src_stop else ["STOP"])
    deadline = time.monotonic() + 10
    while dst.command("query-status")["status"] == "inmigrate":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    state, events = want
    st = dst.command("query-status")
    assert st["status"] == state and st["running"] == (state == "running")
    assert stop_resume(dst) == events
    # cont on a postmigrate source resumes it, as in QEMU 7.2.
    src.command("cont")
    assert src.command("query-status")["status"] == "running"
    assert stop_resume(src) == ["RESUME"]


@pytest.mark.parametrize("binary", RUNSTATE_BINARIES)
def test_failed_incoming_run_state(vms, binary):
    """QEMU 7.2 exits when an incoming stream is refused; until then it is
    "inmigrate".  We stay in "inmigrate" (never running a half-loaded
    VM) and keep the process so query-migrate can say why."""
    path, accel = binary_or_skip(binary)
    dst = runstate_vm(vms, path, accel, ["-incoming", "defer"])
    dst.command("stop")         # while waiting: only clears autostart
    assert dst.command("query-status")["status"] == "inmigrate"
    dst.command("migrate-incoming", uri="exec:echo garbage")
    if path:
        assert dst.proc.wait(10) != 0
        return
    wait_status(dst, ("failed",))
    assert dst.command("query-status")["status"] == "inmigrate"
    dst.command("cont")
    assert dst.command("query-status")["status"] == "inmigrate"
    assert stop_resume(dst) == []


@pytest.mark.parametrize("binary", RUNSTATE_BINARIES)
def test_ram_counters_cover_every_pass(vms, sock_path, binary):
    """query-migrate's ram counters after completion, same scenario and
    qtest writes on both binaries: every populated page went once, as
    data (normal, normal-bytes) or as a zero page (duplicate), the final
    pass included; nothing remains.  (7.2's total is every RAM block's
    size; ours what is populated.  7.2 also sends its ROMs.)"""
    path, accel = binary_or_skip(binary)
    if path:
        accel += " -S"      # 7.2's vCPU must not write
    cfg = ["-machine", "q35", "-m", "128M,maxmem=2G",
           "-object", "memory-backend-ram,id=mem0,size=1G,reserve=off",
           "-device", "virtio-mem-pci,id=vm0,memdev=mem0,block-size=2M,"
           "requested-size=64M"]
    src, dst = start_pair(vms, cfg, "unix:" + sock_path,
                          binary=path, accel=accel)
    drv = plugged(src, 8)
    for i in range(8):
        src.memset(drv.block_addr(i), 64 * 1024, 0x11 + i)
    src.command("migrate-set-parameters", **{"max-bandwidth": GiB})
    src.command("migrate", uri="unix:" + sock_path)
    ram = wait_status(src, ("completed",))["ram"]
    populated = (128 * MiB + 8 * 2 * MiB) // 4096
    written = 8 * 64 * 1024 // 4096
    assert ram["page-size"] == 4096
    assert ram["remaining"] == 0
    assert ram["normal-bytes"] == ram["normal"] * 4096
    assert written <= ram["normal"] < written + 256, ram
    assert populated <= ram["normal"] + ram["duplicate"] < populated + 256
    assert ram["transferred"] >= ram["normal-bytes"]
    assert ram["dirty-sync-count"] >= 2       # a pass and the final one
    if not path:
        assert ram["total"] == populated * 4096
    assert dst.readq(drv.block_addr(7)) == 0x1818181818181818


def test_requested_size_set_while_migrating_arrives(vms, sock_path):
    """A requested-size set on the source after the migration started
    (the virtio-mem section went early) reaches the destination in the
    late part: same requested size and usable region there, and the
    guest gets a configuration change on the destination to act on."""
    src, dst = start_pair(vms, vm_args(requested="64M"), "unix:" + sock_path)
    drv = plugged(src, 8)
    for i in range(8):
        src.memset(drv.block_addr(i), 512 * 1024, 0x21 + i)
    # About a second of transfer: the qom-set lands mid-migration.
    src.command("migrate-set-parameters", **{"max-bandwidth": 4 * MiB})
    src.command("migrate", uri="unix:" + sock_path)
    # Once the early section is in (the destination plugged), not before:
    # a value set before the source saved it would travel early.
    deadline = time.monotonic() + 30
    while dst.command("qom-get", path="/machine/peripheral/vm0",
                      property="size") != 16 * MiB:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    src.command("qom-set", path="/machine/peripheral/vm0",
                property="requested-size", value=512 * MiB)
    # The final pass (which holds the big lock) had not begun.
    assert src.command("query-status")["status"] == "running"
    assert src.command("query-migrate")["status"] in ("setup", "active")
    usable = drv.usable_region_size
    assert usable >= 512 * MiB
    gen = drv._common(0x15, 1)
    wait_status(src, ("completed",))
    wait_status(dst, ("completed",))
    assert dst.command("qom-get", path="/machine/peripheral/vm0",
                       property="requested-size") == 512 * MiB
    drv.vm = dst
    assert drv.config_u64(48) == 512 * MiB          # requested_size
    assert drv.usable_region_size == usable
    assert drv.plugged_size == 8 * 2 * MiB
    # Told on the destination: a configuration change after the load.
    assert drv._common(0x15, 1) == (gen + 1) & 0xff
    isr_addr = drv._addr(3, 0)                     # ISR capability
    assert dst.readb(isr_addr) & 2
    # The guest can act on it there: plugging up to 512 MiB is ACKed.
    assert drv.plug(drv.block_addr(8), 8) == ACK
    assert dst.readq(drv.block_addr(7) + 8) == 0x2828282828282828


def test_max_bandwidth_holds_for_large_sections(vms):
    """4 MiB sections must not pass a 4 MiB/s limit in 100 ms windows:
    the average rate stays under max-bandwidth (a lower bound on the
    time, not a performance target)."""
    src = start(vms, vm_args(requested="64M"))
    drv = plugged(src, 4)
    for i in range(4):
        src.memset(drv.block_addr(i), MiB, 0x31 + i)
    src.command("migrate-set-parameters", **{"max-bandwidth": 4 * MiB})
    src.command("migrate", uri="exec:cat > /dev/null")
    info = wait_status(src, ("completed",))
    rate = info["ram"]["transferred"] * 1000 / max(info["total-time"], 1)
    assert rate < 4 * MiB * 1.2, info


def test_one_dirty_log_sync_per_pass(vms):
    """A pass starts from the dirty-log sync of the remaining-bytes
    estimate that ended the previous one (under KVM each sync is one
    KVM_GET_DIRTY_LOG per slot); only the final pass syncs again, after
    the stop.  dirty-sync-count (QEMU's: syncs done) is therefore the
    passes (MIGRATION_PASS events) plus the estimate made at setup."""
    src = start(vms, vm_args(requested="64M"))
    drv = plugged(src, 4)
    for i in range(4):
        src.memset(drv.block_addr(i), MiB, 0x41 + i)
    src.command("migrate-set-capabilities", capabilities=[
        {"capability": "events", "state": True}])
    src.command("migrate-set-parameters", **{"max-bandwidth": 8 * MiB,
                                             "downtime-limit": 1})
    src.command("migrate", uri="exec:cat > /dev/null")
    n = 0
    while src.command("query-migrate")["status"] in ("setup", "active"):
        # Keep dirtying so that several passes run.
        src.writeq(drv.block_addr(n % 4) + 8192 * (n % 64), n | 1)
        n += 1
        time.sleep(0.01)
    info = wait_status(src, ("completed",))
    time.sleep(0.2)
    passes = [d["pass"] for e, d in migration_events(src)
              if e == "MIGRATION_PASS"]
    assert len(passes) >= 2
    assert info["ram"]["dirty-sync-count"] == len(passes) + 1, \
        (info["ram"], passes)


def minflt(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])


def test_destination_holds_only_what_arrived(vms, sock_path):
    """The destination neither keeps a huge page per 2 MiB block for the
    64 KiB written in it nor faults in the pages of zero runs: its RSS
    stays near the data sent and its page faults near the pages
    written (not the 256 Ki pages of the plugged GiB)."""
    src, dst = start_pair(vms, vm_args(), "unix:" + sock_path)
    drv = plug_1g(src)
    write_pattern(src, drv, 0x6b)
    faults = minflt(dst.pid)
    src.command("migrate-set-parameters", **{"max-bandwidth": 4 * GiB})
    migrate(src, dst, "unix:" + sock_path)
    faults = minflt(dst.pid) - faults
    nblocks = GiB // drv.block_size
    written_pages = nblocks * (64 * 1024 // 4096 + 1)
    assert faults < written_pages + 32 * 1024, faults
    assert rss_kib(dst) < (nblocks * (64 + 4) + 64 * 1024), \
        rss_kib(dst)
    drv.vm = dst
    check_pattern(dst, drv, 0x6b, {})


def test_zero_runs_clear_what_came_before(vms, sock_path):
    """A page that arrived as data and was zeroed on the source later, and
    a page written on the destination (qtest) while waiting, both end
    zero once the source sends them as zero pages."""
    src, dst = start_pair(vms, vm_args(requested="64M"), "unix:" + sock_path)
    drv = plugged(src, 8)
    page_a = drv.block_addr(0) + 4096
    page_b = drv.block_addr(7) + 8192
    src.writeq(page_a, 0x1111111111111111)
    for i in range(1, 7):
        src.memset(drv.block_addr(i), MiB, 0x51 + i)  # about 1.5 s of data
    src.command("migrate-set-parameters", **{"max-bandwidth": 4 * MiB,
                                             "downtime-limit": 1})
    src.command("migrate", uri="unix:" + sock_path)
    deadline = time.monotonic() + 30
    while dst.readq(page_a) != 0x1111111111111111:   # it arrived
        assert time.monotonic() < deadline
        time.sleep(0.01)
    dst.writeq(page_b, 0x2222222222222222)
    src.writeq(page_a, 0)       # zero again, dirty: goes as a zero run
    src.writeq(page_b, 0)       # was zero, dirty: goes as a zero run
    assert src.command("query-status")["status"] == "running"
    wait_status(src, ("completed",))
    wait_status(dst, ("completed",))
    assert dst.readq(page_a) == 0
    assert dst.readq(page_b) == 0
    assert dst.readq(drv.block_addr(6)) == 0x5757575757575757


@pytest.mark.parametrize("binary", RUNSTATE_BINARIES)
def test_getfd_closefd(vms, binary):
    """getfd takes the descriptor that came with the command, under a
    name; closefd and migrate fd:NAME consume it; QEMU 7.2's errors."""
    path, accel = binary_or_skip(binary)
    vm = runstate_vm(vms, path, accel, ["-S"] if path else [])
    rsp = vm.qmp("getfd", fdname="x")
    assert rsp["error"]["desc"] == \
        "No file descriptor supplied via SCM_RIGHTS"
    r, w = os.pipe()
    rsp = qmp_with_fds(vm, [w], "getfd", fdname="1x")
    assert rsp["error"]["desc"] == \
        "Parameter 'fdname' expects a name not starting with a digit"
    assert qmp_with_fds(vm, [w], "getfd", fdname="spare") == {"return": {}}
    rsp = vm.qmp("closefd", fdname="nope")
    assert rsp["error"]["desc"] == "File descriptor named 'nope' not found"
    vm.command("closefd", fdname="spare")
    rsp = vm.qmp("closefd", fdname="spare")
    assert "not found" in rsp["error"]["desc"]
    rsp = vm.qmp("migrate", uri="fd:migrate")
    assert rsp["error"]["desc"] == \
        "File descriptor named 'migrate' has not been found"
    # Ours: the descriptor we passed is ours alone once closed there.
    os.close(w)
    if not path:
        # The process holds no copy of the pipe's write end any more:
        # reading sees EOF.
        assert os.read(r, 1) == b""
    os.close(r)


def test_migrate_to_getfd_descriptor(vms):
    """libvirt's way: getfd fdname=migrate with a socket passed by
    SCM_RIGHTS, then migrate uri=fd:migrate; the destination gets its
    end the same way with migrate-incoming fd:NAME."""
    src, dst = start_pair(vms, vm_args(requested="64M"), "defer")
    drv = plugged(src, 4)
    src.writeq(drv.block_addr(3) + 16, 0x600dfd)
    connect_by_getfd(src, dst)
    migrate(src, dst, "fd:migrate")
    assert dst.readq(drv.block_addr(3) + 16) == 0x600dfd
    assert dst.command("query-status")["status"] == "running"
    # Consumed by migrate: the name is gone.
    rsp = src.qmp("closefd", fdname="migrate")
    assert "not found" in rsp["error"]["desc"]
