# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP over a real socket: protocol, framing, errors, events, sessions."""

import json
import os
import signal
import socket
import subprocess
import time

import pytest

import hostobs
from conftest import qemu_binary
from qmp import QMPClient, QMPError

NEGOTIATE_FIRST = "Expecting capabilities negotiation with 'qmp_capabilities'"


def error_of(resp):
    assert "error" in resp, resp
    return resp["error"]["class"], resp["error"]["desc"]


def test_greeting_shape(vm):
    c = vm.connect(negotiate=False)
    g = c.greeting["QMP"]
    assert set(g) == {"version", "capabilities"}
    assert g["capabilities"] == []
    assert set(g["version"]) == {"qemu", "package"}
    assert set(g["version"]["qemu"]) == {"major", "minor", "micro"}
    assert all(isinstance(v, int) for v in g["version"]["qemu"].values())
    c.negotiate()
    assert c.cmd("query-version") == g["version"]


def test_commands_refused_before_negotiation(vm):
    c = vm.connect(negotiate=False)
    for name in ("query-status", "no-such-command"):
        assert error_of(c.execute(name)) == ("CommandNotFound",
                                             NEGOTIATE_FIRST)
    assert c.execute("qmp_capabilities") == {"return": {}}
    assert error_of(c.execute("qmp_capabilities")) == (
        "CommandNotFound",
        "Capabilities negotiation is already complete, command ignored")


def test_capabilities_enable_checked(vm):
    c = vm.connect(negotiate=False)
    assert error_of(c.execute("qmp_capabilities", {"enable": 1})) == (
        "GenericError", "Invalid parameter type for 'enable', "
        "expected: array")
    assert error_of(c.execute("qmp_capabilities", {"enable": ["oob"]}))[0] \
        == "GenericError"
    assert c.execute("qmp_capabilities", {"enable": []}) == {"return": {}}


@pytest.mark.parametrize("ident", [1, "abc", [1, {"x": None}], {"a": 1},
                                   None, 2.5, True])
def test_id_echoed(qmp, ident):
    resp = qmp.execute("query-status", id=ident)
    assert resp["id"] == ident
    resp = qmp.execute("no-such-command", id=ident)
    assert resp["id"] == ident and "error" in resp


@pytest.mark.parametrize("literal,value", [
    ("9223372036854775807", 9223372036854775807),
    ("-9223372036854775808", -9223372036854775808),
    ("9223372036854775808", 9.223372036854775808e18),
    ("-9223372036854775809", -9.223372036854775809e18),
    ("123456789012345678901234567890", 1.2345678901234568e29),
])
def test_id_integers_beyond_int64(qmp, literal, value):
    """Never wrapped around: beyond int64 an integer becomes a double."""
    qmp.send_raw('{"execute": "query-status", "id": %s}\n' % literal)
    resp = qmp.response()
    assert resp["id"] == value and type(resp["id"]) is type(value)
    assert resp["return"]["status"] == "running"


def test_merged_messages_in_one_write(qmp):
    qmp.send_raw('{"execute":"query-status","id":1}{"execute":"query-name",'
                 '"id":2}\n  {"execute":"bogus","id":3}')
    assert qmp.response()["id"] == 1
    assert qmp.response()["id"] == 2
    assert qmp.response()["id"] == 3


def test_message_split_over_many_writes(qmp):
    msg = '{"execute": "query-status", "id": "split\\"}{"}'
    for ch in msg:
        qmp.send_raw(ch)
        time.sleep(0.002)
    resp = qmp.response()
    assert resp["id"] == 'split"}{'
    assert resp["return"]["status"] == "running"


@pytest.mark.parametrize("raw,desc", [
    ('{"execute": }', "JSON parse error"),
    (b'{"execute": "\xfd"}',
     "JSON parse error, invalid UTF-8 sequence in string"),
    ('{"execute": "stop", "id": 0x10}',
     "JSON parse error, expected separator in dict"),
    ('{"execute": "stop", "id": [1, 2,]}', "JSON parse error, expecting value"),
    ('{"execute": "stop", "id": nul}', "JSON parse error, invalid keyword"),
    ('[1, 2]', "QMP input must be a JSON object"),
    ('"text"', "QMP input must be a JSON object"),
    ('{"arguments": {}}', "QMP input lacks member 'execute'"),
    ('{"execute": 1}', "QMP input member 'execute' must be a string"),
    ('{"execute": "stop", "x": 1}', "QMP input member 'x' is unexpected"),
    ('{"execute": "stop", "arguments": []}',
     "QMP input member 'arguments' must be an object"),
    ('{"execute": "stop", "arguments": {"x": 1}}',
     "Parameter 'x' is unexpected"),
    # would be echoed as "inf", which is not JSON (QEMU does that)
    ('{"execute": "stop", "id": 1e400}',
     "JSON parse error, number out of range"),
    # json-glib would cut the name at the NUL and run query-status
    ('{"execute": "query-status\\u0000"}',
     "JSON parse error, \\u0000 (NUL) in a string is not supported"),
    ('{"execute": "stop", "id": "\\ud834x"}',
     "JSON parse error, \\ud834 is not a valid Unicode character"),
    ('{"execute": "stop", "id": 1, "x": "\\udd1e"}',
     "JSON parse error, \\udd1e is not a valid Unicode character"),
])
def test_bad_input_then_still_serving(qmp, raw, desc):
    qmp.send_raw(raw + (b"\n" if isinstance(raw, bytes) else "\n"))
    cls, got = error_of(qmp.response())
    assert cls == "GenericError"
    assert got.startswith(desc), got
    assert qmp.cmd("query-status")["status"] == "running"


@pytest.mark.parametrize("raw,errors", [
    (b"{\xff", ["JSON parse error, stray '\ufffd'"]),
    (b"{\x01", ["JSON parse error, stray '\x01'"]),
    (b"{'bad \xff", ["JSON parse error, stray ''bad \ufffd'"]),
    (b'{"execute": "query-st\natus"}',
     ["JSON parse error, stray '\"query-st\n'",
      "JSON parse error, expecting value"]),
    (b"%p", ["JSON parse error, stray '%'"]),
    (b'{"execute": "stop", "id": 00012}',
     ["JSON parse error, stray '00'", "JSON parse error, expecting value"]),
    (b'{"execute": /* x */ "stop"}',
     ["JSON parse error, stray '/'", "JSON parse error, expecting value"]),
])
def test_stray_byte_does_not_wedge(qmp, raw, errors):
    # Issue 10 item 8: each of these used to swallow every later command.
    qmp.send_raw(raw + b'{"execute": "query-status", "id": 5}')
    for want in errors:
        assert error_of(qmp.response()) == ("GenericError", want)
    resp = qmp.response()
    assert resp["id"] == 5 and resp["return"]["status"] == "running"


def test_single_quoted_strings_accepted(qmp):
    # QEMU's parser takes single quotes too; braces inside must not count.
    qmp.send_raw("{'execute': 'query-status', 'id': '}{\\''}")
    resp = qmp.response()
    assert resp["id"] == "}{'"
    assert resp["return"]["status"] == "running"


def test_oversized_input_is_refused(qmp):
    big = b'{"execute": "query-status", "id": "' + b"x" * (65 << 20) + b'"}'
    qmp.send_raw(big)
    cls, desc = error_of(qmp.response())
    assert cls == "GenericError" and "limit" in desc
    assert qmp.execute("query-status", id=7) == {
        "return": {"status": "running", "singlestep": False,
                   "running": True}, "id": 7}


def test_token_count_limit(vm):
    # Issue 15 item 3: 3 Mi tiny tokens (QEMU stops at 2 Mi) are refused
    # with one error, before any tree is built: the peak stays small.
    c = vm.connect()
    c.send_raw(b"[" + b"1," * (3 << 20) + b"1]")
    assert error_of(c.response()) == ("GenericError",
                                      "JSON token count limit exceeded")
    resp = c.execute("query-status", id=1)
    assert resp["id"] == 1 and "return" in resp
    assert hostobs.status_bytes(vm.proc.pid, "VmHWM") < (64 << 20)


def built_with_asan():
    with open(qemu_binary(), "rb") as f:
        return b"__asan_init" in f.read()


@pytest.mark.skipif(built_with_asan(),
                    reason="ASan's allocator keeps freed memory (quarantine)")
def test_large_messages_do_not_keep_memory(vm):
    # Issue 15 item 4: after a 60 MiB request (echoed in a 60 MiB
    # response) and a refused 65 MiB one, the process gives the memory
    # back, also across a reconnect.
    c = vm.connect()
    pid = vm.proc.pid
    base = hostobs.status_bytes(pid, "VmRSS")
    big = "x" * (60 << 20)
    c.send_raw('{"execute": "query-status", "id": "' + big + '"}')
    assert c.response()["id"] == big
    del big
    c.send_raw(b'{"execute": "query-status", "id": "' +
               b"x" * (65 << 20) + b'"}')
    cls, desc = error_of(c.response())
    assert cls == "GenericError" and "limit" in desc
    assert c.execute("query-status", id=2)["id"] == 2
    assert hostobs.status_bytes(pid, "VmRSS") < base + (16 << 20)
    c.close()
    c = vm.connect()
    assert c.execute("query-status", id=3)["id"] == 3
    assert hostobs.status_bytes(pid, "VmRSS") < base + (16 << 20)


def test_deep_nesting_is_refused(qmp):
    qmp.send_raw("[" * 5000 + "]" * 5000)
    cls, desc = error_of(qmp.response())
    assert cls == "GenericError" and "nesting" in desc
    assert qmp.cmd("query-name") == {}


def test_error_classes(qmp):
    assert error_of(qmp.execute("no-such"))[0] == "CommandNotFound"
    assert error_of(qmp.execute("no-such"))[1] == \
        "The command no-such has not been found"
    assert error_of(qmp.execute("stop", {"a": 1}))[0] == "GenericError"


def test_query_commands_lists_registered(qmp):
    names = {c["name"] for c in qmp.cmd("query-commands")}
    assert {"qmp_capabilities", "query-version", "query-commands",
            "query-status", "query-name", "stop", "cont", "quit",
            "system_reset"} <= names


def check_timestamp(ev):
    ts = ev["timestamp"]
    assert set(ts) == {"seconds", "microseconds"}
    assert abs(ts["seconds"] - time.time()) < 60
    assert 0 <= ts["microseconds"] < 1000000


def test_stop_cont_events_and_status(qmp):
    qmp.cmd("stop")
    ev = qmp.event("STOP")
    check_timestamp(ev)
    assert "data" not in ev
    assert qmp.cmd("query-status") == {"status": "paused",
                                       "singlestep": False, "running": False}
    qmp.cmd("cont")
    check_timestamp(qmp.event("RESUME"))
    assert qmp.cmd("query-status")["running"] is True


def test_system_reset_event(qmp):
    qmp.cmd("system_reset")
    ev = qmp.event("RESET")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-system-reset"}


def test_events_only_reach_negotiated_monitors(make_vm, tmp_path):
    other = str(tmp_path / "other.sock")
    vm = make_vm("-qmp", f"unix:{other},server=on,wait=off")
    a = vm.connect()
    b = QMPClient.connect(other)
    vm.clients.append(b)
    a.cmd("stop")
    a.event("STOP")
    b.negotiate()
    # b was not negotiated when STOP went out: its next line is the reply.
    b.send({"execute": "query-status"})
    assert b.recv() == {"return": {"status": "paused", "singlestep": False,
                                   "running": False}}
    b.send({"execute": "cont"})
    assert b.recv()["event"] == "RESUME"
    assert a.event("RESUME")["event"] == "RESUME"


def test_paused_start_is_prelaunch(make_vm):
    vm = make_vm("-S", "-name", "guest0")
    qmp = vm.connect()
    assert qmp.cmd("query-status") == {"status": "prelaunch",
                                       "singlestep": False, "running": False}
    assert qmp.cmd("query-name") == {"name": "guest0"}
    qmp.cmd("cont")
    qmp.event("RESUME")
    assert qmp.cmd("query-status")["status"] == "running"


def test_client_reconnect_needs_new_negotiation(vm):
    first = vm.connect()
    first.cmd("stop")
    first.close()
    second = vm.connect(negotiate=False)
    assert "QMP" in second.greeting
    assert error_of(second.execute("query-status"))[1] == NEGOTIATE_FIRST
    second.negotiate()
    assert second.cmd("query-status")["status"] == "paused"


def test_partial_message_dropped_on_disconnect(vm):
    first = vm.connect()
    first.send_raw('{"execute": "sto')
    first.close()
    second = vm.connect()
    assert second.cmd("query-status")["status"] == "running"


def test_client_leaving_without_reading(vm):
    """Replies to a vanished client must not kill the server (EPIPE)."""
    for _ in range(3):
        c = vm.connect()
        c.send_raw('{"execute": "query-commands"}' * 2000)
        c.close()
    c = vm.connect()
    assert c.cmd("query-status")["status"] == "running"
    assert vm.proc.poll() is None


def test_stalled_client_does_not_block_others(make_vm, tmp_path):
    """A negotiated client that never reads must not freeze the server."""
    other = str(tmp_path / "other.sock")
    vm = make_vm("-qmp", f"unix:{other},server=on,wait=off")
    stalled = vm.connect()
    busy = QMPClient.connect(other)
    vm.clients.append(busy)
    busy.negotiate()
    # Each reset sends a RESET event to the stalled client too: ~1 MiB.
    busy.send_raw('{"execute": "system_reset"}' * 8000)
    for _ in range(8000):
        assert busy.response() == {"return": {}}
    busy.events.clear()
    # The stalled client still gets everything, in order, when it reads.
    for _ in range(8000):
        assert stalled.event("RESET")["data"]["reason"] == \
            "host-qmp-system-reset"
    assert stalled.cmd("query-status")["status"] == "running"


def test_legacy_server_nowait_spelling(make_vm, tmp_path):
    path = str(tmp_path / "legacy.sock")
    vm = make_vm("-qmp", f"unix:{path},server,nowait")
    c = QMPClient.connect(path)
    vm.clients.append(c)
    c.negotiate()
    assert c.cmd("query-name") == {}


def test_quit_sends_shutdown_and_removes_socket(vm):
    qmp = vm.connect()
    qmp.send({"execute": "quit"})
    ev = qmp.recv()
    assert ev["event"] == "SHUTDOWN"
    assert ev["data"] == {"guest": False, "reason": "host-qmp-quit"}
    assert qmp.recv() == {"return": {}}
    rc, _, _ = vm.wait()
    assert rc == 0
    assert not os.path.exists(vm.qmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT,
                                 signal.SIGHUP])
def test_signal_shuts_down_cleanly(vm, sig):
    qmp = vm.connect()
    vm.proc.send_signal(sig)
    ev = qmp.event("SHUTDOWN")
    assert ev["data"]["reason"] == "host-signal"
    rc, _, err = vm.wait()
    assert rc == 0
    assert f"terminating on signal {int(sig)}" in err
    assert not os.path.exists(vm.qmp_path)


def test_qmp_stdio():
    proc = subprocess.Popen([qemu_binary(), "-machine", "none",
                             "-nodefaults", "-display", "none",
                             "-qmp", "stdio"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        c = QMPClient(rfile=proc.stdout, wfile=proc.stdin)
        assert "QMP" in c.greeting
        c.negotiate()
        assert c.cmd("query-status")["status"] == "running"
        c.send({"execute": "quit"})
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_long_form_server_chardev(make_vm, tmp_path):
    path = str(tmp_path / "long.sock")
    vm = make_vm("-chardev", f"socket,id=c,path={path},server=on,wait=off",
                 "-mon", "chardev=c,mode=control")
    c = QMPClient.connect(path)
    vm.clients.append(c)
    c.negotiate()
    assert c.cmd("query-status")["status"] == "running"


def test_server_wait_blocks_until_first_client(tmp_path):
    path = str(tmp_path / "wait.sock")
    proc = subprocess.Popen([qemu_binary(), "-machine", "none", "-nodefaults",
                             "-display", "none", "-chardev",
                             f"socket,id=c,path={path},server=on",
                             "-mon", "chardev=c,mode=control"],
                            stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        c = QMPClient.connect(path)
        assert "QMP" in c.greeting
        c.negotiate()
        c.send({"execute": "quit"})
        c.event("SHUTDOWN")
        assert proc.wait(timeout=10) == 0
        assert "waiting for connection" in proc.stderr.read()
        c.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def accept_one(listener):
    listener.settimeout(10)
    conn, _ = listener.accept()
    conn.settimeout(10)
    return QMPClient(rfile=conn.makefile("rb"), wfile=conn.makefile("wb")), \
        conn


def test_client_chardev_connects_and_reconnects(make_vm, tmp_path):
    """QEMU's test-library form: the binary connects to our socket."""
    path = str(tmp_path / "client.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    try:
        vm = make_vm("-chardev", f"socket,path={path},id=qmp0,reconnect=1",
                     "-mon", "chardev=qmp0,mode=control")
        c, conn = accept_one(listener)
        c.negotiate()
        assert c.cmd("query-status")["status"] == "running"
        c.close()
        conn.close()
        c, conn = accept_one(listener)
        assert "QMP" in c.greeting
        c.negotiate()
        c.send({"execute": "quit"})
        assert c.event("SHUTDOWN")["data"]["reason"] == "host-qmp-quit"
        conn.close()
        assert vm.wait()[0] == 0
    finally:
        listener.close()


def test_docs_transcript(vm):
    """Replay the transcript in docs/devel/qmp.md."""
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                       "devel", "qmp.md")
    lines = [ln for ln in open(doc).read().split("```transcript")[1]
             .split("```")[0].splitlines() if ln.strip()]
    c = vm.connect(negotiate=False)
    expected_greeting = json.loads(lines[0][3:])
    assert c.greeting == expected_greeting
    for ln in lines[1:]:
        tag, text = ln[:2], json.loads(ln[3:])
        if tag == "->":
            c.send(text)
            continue
        assert tag == "<-", ln
        line = c.recv_line()
        got = json.loads(line)
        if "timestamp" in text:
            check_timestamp(got)
            got["timestamp"] = text["timestamp"]
        else:
            assert line == ln[3:]   # same text, spacing included
        assert got == text


def test_second_client_waits_for_the_first(vm):
    """One client at a time (as QEMU): a second connection gets nothing
    until the first leaves, then its own greeting and session."""
    first = vm.connect()
    second = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    second.settimeout(0.5)
    second.connect(vm.qmp_path)
    try:
        with pytest.raises(socket.timeout):
            second.recv(1)
        assert first.cmd("query-status")["status"] == "running"
        first.close()
        second.settimeout(10)
        c = QMPClient(rfile=second.makefile("rb"),
                      wfile=second.makefile("wb"))
        assert "QMP" in c.greeting
        c.negotiate()
        assert c.cmd("query-name") == {}
    finally:
        second.close()


ODD_VALUES = [None, True, -1, 2 ** 70, 1.5, "", [], {}, [[[1]]], "x" * 1000,
              "/objects", "m0", {"a": [None]}]
ARG_KEYS = ["path", "property", "value", "id", "qom-type", "typename",
            "implements", "abstract", "enable", "size", "bogus"]


def test_every_command_survives_odd_arguments(make_vm):
    """Each registered command, each likely argument name, values of every
    JSON type: one well-formed answer each, and the process keeps
    serving (the backend m0 and the session are intact afterwards)."""
    vm = make_vm("-object", "memory-backend-ram,id=m0,size=1M", "-S")
    qmp = vm.connect()
    names = sorted(c["name"] for c in qmp.cmd("query-commands"))
    classes = {"GenericError", "CommandNotFound", "DeviceNotFound"}
    sent = 0
    for name in names:
        if name in ("quit", "qmp_capabilities"):
            continue
        for key in ARG_KEYS:
            for value in ODD_VALUES:
                args = {key: value}
                if name == "object-del" and value == "m0":
                    continue
                qmp.send({"execute": name, "arguments": args, "id": sent})
                line = qmp.recv_line()
                while '"event"' in line and '"id"' not in line:
                    line = qmp.recv_line()
                resp = json.loads(line)
                assert resp["id"] == sent, line
                if "error" in resp:
                    assert resp["error"]["class"] in classes, line
                    assert resp["error"]["desc"], line
                else:
                    assert "return" in resp, line
                sent += 1
    assert sent > 1000
    assert vm.proc.poll() is None
    assert [m["id"] for m in qmp.cmd("query-memdev")
            if m["id"] == "m0"] == ["m0"]


# Issue 15 item 9: sockets and log files a local user could abuse.

def start_fails(*args):
    p = subprocess.run([qemu_binary(), "-machine", "none", "-nodefaults",
                        "-display", "none", *args],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=10, text=True)
    assert p.returncode == 1, p
    return p.stderr


def test_socket_is_private_whatever_the_umask(tmp_path):
    path = str(tmp_path / "q.sock")
    proc = subprocess.Popen([qemu_binary(), "-machine", "none", "-nodefaults",
                             "-display", "none",
                             "-qmp", f"unix:{path},server=on,wait=off"],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: os.umask(0))
    try:
        c = QMPClient.connect(path)
        c.negotiate()
        assert os.stat(path).st_mode & 0o7777 == 0o600
        c.close()
    finally:
        proc.kill()
        proc.communicate()


def test_server_refuses_to_delete_a_file(tmp_path):
    path = tmp_path / "q.sock"
    path.write_text("precious")
    err = start_fails("-qmp", f"unix:{path},server=on,wait=off")
    assert f"Failed to bind socket to {path}: the path exists and is not " \
        "a socket" in err
    assert path.read_text() == "precious"


def test_server_refuses_to_take_over_a_live_socket(make_vm):
    vm = make_vm()
    c = vm.connect()
    err = start_fails("-qmp", f"unix:{vm.qmp_path},server=on,wait=off")
    assert f"Failed to bind socket to {vm.qmp_path}: Address already in " \
        "use" in err
    # the first server still has its socket
    assert c.execute("query-status", id=1)["id"] == 1
    c.close()
    assert vm.connect().execute("query-status", id=2)["id"] == 2


def test_server_replaces_a_stale_socket(tmp_path):
    path = str(tmp_path / "q.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()                       # a socket file nobody listens on
    proc = subprocess.Popen([qemu_binary(), "-machine", "none", "-nodefaults",
                             "-display", "none",
                             "-qmp", f"unix:{path},server=on,wait=off"],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        c = QMPClient.connect(path)
        c.negotiate()
        assert c.cmd("query-status")["status"] == "running"
        c.close()
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.parametrize("option,message", [
    ("-D", "Error opening logfile {}: it is a symbolic link, which is not "
     "followed"),
    ("-qtest-log", "cannot open qtest log '{}': it is a symbolic link, "
     "which is not followed"),
])
def test_log_files_do_not_follow_symlinks(tmp_path, option, message):
    target = tmp_path / "precious"
    target.write_text("keep me")
    link = tmp_path / "planted.log"
    link.symlink_to(target)
    extra = []
    if option == "-qtest-log":
        extra = ["-qtest", f"unix:{tmp_path}/qt.sock,server=on,wait=off"]
    err = start_fails(*extra, option, str(link))
    assert message.format(link) in err
    assert target.read_text() == "keep me"


def test_log_to_dev_stderr(tmp_path):
    """-D /dev/stderr and -qtest-log /dev/stderr (exactly those names) are
    the exception to the symlink rule: the binary starts, and the qtest log
    lines land on its stderr, after what was already in the file stderr
    points to (appended, not truncated)."""
    sock = str(tmp_path / "qt.sock")
    errfile = tmp_path / "stderr.txt"
    errfile.write_text("earlier line\n")
    with open(errfile, "ab") as err:
        p = subprocess.Popen([qemu_binary(), "-machine", "none",
                              "-nodefaults", "-display", "none",
                              "-D", "/dev/stderr", "-qtest-log",
                              "/dev/stderr", "-qtest",
                              f"unix:{sock},server=on,wait=off"],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert p.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(sock)
        s.sendall(b"endianness\n")
        assert s.makefile("rb").readline() == b"OK little\n"
        s.close()
        p.terminate()
        assert p.wait(timeout=60) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = errfile.read_text()
    assert text.startswith("earlier line\n"), text
    assert "endianness" in text and "OK little" in text, text
