# SPDX-License-Identifier: GPL-2.0-or-later
"""A small QMP client on the standard library, for the functional tests.

QMPClient connects to a UNIX socket (or wraps any pair of binary streams),
reads the greeting, and offers cmd() for request/response plus a queue of
the events seen in between.  Responses and events are one JSON object per
line, ended by "\\r\\n" (docs/devel/qmp.md).
"""

import json
import socket
import time


class QMPError(Exception):
    """An error response: .cls is the error class, .desc the message."""

    def __init__(self, error):
        super().__init__(f"{error['class']}: {error['desc']}")
        self.cls = error["class"]
        self.desc = error["desc"]


class QMPClient:
    def __init__(self, path=None, rfile=None, wfile=None, timeout=10.0):
        self.sock = None
        if path is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(path)
            self.rfile = self.sock.makefile("rb")
            self.wfile = self.sock.makefile("wb")
        else:
            self.rfile, self.wfile = rfile, wfile
        self.events = []
        self.quit_sent = False
        self.greeting = self.recv()

    @classmethod
    def connect(cls, path, timeout=10.0, retry_for=10.0):
        """Connect, retrying while the server is not listening yet."""
        deadline = time.monotonic() + retry_for
        while True:
            try:
                return cls(path, timeout=timeout)
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def close(self):
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        if self.sock:
            self.sock.close()

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        if b'"quit"' in data or b"'quit'" in data:
            # The binary is (probably) on its way out: VM.stop() waits
            # for it instead of signalling it mid-shutdown.
            self.quit_sent = True
        self.wfile.write(data)
        self.wfile.flush()

    def send(self, msg):
        self.send_raw(json.dumps(msg) + "\n")

    def recv_line(self):
        """Next line from the server, as text without its "\\r\\n" (QMP
        ends every line so; a bare "\\n" is a protocol error)."""
        line = self.rfile.readline()
        if not line:
            raise EOFError("QMP connection closed")
        if not line.endswith(b"\r\n"):
            raise ValueError("QMP line not ended by CR LF: %r" % line[-40:])
        return line[:-2].decode()

    def recv(self):
        """Next JSON object from the server (event or response)."""
        return json.loads(self.recv_line())

    def response(self):
        """Next response, queueing events seen before it."""
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def execute(self, name, arguments=None, **extra):
        """Send a command and return its raw response object."""
        req = {"execute": name}
        if arguments is not None:
            req["arguments"] = arguments
        req.update(extra)
        self.send(req)
        return self.response()

    def cmd(self, name, arguments=None):
        """Run a command; its "return" value, or raise QMPError."""
        resp = self.execute(name, arguments)
        if "error" in resp:
            raise QMPError(resp["error"])
        if "return" not in resp:
            raise ValueError("%s: not a response: %r (queued events: %r)"
                             % (name, resp, self.events))
        return resp["return"]

    def negotiate(self):
        return self.cmd("qmp_capabilities")

    def event(self, name):
        """Wait for event @name (checking the queue first)."""
        for i, ev in enumerate(self.events):
            if ev["event"] == name:
                return self.events.pop(i)
        while True:
            msg = self.recv()
            if msg.get("event") == name:
                return msg
            self.events.append(msg)
