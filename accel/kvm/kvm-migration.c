/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration sections of the KVM accelerator: one per vCPU ("kvm-cpu/N":
 * general and special registers, FPU, MSRs, LAPIC, pending events and
 * the MP state) and one for the VM's in-kernel chips ("kvm-irqchip": PIC
 * master and slave, IOAPIC, PIT).  They are late sections: saved after
 * the source's vCPUs parked in the final pass, loaded on the destination
 * while its vCPUs are still parked, before the VM starts.
 *
 * Payload (version 1) of both: records of u32 tag, u32 length, then the
 * kernel's struct as KVM's x86-64 ABI lays it out (that ABI is stable,
 * and both ends are this binary on x86-64).  check() validates every
 * record (known tag, no duplicate, exact size; MSRs only from the list
 * below, a bounded number; required records present; chips this side
 * has) before load() applies anything; load() then issues the SET
 * ioctls and fails the migration on the first refusal.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "kvm-internal.h"

#define KVM_MIG_VERSION 1

enum {
    REC_REGS = 1,
    REC_SREGS,
    REC_FPU,
    REC_MSRS,
    REC_LAPIC,
    REC_EVENTS,
    REC_MP_STATE,
    REC_PIC_MASTER,
    REC_PIC_SLAVE,
    REC_IOAPIC,
    REC_PIT2,
    REC_MAX
};

/* MSRs that travel; the first NR_REQUIRED_MSRS must be readable. */
static const uint32_t msr_list[] = {
    0xc0000080,     /* EFER */
    0xc0000081,     /* STAR */
    0xc0000082,     /* LSTAR */
    0xc0000083,     /* CSTAR */
    0xc0000084,     /* FMASK (SYSCALL_MASK) */
    0xc0000102,     /* KERNEL_GS_BASE */
    0x00000010,     /* TSC */
    0x0000001b,     /* APIC_BASE */
    0x00000174,     /* SYSENTER_CS */
    0x00000175,     /* SYSENTER_ESP */
    0x00000176,     /* SYSENTER_EIP */
    /* optional: kept when KVM reads them */
    0x00000277,     /* PAT */
    0x000001a0,     /* MISC_ENABLE */
    0xc0000103,     /* TSC_AUX */
};
#define NR_REQUIRED_MSRS 11
#define NR_MSRS G_N_ELEMENTS(msr_list)

typedef struct Rec {
    const uint8_t *data;
    uint32_t len;
} Rec;

static int ioctl_retry(int fd, unsigned long req, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

static void put_rec(GByteArray *out, uint32_t tag, const void *p,
                    uint32_t len)
{
    mig_put_u32(out, tag);
    mig_put_u32(out, len);
    mig_put_bytes(out, p, len);
}

/* Exact size of record @tag, 0 for a variable one (MSRs), -1 unknown. */
static long rec_size(uint32_t tag)
{
    switch (tag) {
    case REC_REGS: return sizeof(struct kvm_regs);
    case REC_SREGS: return sizeof(struct kvm_sregs);
    case REC_FPU: return sizeof(struct kvm_fpu);
    case REC_MSRS: return 0;
    case REC_LAPIC: return sizeof(struct kvm_lapic_state);
    case REC_EVENTS: return sizeof(struct kvm_vcpu_events);
    case REC_MP_STATE: return sizeof(struct kvm_mp_state);
    case REC_PIC_MASTER:
    case REC_PIC_SLAVE:
    case REC_IOAPIC: return sizeof(struct kvm_irqchip);
    case REC_PIT2: return sizeof(struct kvm_pit_state2);
    default: return -1;
    }
}

static bool msr_known(uint32_t index)
{
    for (size_t i = 0; i < NR_MSRS; i++) {
        if (msr_list[i] == index) {
            return true;
        }
    }
    return false;
}

/* Split and validate a payload into @recs (indexed by tag). */
static bool parse(const uint8_t *data, size_t len, uint32_t version,
                  Rec recs[REC_MAX], GError **errp)
{
    MigCursor c;

    memset(recs, 0, sizeof(Rec) * REC_MAX);
    if (version != KVM_MIG_VERSION) {
        error_setg(errp, "version %u, supported %u", version,
                   KVM_MIG_VERSION);
        return false;
    }
    mig_cursor_init(&c, data, len);
    while (c.pos < c.len) {
        uint32_t tag = mig_get_u32(&c), rlen = mig_get_u32(&c);
        const uint8_t *p = c.overrun ? NULL : mig_get_bytes(&c, rlen);
        long want = rec_size(tag);

        if (!p) {
            error_setg(errp, "truncated record");
            return false;
        }
        if (want < 0) {
            error_setg(errp, "unknown record %u", tag);
            return false;
        }
        if (recs[tag].data) {
            error_setg(errp, "record %u appears twice", tag);
            return false;
        }
        if (want ? rlen != (uint32_t)want
                 : (rlen % sizeof(struct kvm_msr_entry) ||
                    rlen / sizeof(struct kvm_msr_entry) > NR_MSRS)) {
            error_setg(errp, "record %u has %u bytes, expected %ld", tag,
                       rlen, want);
            return false;
        }
        recs[tag] = (Rec){ p, rlen };
    }
    return true;
}

/* ---- vCPUs ------------------------------------------------------------- */

typedef struct CpuMig {
    KVMState *s;
    int fd;
    unsigned index;
} CpuMig;

static bool cpu_save(void *opaque, GByteArray *out, GError **errp)
{
    CpuMig *cm = opaque;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    struct kvm_mp_state mp;
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[1];
    } one;
    struct kvm_msr_entry msrs[NR_MSRS];
    unsigned n = 0;
    int ret;

    if ((ret = ioctl_retry(cm->fd, KVM_GET_REGS, &regs)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_SREGS, &sregs)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_FPU, &fpu)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_VCPU_EVENTS, &events)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_MP_STATE, &mp)) < 0 ||
        (cm->s->irqchip &&
         (ret = ioctl_retry(cm->fd, KVM_GET_LAPIC, &lapic)) < 0)) {
        error_setg(errp, "kvm: cannot read the state of vCPU %u: %s",
                   cm->index, strerror(-ret));
        return false;
    }
    /* One MSR per call: KVM stops a batch at the first it cannot read. */
    for (size_t i = 0; i < NR_MSRS; i++) {
        memset(&one, 0, sizeof(one));
        one.hdr.nmsrs = 1;
        one.e[0].index = msr_list[i];
        ret = ioctl_retry(cm->fd, KVM_GET_MSRS, &one);
        if (ret == 1) {
            msrs[n++] = one.e[0];
        } else if (i < NR_REQUIRED_MSRS) {
            error_setg(errp, "kvm: cannot read MSR 0x%x of vCPU %u",
                       msr_list[i], cm->index);
            return false;
        }
    }
    put_rec(out, REC_REGS, &regs, sizeof(regs));
    put_rec(out, REC_SREGS, &sregs, sizeof(sregs));
    put_rec(out, REC_FPU, &fpu, sizeof(fpu));
    put_rec(out, REC_MSRS, msrs, n * sizeof(msrs[0]));
    if (cm->s->irqchip) {
        put_rec(out, REC_LAPIC, &lapic, sizeof(lapic));
    }
    put_rec(out, REC_EVENTS, &events, sizeof(events));
    put_rec(out, REC_MP_STATE, &mp, sizeof(mp));
    return true;
}

static bool cpu_check(void *opaque, const uint8_t *data, size_t len,
                      uint32_t version, GError **errp)
{
    CpuMig *cm = opaque;
    Rec r[REC_MAX];
    static const uint32_t required[] = {
        REC_REGS, REC_SREGS, REC_FPU, REC_MSRS, REC_EVENTS, REC_MP_STATE,
    };

    if (!parse(data, len, version, r, errp)) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(required); i++) {
        if (!r[required[i]].data) {
            error_setg(errp, "record %u missing", required[i]);
            return false;
        }
    }
    if (r[REC_PIC_MASTER].data || r[REC_PIC_SLAVE].data ||
        r[REC_IOAPIC].data || r[REC_PIT2].data) {
        error_setg(errp, "chip record in a vCPU section");
        return false;
    }
    if (!!r[REC_LAPIC].data != cm->s->irqchip) {
        error_setg(errp, "in-kernel LAPIC %s in the stream, %s here",
                   r[REC_LAPIC].data ? "present" : "absent",
                   cm->s->irqchip ? "present" : "absent");
        return false;
    }
    for (uint32_t i = 0; i < r[REC_MSRS].len / sizeof(struct kvm_msr_entry);
         i++) {
        struct kvm_msr_entry e;

        memcpy(&e, r[REC_MSRS].data + i * sizeof(e), sizeof(e));
        if (!msr_known(e.index)) {
            error_setg(errp, "MSR 0x%x is not migrated", e.index);
            return false;
        }
    }
    return true;
}

static bool cpu_load(void *opaque, const uint8_t *data, size_t len,
                     uint32_t version, GError **errp)
{
    CpuMig *cm = opaque;
    Rec r[REC_MAX];
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    struct kvm_mp_state mp;
    uint32_t nmsrs;
    g_autofree struct kvm_msrs *msrs = NULL;
    const char *what;
    int ret;

    if (!parse(data, len, version, r, errp)) {
        return false;
    }
    memcpy(&regs, r[REC_REGS].data, sizeof(regs));
    memcpy(&sregs, r[REC_SREGS].data, sizeof(sregs));
    memcpy(&fpu, r[REC_FPU].data, sizeof(fpu));
    memcpy(&events, r[REC_EVENTS].data, sizeof(events));
    memcpy(&mp, r[REC_MP_STATE].data, sizeof(mp));
    nmsrs = r[REC_MSRS].len / sizeof(struct kvm_msr_entry);
    msrs = g_malloc0(sizeof(*msrs) + r[REC_MSRS].len);
    msrs->nmsrs = nmsrs;
    memcpy(msrs->entries, r[REC_MSRS].data, r[REC_MSRS].len);
    /* The SIPI vector is part of the state; say so. */
    events.flags |= KVM_VCPUEVENT_VALID_SIPI_VECTOR;

    what = "special registers";
    ret = ioctl_retry(cm->fd, KVM_SET_SREGS, &sregs);
    if (ret >= 0) {
        what = "registers";
        ret = ioctl_retry(cm->fd, KVM_SET_REGS, &regs);
    }
    if (ret >= 0) {
        what = "FPU";
        ret = ioctl_retry(cm->fd, KVM_SET_FPU, &fpu);
    }
    if (ret >= 0) {
        what = "MSRs";
        ret = ioctl_retry(cm->fd, KVM_SET_MSRS, msrs);
        if (ret >= 0 && (uint32_t)ret != nmsrs) {
            error_setg(errp, "kvm: vCPU %u: MSR 0x%x refused", cm->index,
                       msrs->entries[ret].index);
            return false;
        }
    }
    if (ret >= 0 && r[REC_LAPIC].data) {
        what = "LAPIC";
        memcpy(&lapic, r[REC_LAPIC].data, sizeof(lapic));
        ret = ioctl_retry(cm->fd, KVM_SET_LAPIC, &lapic);
    }
    if (ret >= 0) {
        what = "events";
        ret = ioctl_retry(cm->fd, KVM_SET_VCPU_EVENTS, &events);
    }
    if (ret >= 0 && cm->s->irqchip) {
        what = "MP state";
        ret = ioctl_retry(cm->fd, KVM_SET_MP_STATE, &mp);
    }
    if (ret < 0) {
        error_setg(errp, "kvm: vCPU %u: cannot load the %s: %s", cm->index,
                   what, strerror(-ret));
        return false;
    }
    return true;
}

static const MigStateOps cpu_ops = {
    .type = "kvm-x86-cpu",
    .version = KVM_MIG_VERSION,
    .save = cpu_save,
    .check = cpu_check,
    .load = cpu_load,
};

/* ---- In-kernel chips --------------------------------------------------- */

static bool chips_save(void *opaque, GByteArray *out, GError **errp)
{
    KVMState *s = opaque;
    struct kvm_irqchip chip;
    struct kvm_pit_state2 pit;
    int ret;

    for (unsigned id = 0; s->irqchip && id < 3; id++) {
        memset(&chip, 0, sizeof(chip));
        chip.chip_id = id;
        ret = kvm_vm_ioctl(s, KVM_GET_IRQCHIP, &chip);
        if (ret < 0) {
            error_setg(errp, "kvm: cannot read irqchip %u: %s", id,
                       strerror(-ret));
            return false;
        }
        put_rec(out, REC_PIC_MASTER + id, &chip, sizeof(chip));
    }
    if (s->pit) {
        ret = kvm_vm_ioctl(s, KVM_GET_PIT2, &pit);
        if (ret < 0) {
            error_setg(errp, "kvm: cannot read the PIT: %s", strerror(-ret));
            return false;
        }
        put_rec(out, REC_PIT2, &pit, sizeof(pit));
    }
    return true;
}

static bool chips_check(void *opaque, const uint8_t *data, size_t len,
                        uint32_t version, GError **errp)
{
    KVMState *s = opaque;
    Rec r[REC_MAX];

    if (!parse(data, len, version, r, errp)) {
        return false;
    }
    for (unsigned t = REC_REGS; t < REC_PIC_MASTER; t++) {
        if (r[t].data) {
            error_setg(errp, "vCPU record %u in the chips section", t);
            return false;
        }
    }
    for (unsigned id = 0; id < 3; id++) {
        const Rec *c = &r[REC_PIC_MASTER + id];
        struct kvm_irqchip chip;

        if (!!c->data != s->irqchip) {
            error_setg(errp, "in-kernel irqchip %s in the stream, %s here",
                       c->data ? "present" : "absent",
                       s->irqchip ? "present" : "absent");
            return false;
        }
        if (c->data) {
            memcpy(&chip, c->data, sizeof(chip));
            if (chip.chip_id != id) {
                error_setg(errp, "irqchip record %u holds chip %u", id,
                           chip.chip_id);
                return false;
            }
        }
    }
    if (!!r[REC_PIT2].data != s->pit) {
        error_setg(errp, "in-kernel PIT %s in the stream, %s here",
                   r[REC_PIT2].data ? "present" : "absent",
                   s->pit ? "present" : "absent");
        return false;
    }
    return true;
}

static bool chips_load(void *opaque, const uint8_t *data, size_t len,
                       uint32_t version, GError **errp)
{
    KVMState *s = opaque;
    Rec r[REC_MAX];
    int ret;

    if (!parse(data, len, version, r, errp)) {
        return false;
    }
    for (unsigned id = 0; s->irqchip && id < 3; id++) {
        struct kvm_irqchip chip;

        memcpy(&chip, r[REC_PIC_MASTER + id].data, sizeof(chip));
        ret = kvm_vm_ioctl(s, KVM_SET_IRQCHIP, &chip);
        if (ret < 0) {
            error_setg(errp, "kvm: cannot load irqchip %u: %s", id,
                       strerror(-ret));
            return false;
        }
    }
    if (s->pit) {
        struct kvm_pit_state2 pit;

        memcpy(&pit, r[REC_PIT2].data, sizeof(pit));
        ret = kvm_vm_ioctl(s, KVM_SET_PIT2, &pit);
        if (ret < 0) {
            error_setg(errp, "kvm: cannot load the PIT: %s", strerror(-ret));
            return false;
        }
    }
    return true;
}

static const MigStateOps chips_ops = {
    .type = "kvm-x86-chips",
    .version = KVM_MIG_VERSION,
    .save = chips_save,
    .check = chips_check,
    .load = chips_load,
};

/* ---- Registration ------------------------------------------------------ */

bool kvm_migration_register(KVMState *s, GError **errp)
{
    if (!migration_state_register("kvm-irqchip", &chips_ops, s, errp)) {
        return false;
    }
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        g_autofree char *id = g_strdup_printf("kvm-cpu/%u", i);
        CpuMig *cm = g_new0(CpuMig, 1);

        cm->s = s;
        cm->index = i;
        cm->fd = kvm_cpu_get_fd(s->cpus[i]);
        /* Lives as long as the VM (the vCPUs are never unplugged). */
        if (!migration_state_register(id, &cpu_ops, cm, errp)) {
            g_free(cm);
            return false;
        }
    }
    return true;
}
