/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the files of accel/kvm/: the VM (kvm-all.c), the vCPU
 * threads (kvm-cpus.c), the x86 register state (kvm-x86.c), the
 * kvmclock (kvm-clock.c) and the migration sections (kvm-migration.c).
 */
#ifndef ACCEL_KVM_KVM_INTERNAL_H
#define ACCEL_KVM_KVM_INTERNAL_H

#include "qemu/osdep.h"
#include <linux/kvm.h>
#include "kvm-slots.h"

typedef struct KVMCPU KVMCPU;
typedef struct KVMStatsFile KVMStatsFile;

typedef struct KVMState {
    int fd;                     /* /dev/kvm */
    int vmfd;
    int vcpu_mmap_size;
    unsigned max_vcpus;         /* KVM_CAP_MAX_VCPUS (hard limit) */
    unsigned nr_vcpus;          /* KVM_CAP_NR_VCPUS (recommended) */
    unsigned nr_slots;          /* KVM_CAP_NR_MEMSLOTS */
    bool readonly_mem;          /* KVM_CAP_READONLY_MEM */
    bool irqchip;               /* in-kernel PIC/IOAPIC/LAPIC created */
    bool pit;                   /* in-kernel PIT created */
    struct kvm_cpuid2 *cpuid;   /* KVM_GET_SUPPORTED_CPUID */
    /* kvmclock (kvm-clock.c); BQL. */
    bool adjust_clock;          /* KVM_CAP_ADJUST_CLOCK */
    bool clock_frozen;          /* stopped: @clock is what resume sets */
    uint64_t clock;
    KvmSlotTable *slots;
    KVMStatsFile *stats;        /* VM statistics, or NULL */
    /* Boot state of the in-kernel chips, restored on reset. */
    struct kvm_irqchip chips[3];
    struct kvm_pit_state2 pit_state;
    /* vCPUs; BQL protects the array and the KVMCPU request fields. */
    unsigned nr_cpus;
    KVMCPU **cpus;
    GCond parked_cond;          /* a vCPU parked (BQL) */
} KVMState;

extern KVMState *kvm_state;

/* ioctl on the VM fd, retried on EINTR; returns the result or -errno. */
int kvm_vm_ioctl(KVMState *s, unsigned long req, void *arg);
/* KVM_CHECK_EXTENSION on the VM fd (the system fd if that fails); 0 = no. */
int kvm_vm_check_extension(KVMState *s, int cap);

/*
 * kvmclock (kvm-clock.c).  kvm_clock_init probes KVM_CAP_ADJUST_CLOCK.
 * kvm_clock_freeze (vCPUs just paused) reads the clock once, unless it
 * is frozen already; kvm_clock_thaw (before the vCPUs resume) sets it
 * back to that value, so stopped time is invisible to the guest.  Both
 * warn and carry on when KVM refuses.
 * kvm_clock_read: the frozen value, or KVM_GET_CLOCK now.
 * kvm_clock_set: KVM_SET_CLOCK(@clock); when frozen, also the value
 * thaw will set.
 * kvm_clock_load (incoming migration, vCPUs parked): set @clock and
 * keep it frozen until the vCPUs resume.
 * These three return false with @errp set on a KVM error.
 */
void kvm_clock_init(KVMState *s);
void kvm_clock_freeze(KVMState *s);
void kvm_clock_thaw(KVMState *s);
bool kvm_clock_read(KVMState *s, uint64_t *clock, GError **errp);
bool kvm_clock_set(KVMState *s, uint64_t clock, GError **errp);
bool kvm_clock_load(KVMState *s, uint64_t clock, GError **errp);

/*
 * Binary statistics (kvm-stats.c): open @kvm_fd's (a VM or vCPU fd)
 * stats fd, NULL if KVM has none; QMP query-stats.
 */
KVMStatsFile *kvm_stats_open(int kvm_fd);
void kvm_stats_close(KVMStatsFile *f);
void kvm_stats_register_qmp(void);
/* A vCPU's statistics, or NULL. */
KVMStatsFile *kvm_cpu_stats(KVMCPU *cpu);

/* Create the -smp vCPUs, parked (kvm-cpus.c). */
bool kvm_cpus_create(KVMState *s, unsigned n, GError **errp);
void kvm_cpus_resume(void);
void kvm_cpus_pause(void);
void kvm_cpus_reset(void);
void kvm_cpus_destroy(void);
/* @cpu's vCPU fd (for state ioctls while it is parked). */
int kvm_cpu_get_fd(KVMCPU *cpu);

/*
 * Register the migration sections of @s's vCPUs and in-kernel chips
 * (kvm-migration.c).  After kvm_cpus_create.
 */
bool kvm_migration_register(KVMState *s, GError **errp);

/*
 * x86 state of one vCPU fd (kvm-x86.c): set CPUID once; capture the
 * state KVM created it with; reset to that state, then put the boot CPU
 * at the PVH entry if a kernel was loaded.  Return false with @errp.
 */
typedef struct KVMX86Boot KVMX86Boot;
KVMX86Boot *kvm_x86_capture(KVMState *s, int vcpufd, unsigned index,
                            GError **errp);
bool kvm_x86_reset(int vcpufd, KVMX86Boot *boot, GError **errp);
void kvm_x86_boot_free(KVMX86Boot *boot);
/* RIP of @vcpufd, or ~0 if it cannot be read. */
uint64_t kvm_x86_get_rip(int vcpufd);

#endif /* ACCEL_KVM_KVM_INTERNAL_H */
