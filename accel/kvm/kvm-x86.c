/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x86 register state of KVM vCPUs: CPUID, the state each vCPU had when
 * KVM created it (the architectural reset state: real mode at the reset
 * vector, LAPIC as after INIT), and the PVH boot state of the boot CPU
 * (hw/i386/pvh.h): 32-bit protected mode, flat segments, paging off,
 * EBX = start_info, as the PVH boot ABI specifies.
 *
 * Reset puts the captured state back rather than computing it, so that
 * whatever KVM considers its reset state is what a guest sees again:
 * registers, FPU, LAPIC, and where KVM has them the XSAVE area, XCR0,
 * the debug registers and the MSRs a guest sets up for itself (the
 * paravirtual ones above all: a kvmclock or steal-time area left
 * enabled would keep KVM writing into the rebooted guest's memory).
 * Not covered: the TSC, which keeps counting as on hardware.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "hw/i386/pvh.h"
#include "kvm-internal.h"

/* MSRs put back on reset, each when KVM read it at creation. */
static const uint32_t reset_msrs[] = {
    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102,
    0x00000174, 0x00000175, 0x00000176, 0x00000277, 0x0000003b,
    0x00000da0, 0x00000011, 0x00000012, 0x4b564d00, 0x4b564d01,
    0x4b564d02, 0x4b564d03, 0x4b564d04, 0x4b564d05, 0x4b564d06,
    0x000006e0,
};
#define NR_RESET_MSRS G_N_ELEMENTS(reset_msrs)

struct KVMX86Boot {
    unsigned index;
    bool has_lapic;
    bool has_xcrs;
    bool has_debugregs;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
    struct kvm_xcrs xcrs;
    struct kvm_debugregs debugregs;
    void *xsave;                /* KVM_GET_XSAVE(2) buffer, or NULL */
    struct kvm_msrs *msrs;      /* those of reset_msrs KVM read */
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

/*
 * One MSR read and written back (KVM stops a batch at the first it
 * cannot handle; some it reads it refuses to set, e.g. IA32_XSS when the
 * CPUID has no XSAVES).  False when either fails.
 */
static bool get_one_msr(int fd, struct kvm_msr_entry *e)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[1];
    } one = { .hdr.nmsrs = 1, .e[0].index = e->index };
    int ret;

    do {
        ret = ioctl(fd, KVM_GET_MSRS, &one);
    } while (ret < 0 && errno == EINTR);
    if (ret != 1) {
        return false;
    }
    do {
        ret = ioctl(fd, KVM_SET_MSRS, &one);
    } while (ret < 0 && errno == EINTR);
    if (ret != 1) {
        return false;
    }
    *e = one.e[0];
    return true;
}

/* The optional parts of the creation state; what KVM lacks is skipped. */
static void capture_extra(KVMState *s, int fd, KVMX86Boot *b)
{
    int size = kvm_vm_check_extension(s, KVM_CAP_XSAVE2);
    unsigned long get = KVM_GET_XSAVE2;

    if (size <= 0 && kvm_vm_check_extension(s, KVM_CAP_XSAVE)) {
        get = KVM_GET_XSAVE;
        size = sizeof(struct kvm_xsave);
    }
    if (size > 0) {
        b->xsave = g_malloc0(MAX((size_t)size, sizeof(struct kvm_xsave)));
        if (vcpu_ioctl(fd, get, b->xsave)) {
            g_clear_pointer(&b->xsave, g_free);
        }
    }
    b->has_xcrs = kvm_vm_check_extension(s, KVM_CAP_XCRS) > 0 &&
                  !vcpu_ioctl(fd, KVM_GET_XCRS, &b->xcrs);
    b->has_debugregs = kvm_vm_check_extension(s, KVM_CAP_DEBUGREGS) > 0 &&
                       !vcpu_ioctl(fd, KVM_GET_DEBUGREGS, &b->debugregs);
    b->msrs = g_malloc0(sizeof(*b->msrs) +
                        NR_RESET_MSRS * sizeof(struct kvm_msr_entry));
    for (size_t i = 0; i < NR_RESET_MSRS; i++) {
        struct kvm_msr_entry *e = &b->msrs->entries[b->msrs->nmsrs];

        e->index = reset_msrs[i];
        if (get_one_msr(fd, e)) {
            b->msrs->nmsrs++;
        }
    }
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
    capture_extra(s, vcpufd, b);
    return b;
}

void kvm_x86_boot_free(KVMX86Boot *boot)
{
    if (boot) {
        g_free(boot->xsave);
        g_free(boot->msrs);
        g_free(boot);
    }
}

/* XCR0 before the XSAVE area (whose features it must enable). */
static int reset_extra(int vcpufd, KVMX86Boot *b)
{
    int ret = 0;

    if (b->has_xcrs) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_XCRS, &b->xcrs);
    }
    if (!ret && b->xsave) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_XSAVE, b->xsave);
    }
    if (!ret && b->has_debugregs) {
        ret = vcpu_ioctl(vcpufd, KVM_SET_DEBUGREGS, &b->debugregs);
    }
    if (!ret && b->msrs->nmsrs) {
        int n;

        do {
            n = ioctl(vcpufd, KVM_SET_MSRS, b->msrs);
        } while (n < 0 && errno == EINTR);
        ret = n < 0 ? -errno : (uint32_t)n == b->msrs->nmsrs ? 0 : -EINVAL;
    }
    return ret;
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
    if (!ret) {
        ret = reset_extra(vcpufd, b);
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
