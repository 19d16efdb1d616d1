/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration sections of the KVM accelerator: one per vCPU ("kvm-cpu/N":
 * general and special registers, FPU, XSAVE area and XCR0, debug
 * registers, MSRs, LAPIC, pending events and the MP state) and one for
 * the VM ("kvm-irqchip": kvmclock, PIC master and slave, IOAPIC, PIT).
 * They are late sections: saved after the source's vCPUs parked in the
 * final pass, loaded on the destination while its vCPUs are still
 * parked, before the VM starts; "kvm-irqchip" is registered first, so
 * the clock is set before any vCPU's MSRs.
 *
 * Payload (version 2; version 1 had neither XSAVE, XCRs, debug
 * registers nor the clock, and still loads) of both: records of u32
 * tag, u32 length, then the kernel's struct as KVM's x86-64 ABI lays it
 * out (that ABI is stable, and both ends are this binary on x86-64); the
 * XSAVE record is as long as the source's KVM_GET_XSAVE2 buffer.
 * check() validates every record (known tag, no duplicate, exact size;
 * MSRs only from the list below and only those this host's KVM reads;
 * an XSAVE area no larger than this host's and features and XCR0 within
 * what its KVM_GET_SUPPORTED_CPUID offers; required records present;
 * chips this side has) before load() applies anything; load() then
 * issues the SET ioctls and fails the migration on the first refusal.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "kvm-internal.h"

#define KVM_MIG_VERSION 2

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
    /* version 2 */
    REC_XSAVE,
    REC_XCRS,
    REC_DEBUGREGS,
    REC_CLOCK,
    REC_MAX
};

/* The records version 1 knew: REC_REGS .. REC_PIT2. */
#define REC_MAX_V1 REC_XSAVE

/*
 * MSRs that travel, in the order they are loaded (one KVM_SET_MSRS,
 * after the LAPIC): the async page fault vector before its enable, the
 * TSC deadline last.  MSR_REQUIRED must be readable; MSR_OPTIONAL ones
 * are kept when KVM reads them; MSR_LISTED ones only when this host's
 * KVM_GET_MSR_INDEX_LIST names them, then as optional.
 */
enum { MSR_REQUIRED, MSR_OPTIONAL, MSR_LISTED };

static const struct {
    uint32_t index;
    uint8_t kind;
} msr_list[] = {
    { 0xc0000080, MSR_REQUIRED },   /* EFER */
    { 0xc0000081, MSR_REQUIRED },   /* STAR */
    { 0xc0000082, MSR_REQUIRED },   /* LSTAR */
    { 0xc0000083, MSR_REQUIRED },   /* CSTAR */
    { 0xc0000084, MSR_REQUIRED },   /* FMASK (SYSCALL_MASK) */
    { 0xc0000102, MSR_REQUIRED },   /* KERNEL_GS_BASE */
    { 0x00000010, MSR_REQUIRED },   /* TSC */
    { 0x0000001b, MSR_REQUIRED },   /* APIC_BASE */
    { 0x00000174, MSR_REQUIRED },   /* SYSENTER_CS */
    { 0x00000175, MSR_REQUIRED },   /* SYSENTER_ESP */
    { 0x00000176, MSR_REQUIRED },   /* SYSENTER_EIP */
    { 0x00000277, MSR_OPTIONAL },   /* PAT */
    { 0x000001a0, MSR_OPTIONAL },   /* MISC_ENABLE */
    { 0xc0000103, MSR_OPTIONAL },   /* TSC_AUX */
    { 0x0000003b, MSR_LISTED },     /* IA32_TSC_ADJUST */
    { 0x00000da0, MSR_LISTED },     /* IA32_XSS */
    { 0x00000011, MSR_LISTED },     /* KVM_WALL_CLOCK */
    { 0x00000012, MSR_LISTED },     /* KVM_SYSTEM_TIME */
    { 0x4b564d00, MSR_LISTED },     /* KVM_WALL_CLOCK_NEW */
    { 0x4b564d01, MSR_LISTED },     /* KVM_SYSTEM_TIME_NEW */
    { 0x4b564d03, MSR_LISTED },     /* KVM_STEAL_TIME */
    { 0x4b564d04, MSR_LISTED },     /* KVM_PV_EOI_EN */
    { 0x4b564d06, MSR_LISTED },     /* KVM_ASYNC_PF_INT */
    { 0x4b564d02, MSR_LISTED },     /* KVM_ASYNC_PF_EN */
    { 0x4b564d05, MSR_LISTED },     /* KVM_POLL_CONTROL */
    { 0x000006e0, MSR_LISTED },     /* IA32_TSC_DEADLINE */
};
#define NR_MSRS G_N_ELEMENTS(msr_list)

/* What this host's KVM offers, probed once at registration. */
typedef struct KvmCpuCaps {
    uint32_t xsave_size;        /* KVM_GET_XSAVE(2) buffer; 0: no XSAVE */
    bool xsave2;                /* KVM_GET_XSAVE2 (KVM_CAP_XSAVE2) */
    bool xcrs;                  /* KVM_CAP_XCRS */
    bool debugregs;             /* KVM_CAP_DEBUGREGS */
    uint64_t xcr0_supported;    /* KVM_GET_SUPPORTED_CPUID 0xd.0 EDX:EAX */
    bool msr_wanted[NR_MSRS];   /* not MSR_LISTED, or listed by KVM */
} KvmCpuCaps;

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
    case REC_XSAVE: return 0;
    case REC_XCRS: return sizeof(struct kvm_xcrs);
    case REC_DEBUGREGS: return sizeof(struct kvm_debugregs);
    case REC_CLOCK: return sizeof(struct kvm_clock_data);
    default: return -1;
    }
}

/* Position of @index in msr_list, or -1. */
static int msr_find(uint32_t index)
{
    for (size_t i = 0; i < NR_MSRS; i++) {
        if (msr_list[i].index == index) {
            return i;
        }
    }
    return -1;
}

/* Split and validate a payload into @recs (indexed by tag). */
static bool parse(const uint8_t *data, size_t len, uint32_t version,
                  Rec recs[REC_MAX], GError **errp)
{
    MigCursor c;

    memset(recs, 0, sizeof(Rec) * REC_MAX);
    if (version < 1 || version > KVM_MIG_VERSION) {
        error_setg(errp, "version %u, supported 1 to %u", version,
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
        if (want < 0 || (version == 1 && tag >= REC_MAX_V1)) {
            error_setg(errp, "unknown record %u", tag);
            return false;
        }
        if (recs[tag].data) {
            error_setg(errp, "record %u appears twice", tag);
            return false;
        }
        if (want ? rlen != (uint32_t)want
                 : tag == REC_MSRS &&
                   (rlen % sizeof(struct kvm_msr_entry) ||
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
    const KvmCpuCaps *caps;
    int fd;
    unsigned index;
} CpuMig;

/* One MSR through KVM_GET_MSRS; false when KVM does not read it. */
static bool read_msr(int fd, uint32_t index, struct kvm_msr_entry *e)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[1];
    } one;

    memset(&one, 0, sizeof(one));
    one.hdr.nmsrs = 1;
    one.e[0].index = index;
    if (ioctl_retry(fd, KVM_GET_MSRS, &one) != 1) {
        return false;
    }
    *e = one.e[0];
    return true;
}

/* One MSR per call: KVM stops a batch at the first it cannot read. */
static bool save_msrs(CpuMig *cm, GByteArray *out, GError **errp)
{
    struct kvm_msr_entry msrs[NR_MSRS];
    unsigned n = 0;

    for (size_t i = 0; i < NR_MSRS; i++) {
        if (!cm->caps->msr_wanted[i]) {
            continue;
        }
        if (read_msr(cm->fd, msr_list[i].index, &msrs[n])) {
            n++;
        } else if (msr_list[i].kind == MSR_REQUIRED) {
            error_setg(errp, "kvm: cannot read MSR 0x%x of vCPU %u",
                       msr_list[i].index, cm->index);
            return false;
        }
    }
    put_rec(out, REC_MSRS, msrs, n * sizeof(msrs[0]));
    return true;
}

/* XSAVE area and XCRs, where this host's KVM has them. */
static bool save_xsave(CpuMig *cm, GByteArray *out, GError **errp)
{
    const KvmCpuCaps *caps = cm->caps;
    g_autofree void *xsave = NULL;
    struct kvm_xcrs xcrs;
    int ret;

    if (caps->xcrs) {
        memset(&xcrs, 0, sizeof(xcrs));
        ret = ioctl_retry(cm->fd, KVM_GET_XCRS, &xcrs);
        if (ret < 0) {
            error_setg(errp, "kvm: cannot read the XCRs of vCPU %u: %s",
                       cm->index, strerror(-ret));
            return false;
        }
        put_rec(out, REC_XCRS, &xcrs, sizeof(xcrs));
    }
    if (caps->xsave_size) {
        xsave = g_malloc0(caps->xsave_size);
        ret = ioctl_retry(cm->fd, caps->xsave2 ? KVM_GET_XSAVE2
                                               : KVM_GET_XSAVE, xsave);
        if (ret < 0) {
            error_setg(errp, "kvm: cannot read the XSAVE area of vCPU %u: "
                       "%s", cm->index, strerror(-ret));
            return false;
        }
        put_rec(out, REC_XSAVE, xsave, caps->xsave_size);
    }
    return true;
}

static bool cpu_save(void *opaque, GByteArray *out, GError **errp)
{
    CpuMig *cm = opaque;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    struct kvm_mp_state mp;
    struct kvm_debugregs dbg;
    int ret;

    memset(&dbg, 0, sizeof(dbg));
    if ((ret = ioctl_retry(cm->fd, KVM_GET_REGS, &regs)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_SREGS, &sregs)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_FPU, &fpu)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_VCPU_EVENTS, &events)) < 0 ||
        (ret = ioctl_retry(cm->fd, KVM_GET_MP_STATE, &mp)) < 0 ||
        (cm->caps->debugregs &&
         (ret = ioctl_retry(cm->fd, KVM_GET_DEBUGREGS, &dbg)) < 0) ||
        (cm->s->irqchip &&
         (ret = ioctl_retry(cm->fd, KVM_GET_LAPIC, &lapic)) < 0)) {
        error_setg(errp, "kvm: cannot read the state of vCPU %u: %s",
                   cm->index, strerror(-ret));
        return false;
    }
    put_rec(out, REC_REGS, &regs, sizeof(regs));
    put_rec(out, REC_SREGS, &sregs, sizeof(sregs));
    /* Also with XSAVE: a destination without it loads this. */
    put_rec(out, REC_FPU, &fpu, sizeof(fpu));
    if (!save_xsave(cm, out, errp) || !save_msrs(cm, out, errp)) {
        return false;
    }
    if (cm->caps->debugregs) {
        put_rec(out, REC_DEBUGREGS, &dbg, sizeof(dbg));
    }
    if (cm->s->irqchip) {
        put_rec(out, REC_LAPIC, &lapic, sizeof(lapic));
    }
    put_rec(out, REC_EVENTS, &events, sizeof(events));
    put_rec(out, REC_MP_STATE, &mp, sizeof(mp));
    return true;
}

/* An XCR0 value the architecture allows, within @supported. */
static bool check_xcr0(uint64_t xcr0, uint64_t supported, GError **errp)
{
    if (xcr0 & ~supported) {
        error_setg(errp, "XCR0 0x%" PRIx64 " has features 0x%" PRIx64
                   " this host's KVM does not offer (supported 0x%"
                   PRIx64 ")", xcr0, xcr0 & ~supported, supported);
        return false;
    }
    if (!(xcr0 & 1) || ((xcr0 & 4) && !(xcr0 & 2)) ||
        ((xcr0 & 0xe0) && ((xcr0 & 0xe0) != 0xe0 || !(xcr0 & 4)))) {
        error_setg(errp, "XCR0 0x%" PRIx64 " is not a valid combination",
                   xcr0);
        return false;
    }
    return true;
}

static bool check_xcrs(const KvmCpuCaps *caps, const Rec *r, GError **errp)
{
    struct kvm_xcrs xcrs;

    if (!caps->xcrs) {
        error_setg(errp, "XCRs in the stream, this host's KVM has no "
                   "KVM_CAP_XCRS");
        return false;
    }
    memcpy(&xcrs, r->data, sizeof(xcrs));
    if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags) {
        error_setg(errp, "XCR record with %u registers, flags 0x%x",
                   xcrs.nr_xcrs, xcrs.flags);
        return false;
    }
    for (uint32_t i = 0; i < xcrs.nr_xcrs; i++) {
        if (xcrs.xcrs[i].xcr != 0) {
            error_setg(errp, "XCR%u is not migrated", xcrs.xcrs[i].xcr);
            return false;
        }
        if (!check_xcr0(xcrs.xcrs[i].value, caps->xcr0_supported, errp)) {
            return false;
        }
    }
    return true;
}

/* The XSAVE header lies at byte 512 of the (standard format) area. */
#define XSAVE_HDR 512

static bool check_xsave(const KvmCpuCaps *caps, const Rec *r, GError **errp)
{
    uint64_t hdr[8];

    if (!caps->xsave_size) {
        error_setg(errp, "XSAVE state in the stream, this host's KVM has "
                   "none");
        return false;
    }
    if (r->len < sizeof(struct kvm_xsave) || r->len > caps->xsave_size) {
        error_setg(errp, "XSAVE area of %u bytes, this host's KVM holds "
                   "%zu to %u", r->len, sizeof(struct kvm_xsave),
                   caps->xsave_size);
        return false;
    }
    memcpy(hdr, r->data + XSAVE_HDR, sizeof(hdr));
    if (hdr[0] & ~caps->xcr0_supported) {
        error_setg(errp, "XSAVE area holds features 0x%" PRIx64 " this "
                   "host's KVM does not offer (supported 0x%" PRIx64 ")",
                   hdr[0] & ~caps->xcr0_supported, caps->xcr0_supported);
        return false;
    }
    for (unsigned i = 1; i < 8; i++) {
        if (hdr[i]) {
            error_setg(errp, "XSAVE header word %u is 0x%" PRIx64 ", "
                       "expected 0 (standard format)", i, hdr[i]);
            return false;
        }
    }
    return true;
}

static bool check_debugregs(const KvmCpuCaps *caps, const Rec *r,
                            GError **errp)
{
    struct kvm_debugregs dbg;

    if (!caps->debugregs) {
        error_setg(errp, "debug registers in the stream, this host's KVM "
                   "has no KVM_CAP_DEBUGREGS");
        return false;
    }
    memcpy(&dbg, r->data, sizeof(dbg));
    if (dbg.flags || dbg.dr6 >> 32 || dbg.dr7 >> 32) {
        error_setg(errp, "debug registers: flags 0x%llx DR6 0x%llx DR7 "
                   "0x%llx out of range", (unsigned long long)dbg.flags,
                   (unsigned long long)dbg.dr6, (unsigned long long)dbg.dr7);
        return false;
    }
    return true;
}

/* Known MSRs only, and each one KVM here can hold (it reads it). */
static bool check_msrs(CpuMig *cm, const Rec *r, GError **errp)
{
    for (uint32_t i = 0; i < r->len / sizeof(struct kvm_msr_entry); i++) {
        struct kvm_msr_entry e, here;
        int pos;

        memcpy(&e, r->data + i * sizeof(e), sizeof(e));
        pos = msr_find(e.index);
        if (pos < 0) {
            error_setg(errp, "MSR 0x%x is not migrated", e.index);
            return false;
        }
        if (msr_list[pos].kind != MSR_REQUIRED &&
            !read_msr(cm->fd, e.index, &here)) {
            error_setg(errp, "MSR 0x%x: this host's KVM does not have it",
                       e.index);
            return false;
        }
    }
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
        r[REC_IOAPIC].data || r[REC_PIT2].data || r[REC_CLOCK].data) {
        error_setg(errp, "VM record in a vCPU section");
        return false;
    }
    if (!!r[REC_LAPIC].data != cm->s->irqchip) {
        error_setg(errp, "in-kernel LAPIC %s in the stream, %s here",
                   r[REC_LAPIC].data ? "present" : "absent",
                   cm->s->irqchip ? "present" : "absent");
        return false;
    }
    return check_msrs(cm, &r[REC_MSRS], errp) &&
           (!r[REC_XCRS].data || check_xcrs(cm->caps, &r[REC_XCRS], errp)) &&
           (!r[REC_XSAVE].data ||
            check_xsave(cm->caps, &r[REC_XSAVE], errp)) &&
           (!r[REC_DEBUGREGS].data ||
            check_debugregs(cm->caps, &r[REC_DEBUGREGS], errp));
}

/* XCRs before the XSAVE area (whose features XCR0 must enable). */
static int load_fpu_state(CpuMig *cm, const Rec r[REC_MAX],
                          const char **what)
{
    struct kvm_xcrs xcrs;
    struct kvm_fpu fpu;
    g_autofree void *xsave = NULL;
    int ret = 0;

    if (r[REC_XCRS].data) {
        *what = "XCRs";
        memcpy(&xcrs, r[REC_XCRS].data, sizeof(xcrs));
        ret = ioctl_retry(cm->fd, KVM_SET_XCRS, &xcrs);
    }
    if (ret >= 0 && r[REC_XSAVE].data) {
        /* KVM_SET_XSAVE reads this host's whole buffer size. */
        *what = "XSAVE area";
        g_assert(r[REC_XSAVE].len <= cm->caps->xsave_size);    /* check */
        xsave = g_malloc0(cm->caps->xsave_size);
        memcpy(xsave, r[REC_XSAVE].data, r[REC_XSAVE].len);
        ret = ioctl_retry(cm->fd, KVM_SET_XSAVE, xsave);
    } else if (ret >= 0) {
        *what = "FPU";
        memcpy(&fpu, r[REC_FPU].data, sizeof(fpu));
        ret = ioctl_retry(cm->fd, KVM_SET_FPU, &fpu);
    }
    return ret;
}

static bool cpu_load(void *opaque, const uint8_t *data, size_t len,
                     uint32_t version, GError **errp)
{
    CpuMig *cm = opaque;
    Rec r[REC_MAX];
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events events;
    struct kvm_mp_state mp;
    struct kvm_debugregs dbg;
    uint32_t nmsrs;
    g_autofree struct kvm_msrs *msrs = NULL;
    const char *what;
    int ret;

    if (!parse(data, len, version, r, errp)) {
        return false;
    }
    memcpy(&regs, r[REC_REGS].data, sizeof(regs));
    memcpy(&sregs, r[REC_SREGS].data, sizeof(sregs));
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
        ret = load_fpu_state(cm, r, &what);
    }
    /* The LAPIC before the MSRs: the TSC deadline needs its timer mode. */
    if (ret >= 0 && r[REC_LAPIC].data) {
        what = "LAPIC";
        memcpy(&lapic, r[REC_LAPIC].data, sizeof(lapic));
        ret = ioctl_retry(cm->fd, KVM_SET_LAPIC, &lapic);
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
    if (ret >= 0 && r[REC_DEBUGREGS].data) {
        what = "debug registers";
        memcpy(&dbg, r[REC_DEBUGREGS].data, sizeof(dbg));
        ret = ioctl_retry(cm->fd, KVM_SET_DEBUGREGS, &dbg);
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

    if (s->adjust_clock) {
        /* The value frozen when the vCPUs stopped (kvm-clock.c). */
        struct kvm_clock_data clock = { 0 };
        uint64_t ns;

        if (!kvm_clock_read(s, &ns, errp)) {
            return false;
        }
        clock.clock = ns;
        put_rec(out, REC_CLOCK, &clock, sizeof(clock));
    }

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
    for (unsigned t = REC_REGS; t < REC_MAX; t++) {
        if (r[t].data && (t < REC_PIC_MASTER || t == REC_XSAVE ||
                          t == REC_XCRS || t == REC_DEBUGREGS)) {
            error_setg(errp, "vCPU record %u in the chips section", t);
            return false;
        }
    }
    if (r[REC_CLOCK].data && !s->adjust_clock) {
        error_setg(errp, "kvmclock in the stream, this host's KVM has no "
                   "KVM_CAP_ADJUST_CLOCK");
        return false;
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
    if (r[REC_CLOCK].data) {
        struct kvm_clock_data clock;

        /* Before the vCPUs' MSRs (their sections come later). */
        memcpy(&clock, r[REC_CLOCK].data, sizeof(clock));
        if (!kvm_clock_load(s, clock.clock, errp)) {
            return false;
        }
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

/* Size of this host's XSAVE buffer, 0 without XSAVE. */
static void probe_xsave(KVMState *s, KvmCpuCaps *caps)
{
    int size = kvm_vm_check_extension(s, KVM_CAP_XSAVE2);

    if (size > 0) {
        caps->xsave2 = true;
        caps->xsave_size = MAX((uint32_t)size, sizeof(struct kvm_xsave));
    } else if (kvm_vm_check_extension(s, KVM_CAP_XSAVE)) {
        caps->xsave_size = sizeof(struct kvm_xsave);
    }
    for (uint32_t i = 0; i < s->cpuid->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &s->cpuid->entries[i];

        if (e->function == 0xd && e->index == 0) {
            caps->xcr0_supported = e->eax | (uint64_t)e->edx << 32;
        }
    }
}

/* Which MSR_LISTED entries KVM_GET_MSR_INDEX_LIST names. */
static void probe_msrs(KVMState *s, KvmCpuCaps *caps)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    g_autofree struct kvm_msr_list *list = NULL;

    /* The first call fails with E2BIG and says how many there are. */
    ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe);
    list = g_malloc0(sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
    list->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        list->nmsrs = 0;
    }
    for (size_t i = 0; i < NR_MSRS; i++) {
        caps->msr_wanted[i] = msr_list[i].kind != MSR_LISTED;
        for (uint32_t j = 0; j < list->nmsrs; j++) {
            if (list->indices[j] == msr_list[i].index) {
                caps->msr_wanted[i] = true;
            }
        }
    }
}

bool kvm_migration_register(KVMState *s, GError **errp)
{
    /* Shared by the vCPU sections; lives as long as the VM. */
    KvmCpuCaps *caps = g_new0(KvmCpuCaps, 1);

    probe_xsave(s, caps);
    probe_msrs(s, caps);
    caps->xcrs = kvm_vm_check_extension(s, KVM_CAP_XCRS) > 0;
    caps->debugregs = kvm_vm_check_extension(s, KVM_CAP_DEBUGREGS) > 0;
    if (!migration_state_register("kvm-irqchip", &chips_ops, s, errp)) {
        g_free(caps);
        return false;
    }
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        g_autofree char *id = g_strdup_printf("kvm-cpu/%u", i);
        CpuMig *cm = g_new0(CpuMig, 1);

        cm->s = s;
        cm->caps = caps;
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
