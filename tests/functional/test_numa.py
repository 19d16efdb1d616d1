# SPDX-License-Identifier: GPL-2.0-or-later
"""-numa node,memdev= and guest RAM as memory backends, as QEMU 7.2:
the machine's RAM is the nodes' backends in node order (or a default
backend "pc.ram" / "ram"), visible in query-memdev; virtio-mem node=
is checked against the nodes; errors use QEMU's words.
"""

import os
import subprocess

import pytest

from conftest import qemu_binary


def run(*args, timeout=10):
    p = subprocess.run([qemu_binary(), "-nodefaults", "-display", "none",
                        *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, text=True)
    return p.returncode, p.stdout, p.stderr


def memdevs(c):
    return sorted((m["id"], m["size"]) for m in c.cmd("query-memdev"))


def test_default_backend_q35(make_vm):
    c = make_vm("-machine", "q35", "-m", "256M").connect()
    assert memdevs(c) == [("pc.ram", 256 << 20)]
    assert c.cmd("qom-get", {"path": "/machine",
                             "property": "memory-backend"}) == "pc.ram"


def test_default_backend_none(make_vm):
    c = make_vm("-m", "64M").connect()
    assert memdevs(c) == [("ram", 64 << 20)]


def test_no_ram_no_backend(qmp):
    assert qmp.cmd("query-memdev") == []


def test_two_nodes(make_vm):
    vm = make_vm("-machine", "q35", "-smp", "2",
                 "-m", "size=512M,slots=4,maxmem=2G",
                 "-object", "memory-backend-ram,id=n0,size=256M",
                 "-object", "memory-backend-ram,id=n1,size=256M",
                 "-numa", "node,nodeid=0,cpus=0,memdev=n0",
                 "-numa", "node,nodeid=1,cpus=1,memdev=n1",
                 "-object", "memory-backend-ram,id=vm0,size=1G",
                 "-device", "virtio-mem-pci,id=v0,memdev=vm0,node=1,"
                 "requested-size=0")
    c = vm.connect()
    assert memdevs(c) == [("n0", 256 << 20), ("n1", 256 << 20),
                          ("vm0", 1 << 30)]
    # the node backends are in use: object-del refuses
    r = c.execute("object-del", {"id": "n1"})
    assert "in use" in r["error"]["desc"], r
    devs = c.cmd("query-memory-devices")
    assert devs[0]["data"]["node"] == 1
    assert c.cmd("query-memory-size-summary")["base-memory"] == 512 << 20


def test_node_without_memory(make_vm):
    c = make_vm("-machine", "q35", "-m", "128M",
                "-object", "memory-backend-ram,id=n0,size=128M",
                "-numa", "node,nodeid=0,memdev=n0",
                "-numa", "node,nodeid=1").connect()
    assert memdevs(c) == [("n0", 128 << 20)]


BAD = [
    (["-machine", "q35", "-m", "1G",
      "-object", "memory-backend-ram,id=m0,size=512M",
      "-numa", "node,nodeid=0,memdev=m0"],
     "total memory for NUMA nodes (0x20000000) should equal RAM size "
     "(0x40000000)"),
    (["-machine", "q35", "-m", "1G", "-numa", "node,nodeid=0"],
     "total memory for NUMA nodes (0x0) should equal RAM size"),
    (["-machine", "q35", "-m", "1G", "-numa", "node,nodeid=0,mem=1G"],
     "-numa node,nodeid=0,mem=1G: Parameter -numa node,mem is not "
     "supported by this machine type"),
    (["-machine", "q35", "-m", "1G",
      "-object", "memory-backend-ram,id=m0,size=1G",
      "-numa", "node,nodeid=0,memdev=m0", "-numa", "node,nodeid=0"],
     "-numa node,nodeid=0: Duplicate NUMA nodeid: 0"),
    (["-machine", "q35", "-m", "1G",
      "-object", "memory-backend-ram,id=m0,size=1G",
      "-numa", "node,nodeid=2,memdev=m0"], "numa: Node ID missing: 0"),
    (["-machine", "q35", "-m", "1G", "-numa", "node,nodeid=0,memdev=nope"],
     "-numa node,nodeid=0,memdev=nope: memdev=nope is ambiguous"),
    (["-machine", "q35", "-m", "1G",
      "-object", "memory-backend-ram,id=m0,size=1G",
      "-numa", "node,nodeid=0,memdev=m0,cpus=0-3"],
     "CPU index (1) should be smaller than maxcpus (1)"),
    (["-machine", "q35,memory-backend=m0", "-m", "1G",
      "-object", "memory-backend-ram,id=m0,size=1G",
      "-numa", "node,nodeid=0,memdev=m0"],
     "'-machine memory-backend' and '-numa memdev' properties are "
     "mutually exclusive"),
    (["-machine", "none", "-m", "1G",
      "-object", "memory-backend-ram,id=m0,size=1G",
      "-numa", "node,nodeid=0,memdev=m0"],
     "NUMA is not supported by this machine-type"),
    (["-machine", "q35", "-numa", "dist,src=0,dst=0,val=10"],
     "-numa dist is not supported"),
    (["-machine", "q35", "-numa", "cpu,node-id=0"],
     "-numa cpu is not supported"),
    (["-machine", "q35", "-m", "1G,maxmem=4G",
      "-object", "memory-backend-ram,id=m0,size=1G",
      "-numa", "node,nodeid=0,memdev=m0",
      "-object", "memory-backend-ram,id=vm,size=1G",
      "-device", "virtio-mem-pci,id=v,memdev=vm,node=1"],
     "'node' property has value '1', which exceedsthe number of numa "
     "nodes: 1"),
]


@pytest.mark.parametrize("args,needle", BAD,
                         ids=[" ".join(a) for a, _ in BAD])
def test_refused(args, needle):
    rc, out, err = run(*args)
    assert rc == 1, (out, err)
    assert needle in err, err


def test_virtio_mem_node_allowed_with_two_nodes(make_vm):
    c = make_vm("-machine", "q35", "-m", "256M,maxmem=2G",
                "-object", "memory-backend-ram,id=m0,size=128M",
                "-object", "memory-backend-ram,id=m1,size=128M",
                "-numa", "node,nodeid=0,memdev=m0",
                "-numa", "node,nodeid=1,memdev=m1",
                "-object", "memory-backend-ram,id=vm,size=1G",
                "-device", "virtio-mem-pci,id=v,memdev=vm,node=1").connect()
    assert c.cmd("query-memory-devices")[0]["data"]["node"] == 1


def test_nodes_laid_out_in_node_order(tmp_path):
    """Guest RAM [0, 64M) is node 0's backend and [64M, 128M) node 1's,
    whatever order the -object options came in: a guest write at 64M + 8
    lands at offset 8 of node 1's file."""
    import os
    import struct
    import sys
    sys.path.insert(0, os.path.dirname(__file__))
    import qtest

    f0, f1 = tmp_path / "n0", tmp_path / "n1"
    args = ["-machine", "q35", "-m", "128M",
            "-object", f"memory-backend-file,id=n1,size=64M,share=on,"
            f"mem-path={f1}",
            "-object", f"memory-backend-file,id=n0,size=64M,share=on,"
            f"mem-path={f0}",
            "-numa", "node,nodeid=1,memdev=n1",
            "-numa", "node,nodeid=0,memdev=n0"]
    with qtest.QTestMachine(args, binary=qemu_binary(), timeout=20) as vm:
        vm.writeq(8, 0x1122334455667788)
        vm.writeq((64 << 20) + 8, 0x0102030405060708)
        with open(f0, "rb") as a, open(f1, "rb") as b:
            assert struct.unpack("<Q", a.read(16)[8:])[0] == \
                0x1122334455667788
            assert struct.unpack("<Q", b.read(16)[8:])[0] == \
                0x0102030405060708


REFERENCE = "/usr/bin/qemu-system-x86_64"
# BAD lines whose message QEMU 7.2 prints word for word
SAME_AS_72 = [b for b in BAD if "not supported" not in b[1] and
              "Node ID missing" not in b[1]]


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason="Debian's QEMU 7.2 is not installed")
@pytest.mark.parametrize("args,needle", SAME_AS_72,
                         ids=[" ".join(a) for a, _ in SAME_AS_72])
def test_refused_like_qemu72(args, needle):
    p = subprocess.run([REFERENCE, "-nodefaults", "-display", "none",
                        "-accel", "tcg", "-S", *args],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=20, text=True)
    assert p.returncode == 1, p.stderr
    assert needle in p.stderr, p.stderr
