# SPDX-License-Identifier: GPL-2.0-or-later
"""A private libvirtd for tests: Debian's /usr/sbin/libvirtd run by hand
(no systemd) in its own mount namespace, with every directory libvirt
uses as a privileged daemon bind-mounted from a temporary root.

The system's libvirt setup is left alone: /etc/libvirt, /var/lib/libvirt,
/run/libvirt, /var/log/libvirt and /var/cache/libvirt are replaced by
directories under the temporary root only inside the namespace, so the
daemon, its emulator processes and their sockets, logs, pid files and
capability caches all live there.  A mount point that does not exist on
the host is created empty before the first start and removed again at
cleanup (only if it is still empty).

Clients (virsh) run outside the namespace and reach the daemon through
its socket's path under the temporary root.  Every process of every
namespace this object created (the daemon and any emulator it started)
is killed at cleanup, whatever state the test left them in.
"""

import ctypes
import os
import signal
import stat
import subprocess
import time

LIBVIRTD = "/usr/sbin/libvirtd"
VIRSH = "/usr/bin/virsh"

# The directories a privileged libvirtd (and its QEMU driver) writes.
SYSTEM_DIRS = ["/etc/libvirt", "/var/lib/libvirt", "/run/libvirt",
               "/var/log/libvirt", "/var/cache/libvirt"]

# Debian's built-in default emulator account (see _account_files).
QEMU_ACCOUNT = "libvirt-qemu"
QEMU_ID = 64055

# QMP traffic (QEMU_MONITOR_SEND_MSG / RECV_REPLY), command lines and
# process handling at debug level; the rest at warning level.
LIBVIRTD_CONF = """\
log_filters="1:qemu 1:util.command 1:util.process 3:security 3:rpc \
3:object 3:event 3:json 3:util 3:conf 3:node_device 3:network 3:nwfilter"
log_outputs="1:file:{log}"
auth_unix_rw="none"
auth_unix_ro="none"
"""

# A container has no privilege separation to offer: the emulator runs as
# root with no security driver, no private /dev, no cgroups, and writes
# its stdio straight to the domain log (no virtlogd).
QEMU_CONF = """\
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
stdio_handler = "file"
"""


def tail(path, lines=60):
    """The last @lines lines of the file @path, or a note that it is
    missing."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"({path}: {e.strerror})\n"


def _term_with_parent():
    """In the child: SIGTERM when the Python process goes away without
    its cleanup (PR_SET_PDEATHSIG), so no daemon outlives a killed run."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class VirshError(Exception):
    def __init__(self, argv, rc, out, err):
        super().__init__(f"virsh {' '.join(argv)}: rc {rc}: "
                         + " / ".join(err.strip().splitlines())
                         + f"\nstdout: {out}")
        self.rc, self.out, self.err = rc, out, err


class Libvirtd:
    """One private libvirtd over the temporary directory @root."""

    def __init__(self, root, host_uuid=None):
        """@host_uuid, when given, becomes libvirtd.conf's host_uuid:
        libvirt refuses to migrate between two daemons reporting the
        same host UUID, so the second of two daemons on this machine
        needs its own."""
        self.root = str(root)
        self.log = os.path.join(self.root, "libvirtd.log")
        self.pidfile = os.path.join(self.root, "libvirtd.pid")
        self.sock = self.path("/run/libvirt/libvirt-sock")
        self.uri = f"qemu:///system?socket={self.sock}"
        self.proc = None
        self.namespaces = set()      # mount namespace ids (st_ino)
        self.created_mountpoints = []
        for d in SYSTEM_DIRS:
            os.makedirs(self.path(d), exist_ok=True)
        with open(self.path("/etc/libvirt/libvirtd.conf"), "w") as f:
            f.write(LIBVIRTD_CONF.format(log=self.log))
            if host_uuid is not None:
                f.write(f'host_uuid="{host_uuid}"\n')
        with open(self.path("/etc/libvirt/qemu.conf"), "w") as f:
            f.write(QEMU_CONF)
        # Debian's libvirt-daemon-system ships these; libvirtd does not
        # create the log directory itself.
        for d in ("/var/log/libvirt/qemu", "/var/lib/libvirt/qemu",
                  "/var/cache/libvirt/qemu"):
            os.makedirs(self.path(d), exist_ok=True)
        # No networks at all, so none autostarts and no bridge appears.
        os.makedirs(self.path("/etc/libvirt/qemu/networks/autostart"),
                    exist_ok=True)

    def path(self, system_path):
        """Where @system_path (as the daemon sees it) is on the host."""
        return os.path.join(self.root, system_path.lstrip("/"))

    def start(self, timeout=60.0):
        """Start the daemon; returns once virsh can talk to it (or
        raises with the log's tail after @timeout seconds)."""
        for d in SYSTEM_DIRS:
            if not os.path.lexists(d):
                os.makedirs(d)
                self.created_mountpoints.append(d)
        script = "set -e\n"
        for d in SYSTEM_DIRS:
            script += f"mount --bind '{self.path(d)}' '{d}'\n"
        for system_file, private in self._account_files():
            script += f"mount --bind '{private}' '{system_file}'\n"
        script += f"exec {LIBVIRTD} --pid-file '{self.pidfile}'\n"
        out = open(os.path.join(self.root, "libvirtd.stdio"), "ab")
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--",
             "sh", "-c", script],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True, preexec_fn=_term_with_parent)
        out.close()
        deadline = time.monotonic() + timeout
        while True:
            self._note_namespace(self.proc.pid)
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"libvirtd exited with {self.proc.returncode}:\n"
                    + tail(os.path.join(self.root, "libvirtd.stdio"))
                    + tail(self.log))
            if os.path.exists(self.sock):
                r = self.virsh_raw(["uri"], timeout=10)
                if r.returncode == 0:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("libvirtd not answering after "
                                   f"{timeout} s:\n" + tail(self.log))
            time.sleep(0.2)

    def _account_files(self):
        """libvirtd resolves its built-in default user and group
        (QEMU_USER/QEMU_GROUP, libvirt-qemu on Debian) before it reads
        qemu.conf, and fails when they do not exist; Debian creates them
        in libvirt-daemon-system, which also brings init scripts that
        start daemons.  Where they are missing, the namespace gets copies
        of /etc/passwd and /etc/group with them added: (system, private)
        pairs to bind-mount."""
        pairs = []
        for system_file, name, line in [
                ("/etc/passwd", QEMU_ACCOUNT,
                 f"{QEMU_ACCOUNT}:x:{QEMU_ID}:{QEMU_ID}:libvirt:"
                 "/var/lib/libvirt:/usr/sbin/nologin\n"),
                ("/etc/group", QEMU_ACCOUNT,
                 f"{QEMU_ACCOUNT}:x:{QEMU_ID}:\n")]:
            with open(system_file) as f:
                text = f.read()
            if any(entry.split(":")[0] == name
                   for entry in text.splitlines()):
                continue
            private = os.path.join(self.root,
                                   os.path.basename(system_file))
            with open(private, "w") as f:
                f.write(text if text.endswith("\n") or not text
                        else text + "\n")
                f.write(line)
            pairs.append((system_file, private))
        return pairs

    def _note_namespace(self, pid):
        try:
            ns = os.stat(f"/proc/{pid}/ns/mnt").st_ino
        except OSError:
            return
        if ns != os.stat("/proc/self/ns/mnt").st_ino:
            self.namespaces.add(ns)

    def stop(self, timeout=30.0):
        """SIGTERM the daemon and wait for it (SIGKILL after @timeout)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def processes(self):
        """PIDs of every live process in this object's namespaces."""
        pids = []
        me = os.getpid()
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me:
                continue
            try:
                ns = os.stat(f"/proc/{name}/ns/mnt").st_ino
            except OSError:
                continue
            if ns in self.namespaces:
                pids.append(int(name))
        return pids

    def emulator_processes(self, binary):
        """PIDs among processes() running @binary: its executable, or a
        script (#!) whose interpreter got @binary as the first argument."""
        real = os.path.realpath(binary)
        found = []
        for pid in self.processes():
            try:
                if os.readlink(f"/proc/{pid}/exe") == real:
                    found.append(pid)
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                if len(argv) > 1 and \
                        os.path.realpath(argv[1].decode()) == real:
                    found.append(pid)
            except (OSError, UnicodeDecodeError):
                pass
        return found

    def sockets(self):
        """Every UNIX socket file under the temporary root."""
        found = []
        for top, _, files in os.walk(self.root):
            for f in files:
                p = os.path.join(top, f)
                try:
                    if stat.S_ISSOCK(os.lstat(p).st_mode):
                        found.append(p)
                except OSError:
                    pass
        return found

    def cleanup(self):
        """Stop the daemon, kill whatever is left in its namespaces,
        remove the mount points this object created."""
        try:
            self.stop()
        finally:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                pids = self.processes()
                for pid in pids:
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass
                deadline = time.monotonic() + 10
                while self.processes() and time.monotonic() < deadline:
                    time.sleep(0.1)
            for d in reversed(self.created_mountpoints):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
            self.created_mountpoints = []

    def virsh_raw(self, args, timeout=60):
        return subprocess.run([VIRSH, "-q", "-c", self.uri, *args],
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout,
                              env=dict(os.environ, LC_ALL="C"))

    def virsh(self, *args, timeout=60):
        """Run virsh against this daemon; its stdout, or VirshError."""
        r = self.virsh_raw(list(args), timeout=timeout)
        if r.returncode != 0:
            raise VirshError(list(args), r.returncode, r.stdout, r.stderr)
        return r.stdout

    def domain_log(self, name):
        return self.path(f"/var/log/libvirt/qemu/{name}.log")
