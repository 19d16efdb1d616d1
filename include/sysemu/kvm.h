/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator (accel/kvm/) as the rest of the process sees it:
 * its AccelOps for sysemu/accel.h, whether it is in use, and QMP
 * query-kvm.  Devices never include this: they see the memory API and
 * their interrupt lines only.
 */
#ifndef SYSEMU_KVM_H
#define SYSEMU_KVM_H

#include "qemu/osdep.h"
#include "sysemu/accel.h"

extern const AccelOps kvm_accel_ops;

/* True once -accel kvm was initialised successfully. */
bool kvm_enabled(void);

/*
 * Register query-kvm: {"present": true, "enabled": BOOL}.  As in QEMU,
 * "present" says the build has the accelerator (always here, Linux
 * only), "enabled" that it is the one in use.
 */
void kvm_register_qmp_commands(void);

/*
 * TYPE_KVM_VCPU: each vCPU as a QOM object in /machine/unattached
 * (read-only apic-id, socket-id, core-id, thread-id), the path
 * query-cpus-fast reports.  Created by the accelerator only; not a device
 * and not user-creatable.  Registering twice is a no-op.
 */
#define TYPE_KVM_VCPU "kvm-vcpu"
void kvm_vcpu_register_types(void);

#endif /* SYSEMU_KVM_H */
