# SPDX-License-Identifier: GPL-2.0-or-later
"""Side by side with Debian's QEMU 7.2: the same QMP session must give the
same responses (error classes and messages included) and the same events.

Skipped with the reason when /usr/bin/qemu-system-x86_64 is not installed.
Only inputs whose answers we promise to match exactly are listed; JSON
parse-error texts differ (QEMU's lexer vs json-glib) and are not compared.
"""

import os
import signal
import subprocess

import pytest

from conftest import qemu_binary
from qmp import QMPClient

REFERENCE = "/usr/bin/qemu-system-x86_64"

SESSION = [
    '{"execute": "query-status", "id": 0}',
    '{"execute": "qmp_capabilities", "arguments": {"enable": 1}}',
    '{"execute": "qmp_capabilities", "id": "n"}',
    '{"execute": "qmp_capabilities"}',
    '[1, 2]',
    '"text"',
    '{"id": 1}',
    '{"execute": 1}',
    '{"execute": "stop", "x": 1}',
    '{"execute": "stop", "arguments": []}',
    '{"execute": "stop", "arguments": {"a": 1}, "id": {"k": [1, null]}}',
    '{"execute": "no-such-command", "id": 2.5}',
    '{"execute": "query-name", "id": 123456789012345678901234567890}',
    '{"execute": "query-name", "id": -9223372036854775808}',
    '{"execute": "query-name", "id": "\\ud834\\udd1e"}',
    '{"execute": "query-name", "id": "\\ud834x"}',
    '{"execute": "query-name", "id": "\\udd1e"}',
    '{"execute": "query-name", "id": "\\ud834\\u0041"}',
    '{"execute": "query-status"}',
    '{"execute": "query-name"}',
    '{"execute": "stop"}',
    '{"execute": "stop"}',
    '{"execute": "query-status"}',
    '{"execute": "cont"}',
    '{"execute": "cont"}',
    '{"execute": "system_reset"}',
    '{"execute": "query-memory-devices"}',
    '{"execute": "query-memory-size-summary"}',
    '{"execute": "query-memdev"}',
    '{"execute": "query-memdev", "arguments": {"x": 1}}',
    '{"execute": "qom-list", "arguments": {"path": ""}}',
    '{"execute": "qom-list", "arguments": {"path": 1}}',
    '{"execute": "qom-list", "arguments": {}}',
    '{"execute": "qom-get", "arguments": {"path": "", "property": "type"}}',
    '{"execute": "qom-get", "arguments": {"path": "/machine", '
    '"property": "type"}}',
    '{"execute": "qom-set", "arguments": {"path": "/machine", '
    '"property": "type", "value": "x"}}',
    '{"execute": "qom-list-types", "arguments": {"abstract": "yes"}}',
    '{"execute": "object-add", "arguments": {"qom-type": '
    '"memory-backend-ram", "id": "m0", "size": 1048576, "share": true}}',
    '{"execute": "object-add", "arguments": {"qom-type": '
    '"memory-backend-ram", "id": "m0", "size": 1048576}}',
    '{"execute": "query-memdev"}',
    '{"execute": "object-del", "arguments": {"id": 1}}',
    '{"execute": "object-del", "arguments": {"id": "m0"}}',
    '{"execute": "object-del", "arguments": {"id": "m0"}}',
    # what libvirt asks at start and on reconnect (issue 12)
    '{"execute": "query-target"}',
    '{"execute": "query-jobs"}',
    '{"execute": "query-block"}',
    '{"execute": "query-iothreads"}',
    '{"execute": "query-named-block-nodes", "arguments": {"flat": true}}',
    '{"execute": "query-named-block-nodes", "arguments": {"flat": 1}}',
    '{"execute": "migrate-set-capabilities", "arguments": '
    '{"capabilities": [{"capability": "events", "state": true}]}}',
    '{"execute": "migrate-set-capabilities", "arguments": '
    '{"capabilities": [{"capability": "bogus", "state": true}]}}',
    '{"execute": "qom-list", "arguments": {"path": "/machine/peripheral"}}',
    '{"execute": "human-monitor-command", '
    '"arguments": {"command-line": "info status"}}',
    '{"execute": "human-monitor-command", '
    '"arguments": {"command-line": "bogus"}}',
    '{"execute": "human-monitor-command", '
    '"arguments": {"command-line": "info bogus"}}',
    '{"execute": "human-monitor-command", '
    '"arguments": {"command-line": "qom-get /machine/peripheral type"}}',
    '{"execute": "query-command-line-options", "arguments": '
    '{"option": "S"}}',
    '{"execute": "qom-list-properties", "arguments": '
    '{"typename": "user-creatable"}}',
    '{"execute": "query-status", "id": "last"}',
]


def run_session(binary, extra=()):
    proc = subprocess.Popen([binary, "-machine", "none", "-nodefaults",
                             "-display", "none", "-qmp", "stdio", *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        c = QMPClient(rfile=proc.stdout, wfile=proc.stdin)
        out = []
        for line in SESSION:
            c.send_raw(line + "\n")
            resp = c.response()
            for ev in c.events:
                ev.pop("timestamp")
                out.append(ev)
            c.events.clear()
            out.append(resp)
        return out
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason=f"reference QEMU {REFERENCE} is not installed")
@pytest.mark.parametrize("extra", [[], ["-S", "-name", "ref"]],
                         ids=["running", "prelaunch"])
def test_session_matches_qemu(extra):
    ours = run_session(qemu_binary(), extra)
    theirs = run_session(REFERENCE, extra)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a == b, f"message {i}: ours {a} vs QEMU {b}"
    assert len(ours) == len(theirs)


def shapes(binary):
    """Answers whose content differs but whose layout must be QEMU's."""
    proc = subprocess.Popen([binary, "-machine", "none", "-nodefaults",
                             "-display", "none", "-qmp", "stdio"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        c = QMPClient(rfile=proc.stdout, wfile=proc.stdin)
        c.negotiate()
        machines = {m["name"]: m for m in c.cmd("query-machines")}
        schema = c.cmd("query-qmp-schema")
        return {
            "greeting": c.greeting["QMP"]["version"]["qemu"],
            "version": sorted(c.cmd("query-version")),
            "none": machines["none"],
            "q35": sorted(machines["pc-q35-7.2"]),
            "chardev": [sorted(x) for x in c.cmd("query-chardev")],
            "caps": {tuple(sorted(x)) for x in
                     c.cmd("query-migrate-capabilities")},
            "clo": sorted({k for o in c.cmd("query-command-line-options")
                           for k in o}),
            # the members every entry of a meta-type has
            "schema-keys": {mt: sorted(set.intersection(*[
                set(e) for e in schema if e["meta-type"] == mt]))
                for mt in ("builtin", "command", "event", "array", "enum",
                           "object")},
            "builtins": sorted((e["name"], e["json-type"]) for e in schema
                               if e["meta-type"] == "builtin"),
            "stop": [e for e in schema if e["name"] == "stop"][0]["name"],
        }
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason=f"reference QEMU {REFERENCE} is not installed")
def test_answer_shapes_match_qemu():
    ours, theirs = shapes(qemu_binary()), shapes(REFERENCE)
    # QEMU's q35 also has default-cpu-type (we have no CPU models) and is
    # not the default there (pc-i440fx is; we have no i440fx).
    theirs["q35"] = sorted(set(theirs["q35"]) - {"default-cpu-type"} |
                           {"is-default"})
    theirs["greeting"]["micro"] = 0     # Debian's 7.2.x
    for key in ours:
        assert ours[key] == theirs[key], key


# Input that is not JSON, byte for byte: each is followed by a valid
# command, whose answer must come, after the same errors as QEMU's.
# (Issue 10 item 8: a stray byte must not wedge the session; issue 15
# item 5: json-glib leniency must not leak through.)
RAW = [
    b"{\xff",
    b"{\x01",
    b"{'bad \xff",
    b'{"execute": "query-st\natus"}',
    b"%p",
    b"% 1 'x' ",
    b'{"execute": "query-status", "id": 0x200000}',
    b'{"execute": "query-status", "id": 00012}',
    b'{"execute": /* c */ "query-status"}',
    b"// comment\n",
    b'{"execute": "query-status", "id": [1,]}',
    b'{"execute": "query-status", "id": True}',
    b'{"execute": "query-status", "id": nul}',
    b'{"execute": "query-status" "id": 1}',
    b'{"execute" "query-status"}',
    b'{1: 2}',
    b'{"execute": "query-status", "id": "\\x"}',
    b'{"execute": "query-status", "id": "\\u12x4"}',
    b'{"execute": "query-status", "id": "\xc3\x28"}',
    b'{"execute": "query-status", "id": [0e5]}',
    b'{"execute": "query-status", "id": [1.}',
    b'{"execute": "query-status", "id": "a\tb"}',
    b'{"a": 1}}',
    b"[}",
    b"tru\x01",
    b"-x 1.5e+ ",
    b"{'execute': 'query-status', 'id': 'it\\'s \"q\"'}",
    b'{"execute": "query-status", "\\u0065xecute": "stop"}',
    b'{"execute": "query-status", "id": {"a": 1, "a": [2]}}',
    b'{"execute": "query-status", "id": 1, "id" 2}',
]


def on_alarm(signum, frame):
    raise TimeoutError("no answer to the command after the bad input")


def run_raw(binary):
    proc = subprocess.Popen([binary, "-machine", "none", "-nodefaults",
                             "-display", "none", "-qmp", "stdio"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        c = QMPClient(rfile=proc.stdout, wfile=proc.stdin)
        c.negotiate()
        out = []
        # a wedged session would block the read forever: fail instead
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(20)
        for raw in RAW:
            c.send_raw(raw + b'{"execute": "query-name", "id": "sync"}')
            got = []
            while True:
                resp = c.response()
                got.append(resp)
                if resp.get("id") == "sync":
                    break
            out.append(got)
        return out
    finally:
        signal.alarm(0)
        proc.kill()
        proc.communicate()


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason=f"reference QEMU {REFERENCE} is not installed")
def test_not_json_answered_like_qemu():
    ours = run_raw(qemu_binary())
    theirs = run_raw(REFERENCE)
    for raw, a, b in zip(RAW, ours, theirs):
        assert a == b, f"input {raw!r}: ours {a} vs QEMU {b}"
