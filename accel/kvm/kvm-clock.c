/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VM-wide kvmclock (the paravirtual clock a guest reads through
 * MSR_KVM_SYSTEM_TIME_NEW): it stands still while the VM is stopped.
 * When the vCPUs are paused (stop, the final pass of a migration) the
 * clock is read once with KVM_GET_CLOCK; when they resume it is put back
 * with KVM_SET_CLOCK, so the guest never sees the time it was stopped.
 * Migration sends the frozen value (kvm-migration.c) and the destination
 * loads it before its vCPUs run and keeps it frozen until they resume
 * (also when it was started with -S), so guest time never goes back
 * across hosts whose VMs were created at different times.
 *
 * Needs KVM_CAP_ADJUST_CLOCK; without it the clock runs on (as before).
 * Main thread, BQL held, vCPUs parked whenever the value is read or set.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "kvm-internal.h"

void kvm_clock_init(KVMState *s)
{
    s->adjust_clock = kvm_vm_check_extension(s, KVM_CAP_ADJUST_CLOCK) > 0;
}

bool kvm_clock_read(KVMState *s, uint64_t *clock, GError **errp)
{
    struct kvm_clock_data data = { 0 };
    int ret;

    if (s->clock_frozen) {
        *clock = s->clock;
        return true;
    }
    ret = kvm_vm_ioctl(s, KVM_GET_CLOCK, &data);
    if (ret < 0) {
        error_setg(errp, "kvm: KVM_GET_CLOCK: %s", strerror(-ret));
        return false;
    }
    *clock = data.clock;
    return true;
}

bool kvm_clock_set(KVMState *s, uint64_t clock, GError **errp)
{
    /* No KVM_CLOCK_REALTIME: the stopped time is not added. */
    struct kvm_clock_data data = { .clock = clock };
    int ret = kvm_vm_ioctl(s, KVM_SET_CLOCK, &data);

    if (ret < 0) {
        error_setg(errp, "kvm: KVM_SET_CLOCK: %s", strerror(-ret));
        return false;
    }
    if (s->clock_frozen) {
        /* Still stopped: resume puts this value back, not the old one. */
        s->clock = clock;
    }
    return true;
}

bool kvm_clock_load(KVMState *s, uint64_t clock, GError **errp)
{
    if (!kvm_clock_set(s, clock, errp)) {
        return false;
    }
    /* The vCPUs are parked: the clock waits for them at this value. */
    s->clock = clock;
    s->clock_frozen = true;
    return true;
}

void kvm_clock_freeze(KVMState *s)
{
    g_autoptr(GError) err = NULL;

    if (!s->adjust_clock || s->clock_frozen) {
        return;
    }
    if (!kvm_clock_read(s, &s->clock, &err)) {
        warn_report("%s; kvmclock keeps running while stopped",
                    err->message);
        return;
    }
    s->clock_frozen = true;
}

void kvm_clock_thaw(KVMState *s)
{
    g_autoptr(GError) err = NULL;
    uint64_t clock = s->clock;

    if (!s->clock_frozen) {
        return;
    }
    s->clock_frozen = false;
    if (!kvm_clock_set(s, clock, &err)) {
        warn_report("%s; kvmclock counted the stopped time", err->message);
    }
}
