# SPDX-License-Identifier: GPL-2.0-or-later
"""query-qmp-schema against what the server really does.

- the commands in the schema are exactly those query-commands lists;
- every argument the schema names is accepted by name, with the JSON type
  the schema says (probed on the wire: an argument of the wrong type must
  be refused with "expected: <that type>", an unknown one as unexpected,
  and a command with required arguments reports one of them missing);
- the answers of every side-effect-free query validate against the
  declared return type (every member declared, every required member
  present, types and enum values right), as do the events we provoke;
- what libvirt 9.0 looks up answers truthfully.
"""

import os
import sys

import pytest

from qmp import QMPError

JSON_TYPE_WORD = {"string": "string", "int": "integer", "number": "number",
                  "boolean": "boolean", "value": None, "null": None}
WRONG_VALUE = {"string": 1, "integer": "x", "number": "x", "boolean": "x",
               "object": 1, "array": 1}


class Schema:
    def __init__(self, entries):
        self.by = {e["name"]: e for e in entries}
        self.entries = entries
        assert len(self.by) == len(entries), "duplicate schema names"

    def commands(self):
        return {e["name"]: e for e in self.entries
                if e["meta-type"] == "command"}

    def events(self):
        return {e["name"]: e for e in self.entries
                if e["meta-type"] == "event"}

    def json_word(self, tname):
        """The word the dispatcher uses in "expected: X" for @tname."""
        t = self.by[tname]
        mt = t["meta-type"]
        if mt == "builtin":
            return JSON_TYPE_WORD[t["json-type"]]
        return {"enum": "string", "array": "array",
                "object": "object"}[mt]

    def check(self, tname, value, where):
        """Assert @value is an instance of schema type @tname."""
        t = self.by[tname]
        mt = t["meta-type"]
        if mt == "builtin":
            jt = t["json-type"]
            ok = {"string": lambda v: isinstance(v, str),
                  "int": lambda v: isinstance(v, int) and
                  not isinstance(v, bool),
                  "number": lambda v: isinstance(v, (int, float)) and
                  not isinstance(v, bool),
                  "boolean": lambda v: isinstance(v, bool),
                  "null": lambda v: v is None,
                  "value": lambda v: True}[jt](value)
            assert ok, f"{where}: {value!r} is not {jt}"
        elif mt == "enum":
            assert value in t["values"], f"{where}: {value!r} not in enum"
            assert [m["name"] for m in t["members"]] == t["values"]
        elif mt == "array":
            assert isinstance(value, list), f"{where}: not an array"
            for i, v in enumerate(value):
                self.check(t["element-type"], v, f"{where}[{i}]")
        elif mt == "object":
            assert isinstance(value, dict), f"{where}: not an object"
            members = {m["name"]: m for m in t["members"]}
            if "tag" in t:
                case = [v for v in t["variants"]
                        if v["case"] == value.get(t["tag"])]
                assert case, f"{where}: no variant for {value.get(t['tag'])}"
                members.update({m["name"]: m for m in
                                self.by[case[0]["type"]]["members"]})
            for k, v in value.items():
                assert k in members, f"{where}: member {k!r} undeclared"
                self.check(members[k]["type"], v, f"{where}.{k}")
            for k, m in members.items():
                if "default" not in m:
                    assert k in value, f"{where}: required {k!r} missing"
        else:
            pytest.fail(f"{where}: unexpected meta-type {mt}")


@pytest.fixture
def session(make_vm):
    vm = make_vm("-machine", "q35", "-S", "-object",
                 "memory-backend-ram,id=m0,size=1M")
    qmp = vm.connect()
    return qmp, Schema(qmp.cmd("query-qmp-schema"))


def test_entries_are_well_formed(session):
    _, schema = session
    for e in schema.entries:
        assert e["meta-type"] in ("builtin", "enum", "array", "object",
                                  "command", "event"), e
        for key in ("arg-type", "ret-type", "element-type"):
            if key in e:
                assert e[key] in schema.by, (e["name"], key)
        for m in e.get("members", []):
            if e["meta-type"] == "object":
                assert m["type"] in schema.by, (e["name"], m)
        for v in e.get("variants", []):
            assert v["type"] in schema.by
            tag = [m for m in e["members"] if m["name"] == e["tag"]][0]
            assert v["case"] in schema.by[tag["type"]]["values"]


def test_commands_match_query_commands(session):
    qmp, schema = session
    names = {c["name"] for c in qmp.cmd("query-commands")}
    assert set(schema.commands()) == names


def test_arguments_match_the_dispatcher(session):
    qmp, schema = session
    for name, cmd in schema.commands().items():
        if name in ("qmp_capabilities", "object-add"):
            continue        # negotiated already / checked below
        args = schema.by[cmd["arg-type"]]
        assert args["meta-type"] == "object" and "variants" not in args
        r = qmp.execute(name, {"zz-no-such-arg": 1})
        assert r["error"]["desc"] == \
            "Parameter 'zz-no-such-arg' is unexpected", name
        for m in args["members"]:
            word = schema.json_word(m["type"])
            if word is None:
                continue
            r = qmp.execute(name, {m["name"]: WRONG_VALUE[word]})
            assert r["error"]["desc"] == ("Invalid parameter type for "
                                          f"'{m['name']}', expected: {word}"
                                          ), (name, m)
        required = [m["name"] for m in args["members"]
                    if "default" not in m]
        if required:
            r = qmp.execute(name, {})
            assert r["error"]["desc"] in [f"Parameter '{n}' is missing"
                                          for n in required], name
    # Every "quit" above was refused: the VM is still to be stopped by
    # the fixture (which otherwise waits for it to exit by itself).
    qmp.quit_sent = False
    assert qmp.cmd("query-status")["status"] == "prelaunch"


def test_object_add_union(session):
    qmp, schema = session
    args = schema.by[schema.commands()["object-add"]["arg-type"]]
    tag = schema.by[[m for m in args["members"]
                     if m["name"] == "qom-type"][0]["type"]]
    creatable = {t["name"] for t in qmp.cmd(
        "qom-list-types", {"implements": "user-creatable",
                           "abstract": False})}
    assert set(tag["values"]) == creatable
    assert {v["case"] for v in args["variants"]} == creatable
    ram = [v for v in args["variants"]
           if v["case"] == "memory-backend-ram"][0]
    members = {m["name"]: schema.by[m["type"]]
               for m in schema.by[ram["type"]]["members"]}
    assert members["size"]["json-type"] == "int"
    assert members["share"]["json-type"] == "boolean"
    # every case member is a settable property of that type
    props = {p["name"] for p in qmp.cmd("qom-list-properties",
                                        {"typename": "memory-backend-ram"})}
    assert set(members) <= props


SAFE_CALLS = [("query-qmp-schema", None), ("qom-list", {"path": "/machine"}),
              ("qom-list-types", None),
              ("qom-list-properties", {"typename": "memory-backend-ram"}),
              ("device-list-properties", {"typename": "virtio-mem-pci"}),
              ("qom-get", {"path": "/machine", "property": "type"})]


def test_answers_match_return_types(session):
    qmp, schema = session
    cmds = schema.commands()
    calls = list(SAFE_CALLS)
    for name, cmd in cmds.items():
        args = schema.by[cmd["arg-type"]]
        if name.startswith("query-") and \
                all("default" in m for m in args["members"]):
            calls.append((name, None))
    qmp.cmd("migrate-set-capabilities",
            {"capabilities": [{"capability": "events", "state": True}]})
    for name, args in calls:
        ret = qmp.cmd(name, args)
        schema.check(cmds[name]["ret-type"], ret, name)


def test_events_match_their_types(session):
    qmp, schema = session
    events = schema.events()
    qmp.cmd("cont")
    qmp.cmd("stop")
    qmp.cmd("system_reset")
    qmp.cmd("cont")
    seen = set()
    for ev in qmp.events:
        assert ev["event"] in events, ev
        schema.check(events[ev["event"]]["arg-type"], ev.get("data", {}),
                     ev["event"])
        seen.add(ev["event"])
    assert seen == {"RESUME", "STOP", "RESET"}


def test_what_libvirt_looks_up(session):
    """libvirt 9.0 reads these schema paths to pick its behaviour."""
    _, schema = session
    cmds = schema.commands()
    flat = [m for m in schema.by[cmds["query-named-block-nodes"]
                                 ["arg-type"]]["members"]
            if m["name"] == "flat"]
    assert flat and schema.by[flat[0]["type"]]["json-type"] == "boolean"
    # No JSON -device, no device_add: nothing says "json-cli-hotplug".
    assert "device_add" not in cmds
    assert not any("json-cli-hotplug" in e.get("features", [])
                   for e in schema.entries)
    # Nothing is out-of-band.
    assert not any(e.get("allow-oob") for e in cmds.values())


def test_cpus_fast_under_kvm_matches_its_type(make_vm):
    """With vCPUs (KVM) query-cpus-fast validates against the schema.
    "qom-path" (required, as in QEMU's schema) is the vCPU's object; it
    has no "feature-words", so libvirt reads no guest CPUID from it
    (docs/devel/qmp.md)."""
    sys.path.insert(0, os.path.join(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))), "guest"))
    from guestrun import kvm_unusable_reason
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable: {reason}")
    vm = make_vm("-machine", "q35", "-accel", "kvm", "-smp", "2", "-S")
    qmp = vm.connect()
    schema = Schema(qmp.cmd("query-qmp-schema"))
    cmd = schema.commands()["query-cpus-fast"]
    ret = qmp.cmd("query-cpus-fast")
    assert len(ret) == 2, ret
    schema.check(cmd["ret-type"], ret, "query-cpus-fast")
    for c in ret:
        names = {p["name"] for p in qmp.cmd("qom-list",
                                              {"path": c["qom-path"]})}
        assert "feature-words" not in names, names


def test_schema_is_stable(session):
    qmp, schema = session
    assert qmp.cmd("query-qmp-schema") == schema.entries
