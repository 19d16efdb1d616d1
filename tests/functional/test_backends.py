# SPDX-License-Identifier: GPL-2.0-or-later
"""Memory backends over a real QMP socket, observed from the host.

- qom-list / qom-get / qom-set on backends, frozen properties, errors;
- object-add / object-del, and that a failed object-add leaves nothing;
- query-memdev field by field against Debian's QEMU 7.2 (skipped with the
  reason when /usr/bin/qemu-system-x86_64 is not installed);
- the kernel's view: Committed_AS for reserve=off/on, RSS for prealloc,
  a hugetlb memfd with too few free huge pages failing cleanly;
- -object help, -object TYPE,help, duplicate ids, QEMU's documented
  command lines.

Host measurements run next to other processes: they retry and compare
big expected deltas against generous bounds.
"""

import os
import time

import pytest

from conftest import VM
from hostobs import meminfo, overcommit_mode, rss_of
from qmp import QMPError

REF_BINARY = "/usr/bin/qemu-system-x86_64"
MiB = 1 << 20
GiB = 1 << 30


def error_of(c, name, args=None):
    with pytest.raises(QMPError) as e:
        c.cmd(name, args)
    return e.value.cls, e.value.desc


def launch(tmp_path, tag, *args, binary=None):
    d = tmp_path / tag
    os.makedirs(d, exist_ok=True)
    vm = VM(d, args)
    if binary:
        vm.binary = binary
        vm.args[0] = binary
    return vm.launch()


@pytest.fixture
def start(tmp_path, vms):
    """start(*args, binary=None) -> (vm, negotiated QMP client); the VM
    joins conftest's vms, stopped (and judged) at teardown."""
    def run(*args, binary=None):
        vm = launch(tmp_path, f"vm{len(vms)}", *args, binary=binary)
        vms.append(vm)
        return vm, vm.connect()
    return run


def need_reference():
    if not os.access(REF_BINARY, os.X_OK):
        pytest.skip(f"QEMU 7.2 reference {REF_BINARY} is not installed")


# ---- qom-list / qom-get / qom-set ---------------------------------------

COMMON_PROPS = {
    "type": "string", "share": "bool", "size": "int", "dump": "bool",
    "prealloc-threads": "int", "policy": "HostMemPolicy", "prealloc": "bool",
    "reserve": "bool", "host-nodes": "int", "merge": "bool",
}


def props_of(c, path):
    return {p["name"]: p["type"] for p in c.cmd("qom-list", {"path": path})}


def test_qom_list_shows_backend_properties(start):
    _, c = start("-object", "memory-backend-ram,id=m0,size=64M",
                 "-object", "memory-backend-memfd,id=m1,size=32M",
                 "-object", f"memory-backend-file,id=m2,size=16M,"
                 f"mem-path=/dev/shm")
    ram = props_of(c, "/objects/m0")
    assert {k: ram.get(k) for k in COMMON_PROPS} == COMMON_PROPS
    memfd = props_of(c, "m1")
    assert (memfd["hugetlb"], memfd["hugetlbsize"], memfd["seal"]) == \
        ("bool", "int", "bool")
    f = props_of(c, "m2")
    assert (f["mem-path"], f["align"], f["discard-data"], f["readonly"]) == \
        ("string", "int", "bool", "bool")
    objects = props_of(c, "/objects")
    assert objects["m0"] == "child<memory-backend-ram>"
    assert objects["m1"] == "child<memory-backend-memfd>"


def test_qom_list_matches_reference_types(start):
    """Property names and types as QEMU 7.2 shows them (ours is a subset:
    no prealloc-context, x-use-canonical-path-for-ramblock-id, pmem)."""
    need_reference()
    lines = ["memory-backend-memfd,id=m1,size=32M",
             "memory-backend-file,id=m2,size=4M,mem-path=/dev/shm",
             "memory-backend-ram,id=m3,size=4M"]
    args = [a for line in lines for a in ("-object", line)]
    _, ours = start(*args)
    _, ref = start(*args, binary=REF_BINARY)
    for ident in ("m1", "m2", "m3"):
        mine = ours.cmd("qom-list", {"path": f"/objects/{ident}"})
        theirs = ref.cmd("qom-list", {"path": f"/objects/{ident}"})
        names = [p["name"] for p in mine]
        # same names and types, in the same order
        assert [p for p in theirs if p["name"] in names] == mine, ident


def test_qom_get_values(start):
    _, c = start("-object", "memory-backend-ram,id=m0,size=64M,share=on,"
                 "merge=off,dump=off,prealloc-threads=3")
    get = lambda p: c.cmd("qom-get", {"path": "m0", "property": p})
    assert get("size") == 64 * MiB
    assert (get("share"), get("merge"), get("dump"), get("reserve")) == \
        (True, False, False, True)
    assert get("prealloc-threads") == 3
    assert get("policy") == "default"
    assert get("host-nodes") == []
    assert get("type") == "memory-backend-ram"


def test_qom_set_frozen_and_live_properties(start):
    _, c = start("-object", "memory-backend-ram,id=m0,size=64M")
    # QEMU 7.2's wordings, one per property
    for prop, value, desc in (
            ("size", MiB, "cannot change property size of "
             "memory-backend-ram "),
            ("share", True, "cannot change property value"),
            ("reserve", False, "cannot change property value"),
            ("policy", "bind", "cannot change property 'policy' of "
             "memory-backend-ram"),
            ("host-nodes", [0], "cannot change property 'host-nodes' of "
             "memory-backend-ram")):
        assert error_of(c, "qom-set", {"path": "/objects/m0",
                                       "property": prop, "value": value}) \
            == ("GenericError", desc)
    # merge and dump apply to the live mapping (as QEMU)
    for prop in ("merge", "dump"):
        c.cmd("qom-set", {"path": "m0", "property": prop, "value": False})
        assert c.cmd("qom-get", {"path": "m0", "property": prop}) is False
    assert c.cmd("qom-get", {"path": "m0", "property": "size"}) == 64 * MiB


def test_qom_errors(start):
    _, c = start("-object", "memory-backend-ram,id=m0,size=1M")
    assert error_of(c, "qom-get", {"path": "/objects/nope",
                                   "property": "size"}) == \
        ("DeviceNotFound", "Device '/objects/nope' not found")
    assert error_of(c, "qom-set", {"path": "nope", "property": "size",
                                   "value": 1}) == \
        ("DeviceNotFound", "Device 'nope' not found")
    assert error_of(c, "qom-list", {"path": "/nope"}) == \
        ("DeviceNotFound", "Device '/nope' not found")
    assert error_of(c, "qom-list", {"path": ""}) == \
        ("GenericError", "Path '' is ambiguous")
    assert error_of(c, "qom-get", {"path": "", "property": "type"}) == \
        ("DeviceNotFound", "Device '' not found")
    assert error_of(c, "qom-get", {"path": "m0", "property": "nope"}) == \
        ("GenericError", "Property 'memory-backend-ram.nope' not found")
    assert error_of(c, "qom-set", {"path": "m0", "property": "type",
                                   "value": "x"}) == \
        ("GenericError", "Property 'memory-backend-ram.type' is not "
         "writable")
    assert error_of(c, "qom-list-properties", {"typename": "nope"}) == \
        ("DeviceNotFound", "Class 'nope' not found")


def test_qom_list_types_and_properties(start):
    _, c = start()
    # /objects exists with no object in it, so "" is ambiguous (as QEMU)
    assert props_of(c, "/objects") == {"type": "string"}
    assert error_of(c, "qom-get", {"path": "", "property": "type"}) == \
        ("DeviceNotFound", "Device '' not found")
    types = c.cmd("qom-list-types", {"implements": "memory-backend",
                                     "abstract": True})
    assert sorted((t["name"], t["parent"], t.get("abstract", False))
                  for t in types) == [
        ("memory-backend", "object", True),
        ("memory-backend-file", "memory-backend", False),
        ("memory-backend-memfd", "memory-backend", False),
        ("memory-backend-ram", "memory-backend", False)]
    props = {p["name"]: p["type"] for p in c.cmd(
        "qom-list-properties", {"typename": "memory-backend-memfd"})}
    assert props["hugetlbsize"] == "int" and props["size"] == "int"


# ---- object-add / object-del ---------------------------------------------

def objects_children(c):
    return sorted(n for n, t in props_of(c, "/objects").items()
                  if t.startswith("child<"))


def test_object_add_del(start):
    _, c = start()
    assert c.cmd("object-add", {"qom-type": "memory-backend-ram",
                                "id": "mem1", "size": GiB,
                                "reserve": False}) == {}
    assert c.cmd("qom-get", {"path": "mem1", "property": "reserve"}) is False
    assert [m["id"] for m in c.cmd("query-memdev")] == ["mem1"]
    assert c.cmd("object-del", {"id": "mem1"}) == {}
    assert c.cmd("query-memdev") == []
    assert error_of(c, "object-del", {"id": "mem1"}) == \
        ("GenericError", "object 'mem1' not found")


@pytest.mark.parametrize("args,desc", [
    ({"id": "m1"}, "Parameter 'size' is missing"),
    ({"id": "m0", "size": MiB},
     "attempt to add duplicate property 'm0' to object (type 'container')"),
    ({"id": "m1", "size": 0},
     "property 'size' of memory-backend-ram doesn't take value '0'"),
    ({"id": "m1", "size": "1M"}, "Parameter 'size' expects uint64"),
    ({"id": "m1", "size": MiB, "bogus": 1}, "Parameter 'bogus' is unexpected"),
    ({"id": "m1", "size": MiB, "reserve": False, "prealloc": True},
     "'prealloc=on' and 'reserve=off' are incompatible"),
    ({"id": "m1", "size": MiB, "share": "on"},
     "Invalid parameter type for 'share', expected: boolean"),
    ({"id": "m1", "size": MiB, "prealloc-threads": -1},
     "Parameter 'prealloc-threads' expects uint32_t"),
    ({"id": "m1", "size": MiB, "host-nodes": 0},
     "Invalid parameter type for 'host-nodes', expected: array"),
    ({"id": "m1", "size": MiB, "policy": "bind"},
     "host-nodes must be set for policy bind"),
    ({"id": "m1", "size": MiB, "host-nodes": [0]},
     "host-nodes must be empty for policy default, or you should explicitly "
     "specify a policy other than default"),
    ({"id": "1x", "size": MiB}, "Parameter 'id' expects an identifier"),
    ({"size": MiB}, "Parameter 'id' is missing"),
])
def test_object_add_errors_leave_nothing(start, args, desc):
    _, c = start("-object", "memory-backend-ram,id=m0,size=1M")
    req = {"qom-type": "memory-backend-ram", **args}
    assert error_of(c, "object-add", req) == ("GenericError", desc)
    assert objects_children(c) == ["m0"]
    # the id is free again: nothing was left behind under it
    c.cmd("object-add", {"qom-type": "memory-backend-ram", "id": "m1",
                         "size": MiB})
    assert objects_children(c) == ["m0", "m1"]


def test_object_add_bad_types(start):
    _, c = start()
    for t in ("nope", "memory-backend"):
        assert error_of(c, "object-add", {"qom-type": t, "id": "x",
                                          "size": MiB}) == \
            ("GenericError", f"Parameter 'qom-type' does not accept value "
             f"'{t}'")
    assert error_of(c, "object-add", {"qom-type": "memory-backend-file",
                                      "id": "x", "size": MiB}) == \
        ("GenericError", "Parameter 'mem-path' is missing")


# ---- query-memdev against QEMU 7.2 -----------------------------------------

MEMDEV_LINES = [
    "memory-backend-ram,id=ram0,size=64M",
    "memory-backend-ram,id=ram1,size=128M,share=on,merge=off,dump=off",
    "memory-backend-ram,id=ram2,size=1G,reserve=off",
    "memory-backend-ram,id=ram3,size=8M,prealloc=on,prealloc-threads=2",
    "memory-backend-ram,id=ram4,size=4M,policy=bind,host-nodes=0",
    "memory-backend-ram,id=ram5,size=4M,policy=interleave,host-nodes=0",
    "memory-backend-ram,id=ram6,size=4M,policy=preferred,host-nodes=0",
    "memory-backend-ram,id=ram7,size=4M,policy=bind,host-nodes=0,"
    "host-nodes=0-0",
    "memory-backend-memfd,id=fd0,size=32M",
    "memory-backend-memfd,id=fd1,size=32M,share=off,seal=off",
    "memory-backend-file,id=file0,size=16M,mem-path=/dev/shm,share=on",
    "memory-backend-file,id=file1,size=16M,mem-path=/dev/shm,"
    "discard-data=on,reserve=off",
]


def memdev_args():
    args = []
    for line in MEMDEV_LINES:
        args += ["-object", line]
    return args


def test_query_memdev_matches_reference(start):
    need_reference()
    if not os.path.isdir("/sys/devices/system/node/node0"):
        pytest.skip("host has no NUMA node 0 in sysfs")
    _, ours = start(*memdev_args())
    _, ref = start(*memdev_args(), "-S", binary=REF_BINARY)
    mine = {m["id"]: m for m in ours.cmd("query-memdev")}
    theirs = {m["id"]: m for m in ref.cmd("query-memdev")}
    assert sorted(mine) == sorted(theirs)
    for ident, expected in theirs.items():
        assert set(mine[ident]) == set(expected), ident
        for field, value in expected.items():
            assert mine[ident][field] == value, (ident, field)


def test_query_memdev_after_qom_set_matches_reference(start):
    need_reference()
    line = "memory-backend-ram,id=m0,size=16M"
    results = []
    for binary in (None, REF_BINARY):
        _, c = start("-object", line, binary=binary)
        for prop, value in (("merge", False), ("dump", False),
                            ("prealloc", True)):
            c.cmd("qom-set", {"path": "m0", "property": prop,
                              "value": value})
        results.append(c.cmd("query-memdev"))
    assert results[0] == results[1]


def transcript(c, reqs):
    out = []
    for name, args in reqs:
        resp = c.execute(name, args)
        if name == "query-memdev" and "return" in resp:
            resp = {"return": sorted(resp["return"], key=lambda m: m["id"])}
        out.append(resp)
    return out


def test_qom_set_transcript_matches_reference(start):
    """The same qom-set/qom-get/query-memdev session, answer by answer."""
    need_reference()
    reqs = [
        ("qom-set", {"path": "m0", "property": "prealloc", "value": True}),
        ("qom-set", {"path": "m0", "property": "prealloc-threads",
                     "value": 0}),
        ("qom-set", {"path": "m0", "property": "prealloc", "value": False}),
        ("qom-set", {"path": "m1", "property": "prealloc-threads",
                     "value": 2}),
        ("qom-set", {"path": "m1", "property": "prealloc", "value": True}),
        ("qom-set", {"path": "m1", "property": "prealloc", "value": False}),
        ("qom-set", {"path": "/objects/m1", "property": "merge",
                     "value": False}),
        ("qom-set", {"path": "/objects/m1", "property": "dump",
                     "value": False}),
        ("qom-set", {"path": "m1", "property": "size", "value": MiB}),
        ("qom-set", {"path": "m1", "property": "share", "value": True}),
        ("qom-set", {"path": "m1", "property": "reserve", "value": False}),
        ("qom-set", {"path": "m1", "property": "hugetlbsize",
                     "value": 2 * MiB}),
        ("qom-set", {"path": "f", "property": "mem-path", "value": "/tmp"}),
        ("qom-set", {"path": "f", "property": "align", "value": 4096}),
        ("qom-set", {"path": "f", "property": "readonly", "value": True}),
        ("qom-set", {"path": "f", "property": "share", "value": True}),
        ("qom-set", {"path": "f", "property": "discard-data",
                     "value": True}),
        ("qom-get", {"path": "f", "property": "discard-data"}),
        ("qom-get", {"path": "f", "property": "mem-path"}),
        ("qom-get", {"path": "m1", "property": "prealloc"}),
        ("qom-get", {"path": "m1", "property": "prealloc-threads"}),
        ("query-memdev", None),
        ("object-del", {"id": "m0"}),
        ("query-memdev", None),
    ]
    args = ["-object", "memory-backend-ram,id=m0,size=4M,reserve=off",
            "-object", "memory-backend-memfd,id=m1,size=4M",
            "-object", "memory-backend-file,id=f,size=4M,mem-path=/dev/shm"]
    _, ours = start(*args)
    _, ref = start(*args, binary=REF_BINARY)
    assert transcript(ours, reqs) == transcript(ref, reqs)


# ---- host observation ----------------------------------------------------

def committed_delta(tmp_path, vms, tag, line, tries=3, pick=min):
    """Committed_AS rise while a VM with @line runs (pick over tries)."""
    deltas = []
    for i in range(tries):
        before = meminfo("Committed_AS")
        vm = launch(tmp_path, f"{tag}{i}", "-object", line)
        vms.append(vm)
        c = vm.connect()
        c.cmd("query-memdev")
        after = meminfo("Committed_AS")
        vm.kill()
        deltas.append(after - before)
    return pick(deltas)


def test_reserve_off_does_not_commit(tmp_path, vms):
    line = "memory-backend-ram,id=big,size=16G,reserve=off"
    if overcommit_mode() == 2:
        vm = launch(tmp_path, "refused", "-object", line)
        rc, _, err = vm.wait()
        assert rc == 1 and "reserve=off is not supported" in err
        return
    assert committed_delta(tmp_path, vms, "off", line) < 64 * MiB


def test_reserve_on_commits_the_size(tmp_path, vms):
    if overcommit_mode() == 2 and meminfo("CommitLimit") < 20 * GiB:
        pytest.skip("overcommit mode 2 would refuse 16 GiB")
    delta = committed_delta(tmp_path, vms, "on",
                            "memory-backend-ram,id=big,size=16G,"
                            "reserve=on", pick=max)
    assert delta > 14 * GiB


def test_prealloc_makes_rss_the_size(start):
    size = 256 * MiB
    vm, c = start("-object", f"memory-backend-ram,id=m,size={size},"
                  "prealloc=on,prealloc-threads=2")
    c.cmd("query-memdev")
    assert rss_of(vm.proc.pid) >= size * 95 // 100
    vm2, c2 = start("-object", f"memory-backend-ram,id=m,size={size}")
    c2.cmd("query-memdev")
    assert rss_of(vm2.proc.pid) < 64 * MiB


def test_prealloc_by_qom_set_populates(start):
    size = 128 * MiB
    vm, c = start("-object", f"memory-backend-ram,id=m,size={size}")
    assert rss_of(vm.proc.pid) < 64 * MiB
    c.cmd("qom-set", {"path": "m", "property": "prealloc", "value": True})
    assert rss_of(vm.proc.pid) >= size * 95 // 100


def hugetlb_shortage_size():
    """A size larger than the free huge pages, or skip."""
    if not os.path.isdir("/sys/kernel/mm/hugepages"):
        pytest.skip("kernel without hugetlbfs")
    page = meminfo("Hugepagesize")
    return (meminfo("HugePages_Free") + 1) * page


def test_hugetlb_prealloc_fails_at_startup(tmp_path, vms):
    size = hugetlb_shortage_size()
    vm = launch(tmp_path, "huge", "-object",
                f"memory-backend-memfd,id=h,size={size},hugetlb=on,"
                "prealloc=on")
    vms.append(vm)
    rc, _, err = vm.wait()
    assert rc == 1
    assert "hugetlb" in err
    assert not os.path.exists(vm.qmp_path)


def test_hugetlb_prealloc_fails_at_object_add(start):
    size = hugetlb_shortage_size()
    vm, c = start("-object", "memory-backend-ram,id=m0,size=1M")
    fds = len(os.listdir(f"/proc/{vm.proc.pid}/fd"))
    for share in (True, False):
        cls, desc = error_of(c, "object-add", {
            "qom-type": "memory-backend-memfd", "id": "h", "size": size,
            "hugetlb": True, "prealloc": True, "share": share})
        assert cls == "GenericError" and "hugetlb" in desc
        assert objects_children(c) == ["m0"]
    # still serving, no memfd left open, and the id is free
    assert [m["id"] for m in c.cmd("query-memdev")] == ["m0"]
    assert len(os.listdir(f"/proc/{vm.proc.pid}/fd")) == fds
    c.cmd("object-add", {"qom-type": "memory-backend-ram", "id": "h",
                         "size": MiB})
    assert vm.proc.poll() is None



def test_machine_memory_backend_by_path(start):
    """-machine memory-backend= takes a QOM path as well as an id (QEMU 7.2
    resolves it with object_resolve_path_type); the backend is claimed."""
    args = ["-machine", "q35,memory-backend=/objects/mem0",
            "-object", "memory-backend-ram,id=mem0,size=64M"]
    binaries = [(None, ["-accel", "qtest"])]
    if os.access(REF_BINARY, os.X_OK):
        binaries.append((REF_BINARY, ["-accel", "tcg", "-S"]))
    for binary, accel in binaries:
        _, c = start(*args, *accel, binary=binary)
        assert c.cmd("query-memory-size-summary")["base-memory"] == 64 * MiB
        assert error_of(c, "object-del", {"id": "mem0"}) == \
            ("GenericError", "object 'mem0' is in use, can not be deleted")

# ---- command line ---------------------------------------------------------

def run_cli(tmp_path, tag, *args):
    vm = launch(tmp_path, tag, *args)
    try:
        return vm.wait()
    finally:
        vm.kill()


def test_object_help_lists_backend_types(tmp_path):
    rc, out, _ = run_cli(tmp_path, "h", "-object", "help")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "List of user creatable objects:"
    for t in ("memory-backend-file", "memory-backend-memfd",
              "memory-backend-ram"):
        assert f"  {t}" in lines
    assert "  memory-backend" not in lines


def test_object_type_help(tmp_path):
    rc, out, _ = run_cli(tmp_path, "h", "-object", "memory-backend-memfd,help")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "memory-backend-memfd options:"
    heads = [ln.split()[0] for ln in lines[1:]]
    assert heads == sorted(heads)
    for head in ("hugetlb=<bool>", "hugetlbsize=<int>", "seal=<bool>",
                 "size=<int>", "policy=<HostMemPolicy>", "reserve=<bool>"):
        assert head in heads
    rc, _, err = run_cli(tmp_path, "h2", "-object", "nope,help")
    assert rc == 1
    assert "-object nope,help: Parameter 'qom-type' does not accept value " \
        "'nope'" in err


@pytest.mark.parametrize("args,msg", [
    (["-object", "memory-backend-ram,id=m,size=1M", "-object",
      "memory-backend-ram,id=m,size=2M"],
     "-object memory-backend-ram,id=m,size=2M: Duplicate ID 'm' for object"),
    (["-object", "memory-backend-ram,id=m"],
     "-object memory-backend-ram,id=m: Parameter 'size' is missing"),
    (["-object", "memory-backend-ram,id=m,size=0"],
     "property 'size' of memory-backend-ram doesn't take value '0'"),
    (["-object", "memory-backend-ram,id=m,size=1M,reserve=off,prealloc=on"],
     "'prealloc=on' and 'reserve=off' are incompatible"),
    (["-object", "memory-backend-ram,id=m,size=1x"],
     "-object memory-backend-ram,id=m,size=1x: Parameter 'size' expects a "
     "size value"),
    (["-object", "memory-backend-ram,id=m,size=1M,bogus=1"],
     "-object memory-backend-ram,id=m,size=1M,bogus=1: Invalid parameter "
     "'bogus'"),
    (["-object", "memory-backend-ram,id=m,size=1M,policy=foo"],
     "Parameter 'policy' does not accept value 'foo'"),
    (["-object", "memory-backend-memfd,id=m,size=2M,hugetlb=on,"
      "hugetlbsize=3M"], "Hugepage size must be a power of 2"),
    (["-object", "memory-backend-ram,id=m,size=1M,host-nodes=200,"
      "policy=bind"], "Invalid host-nodes value: 200"),
    (["-object", "memory-backend-ram,id=m,size=1M,host-nodes=127,"
      "policy=bind"], "cannot bind memory to host NUMA nodes"),
    (["-object", "memory-backend-file,id=m,size=2M,mem-path=/dev/shm,"
      "align=3"], "alignment 0x3 must be multiples of page size 0x1000"),
])
def test_bad_object_lines(tmp_path, args, msg):
    rc, _, err = run_cli(tmp_path, "bad", *args)
    assert rc == 1
    assert msg in err


def test_bad_object_lines_match_reference(tmp_path):
    """The same bad lines give QEMU 7.2's exact messages."""
    need_reference()
    for line in ("memory-backend-ram,id=m",
                 "memory-backend-ram,id=m,size=0",
                 "memory-backend-ram,id=m,size=1M,reserve=off,prealloc=on",
                 "memory-backend-ram,id=m,size=1M,share=maybe",
                 "memory-backend-ram,id=m,size=1M,policy=bind",
                 "memory-backend-ram,id=m,size=1M,policy=bind,host-nodes=1-0",
                 "memory-backend-ram,id=m,size=1M,policy=bind,host-nodes=x",
                 "memory-backend-ram,id=m,size=1M,policy=bind,host-nodes=-1",
                 "memory-backend-ram,id=m,size=1M,policy=bind,"
                 "host-nodes=200,host-nodes=0",
                 "memory-backend-ram,size=1M"):
        results = []
        for binary in (None, REF_BINARY):
            vm = launch(tmp_path, "ref", "-object", line, "-S",
                        binary=binary)
            try:
                rc, _, err = vm.wait()
            finally:
                vm.kill()
            results.append((rc, err.strip().split(": ", 1)[1]))
        assert results[0] == results[1], line


def test_object_json_form(start, tmp_path):
    """-object '{...}' as libvirt writes it, including ',' and '=' in
    strings (vl.c splits the text; vl-objects.c must rebuild it)."""
    shm = "/dev/shm/test-backends-a=b,c-%d" % os.getpid()
    try:
        _, c = start("-object", '{"qom-type":"memory-backend-ram","id":"j0",'
                     '"size":16777216,"reserve":false,"merge":false}',
                     "-object", '{"qom-type":"memory-backend-file","id":"j1",'
                     f'"size":1048576,"mem-path":"{shm}","share":true}}')
        got = {m["id"]: m for m in c.cmd("query-memdev")}
        assert (got["j0"]["reserve"], got["j0"]["merge"]) == (False, False)
        assert got["j1"]["share"] is True
        assert c.cmd("qom-get", {"path": "j1", "property": "mem-path"}) == shm
    finally:
        if os.path.exists(shm):
            os.unlink(shm)


@pytest.mark.parametrize("text", [
    '{"qom-type":"memory-backend-ram","id":"m","size":"1M"}',
    '{"qom-type":"memory-backend-ram","id":"m"}',
    '{"qom-type":"memory-backend-ram","id":"m","size":0}',
    '{"qom-type":"nope","size":0}',
    '[1]',
])
def test_object_json_form_errors_match_reference(tmp_path, text):
    need_reference()
    results = []
    for binary in (None, REF_BINARY):
        vm = launch(tmp_path, "j", "-object", text, "-S", binary=binary)
        try:
            rc, _, err = vm.wait()
        finally:
            vm.kill()
        results.append((rc, err.strip().split(": ", 1)[1]))
    assert results[0] == results[1]


def test_object_add_check_order_matches_reference(start):
    need_reference()
    reqs = [{"qom-type": "nope"}, {"id": "x"},
            {"qom-type": "memory-backend-ram", "id": 1},
            {"qom-type": 1, "id": "x"}]
    answers = []
    for binary in (None, REF_BINARY):
        _, c = start(binary=binary)
        answers.append([error_of(c, "object-add", r) for r in reqs])
    assert answers[0] == answers[1]


# Command lines from QEMU's documentation (qemu-options, NUMA, vhost-user
# and virtio-mem pages) that need nothing but the host.
QEMU_DOC_LINES = [
    "memory-backend-ram,size=512M,id=ram0",
    "memory-backend-ram,size=1024M,policy=bind,host-nodes=0,id=ram-node0",
    "memory-backend-memfd,id=mem,size=4G,share=on",
    "memory-backend-file,id=mem,size=4G,mem-path=/dev/shm,share=on",
    "memory-backend-ram,id=mem0,size=8G,reserve=off",
]

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "system",
                   "memory-backends.md")


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


def doc_lines():
    """The -object examples of docs/system/memory-backends.md."""
    with open(DOC) as f:
        return [ln.strip().split(None, 1)[1] for ln in f
                if ln.startswith("    -object ")]


def runnable_here(line):
    """None, or why @line cannot run on this host."""
    opts = dict(kv.split("=", 1) for kv in line.split(",")[1:])
    size = parse_size(opts["size"])
    if "/dev/hugepages" in line:
        return "needs a specific file or a hugetlbfs mount"
    if opts.get("hugetlb") == "on" and \
            meminfo("HugePages_Free") * meminfo("Hugepagesize") < size:
        return "not enough free huge pages"
    if opts.get("prealloc") == "on" and size > 512 * MiB:
        return "preallocates too much for a shared test host"
    if opts.get("reserve") != "off" and size > meminfo("MemAvailable") // 2:
        return "commits more than half of the available memory"
    return None


@pytest.mark.parametrize("line", QEMU_DOC_LINES + doc_lines())
def test_documented_command_lines_start(start, line, tmp_path):
    if "/path/to/image" in line:
        # stand in for the reader's file: an image of the right size
        image = tmp_path / "image"
        with open(image, "wb") as f:
            f.truncate(MiB)
        line = line.replace("/path/to/image", str(image))
    why = runnable_here(line)
    if why:
        pytest.skip(why)
    if "host-nodes=0" in line and \
            not os.path.isdir("/sys/devices/system/node/node0"):
        pytest.skip("host has no NUMA node 0")
    opts = dict(kv.split("=", 1) for kv in line.split(",")[1:])
    path = opts.get("mem-path")
    created = path and not os.path.exists(path)
    try:
        vm, c = start("-object", line)
        assert [m["id"] for m in c.cmd("query-memdev")] == [opts["id"]]
        vm.kill()
    finally:
        if created and os.path.exists(path):
            os.unlink(path)


def test_discard_data_at_exit(tmp_path, vms):
    path = "/dev/shm/test-backends-%d.mem" % os.getpid()
    try:
        vm = launch(tmp_path, "dd", "-object",
                    f"memory-backend-file,id=m,size=8M,mem-path={path},"
                    "share=on,prealloc=on,discard-data=on")
        vms.append(vm)
        c = vm.connect()
        c.cmd("query-memdev")
        assert os.stat(path).st_blocks * 512 >= 8 * MiB
        c.cmd("quit")
        rc, _, _ = vm.wait()
        assert rc == 0
        st = os.stat(path)
        assert (st.st_size, st.st_blocks) == (8 * MiB, 0)
    finally:
        if os.path.exists(path):
            os.unlink(path)


def test_memfd_hugetlbsize_checks_like_reference(start):
    """0 is refused when set; a non-power of 2 only matters (at creation)
    with hugetlb=on, as in QEMU 7.2."""
    reqs = [{"id": "a", "hugetlbsize": 0},
            {"id": "b", "hugetlbsize": 3},
            {"id": "c", "hugetlbsize": 3 * MiB, "hugetlb": True}]
    expected = [
        ("GenericError", "Property 'memory-backend-memfd.hugetlbsize' "
         "doesn't take value '0'"),
        None,
        ("GenericError", "Hugepage size must be a power of 2")]
    binaries = [None] + ([REF_BINARY] if os.access(REF_BINARY, os.X_OK)
                         else [])
    for binary in binaries:
        _, c = start(binary=binary)
        got = []
        for r in reqs:
            resp = c.execute("object-add", {
                "qom-type": "memory-backend-memfd", "size": 4 * MiB, **r})
            err = resp.get("error")
            got.append((err["class"], err["desc"]) if err else None)
        assert got == expected, binary
        assert [m["id"] for m in c.cmd("query-memdev")] == ["b"]


def test_object_del_refused_while_in_use(start):
    """A backend that guest RAM is built from cannot be deleted; the answer
    is QEMU 7.2's, and the backend keeps working afterwards."""
    args = ["-machine", "q35,memory-backend=mem0", "-m", "128M",
            "-object", "memory-backend-ram,id=mem0,size=128M",
            "-object", "memory-backend-ram,id=free0,size=1M"]
    binaries = [(None, ["-accel", "qtest"])]
    if os.access(REF_BINARY, os.X_OK):
        binaries.append((REF_BINARY, ["-accel", "tcg", "-S"]))
    for binary, accel in binaries:
        _, c = start(*args, *accel, binary=binary)
        assert error_of(c, "object-del", {"id": "mem0"}) == \
            ("GenericError", "object 'mem0' is in use, can not be deleted")
        assert c.cmd("object-del", {"id": "free0"}) == {}
        assert [m["id"] for m in c.cmd("query-memdev")] == ["mem0"]
        assert error_of(c, "qom-set", {"path": "mem0", "property": "size",
                                       "value": MiB})[1].startswith(
            "cannot change property size")


# ---- memory-backend-file and the user's file -----------------------------

def file_backend_add(c, path, size, share):
    return c.execute("object-add", {"qom-type": "memory-backend-file",
                                    "id": "f", "size": size, "share": share,
                                    "mem-path": str(path)})


@pytest.mark.parametrize("share", [False, True], ids=["private", "shared"])
def test_file_backend_never_grows_a_nonempty_file(start, tmp_path, share):
    """A non-empty file shorter than size is refused (QEMU 7.2's words,
    after ours' mem-path prefix) and left as it was; an empty file is
    extended; a longer one is used and keeps its length."""
    data = os.urandom(MiB)
    short = tmp_path / "short.img"
    short.write_bytes(data)
    binaries = [None]
    if os.access(REF_BINARY, os.X_OK):
        binaries.append(REF_BINARY)
    for binary in binaries:
        _, c = start(binary=binary)
        err = file_backend_add(c, short, 4 * MiB, share)["error"]
        assert err["desc"].endswith(
            "backing store size 0x100000 does not match 'size' option "
            "0x400000"), (binary, err)
        assert short.read_bytes() == data, binary
        assert c.cmd("query-memdev") == []
    _, c = start()
    assert file_backend_add(c, short, 4 * MiB, share)["error"]["desc"] == (
        "mem-path '%s': backing store size 0x100000 does not match 'size' "
        "option 0x400000" % short)

    empty = tmp_path / "empty.img"
    empty.write_bytes(b"")
    assert "return" in file_backend_add(c, empty, 4 * MiB, share)
    assert empty.stat().st_size == 4 * MiB
    c.cmd("object-del", {"id": "f"})

    longer = tmp_path / "long.img"
    longer.write_bytes(data * 8)
    assert "return" in file_backend_add(c, longer, 4 * MiB, share)
    assert longer.stat().st_size == 8 * MiB
    assert longer.read_bytes() == data * 8
