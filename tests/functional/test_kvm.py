# SPDX-License-Identifier: GPL-2.0-or-later
"""-accel kvm on our binary: accelerator selection and its messages,
query-kvm, and the test guest (tests/guest) on a real vCPU: plug, write
and verify at 1 GiB, 4 GiB, 512 MiB and 0 with RSS following; writes
beyond the usable region dropped at no RSS cost; stop/cont;
system_reset; an emulation failure.

Tests that need /dev/kvm skip with the reason where it is unusable;
the "no device" and "no permission" cases run in a private mount
namespace / as an unprivileged user and skip where that is impossible.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "guest"))
from conftest import qemu_binary  # noqa: E402
from guestrun import (GuestRun, MiB, GiB, kvm_unusable_reason,  # noqa: E402
                      default_guest_elf)

BLOCK = 2 * MiB
READY_TIMEOUT = 90
STEP_TIMEOUT = 90


def need_kvm():
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable: {reason}")


def need_guest():
    need_kvm()
    if not os.path.exists(default_guest_elf()):
        pytest.skip(f"test guest not built: {default_guest_elf()}")


def run_binary(args, prefix=(), stdin=""):
    """Run our binary with QMP on stdio; returns (rc, stdout, stderr)."""
    p = subprocess.run([*prefix, qemu_binary(), *args, "-display", "none",
                        "-nodefaults", "-qmp", "stdio"],
                       input=stdin, capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


QUERY_KVM = ('{"execute":"qmp_capabilities"}\n'
             '{"execute":"query-kvm"}\n{"execute":"quit"}\n')


def query_kvm_reply(stdout):
    for line in stdout.splitlines():
        msg = json.loads(line)
        if isinstance(msg.get("return"), dict) and "enabled" in \
                msg["return"]:
            return msg["return"]
    raise AssertionError(stdout)


# --- selection ---

def test_query_kvm_without_kvm():
    rc, out, err = run_binary(["-accel", "qtest"], stdin=QUERY_KVM)
    assert rc == 0, err
    assert query_kvm_reply(out) == {"enabled": False, "present": True}


@pytest.mark.parametrize("spelling", [
    ["-accel", "kvm"], ["-enable-kvm"], ["-machine", "q35,accel=kvm"],
    ["-machine", "accel=kvm:qtest"],
])
def test_query_kvm_enabled(spelling):
    need_kvm()
    rc, out, err = run_binary(spelling, stdin=QUERY_KVM)
    assert rc == 0, err
    assert query_kvm_reply(out) == {"enabled": True, "present": True}


def test_accel_and_machine_accel_conflict():
    rc, _, err = run_binary(["-accel", "kvm", "-machine", "accel=qtest"])
    assert rc == 1
    assert "incompatible" in err


def test_kernel_refused_without_guest_execution(tmp_path):
    rc, _, err = run_binary(["-accel", "qtest", "-kernel", "/dev/null"])
    assert rc == 1
    assert "-kernel needs an accelerator that runs guest code" in err


def test_append_needs_kernel():
    rc, _, err = run_binary(["-accel", "qtest", "-append", "x"])
    assert rc == 1
    assert "-append only allowed with -kernel option" in err


def in_namespace_without_kvm(how):
    """A command prefix that runs the binary where /dev/kvm is unusable."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare(1) for a private mount "
                    "namespace")
    if how == "missing":
        # /dev/kvm replaced by an empty tmpfs /dev (nothing else needed).
        script = 'mount -t tmpfs none /dev && exec "$@"'
    elif how == "not-kvm":
        script = 'mount --bind /dev/null /dev/kvm && exec "$@"'
    else:
        if not shutil.which("setpriv") or not os.path.exists("/dev/kvm"):
            pytest.skip("needs setpriv(1) and /dev/kvm")
        if os.stat("/dev/kvm").st_mode & 0o006:
            pytest.skip("/dev/kvm is world-accessible here")
        return ["setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups"]
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh",
                            "true"], capture_output=True)
    if probe.returncode:
        pytest.skip("cannot set up a mount namespace: " +
                    probe.stderr.decode().strip())
    return ["unshare", "-m", "sh", "-c", script, "sh"]


@pytest.mark.parametrize("how,why", [
    ("missing", "cannot open /dev/kvm: No such file or directory"),
    ("not-kvm", "/dev/kvm is not a KVM device"),
    ("denied", "cannot open /dev/kvm: Permission denied"),
])
def test_kvm_unusable_says_why_and_falls_back(how, why):
    prefix = in_namespace_without_kvm(how)
    rc, out, err = run_binary(["-accel", "kvm"], prefix=prefix)
    assert rc == 1
    assert f"-accel kvm: failed to initialize kvm: {why}" in err, err
    rc, out, err = run_binary(["-accel", "kvm", "-accel", "qtest"],
                              prefix=prefix, stdin=QUERY_KVM)
    assert rc == 0, err
    assert f"failed to initialize kvm: {why}" in err, err
    assert "falling back to qtest" in err, err
    assert query_kvm_reply(out) == {"enabled": False, "present": True}


NO_TCG = ("failed to initialize tcg: this build has no TCG (no instruction "
          "emulator); use -accel kvm to run guest code, or -accel qtest "
          "for device tests without vCPUs")


@pytest.mark.parametrize("spelling,loc", [
    (["-accel", "tcg"], "-accel tcg: "),
    (["-machine", "accel=tcg"], ""),
    (["-machine", "none,accel=tcg"], ""),
])
def test_tcg_refused_with_the_reason(spelling, loc):
    """No instruction emulator here: asking for TCG is a start-up error
    that says so and names what exists, not a machine that never runs."""
    rc, out, err = run_binary([*spelling, "-S"], stdin=QUERY_KVM)
    assert rc == 1, (out, err)
    assert f"qemu-system-x86_64: {loc}{NO_TCG}\n" in err, err
    assert "enabled" not in out


def test_help_offers_no_tcg():
    p = subprocess.run([qemu_binary(), "-help"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    lines = [ln for ln in p.stdout.splitlines() if "accel" in ln]
    assert any("-accel kvm" in ln for ln in lines), lines
    assert not any("tcg" in ln for ln in lines), lines


def test_tcg_in_a_list_falls_through():
    """tcg is an entry that fails with its reason; the next one is used."""
    rc, out, err = run_binary(["-machine", "accel=tcg:qtest"],
                              stdin=QUERY_KVM)
    assert rc == 0, err
    assert NO_TCG in err and "falling back to qtest" in err, err
    assert query_kvm_reply(out) == {"enabled": False, "present": True}


@pytest.mark.parametrize("spelling", [
    ["-machine", "none,accel=kvm:tcg"], ["-accel", "kvm", "-accel", "tcg"],
])
def test_kvm_then_tcg_uses_kvm(spelling):
    """libvirt's probe line (-machine none,accel=kvm:tcg): KVM is taken,
    tcg never tried."""
    need_kvm()
    rc, out, err = run_binary([*spelling, "-S"], stdin=QUERY_KVM)
    assert rc == 0, err
    assert "tcg" not in err, err
    assert query_kvm_reply(out) == {"enabled": True, "present": True}


def test_kvm_then_tcg_without_kvm_gives_both_reasons():
    prefix = in_namespace_without_kvm("missing")
    rc, out, err = run_binary(["-machine", "none,accel=kvm:tcg", "-S"],
                              prefix=prefix, stdin=QUERY_KVM)
    assert rc == 1, (out, err)
    assert "failed to initialize kvm: cannot open /dev/kvm: No such file " \
        "or directory" in err, err
    assert "falling back to tcg" in err, err
    assert NO_TCG in err, err


def test_no_accel_is_devices_only():
    """Without -accel no vCPU runs (not TCG, which this build lacks):
    query-kvm says so and -kernel names the accelerator it needs."""
    rc, out, err = run_binary([], stdin=QUERY_KVM)
    assert rc == 0, err
    assert err == ""
    assert query_kvm_reply(out) == {"enabled": False, "present": True}
    rc, _, err = run_binary(["-kernel", "/dev/null"])
    assert rc == 1
    assert "-kernel needs an accelerator that runs guest code: add " \
        "-accel kvm" in err, err


def test_smp_beyond_kvm_limit():
    need_kvm()
    rc, _, err = run_binary(["-accel", "kvm", "-smp", "4096"])
    assert rc == 1
    assert "exceeds the maximum supported by KVM" in err


# --- the test guest on a vCPU ---

def vmas(pid):
    """(start, end, rss) of every mapping of the process."""
    out, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) ", line)
            if m:
                cur = [int(m.group(1), 16), int(m.group(2), 16), 0]
                out.append(cur)
            elif cur and line.startswith("Rss:"):
                cur[2] = int(line.split()[1]) * 1024
    return out


def backend_range(pid, size=16 * GiB):
    """The address range of the virtio-mem backend (the one mapping of
    @size bytes, looked up before plugging splits it into several)."""
    found = [(s, e) for s, e, _ in vmas(pid) if e - s == size]
    assert len(found) == 1, found
    return found[0]


def backend_rss(pid, rng):
    """Rss of the mappings inside @rng."""
    return sum(r for s, e, r in vmas(pid) if s >= rng[0] and e <= rng[1])


@pytest.fixture
def guest(tmp_path):
    runs = []

    def start(append="mode=virtio-mem", extra=(), device_opts="",
              accel="kvm"):
        need_guest()
        run = GuestRun(qemu_binary(), ["-accel", accel], str(tmp_path),
                       append=append, extra=list(extra))
        run.args = [a + device_opts if a.startswith("virtio-mem-pci,")
                    else a for a in run.args]
        runs.append(run)
        run.start()
        return run

    yield start
    for run in runs:
        run.stop()


def test_resize_sequence_rss_follows(guest):
    run = guest()
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
    rng = backend_range(run.proc.pid)
    for size in [1 * GiB, 4 * GiB, 512 * MiB, 0]:
        r = run.step(size, STEP_TIMEOUT)
        assert r["device"] == size, r
        assert r["guest_plugged"] == size and \
            r["verified"] == size // BLOCK, r
        backend = backend_rss(run.proc.pid, rng)
        # Every plugged block was written; nothing else is backed.
        assert backend <= size + 8 * MiB, (size, backend)
        assert backend >= size // 2 if size else True, (size, backend)


def test_write_beyond_usable_region_costs_nothing(guest):
    run = guest("mode=virtio-mem poke=beyond")
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
    rng = backend_range(run.proc.pid)
    r = run.step(1 * GiB, STEP_TIMEOUT)
    assert r["verified"] == 512, r
    # The poke after the 1 GiB line: beyond 1 GiB + QEMU's 256 MiB extent.
    i = run.wait_line(r"^virtio-mem: poke=beyond", STEP_TIMEOUT,
                      run.transcript().index(r["line"]))
    line = run.transcript()[i]
    m = re.search(r"first=0x([0-9a-f]+) blocks=(\d+) readback=(\d+)", line)
    assert m and int(m.group(1), 16) == 0x100000000 + 1280 * MiB, line
    assert int(m.group(2)) == 64, line
    m = re.search(r"blocks=(\d+) readback=(\d+)", line)
    assert int(m.group(2)) == 0, line      # every write was dropped
    backend = backend_rss(run.proc.pid, rng)
    assert backend <= 1 * GiB + 8 * MiB, backend


def test_stop_cont_and_system_reset(guest):
    run = guest()
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
    run.step(1 * GiB, STEP_TIMEOUT)
    run.qmp.cmd("stop")
    run.qmp.event("STOP")
    assert run.qmp.cmd("query-status")["status"] == "paused"
    n = len(run.transcript())
    run.qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                            "value": 2 * GiB})
    time.sleep(1.5)
    assert len(run.transcript()) == n, run.transcript()[n:]
    run.qmp.cmd("cont")
    run.qmp.event("RESUME")
    run.wait_line(r"^virtio-mem: requested=0x80000000 plugged=0x80000000 ",
                  STEP_TIMEOUT, n)
    # system_reset: the device unplugs everything, the guest boots again.
    n = len(run.transcript())
    run.qmp.cmd("system_reset")
    ev = run.qmp.event("RESET")
    assert ev["data"] == {"guest": False,
                          "reason": "host-qmp-system-reset"}
    run.wait_line(r"^guest: hello", READY_TIMEOUT, n)
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT, n)
    i = run.wait_line(r"^virtio-mem: requested=0x80000000 plugged=",
                      STEP_TIMEOUT, n)
    assert run.qmp.cmd("query-status")["status"] == "running"
    assert "verified=1024" in run.transcript()[i]


def test_emulation_failure_stops_vm_process_stays(guest):
    # -S: the failure happens after QMP is connected, so STOP is seen.
    run = guest("mode=fault-popcnt", ["-S"])
    run.qmp.cmd("cont")
    ev = run.qmp.event("STOP")
    assert ev["event"] == "STOP"
    assert run.qmp.cmd("query-status") == {
        "status": "internal-error", "singlestep": False, "running": False}
    err = run.stderr()
    assert re.search(r"KVM internal error on vCPU 0: suberror 1 "
                     r"\(emulation failure\) at RIP=0x[0-9a-f]+", err), err
    resp = run.qmp.execute("cont")
    assert resp["error"]["desc"] == "Resetting the Virtual Machine is " \
        "required"
    run.qmp.cmd("system_reset")
    assert run.qmp.cmd("query-status")["status"] == "paused"
    assert run.proc.poll() is None
    run.qmp.cmd("quit")
    run.proc.wait(timeout=10)
    assert run.proc.returncode == 0


def test_queue_notify_costs_no_exit(guest, tmp_path):
    """virtio-pci's notify window is an ioeventfd under KVM: plug
    requests complete with no MMIO exit at the notify addresses."""
    trace = tmp_path / "trace.txt"
    run = guest("mode=virtio-mem pci",
                ["-trace", "kvm_exit_mmio", "-D", str(trace)])
    i = run.wait_line(r"^pci: 00:01\.0 BAR4 0x[0-9a-f]+ size", READY_TIMEOUT)
    bar = int(re.search(r"BAR4 (0x[0-9a-f]+)", run.transcript()[i])[1], 16)
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
    r = run.step(1 * GiB, STEP_TIMEOUT)
    assert r["verified"] == 512, r
    exits = [int(m[1], 16) for m in
             re.finditer(r"kvm_exit_mmio vcpu \d+ write gpa (0x[0-9a-f]+)",
                         trace.read_text())]
    # The common configuration was written (exits work and are traced)...
    assert any(bar <= a < bar + 0x1000 for a in exits), exits[:20]
    # ...but not one notify write left the kernel (8 requests were sent).
    notify = [hex(a) for a in exits if bar + 0x3000 <= a < bar + 0x4000]
    assert notify == []


def test_start_paused_runs_nothing_until_cont(guest):
    run = guest("mode=hello", ["-S"])
    assert run.qmp.cmd("query-status")["status"] == "prelaunch"
    time.sleep(1.0)
    assert run.transcript() == []
    run.qmp.cmd("cont")
    run.qmp.event("RESUME")
    run.wait_line(r"^guest: hello", READY_TIMEOUT)
    assert run.qmp.cmd("query-status")["status"] == "running"


def test_two_vcpus_with_guest_reset_on_triple_fault(guest):
    """-smp 2; the guest's exit=shutdown triple-faults: without
    -no-reboot that is a guest reset (RESET event, the guest boots
    again), with it the process ends after SHUTDOWN."""
    run = guest("mode=hello exit=shutdown", ["-smp", "2", "-S"])
    run.qmp.cmd("cont")
    ev = run.qmp.event("RESET")
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    run.wait_line(r"^guest: hello", READY_TIMEOUT, 1)


def test_no_reboot_ends_on_triple_fault(guest):
    run = guest("mode=hello exit=shutdown", ["-no-reboot", "-S"])
    run.qmp.cmd("cont")
    ev = run.qmp.event("SHUTDOWN")
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    assert run.proc.wait(timeout=10) == 0


def test_no_shutdown_keeps_the_process_after_guest_shutdown(guest):
    """-no-reboot -no-shutdown (as libvirt starts every domain): the
    guest's shutdown stops the VM in state "shutdown" instead of ending
    the process; cont needs a reset first, and after system_reset the
    guest boots again."""
    run = guest("mode=hello exit=shutdown",
                ["-no-reboot", "-no-shutdown", "-S"])
    run.qmp.cmd("cont")
    ev = run.qmp.event("SHUTDOWN")
    assert ev["data"] == {"guest": True, "reason": "guest-reset"}
    run.qmp.event("STOP")
    assert run.qmp.cmd("query-status")["status"] == "shutdown"
    assert run.proc.poll() is None
    resp = run.qmp.execute("cont")
    assert "Resetting the Virtual Machine is required" in \
        resp["error"]["desc"], resp
    run.qmp.cmd("system_reset")
    assert run.qmp.cmd("query-status")["status"] == "paused"
    run.qmp.cmd("cont")
    run.wait_line(r"^guest: hello", READY_TIMEOUT, 1)


def test_no_shutdown_pauses_the_vcpus_once(guest, tmp_path):
    """The guest's shutdown under -no-shutdown parks the vCPUs once
    (before the SHUTDOWN event), not a second time to enter the
    "shutdown" state."""
    trace = tmp_path / "trace.txt"
    run = guest("mode=hello exit=shutdown",
                ["-no-reboot", "-no-shutdown", "-S",
                 "-trace", "accel_*_vcpus", "-D", str(trace)])
    run.qmp.cmd("cont")
    run.qmp.event("SHUTDOWN")
    run.qmp.event("STOP")
    assert run.qmp.cmd("query-status")["status"] == "shutdown"
    events = re.findall(r":(accel_\w+_vcpus) kvm$", trace.read_text(),
                        re.M)
    assert events == ["accel_resume_vcpus", "accel_pause_vcpus"], events


def test_dynamic_memslots_refuses_unplugged_accessible():
    rc, _, err = run_binary([
        "-accel", "qtest", "-m", "1G,maxmem=5G", "-object",
        "memory-backend-ram,id=mem0,size=4G,reserve=off", "-device",
        "virtio-mem-pci,id=vm0,memdev=mem0,dynamic-memslots=on,"
        "unplugged-inaccessible=off"])
    assert rc == 1
    assert "'dynamic-memslots' property set to 'on' requires " \
        "'unplugged-inaccessible' to be 'on'" in err, err


@pytest.mark.parametrize("dynamic", [False, True])
def test_unplugged_memslot_is_not_mapped(guest, tmp_path, dynamic):
    """With 1 GiB plugged the usable region is 1.25 GiB; the guest pokes
    64 unplugged blocks in [1 GiB, 1.125 GiB).  Without dynamic-memslots
    they are mapped (as in QEMU 7.2: the writes land and cost RSS); with
    it the second 1 GiB memslot has no plugged block, so it has no KVM
    slot: the writes are dropped and cost nothing."""
    trace = tmp_path / "trace.txt"
    run = guest("mode=virtio-mem poke=unplugged",
                ["-trace", "kvm_set_user_memory_region", "-D", str(trace)],
                ",dynamic-memslots=on" if dynamic else "")
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
    rng = backend_range(run.proc.pid)
    r = run.step(1 * GiB, STEP_TIMEOUT)
    assert r["verified"] == 512, r
    i = run.wait_line(r"^virtio-mem: poke=unplugged", STEP_TIMEOUT,
                      run.transcript().index(r["line"]))
    line = run.transcript()[i]
    m = re.search(r"first=0x([0-9a-f]+) blocks=(\d+) readback=(\d+)", line)
    assert m and int(m[1], 16) == 0x100000000 + 1 * GiB, line
    assert int(m[2]) == 64, line
    rss = backend_rss(run.proc.pid, rng)
    slots = re.findall(r"gpa (0x[0-9a-f]+) size (0x[0-9a-f]+)",
                       trace.read_text())
    device_slots = [(int(g, 16), int(s, 16)) for g, s in slots
                    if int(g, 16) >= 0x100000000 and int(s, 16)]
    if dynamic:
        assert int(m[3]) == 0, line
        assert rss <= 1 * GiB + 8 * MiB, rss
        assert device_slots == [(0x100000000, 1 * GiB)], device_slots
    else:
        assert int(m[3]) == 64, line
        assert rss >= 1 * GiB + 64 * 4096, rss
        assert device_slots == [(0x100000000, 1280 * MiB)], device_slots


def vcpu_thread_ticks(pid, name="CPU 0/KVM"):
    """utime + stime of the vCPU thread called @name, in clock ticks."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            stat = f.read()
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm == name[:15]:
            fields = stat[stat.rindex(")") + 2:].split()
            return int(fields[11]) + int(fields[12])
    raise AssertionError(f"no thread {name!r}")


def test_hlt_exit_without_kernel_irqchip(guest, tmp_path):
    """kernel-irqchip=off: the guest's final 'cli; hlt' is a HLT exit;
    the vCPU thread then sleeps (no CPU time) until system_reset wakes
    it at the boot state."""
    trace = tmp_path / "trace.txt"
    run = guest("mode=hello", ["-trace", "kvm_exit_hlt", "-D", str(trace)],
                accel="kvm,kernel-irqchip=off")
    run.wait_line(r"^guest: done", READY_TIMEOUT)
    deadline = time.monotonic() + 10
    while "kvm_exit_hlt" not in trace.read_text():
        assert time.monotonic() < deadline, "no HLT exit"
        time.sleep(0.05)
    t0 = vcpu_thread_ticks(run.proc.pid)
    time.sleep(1.0)
    assert vcpu_thread_ticks(run.proc.pid) - t0 <= 2
    assert trace.read_text().count("kvm_exit_hlt") == 1
    assert run.qmp.cmd("query-status")["status"] == "running"
    n = len(run.transcript())
    run.qmp.cmd("system_reset")
    run.wait_line(r"^guest: done", READY_TIMEOUT, n)


def test_kernel_irqchip_option_checks():
    rc, _, err = run_binary(["-accel", "kvm,kernel-irqchip=split"])
    assert rc == 1 and "split is not supported" in err, err
    rc, _, err = run_binary(["-accel", "qtest,kernel-irqchip=off"])
    assert rc == 1 and \
        "Property 'qtest-accel.kernel-irqchip' not found" in err, err
    need_kvm()
    rc, _, err = run_binary(["-accel", "kvm,kernel-irqchip=off", "-smp",
                             "2"])
    assert rc == 1 and "needs KVM's in-kernel irqchip" in err, err


def test_query_stats_counts_exits(guest):
    """query-stats (provider kvm) reads KVM's binary statistics: vCPU 0's
    exits grow while the guest works, names filter the list, and the VM
    target answers too.  Without KVM the answer is an empty list."""
    rc, out, err = run_binary(["-accel", "qtest"], stdin=(
        '{"execute":"qmp_capabilities"}\n'
        '{"execute":"query-stats","arguments":{"target":"vcpu"}}\n'
        '{"execute":"quit"}\n'))
    assert rc == 0 and '{"return": []}' in out, out
    run = guest(extra=["-smp", "2"])
    run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
    args = {"target": "vcpu",
            "providers": [{"provider": "kvm", "names": ["exits"]}]}
    before = run.qmp.cmd("query-stats", args)
    assert len(before) == 2, before
    assert before[0]["provider"] == "kvm"
    assert [s["name"] for s in before[0]["stats"]] == ["exits"]
    run.step(1 * GiB, STEP_TIMEOUT)
    after = run.qmp.cmd("query-stats", args)
    assert after[0]["stats"][0]["value"] > before[0]["stats"][0]["value"]
    vm = run.qmp.cmd("query-stats", {"target": "vm"})
    assert len(vm) == 1 and vm[0]["stats"], vm
    assert run.qmp.cmd("query-stats", {
        "target": "vm", "providers": [{"provider": "cryptodev"}]}) == []
    resp = run.qmp.execute("query-stats", {"target": "vcpu",
                                           "providers": [{"names": 1}]})
    assert "Invalid parameter type for 'providers'" in \
        resp["error"]["desc"], resp


def test_query_cpus_fast_lists_the_vcpu_threads():
    """query-cpus-fast under KVM: one entry per vCPU, each its own socket,
    thread-id the Linux TID of the thread named "CPU N/KVM"; qom-path is
    the vCPU's object, /machine/unattached/device[N] (vCPU 0 at
    device[0] as in QEMU 7.2), whose read-only ids match the entry.
    qtest (no vCPU) answers []."""
    rc, out, err = run_binary(["-accel", "qtest", "-smp", "2"], stdin=(
        '{"execute":"qmp_capabilities"}\n'
        '{"execute":"query-cpus-fast"}\n{"execute":"quit"}\n'))
    assert rc == 0 and '{"return": []}' in out, out
    need_kvm()
    from qmp import QMPClient
    p = subprocess.Popen([qemu_binary(), "-accel", "kvm", "-smp", "3",
                          "-S", "-display", "none", "-nodefaults",
                          "-qmp", "stdio"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        qmp = QMPClient(rfile=p.stdout, wfile=p.stdin)
        qmp.negotiate()
        cpus = qmp.cmd("query-cpus-fast")
        assert [c["cpu-index"] for c in cpus] == [0, 1, 2], cpus
        tids = set()
        for i, c in enumerate(cpus):
            assert c["target"] == "x86_64"
            assert c["props"] == {"socket-id": i, "core-id": 0,
                                  "thread-id": 0}, c
            assert c["qom-path"] == f"/machine/unattached/device[{i}]"
            tid = c["thread-id"]
            assert tid != p.pid and tid not in tids, cpus
            tids.add(tid)
            with open(f"/proc/{p.pid}/task/{tid}/comm") as f:
                assert f.read().strip() == f"CPU {i}/KVM"
            props = {e["name"]: e["type"] for e in
                     qmp.cmd("qom-list", {"path": c["qom-path"]})}
            assert props == {"type": "string", "apic-id": "uint32",
                             "socket-id": "uint32", "core-id": "uint32",
                             "thread-id": "uint32"}, props
            ids = {k: qmp.cmd("qom-get", {"path": c["qom-path"],
                                          "property": k})
                   for k in c["props"]}
            assert ids == c["props"], (ids, c)
            assert qmp.cmd("qom-get", {"path": c["qom-path"],
                                       "property": "apic-id"}) == i
            assert qmp.cmd("qom-get", {"path": c["qom-path"],
                                       "property": "type"}) == "kvm-vcpu"
        qmp.cmd("cont")
        assert qmp.cmd("query-cpus-fast") == cpus
        qmp.execute("quit")
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
