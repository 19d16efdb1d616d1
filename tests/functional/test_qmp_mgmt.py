# SPDX-License-Identifier: GPL-2.0-or-later
"""What a management stack (libvirt 9.0) asks at start-up and on
reconnect, answered truthfully: the line ending, the version, the target,
chardevs, the migration capability state, the empty block/job/iothread
lists, system_powerdown's refusal and human-monitor-command.

See /docs/devel/qmp.md ("Management stacks") for the contract.
"""

import socket

import pytest

from qmp import QMPError


def test_every_line_ends_in_crlf(vm):
    """Greeting, replies, errors and events all end in CR LF (libvirt
    waits for it after the greeting and hangs on a bare LF)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    for _ in range(500):
        try:
            s.connect(vm.qmp_path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            import time
            time.sleep(0.02)
    f = s.makefile("rwb")
    lines = [f.readline()]
    for req in (b'{"execute": "qmp_capabilities"}\n',
                b'{"execute": "stop", "id": 1}\n',
                b'{"execute": "nope", "id": 2}\n',
                b'{\xff\n'):
        f.write(req)
        f.flush()
        lines.append(f.readline())
    lines.append(f.readline())      # "stop" gave an event and a reply
    s.close()
    for ln in lines:
        assert ln.endswith(b"\r\n") and not ln[:-2].endswith(b"\r"), ln
    assert b'"event": "STOP"' in b"".join(lines)


def test_version_is_the_interface_level(qmp):
    v = qmp.cmd("query-version")
    assert v["qemu"] == {"micro": 0, "minor": 2, "major": 7}
    assert v["package"].startswith("qemu-elastic ")
    assert qmp.greeting["QMP"]["version"] == v
    # We offer no optional capability (no out-of-band execution).
    assert qmp.greeting["QMP"]["capabilities"] == []


def test_query_target(qmp):
    assert qmp.cmd("query-target") == {"arch": "x86_64"}


def test_query_chardev_lists_the_monitor(make_vm, tmp_path):
    sock = str(tmp_path / "c0.sock")
    vm = make_vm("-chardev", f"socket,id=c0,path={sock},server=on,wait=off")
    qmp = vm.connect()
    chrs = {c["label"]: c for c in qmp.cmd("query-chardev")}
    assert chrs["c0"] == {"frontend-open": False,
                          "filename": f"disconnected:unix:{sock},server=on",
                          "label": "c0"}
    mon = [c for c in chrs.values() if c["label"] != "c0"]
    assert len(mon) == 1 and mon[0]["frontend-open"]
    assert mon[0]["filename"] == f"unix:{vm.qmp_path},server=on"


def test_migration_capabilities_are_stored(qmp):
    assert qmp.cmd("query-migrate-capabilities") == [
        {"state": False, "capability": "events"},
        {"state": False, "capability": "return-path"}]
    qmp.cmd("migrate-set-capabilities",
            {"capabilities": [{"capability": "events", "state": True}]})
    assert qmp.cmd("query-migrate-capabilities") == [
        {"state": True, "capability": "events"},
        {"state": False, "capability": "return-path"}]
    # All or nothing: a bad element leaves the state unchanged.
    for caps, msg in (
            ([{"capability": "events", "state": False},
              {"capability": "xbzrle", "state": True}],
             "Parameter 'capability' does not accept value 'xbzrle'"),
            ([{"capability": "events", "state": False}, 1],
             "Invalid parameter type for 'capabilities[1]', "
             "expected: object"),
            ([{"capability": "events"}], "Parameter 'state' is missing"),
            ([{"capability": "events", "state": 1}],
             "Invalid parameter type for 'state', expected: boolean")):
        with pytest.raises(QMPError) as e:
            qmp.cmd("migrate-set-capabilities", {"capabilities": caps})
        assert e.value.cls == "GenericError"
        assert msg in e.value.desc
    assert qmp.cmd("query-migrate-capabilities")[0]["state"] is True


@pytest.mark.parametrize("cmd,args", [
    ("query-jobs", None), ("query-block", None), ("query-iothreads", None),
    ("query-named-block-nodes", None),
    ("query-named-block-nodes", {"flat": True}),
    ("query-cpus-fast", None)])
def test_nothing_of_it_exists(qmp, cmd, args):
    assert qmp.cmd(cmd, args) == []


def test_named_block_nodes_checks_flat(qmp):
    with pytest.raises(QMPError) as e:
        qmp.cmd("query-named-block-nodes", {"flat": "yes"})
    assert e.value.desc == ("Invalid parameter type for 'flat', "
                            "expected: boolean")


def test_system_powerdown_is_refused_with_the_reason(qmp):
    with pytest.raises(QMPError) as e:
        qmp.cmd("system_powerdown")
    assert e.value.cls == "GenericError"
    assert e.value.desc == ("system_powerdown is not supported: this "
                            "machine has no ACPI")
    assert qmp.cmd("query-status")["status"] == "running"


def test_id_echoed_in_errors(qmp):
    r = qmp.execute("system_powerdown", id={"x": [1]})
    assert r["id"] == {"x": [1]} and "error" in r
    r = qmp.execute("migrate-set-capabilities", {"capabilities": 5}, id=7)
    assert r["id"] == 7 and "error" in r


def test_query_machines(qmp):
    machines = {m["name"]: m for m in qmp.cmd("query-machines")}
    assert machines == {
        "none": {"hotpluggable-cpus": False, "name": "none",
                 "numa-mem-supported": False, "cpu-max": 1,
                 "deprecated": False, "default-ram-id": "ram"},
        "pc-q35-7.2": {"hotpluggable-cpus": False, "name": "pc-q35-7.2",
                       "numa-mem-supported": False, "is-default": True,
                       "cpu-max": 288, "deprecated": False,
                       "default-ram-id": "pc.ram", "alias": "q35"},
    }


@pytest.mark.parametrize("name", ["pc-q35-7.2", "q35", "pc"])
def test_versioned_q35_name_is_q35(make_vm, name):
    """libvirt passes back the name query-machines reports."""
    qmp = make_vm("-machine", name, "-S").connect()
    assert qmp.cmd("qom-get", {"path": "/machine",
                               "property": "type"}) == "q35-machine"
    assert qmp.cmd("qom-get", {"path": "/machine/q35",
                               "property": "type"}) == "q35-pcihost"


def test_command_line_options_are_the_accepted_ones(qmp):
    """Every option that takes an argument, as -help shows them (-m is
    QEMU's "memory" group); flags such as -S are not option groups."""
    import re
    import subprocess
    from conftest import qemu_binary
    text = subprocess.run([qemu_binary(), "-help"], capture_output=True,
                          text=True, check=True).stdout
    with_arg = set()
    for line in text.splitlines():
        m = re.match(r"-([A-Za-z][\w-]*) \S", line)
        if m:
            with_arg.add("memory" if m.group(1) == "m" else m.group(1))
    opts = qmp.cmd("query-command-line-options")
    assert {o["option"] for o in opts} == with_arg
    assert [o["option"] for o in opts] == sorted(with_arg)
    for o in opts:
        assert set(o) == {"option", "parameters"}
        for p in o["parameters"]:
            assert p["type"] in ("string", "boolean", "number", "size")
    assert qmp.cmd("query-command-line-options",
                   {"option": "machine"})[0]["option"] == "machine"
    with pytest.raises(QMPError) as e:
        qmp.cmd("query-command-line-options", {"option": "S"})
    assert e.value.desc == "invalid option name: S"


def hmp(qmp, line):
    return qmp.cmd("human-monitor-command", {"command-line": line})


def test_hmp_commands_clients_use(make_vm):
    vm = make_vm("-machine", "q35", "-S", "-name", "g1",
                 "-m", "1G,maxmem=65G", "-object",
                 "memory-backend-ram,id=mem0,size=4G,reserve=off",
                 "-device", "virtio-mem-pci,id=vm0,memdev=mem0")
    qmp = vm.connect()
    assert hmp(qmp, "info status") == "VM status: paused (prelaunch)\r\n"
    qmp.cmd("cont")
    assert hmp(qmp, "info status") == "VM status: running\r\n"
    assert hmp(qmp, "stop") == ""
    assert hmp(qmp, "info status") == "VM status: paused\r\n"
    assert hmp(qmp, "c") == ""
    assert qmp.cmd("query-status")["status"] == "running"
    v = qmp.cmd("query-version")
    assert hmp(qmp, "info version") == "7.2.0 (%s)\r\n" % v["package"]
    assert hmp(qmp, "info name") == "g1\r\n"
    tree = hmp(qmp, "info qom-tree").split("\r\n")
    assert tree[0] == "/machine (q35-machine)"
    assert "  /peripheral (container)" in tree
    assert "    /vm0 (virtio-mem-pci)" in tree
    assert tree[-1] == ""
    assert hmp(qmp, "qom-get /machine/peripheral/vm0 requested-size") == \
        "0\r\n"
    # without -j the value is command-line text (size suffixes)
    assert hmp(qmp, "qom-set /machine/peripheral/vm0 requested-size 1G") \
        == ""
    assert qmp.cmd("qom-get", {"path": "/machine/peripheral/vm0",
                               "property": "requested-size"}) == 1 << 30
    assert hmp(qmp, "qom-set -j vm0 requested-size 2147483648") == ""
    assert hmp(qmp, "qom-get vm0 requested-size") == "2147483648\r\n"
    assert "memdev (link<memory-backend>)\r\n" in \
        hmp(qmp, "qom-list /machine/peripheral/vm0")


@pytest.mark.parametrize("line,text", [
    ("bogus x", "unknown command: 'bogus'\r\n"),
    ("info bogus", "unknown command: 'info bogus'\r\n"),
    ("qom-get", "qom-get: missing argument\r\n"
                "Try \"help qom-get\" for more information\r\n"),
    ("qom-get /nope type", "Error: Device '/nope' not found\r\n"),
    ("qom-get /machine nope",
     "Error: Property 'q35-machine.nope' not found\r\n"),
    ("qom-set /machine/peripheral/vm0 requested-size lots",
     "Error: Parameter 'requested-size' expects size\r\n"),
    ("qom-set -j vm0 requested-size {", None),
    ("system_powerdown", "Error: system_powerdown is not supported: this "
                         "machine has no ACPI\r\n"),
    ("qom-get \"unterminated", "unterminated string literal\r\n"),
    ("", ""),
])
def test_hmp_errors_are_text(make_vm, line, text):
    vm = make_vm("-machine", "q35", "-m", "1G,maxmem=65G", "-object",
                 "memory-backend-ram,id=mem0,size=4G,reserve=off",
                 "-device", "virtio-mem-pci,id=vm0,memdev=mem0")
    qmp = vm.connect()
    out = hmp(qmp, line)
    if text is None:
        assert out.startswith("Error: ") and out.endswith("\r\n")
    else:
        assert out == text
    assert qmp.cmd("query-status")["status"] == "running"


def test_hmp_help_lists_what_exists(qmp):
    text = hmp(qmp, "help")
    for name in ("info", "qom-get", "qom-set", "qom-list", "stop", "cont|c"):
        assert f"\r\n{name} " in "\r\n" + text
    assert "info status " in hmp(qmp, "info")
    assert hmp(qmp, "help nope") == "unknown command: 'nope'\r\n"
    with pytest.raises(QMPError) as e:
        qmp.cmd("human-monitor-command",
                {"command-line": "info status", "cpu-index": 0})
    assert "cpu-index" in e.value.desc
