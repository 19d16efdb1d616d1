/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM accelerator: opens /dev/kvm, checks the API version and the
 * capabilities used, creates the VM with the in-kernel interrupt chips,
 * follows system memory with a slot table (kvm-slots.c), forwards the
 * I/O APIC's input lines to the in-kernel I/O APIC, and answers
 * query-kvm.  vCPU threads live in kvm-cpus.c.
 *
 * Every failure says which step failed and why ("cannot open /dev/kvm:
 * Permission denied ..."), so that "-accel kvm -accel qtest" can fall
 * back with a reason and plain "-accel kvm" can stop with one.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/address-spaces.h"
#include "monitor/qmp.h"
#include "qom/object.h"
#include "hw/boards.h"
#include "hw/i386/ioapic.h"
#include "sysemu/kvm.h"
#include "sysemu/sysemu.h"
#include "kvm-internal.h"

#define KVM_DEVICE          "/dev/kvm"
#define KVM_API_VERSION     12
/* Where QEMU puts the TSS and identity map on x86: below the BIOS. */
#define KVM_TSS_ADDR        0xfeffd000u
#define KVM_IDENTITY_ADDR   0xfeffc000u
#define KVM_GSI_MAX         24

KVMState *kvm_state;

TRACE_EVENT(kvm_set_user_memory_region);

int kvm_vm_ioctl(KVMState *s, unsigned long req, void *arg)
{
    int ret;

    do {
        ret = ioctl(s->vmfd, req, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

static int kvm_check_extension(KVMState *s, int cap)
{
    int ret = ioctl(s->fd, KVM_CHECK_EXTENSION, cap);

    return ret < 0 ? 0 : ret;
}

int kvm_vm_check_extension(KVMState *s, int cap)
{
    int ret = ioctl(s->vmfd, KVM_CHECK_EXTENSION, cap);

    return ret < 0 ? kvm_check_extension(s, cap) : ret;
}

/* --- Opening the device and the VM --- */

static bool kvm_open(KVMState *s, GError **errp)
{
    int ver;

    s->fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
    if (s->fd < 0) {
        int err = errno;

        error_setg(errp, "cannot open " KVM_DEVICE ": %s%s", strerror(err),
                   err == ENOENT ? " (no KVM on this host: the kvm module is "
                                   "not loaded or the CPU cannot virtualize)"
                   : (err == EACCES || err == EPERM) ?
                     " (this user needs read and write access to "
                     KVM_DEVICE ", usually through the kvm group)" : "");
        return false;
    }
    ver = ioctl(s->fd, KVM_GET_API_VERSION, 0);
    if (ver < 0) {
        error_setg(errp, KVM_DEVICE " is not a KVM device: "
                   "KVM_GET_API_VERSION: %s", strerror(errno));
        return false;
    }
    if (ver != KVM_API_VERSION) {
        error_setg(errp, "KVM API version %d, this build needs %d", ver,
                   KVM_API_VERSION);
        return false;
    }
    return true;
}

typedef struct KvmCapNeed {
    int cap;
    const char *name;
} KvmCapNeed;

static bool kvm_check_caps(KVMState *s, GError **errp)
{
    static const KvmCapNeed needed[] = {
        { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
        { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
        { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
        { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(needed); i++) {
        if (!kvm_vm_check_extension(s, needed[i].cap)) {
            error_setg(errp, "KVM lacks %s, which this build needs",
                       needed[i].name);
            return false;
        }
    }
    s->nr_vcpus = kvm_vm_check_extension(s, KVM_CAP_NR_VCPUS);
    s->max_vcpus = kvm_vm_check_extension(s, KVM_CAP_MAX_VCPUS);
    s->nr_vcpus = s->nr_vcpus ? s->nr_vcpus : 4;
    s->max_vcpus = s->max_vcpus ? s->max_vcpus : s->nr_vcpus;
    s->nr_slots = kvm_vm_check_extension(s, KVM_CAP_NR_MEMSLOTS);
    s->nr_slots = s->nr_slots ? s->nr_slots : 32;
    s->readonly_mem = kvm_vm_check_extension(s, KVM_CAP_READONLY_MEM);
    return true;
}

static bool kvm_create_vm(KVMState *s, GError **errp)
{
    int ret;

    do {
        ret = ioctl(s->fd, KVM_CREATE_VM, 0);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        error_setg(errp, "KVM refused to create a VM: KVM_CREATE_VM: %s",
                   strerror(errno));
        return false;
    }
    s->vmfd = ret;
    s->vcpu_mmap_size = ioctl(s->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (s->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE: %s",
                   s->vcpu_mmap_size < 0 ? strerror(errno) : "too small");
        return false;
    }
    return true;
}

static bool kvm_get_cpuid(KVMState *s, GError **errp)
{
    for (unsigned nent = 64; nent <= 4096; nent *= 2) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) +
                                         nent * sizeof(c->entries[0]));

        c->nent = nent;
        if (ioctl(s->fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            s->cpuid = c;
            return true;
        }
        g_free(c);
        if (errno != E2BIG) {
            break;
        }
    }
    error_setg(errp, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
    return false;
}

/* TSS and identity map, the in-kernel chips; their boot state saved. */
static bool kvm_setup_x86_vm(KVMState *s, GError **errp)
{
    uint64_t identity = KVM_IDENTITY_ADDR;
    struct kvm_pit_config pit = { .flags = 0 };
    int ret;

    ret = kvm_vm_ioctl(s, KVM_SET_TSS_ADDR, (void *)(uintptr_t)KVM_TSS_ADDR);
    if (ret == 0 && kvm_vm_check_extension(s, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
        ret = kvm_vm_ioctl(s, KVM_SET_IDENTITY_MAP_ADDR, &identity);
    }
    if (ret) {
        error_setg(errp, "KVM_SET_TSS_ADDR/IDENTITY_MAP_ADDR: %s",
                   strerror(-ret));
        return false;
    }
    if (!sysemu_config.kvm_kernel_irqchip_off &&
        kvm_vm_check_extension(s, KVM_CAP_IRQCHIP)) {
        ret = kvm_vm_ioctl(s, KVM_CREATE_IRQCHIP, NULL);
        if (ret) {
            error_setg(errp, "KVM_CREATE_IRQCHIP: %s", strerror(-ret));
            return false;
        }
        s->irqchip = true;
        for (int i = 0; i < 3; i++) {
            s->chips[i].chip_id = i;
            kvm_vm_ioctl(s, KVM_GET_IRQCHIP, &s->chips[i]);
        }
    }
    if (s->irqchip && kvm_vm_check_extension(s, KVM_CAP_PIT2)) {
        ret = kvm_vm_ioctl(s, KVM_CREATE_PIT2, &pit);
        if (ret) {
            error_setg(errp, "KVM_CREATE_PIT2: %s", strerror(-ret));
            return false;
        }
        s->pit = kvm_vm_ioctl(s, KVM_GET_PIT2, &s->pit_state) == 0;
    }
    return true;
}

static void kvm_state_free(KVMState *s)
{
    if (s->vmfd >= 0) {
        close(s->vmfd);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->cpuid);
    g_free(s);
}

static bool kvm_init(GError **errp)
{
    KVMState *s = g_new0(KVMState, 1);

    s->fd = s->vmfd = -1;
    if (!kvm_open(s, errp) || !kvm_create_vm(s, errp) ||
        !kvm_check_caps(s, errp) || !kvm_get_cpuid(s, errp) ||
        !kvm_setup_x86_vm(s, errp)) {
        kvm_state_free(s);
        return false;
    }
    g_cond_init(&s->parked_cond);
    s->stats = kvm_stats_open(s->vmfd);
    kvm_clock_init(s);
    kvm_state = s;
    return true;
}

bool kvm_enabled(void)
{
    return kvm_state != NULL;
}

/* --- Memory slots --- */

static int kvm_set_slot(void *opaque, unsigned id, uint32_t flags,
                        uint64_t gpa, uint64_t size, void *hva)
{
    struct kvm_userspace_memory_region mem = {
        .slot = id,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)hva,
    };

    int ret = kvm_vm_ioctl(opaque, KVM_SET_USER_MEMORY_REGION, &mem);

    trace(kvm_set_user_memory_region, "slot %u flags 0x%x gpa 0x%" PRIx64
          " size 0x%" PRIx64 " hva %p: %d", id, flags, gpa, size, hva, ret);
    return ret;
}

static int kvm_get_slot_dirty_log(void *opaque, unsigned id,
                                  unsigned long *bitmap)
{
    struct kvm_dirty_log log = { .slot = id, .dirty_bitmap = bitmap };

    return kvm_vm_ioctl(opaque, KVM_GET_DIRTY_LOG, &log);
}

static const KvmSlotOps kvm_slot_ops = {
    .set_slot = kvm_set_slot,
    .get_dirty_log = kvm_get_slot_dirty_log,
};

/* --- ioeventfds: guest writes that signal an fd without an exit --- */

static void kvm_ioeventfd(KVMState *s, MemoryRegionSection *section,
                          bool match_data, uint64_t data, int fd, bool pio,
                          bool assign)
{
    struct kvm_ioeventfd req = {
        .datamatch = match_data ? data : 0,
        .addr = section->offset_within_address_space,
        .len = section->size,
        .fd = fd,
        .flags = (match_data ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
                 (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
                 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
    };
    int ret = kvm_vm_ioctl(s, KVM_IOEVENTFD, &req);

    /* Not fatal: the write then exits and reaches the device's region. */
    if (ret && assign) {
        warn_report("kvm: KVM_IOEVENTFD at %s 0x%" PRIx64 "+%u: %s; "
                    "writes there exit to user space", pio ? "port" : "gpa",
                    (uint64_t)req.addr, req.len, strerror(-ret));
    }
}

static void kvm_mmio_eventfd_add(MemoryListener *l, MemoryRegionSection *s,
                                 bool match_data, uint64_t data, int fd)
{
    kvm_ioeventfd(kvm_state, s, match_data, data, fd, false, true);
}

static void kvm_mmio_eventfd_del(MemoryListener *l, MemoryRegionSection *s,
                                 bool match_data, uint64_t data, int fd)
{
    kvm_ioeventfd(kvm_state, s, match_data, data, fd, false, false);
}

static void kvm_pio_eventfd_add(MemoryListener *l, MemoryRegionSection *s,
                                bool match_data, uint64_t data, int fd)
{
    kvm_ioeventfd(kvm_state, s, match_data, data, fd, true, true);
}

static void kvm_pio_eventfd_del(MemoryListener *l, MemoryRegionSection *s,
                                bool match_data, uint64_t data, int fd)
{
    kvm_ioeventfd(kvm_state, s, match_data, data, fd, true, false);
}

static MemoryListener kvm_mmio_eventfd_listener = {
    .eventfd_add = kvm_mmio_eventfd_add,
    .eventfd_del = kvm_mmio_eventfd_del,
    .priority = 10,
    .name = "kvm-ioeventfd-mmio",
};

static MemoryListener kvm_pio_eventfd_listener = {
    .eventfd_add = kvm_pio_eventfd_add,
    .eventfd_del = kvm_pio_eventfd_del,
    .priority = 10,
    .name = "kvm-ioeventfd-pio",
};

/* --- Interrupts --- */

static void kvm_gsi_set(void *opaque, int gsi, int level)
{
    struct kvm_irq_level irq = { .irq = gsi, .level = level };
    int ret = kvm_vm_ioctl(opaque, KVM_IRQ_LINE, &irq);

    if (ret) {
        error_report("kvm: KVM_IRQ_LINE gsi %d level %d: %s", gsi, level,
                     strerror(-ret));
    }
}

/* The board's I/O APIC inputs drive the in-kernel one (same GSIs). */
static void kvm_connect_ioapic(KVMState *s)
{
    Object *obj = object_resolve_path_type("", TYPE_IOAPIC, NULL);

    if (obj && s->irqchip) {
        ioapic_set_forward(IOAPIC(obj), kvm_gsi_set, s);
    }
}

/* --- AccelOps --- */

static bool kvm_machine_done(MachineState *ms, GError **errp)
{
    KVMState *s = kvm_state;
    unsigned n = sysemu_config.smp_cpus ? sysemu_config.smp_cpus : 1;

    if (n > s->max_vcpus) {
        error_setg(errp, "Number of SMP CPUs requested (%u) exceeds the "
                   "maximum supported by KVM (%u)", n, s->max_vcpus);
        return false;
    }
    if (n > 1 && !s->irqchip) {
        /* No LAPIC in user space here: nothing could start the APs. */
        error_setg(errp, "-smp %u needs KVM's in-kernel irqchip "
                   "(kernel-irqchip=on)", n);
        return false;
    }
    if (n > s->nr_vcpus) {
        warn_report("Number of SMP cpus requested (%u) exceeds the "
                    "recommended cpus supported by KVM (%u)", n,
                    s->nr_vcpus);
    }
    s->slots = kvm_slots_new(&kvm_slot_ops, s, s->nr_slots, s->readonly_mem);
    kvm_slots_listen(s->slots, &address_space_memory);
    if (kvm_vm_check_extension(s, KVM_CAP_IOEVENTFD)) {
        memory_listener_register(&kvm_mmio_eventfd_listener,
                                 &address_space_memory);
        memory_listener_register(&kvm_pio_eventfd_listener,
                                 &address_space_io);
    }
    kvm_connect_ioapic(s);
    return kvm_cpus_create(s, n, errp) && kvm_migration_register(s, errp);
}

static void kvm_reset_chips(KVMState *s)
{
    for (int i = 0; s->irqchip && i < 3; i++) {
        kvm_vm_ioctl(s, KVM_SET_IRQCHIP, &s->chips[i]);
    }
    if (s->pit) {
        kvm_vm_ioctl(s, KVM_SET_PIT2, &s->pit_state);
    }
}

static void kvm_reset(void)
{
    kvm_reset_chips(kvm_state);
    kvm_cpus_reset();
}

/* Stop and cont: kvmclock stands still while the vCPUs are paused. */
static void kvm_pause_vm(void)
{
    kvm_cpus_pause();
    kvm_clock_freeze(kvm_state);
}

static void kvm_resume_vm(void)
{
    kvm_clock_thaw(kvm_state);
    kvm_cpus_resume();
}

static void kvm_cleanup(void)
{
    KVMState *s = kvm_state;

    if (!s) {
        return;
    }
    kvm_cpus_destroy();
    memory_listener_unregister(&kvm_mmio_eventfd_listener);
    memory_listener_unregister(&kvm_pio_eventfd_listener);
    kvm_slots_free(s->slots);
    kvm_stats_close(s->stats);
    kvm_state = NULL;
    kvm_state_free(s);
}

const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .init = kvm_init,
    .machine_done = kvm_machine_done,
    .resume_vcpus = kvm_resume_vm,
    .pause_vcpus = kvm_pause_vm,
    .reset_vcpus = kvm_reset,
    .cleanup = kvm_cleanup,
    .runs_guest_code = true,
};

/* --- QMP --- */

static bool qmp_query_kvm(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonObject *obj = json_object_new();

    json_object_set_boolean_member(obj, "enabled", kvm_enabled());
    json_object_set_boolean_member(obj, "present", true);
    *ret = qmp_node_take_object(obj);
    return true;
}

void kvm_register_qmp_commands(void)
{
    qmp_register_command("query-kvm", qmp_query_kvm, NULL, 0);
    kvm_stats_register_qmp();
}
