/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 register state of KVM vCPUs: CPUID, the state each vCPU had when
 * KVM created it (the architectural reset state: real mode at the reset
 * vector, LAPIC as after INIT), and the PVH boot state of the boot CPU
 * (hw/i386/pvh.h): 32-bit protected mode, flat segments, paging off,
 * EBX = start_info, as the PVH boot ABI specifies.
 *
 * Reset puts the captured state back rather than computing it, so that
 * whatever KVM considers its reset state is what a guest sees again.
 * Not covered: MSRs beyond EFER and the APIC base, XSAVE state.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "hw/i386/pvh.h"
#include "kvm-internal.h"

struct KVMX86Boot {
    unsigned index;
    bool has_lapic;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
};

static int vcpu_ioctl(int fd, unsigned long req, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : 0;
}

/* Supported CPUID with this vCPU's APIC id in leaves 1 and 0xb. */
static int set_cpuid(KVMState *s, int fd, unsigned index)
{
    size_t size = sizeof(*s->cpuid) +
                  s->cpuid->nent * sizeof(s->cpuid->entries[0]);
    g_autofree struct kvm_cpuid2 *c = g_memdup2(s->cpuid, size);

    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];

        if (e->function == 1) {
            e->ebx = (e->ebx & 0x00ffffff) | (index << 24);
        } else if (e->function == 0xb || e->function == 0x1f) {
            e->edx = index;
        }
    }
    return vcpu_ioctl(fd, KVM_SET_CPUID2, c);
}

KVMX86Boot *kvm_x86_capture(KVMState *s, int vcpufd, unsigned index,
                            GError **errp)
{
    KVMX86Boot *b = g_new0(KVMX86Boot, 1);
    int ret;

    b->index = index;
    ret = set_cpuid(s, vcpufd, index);
    if (!ret) {
        ret = vcpu_ioctl(vcpufd, KVM_GET_REGS, &b->regs);
    }
    if (!ret) {
        ret = vcpu_ioctl(vcpufd, KVM_GET_SREGS, &b->sregs);
    }
    if (!ret) {
        ret = vcpu_ioctl(vcpufd, KVM_GET_FPU, &b->fpu);
    }
    if (!ret && s->irqchip) {
        ret = vcpu_ioctl(vcpufd, KVM_GET_LAPIC, &b->lapic);
        b->has_lapic = !ret;
    }
    if (ret) {
        error_setg(errp, "cannot set up vCPU %u (CPUID or register state): "
                   "%s", index, strerror(-ret));
        g_free(b);
        return NULL;
    }
    return b;
}

void kvm_x86_boot_free(KVMX86Boot *boot)
{
    g_free(boot);
}

static void flat_segment(struct kvm_segment *seg, uint16_t sel, uint8_t type)
{
    *seg = (struct kvm_segment) {
        .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
        .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
    };
}

/* The PVH entry state on top of the reset state. */
static void pvh_entry_state(const PvhBoot *pvh, struct kvm_regs *regs,
                            struct kvm_sregs *sregs)
{
    flat_segment(&sregs->cs, 0x10, 0xb);        /* execute/read, accessed */
    flat_segment(&sregs->ds, 0x18, 0x3);        /* read/write, accessed */
    sregs->es = sregs->ss = sregs->fs = sregs->gs = sregs->ds;
    sregs->tr = (struct kvm_segment) {
        .base = 0, .limit = 0x67, .selector = 0x20, .type = 0xb,
        .present = 1, .s = 0,
    };
    sregs->cr0 = 0x11;                          /* PE | ET, paging off */
    sregs->cr3 = 0;
    sregs->cr4 = 0;
    sregs->efer = 0;
    memset(regs, 0, sizeof(*regs));
    regs->rflags = 0x2;
    regs->rip = pvh->entry;
    regs->rbx = pvh->start_info;
}

/*
 * The x86 Linux boot protocol's 64-bit entry (hw/i386/linux-boot.h):
 * long mode, paging on the loader's identity tables, the loader's flat
 * GDT with CS 0x10 (64-bit) and DS/ES/SS 0x18, interrupts off,
 * RSI = zero page.
 */
static void linux64_entry_state(const PvhBoot *b, struct kvm_regs *regs,
                                struct kvm_sregs *sregs)
{
    pvh_entry_state(b, regs, sregs);
    sregs->cs.l = 1;
    sregs->cs.db = 0;
    sregs->gdt.base = b->gdt;
    sregs->gdt.limit = 4 * 8 - 1;
    sregs->cr0 = 0x80000011;                    /* PG | ET | PE */
    sregs->cr3 = b->page_tables;
    sregs->cr4 = 0x20;                          /* PAE */
    sregs->efer = 0x500;                        /* LME | LMA */
    regs->rbx = 0;
    regs->rsi = b->start_info;
}

bool kvm_x86_reset(int vcpufd, KVMX86Boot *b, GError **errp)
{
    struct kvm_regs regs = b->regs;
    struct kvm_sregs sregs = b->sregs;
    struct kvm_vcpu_events events = { 0 };
    struct kvm_mp_state mp = {
        .mp_state = b->index == 0 || !b->has_lapic ? KVM_MP_STATE_RUNNABLE
                                                   : KVM_MP_STATE_UNINITIALIZED,
    };
    const PvhBoot *pvh = pvh_boot_get();
    int ret;

    if (b->index == 0 && pvh && pvh->linux64) {
        linux64_entry_state(pvh, &regs, &sregs);
    } else if (b->index == 0 && pvh) {
        pvh_entry_state(pvh, &regs, &sregs);
    }
    ret = vcpu_ioctl(vcpufd, KVM_SET_SREGS, &sregs);
    if (!ret) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_REGS, &regs);
    }
    if (!ret) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_FPU, &b->fpu);
    }
    if (!ret && b->has_lapic) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_LAPIC, &b->lapic);
    }
    if (!ret) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_VCPU_EVENTS, &events);
    }
    if (!ret && b->has_lapic) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_MP_STATE, &mp);
    }
    if (ret) {
        error_setg(errp, "cannot load the boot state: %s", strerror(-ret));
        return false;
    }
    return true;
}

uint64_t kvm_x86_get_rip(int vcpufd)
{
    struct kvm_regs regs;

    return vcpu_ioctl(vcpufd, KVM_GET_REGS, &regs) ? ~(uint64_t)0 : regs.rip;
}
