# SPDX-License-Identifier: GPL-2.0-or-later
"""Introspection that tells the truth, walked exhaustively.

- every object under /machine and /objects on q35, pc-q35-7.2 and none:
  every property qom-list shows is read with qom-get, and each read
  succeeds (a write-only property is refused with the reason) and gives
  a value of the listed type;
- device-list-properties for every device type agrees with
  -device TYPE,help and with a created device's qom-list; defaults have
  the property's JSON type;
- qom-list-properties for every type, abstract ones included;
- qom-list-types: implements/abstract filters and parents are
  consistent, and nothing is listed that does not exist (no accelerator
  types: there is no TCG).
"""

import json
import os
import subprocess

import pytest

from conftest import qemu_binary
from qmp import QMPError

REF_BINARY = "/usr/bin/qemu-system-x86_64"

INT_TYPES = {"int", "size", "uint8", "uint16", "uint32", "uint64", "int8",
             "int16", "int32", "int64"}

BOARDS = {
    "q35": ["-machine", "q35"],
    "pc-q35-7.2": ["-machine", "pc-q35-7.2"],
    "none": ["-machine", "none", "-m", "64M"],
}
OBJECTS = ["-object", "memory-backend-ram,id=m0,size=1M",
           "-object", "memory-backend-memfd,id=m1,size=1M",
           "-object", "memory-backend-ram,id=mem0,size=4G,reserve=off"]


def check_value(ptype, value, where):
    if ptype == "bool":
        assert isinstance(value, bool), where
    elif ptype in INT_TYPES:
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif ptype in ("str", "string") or ptype.startswith("link<"):
        assert isinstance(value, str), where


def walk(qmp, path, seen):
    seen.append(path)
    for p in qmp.cmd("qom-list", {"path": path}):
        where = f"{path}.{p['name']} ({p['type']})"
        if p["type"].startswith("child<"):
            walk(qmp, f"{path}/{p['name']}", seen)
            continue
        r = qmp.execute("qom-get", {"path": path, "property": p["name"]})
        assert "return" in r, f"{where}: {r.get('error')}"
        if p["name"] == "host-nodes":
            # QEMU 7.2 calls this list of node numbers "int" too
            assert isinstance(r["return"], list), where
            continue
        check_value(p["type"], r["return"], where)


@pytest.mark.parametrize("board", list(BOARDS))
def test_walk_reads_every_property(make_vm, board):
    args = BOARDS[board] + OBJECTS
    if board != "none":
        args += ["-m", "1G,maxmem=65G",
                 "-device", "virtio-mem-pci,id=vm0,memdev=mem0"]
    qmp = make_vm(*args).connect()
    seen = []
    walk(qmp, "/machine", seen)
    walk(qmp, "/objects", seen)
    assert "/machine/peripheral" in seen
    assert "/objects/m0" in seen and "/objects/m1" in seen
    if board != "none":
        assert "/machine/peripheral/vm0" in seen
        assert "/machine/q35" in seen
    assert qmp.cmd("qom-list", {"path": "/machine/peripheral"}) is not None


def test_peripheral_exists_without_devices(make_vm):
    for board in BOARDS.values():
        qmp = make_vm(*board).connect()
        names = [p["name"] for p in qmp.cmd("qom-list",
                                            {"path": "/machine/peripheral"})]
        assert names == ["type"]


def device_help_names(typename):
    out = subprocess.run([qemu_binary(), "-device", f"{typename},help"],
                         capture_output=True, text=True, check=True).stdout
    return {line.split("=", 1)[0].strip() for line in out.splitlines()[1:]
            if "=" in line}


def test_every_device_type(qmp):
    types = qmp.cmd("qom-list-types", {"implements": "device",
                                       "abstract": False})
    assert types
    for t in types:
        props = qmp.cmd("device-list-properties", {"typename": t["name"]})
        names = [p["name"] for p in props]
        assert len(names) == len(set(names)), t
        assert set(names) == device_help_names(t["name"]), t
        for p in props:
            assert set(p) <= {"name", "type", "description",
                              "default-value"}, p
            if "default-value" in p:
                check_value(p["type"], p["default-value"],
                            f"{t['name']}.{p['name']}")
        # the class's view is a subset of an instance's
        inst = {p["name"] for p in qmp.cmd("qom-list-properties",
                                           {"typename": t["name"]})}
        assert set(names) <= inst, t
    for bad, cls in (("memory-backend-ram", "GenericError"),
                     ("no-such-type", "DeviceNotFound"),
                     ("device", "GenericError")):
        with pytest.raises(QMPError) as e:
            qmp.cmd("device-list-properties", {"typename": bad})
        assert e.value.cls == cls


def test_defaults_are_the_initial_values(make_vm):
    """A Property's advertised default is what a new device holds."""
    qmp = make_vm("-machine", "q35", "-m", "1G,maxmem=65G", *OBJECTS,
                  "-device", "virtio-mem-pci,id=vm0,memdev=mem0").connect()
    props = qmp.cmd("device-list-properties", {"typename": "virtio-mem"})
    with_default = [p for p in props if "default-value" in p]
    assert {p["name"] for p in with_default} >= {"prealloc", "node"}
    for p in with_default:
        if p["name"] in ("memaddr",):
            continue        # assigned at plug time
        if p["name"] == "unplugged-inaccessible":
            # "auto" is decided at realize; QEMU 7.2 reads "off" too
            assert qmp.cmd("qom-get", {
                "path": "/machine/peripheral/vm0/virtio-backend",
                "property": p["name"]}) in ("on", "off")
            continue
        assert qmp.cmd("qom-get", {
            "path": "/machine/peripheral/vm0/virtio-backend",
            "property": p["name"]}) == p["default-value"], p


def test_forwarded_properties_keep_their_defaults(qmp):
    """virtio-mem-pci forwards virtio-mem's properties: each forwarded
    one advertises the same default (or none) as its source."""
    def by_name(cmd, typename):
        return {p["name"]: p for p in qmp.cmd(cmd, {"typename": typename})}
    mem = by_name("device-list-properties", "virtio-mem")
    pci = by_name("device-list-properties", "virtio-mem-pci")
    own = by_name("qom-list-properties", "virtio-pci")
    forwarded = [n for n in mem if n in pci and n not in own]
    assert {"memaddr", "node", "prealloc", "memdev",
            "requested-size"} <= set(forwarded), forwarded
    for name in forwarded:
        assert pci[name].get("default-value") == \
            mem[name].get("default-value"), (name, pci[name], mem[name])
        assert ("default-value" in pci[name]) == \
            ("default-value" in mem[name]), name
    assert sum("default-value" in pci[n] for n in forwarded) >= 3
    # -device TYPE,help prints the same "(default: X)" for both.
    help_of = {}
    for t in ("virtio-mem", "virtio-mem-pci"):
        out = subprocess.run([qemu_binary(), "-device", f"{t},help"],
                             capture_output=True, text=True,
                             check=True).stdout
        help_of[t] = {ln.split("=", 1)[0].strip(): ln
                      for ln in out.splitlines()[1:] if "=" in ln}
    for name in forwarded:
        assert help_of["virtio-mem-pci"][name] == \
            help_of["virtio-mem"][name], name
    assert "(default: 0)" in help_of["virtio-mem-pci"]["node"]


# Properties both binaries have, whose type or default we deliberately
# leave different from QEMU 7.2's (each documented where it lives).
REF_DIFFERENT = {
    # 7.2 picks the first free port (-1); ours is fixed to COM1's
    ("isa-serial", "iobase"), ("isa-serial", "irq"),
}


def test_shared_properties_match_qemu_7_2(tmp_path):
    """Where a device type and a property exist in both binaries, type
    and advertised default are QEMU 7.2's (libvirt and users read them)."""
    if not os.path.exists(REF_BINARY):
        pytest.skip("reference %s not installed" % REF_BINARY)
    types = ("virtio-mem-pci", "virtio-mem", "edu", "isa-debugcon",
             "isa-serial")

    def props(binary, accel):
        out = {}
        proc = subprocess.Popen(
            [binary, *accel, "-machine", "q35", "-display", "none",
             "-nodefaults", "-qmp", "stdio"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        cmds = [{"execute": "qmp_capabilities"}] + [
            {"execute": "device-list-properties",
             "arguments": {"typename": t}} for t in types] + [
            {"execute": "quit"}]
        out_text, _ = proc.communicate(
            "".join(json.dumps(c) + "\n" for c in cmds), timeout=60)
        replies = [json.loads(ln) for ln in out_text.splitlines()
                   if ln.strip()]
        replies = [r for r in replies if "return" in r or "error" in r]
        for t, r in zip(types, replies[1:]):
            out[t] = {p["name"]: p for p in r.get("return", [])}
        return out

    ours = props(qemu_binary(), ["-accel", "qtest"])
    ref = props(REF_BINARY, ["-accel", "tcg", "-S"])
    compared = 0
    for t in types:
        assert ours[t] and ref[t], t
        for name in set(ours[t]) & set(ref[t]):
            if (t, name) in REF_DIFFERENT:
                continue
            for field in ("type", "default-value"):
                assert ours[t][name].get(field) == \
                    ref[t][name].get(field), (t, name, field,
                                              ours[t][name], ref[t][name])
            compared += 1
    assert compared >= 20, compared


def test_qom_list_types_is_consistent(qmp):
    every = qmp.cmd("qom-list-types", {"abstract": True})
    by = {t["name"]: t for t in every}
    assert len(by) == len(every)
    concrete = qmp.cmd("qom-list-types")
    assert {t["name"] for t in concrete} == \
        {n for n, t in by.items() if not t.get("abstract")}
    for t in every:
        if t["name"] not in ("object", "interface"):
            assert t["parent"] in by, t
        n = t["name"]
        while n not in ("object", "interface"):
            n = by[n]["parent"]
        if n == "interface":
            with pytest.raises(QMPError) as e:
                qmp.cmd("qom-list-properties", {"typename": t["name"]})
            assert e.value.desc == "Parameter 'typename' expects a QOM type"
        else:
            props = qmp.cmd("qom-list-properties", {"typename": t["name"]})
            assert props and props[0] == {"name": "type", "type": "string"}
    # implements follows parents
    devs = {t["name"] for t in qmp.cmd("qom-list-types",
                                       {"implements": "device",
                                        "abstract": True})}
    for name in devs:
        n = name
        while n != "device":
            n = by[n]["parent"]
    # nothing claims an accelerator that does not exist: there is no TCG
    # (libvirt takes tcg-accel to mean it can run type='qemu' guests)
    assert "tcg-accel" not in by
    assert not [n for n in by if n.endswith("-accel")
                and n not in ("accel", "kvm-accel", "qtest-accel")]
