# SPDX-License-Identifier: GPL-2.0-or-later
"""No QMP client can crash the process through qom-set.

A q35 machine with a virtio-mem-pci device (RAM backend, memory plugged
by the Python guest driver and filled with a pattern), a memfd and a file
backend, x-dma-pin and edu.  The walk lists every object under /machine
and /objects (qom-list, following child<> properties), and sets every
property to awkward values: toggles of "realized", 0, -1, 2^64-1, 2^63,
numbers past 64 bits, fractions, the wrong JSON type (string, bool,
list, dict, null), empty strings, "/", paths of other objects and a
64 KiB string.  After each set the process must be alive, QMP must
answer (query-memory-devices touches the virtio-mem backend link) and the
plugged memory must be intact: two blocks after every set, every block
after every property.  A value that was accepted is set back to what
qom-get read before, so each probe starts from the same machine.

A crash, hang or lost memory is recorded with the property and value
that caused it, the machine is started again and the walk goes on, so
one run reports every failure.  Targeted regression tests for the
failures this walk found follow at the end.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest  # noqa: E402
from vmem_driver import ACK, VirtioMemDriver  # noqa: E402

MiB = 1 << 20
PLUG_BLOCKS = 8
BOOT_PATTERN_ADDR = 0x300000

VALUES = [0, 1, -1, 2 ** 16 - 1, 2 ** 32 - 1, 2 ** 63 - 1, 2 ** 63,
          -2 ** 63, 2 ** 64 - 1, 2 ** 64, 10 ** 30, 1.5, "", "/", "0",
          "-1", "1G", "on", "mem1", "/objects/mem2", "/machine/q35",
          "x" * 65536, True, False, None, [], [1, "a"], {}, {"a": 1}]
# Each toggle is a separate set, checked like the others.
REALIZED = [False, True, False, True, "off", 0, None]

# Accepted sets that cannot be undone, as documented: a preallocated
# backend stays preallocated (docs/system/memory-backends.md, as QEMU).
ONE_WAY = [("prealloc", True)]


def one_way(prop, value):
    return any(prop == p and value is v for p, v in ONE_WAY)

# Shorter than qtest.py's 60 s: a hang must show within the time budget.
TIMEOUT = 10


def machine_args(tmpdir):
    return ["-machine", "q35", "-m", "128M,maxmem=2G",
            "-object", "memory-backend-ram,id=mem0,size=256M",
            "-object", "memory-backend-memfd,id=mem1,size=64M",
            "-object", "memory-backend-file,id=mem2,size=64M,mem-path=%s"
            % os.path.join(str(tmpdir), "backing"),
            "-object", "x-dma-pin,id=pin0",
            "-device", "virtio-mem-pci,id=vm0,memdev=mem0,"
            "requested-size=64M",
            "-device", "edu,id=edu0"]


def pattern(i):
    return 0x5a5a000000000000 | (i * 0x1000193) & 0xffffffffffff


class Machine:
    """The machine under test, with memory plugged and patterned."""

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.vm = qtest.QTestMachine(machine_args(tmpdir), timeout=TIMEOUT)
        self.vm.launch()
        drv = VirtioMemDriver(self.vm)
        drv.probe()
        self.bs = drv.block_size
        self.base = drv.region_addr
        assert drv.plug(self.base, PLUG_BLOCKS) == ACK
        assert drv.plugged_size == PLUG_BLOCKS * self.bs
        for i in range(PLUG_BLOCKS):
            self.vm.writeq(self.block(i), pattern(i))
            self.vm.writeq(self.block(i + 1) - 8, ~pattern(i) & (2**64 - 1))
        self.vm.writeq(BOOT_PATTERN_ADDR, pattern(999))
        self.check_memory()

    def block(self, i):
        return self.base + i * self.bs

    def check_block(self, i):
        assert self.vm.readq(self.block(i)) == pattern(i), \
            "plugged block %d lost its data" % i
        assert self.vm.readq(self.block(i + 1) - 8) == \
            ~pattern(i) & (2**64 - 1), "plugged block %d lost its data" % i

    def check_memory(self, full=True):
        for i in (range(PLUG_BLOCKS) if full else (0, PLUG_BLOCKS - 1)):
            self.check_block(i)
        assert self.vm.readq(BOOT_PATTERN_ADDR) == pattern(999)
        size = self.vm.command("qom-get", path="/machine/peripheral/vm0",
                               property="size")
        assert size == PLUG_BLOCKS * self.bs, "plugged size changed"

    def check_alive(self):
        assert self.vm.proc.poll() is None, \
            "the process died (status %s)" % self.vm.proc.returncode
        devs = self.vm.command("query-memory-devices")
        assert [d["data"]["memdev"] for d in devs] == ["/objects/mem0"], \
            "vm0 lost its backend: %r" % devs
        self.vm.get_events()

    def close(self):
        try:
            self.vm.shutdown()
        except qtest.QTestError:
            pass            # a crash already recorded by the walk
        self.vm.kill()


def walk(vm):
    """(path, property name, type) of every property under /machine and
    /objects, parents first."""
    found = []
    todo = ["/machine", "/objects"]
    while todo:
        path = todo.pop(0)
        for p in vm.command("qom-list", path=path):
            if p["type"].startswith("child<"):
                todo.append(path + "/" + p["name"])
            # Child properties are probed too: they must refuse.
            found.append((path, p["name"], p["type"]))
    return found


def probe(m, path, prop, value, before, accepted):
    """Sets one value; returns None if the machine survived intact, else
    what went wrong.  An accepted value is set back to @before (the
    qom-get reply before the walk touched the property); afterwards the
    property must read as before, accepted or refused."""
    try:
        rsp = m.vm.qmp("qom-set", path=path, property=prop, value=value)
        if "return" in rsp:
            accepted.append((path, prop, value))
            if before is not None:
                m.vm.command("qom-set", path=path, property=prop,
                             value=before["return"])
        m.check_alive()
        m.check_memory(full=False)
        after = m.vm.qmp("qom-get", path=path, property=prop)
        if before is not None and after != before and \
                not (one_way(prop, value) and "return" in rsp):
            return "reads %s after, %s before" % (short(after),
                                                  short(before))
    except Exception as e:  # noqa: B902: any failure is a finding
        return "%s: %s" % (type(e).__name__, e)
    return None


def short(value):
    text = repr(value)
    return text if len(text) < 40 else text[:30] + "...(%d)" % len(text)


def test_qom_set_walk(tmp_path):
    m = Machine(tmp_path)
    failures = []
    props = walk(m.vm)
    assert len(props) > 50, props
    # Every container and device on the way, links and children included.
    paths = {p[0] for p in props}
    for want in ("/machine/q35", "/machine/q35/mch", "/machine/q35/lpc",
                 "/machine/peripheral/vm0/virtio-backend",
                 "/machine/peripheral/edu0", "/objects/pin0",
                 "/objects/mem1", "/objects/mem2"):
        assert want in paths
    sets = 0
    accepted = []
    try:
        for path, prop, ptype in props:
            before = m.vm.qmp("qom-get", path=path, property=prop)
            if "error" in before:
                before = None
            values = REALIZED + VALUES if prop == "realized" else VALUES
            for value in values:
                sets += 1
                err = probe(m, path, prop, value, before, accepted)
                if not err and one_way(prop, value) and \
                        accepted and accepted[-1] == (path, prop, value):
                    before = m.vm.qmp("qom-get", path=path, property=prop)
                if err:
                    failures.append("%s %s = %s: %s"
                                    % (path, prop, short(value), err))
                    m.close()
                    m = Machine(tmp_path)
            try:
                m.check_memory()
            except Exception as e:  # noqa: B902
                failures.append("%s %s: memory after the property: %s"
                                % (path, prop, e))
                m.close()
                m = Machine(tmp_path)
        m.check_memory()
    finally:
        m.close()
    print("%d properties, %d sets, %d accepted:" % (len(props), sets,
                                                    len(accepted)))
    for path, prop, value in accepted:
        print("  %s %s = %s" % (path, prop, short(value)))
    assert not failures, "\n".join(failures)


# ---- regressions found by the walk ----------------------------------------

@pytest.fixture
def machine(tmp_path):
    m = Machine(tmp_path)
    yield m
    m.close()


def test_link_clear_refused(machine):
    """qom-set memdev "" used to skip the link check: vm0 lost its backend
    and the next query-memory-devices dereferenced NULL."""
    vm = machine.vm
    for path in ("/machine/peripheral/vm0",
                 "/machine/peripheral/vm0/virtio-backend"):
        for value in ("", "mem1"):
            with pytest.raises(qtest.QMPError) as e:
                vm.command("qom-set", path=path, property="memdev",
                           value=value)
            assert e.value.error["desc"] == (
                "Attempt to set link property 'memdev' on device '<anon>' "
                "(type 'virtio-mem') after it was realized")
    machine.check_alive()
    vm.command("qom-set", path="vm0", property="requested-size",
               value=32 * MiB)
    machine.check_memory()


UNREALIZE = [("/machine/q35", "<anon>", "q35-pcihost"),
             ("/machine/q35/mch", "<anon>", "mch"),
             ("/machine/q35/lpc", "<anon>", "ICH9-LPC"),
             ("/machine/q35/ioapic", "<anon>", "ioapic"),
             ("/machine/peripheral/vm0", "vm0", "virtio-mem-pci"),
             ("/machine/peripheral/vm0/virtio-backend", "<anon>",
              "virtio-mem"),
             ("/machine/peripheral/edu0", "edu0", "edu")]


@pytest.mark.parametrize("path,ident,typename", UNREALIZE,
                         ids=[u[0].rsplit("/", 1)[1] for u in UNREALIZE])
def test_unrealize_refused(machine, path, ident, typename):
    """realized=false aborted (duplicate pcie.0 on q35's re-realize, a
    region still in its container or a listener still registered with
    x-dma-pin on virtio-mem) or left a device that could not come back."""
    vm = machine.vm
    with pytest.raises(qtest.QMPError) as e:
        vm.command("qom-set", path=path, property="realized", value=False)
    assert e.value.error["desc"] == (
        "Device '%s' (type '%s') does not support hot-unplug: it cannot "
        "be unrealized" % (ident, typename))
    vm.command("qom-set", path=path, property="realized", value=True)
    assert vm.command("qom-get", path=path, property="realized") is True
    machine.check_alive()
    machine.check_memory()
    # x-dma-pin still maps the plugged blocks.
    maps = vm.command("qom-get", path="/objects/pin0", property="mappings")
    assert any(m["iova"] == machine.base for m in maps)


def test_prealloc_refused_on_virtio_mem_backend(machine):
    """prealloc=on on vm0's backend would populate every unplugged block;
    the backends that no device manages still accept it."""
    vm = machine.vm
    with pytest.raises(qtest.QMPError) as e:
        vm.command("qom-set", path="/objects/mem0", property="prealloc",
                   value=True)
    assert e.value.error["desc"] == (
        "memory backend 'mem0' is managed by a memory device: set "
        "'prealloc' on the device instead")
    assert vm.command("qom-get", path="/objects/mem0",
                      property="prealloc") is False
    vm.command("qom-set", path="/objects/mem1", property="prealloc",
               value=True)
    machine.check_memory()
