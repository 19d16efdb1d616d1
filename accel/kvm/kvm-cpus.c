/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vCPU threads of the KVM accelerator and their run loop.
 *
 * One thread per vCPU.  It holds the BQL except inside KVM_RUN, so device
 * emulation (PIO and MMIO exits, dispatched through address_space_io and
 * address_space_memory) is serialised with the main loop, and the lock is
 * never held while guest code runs.  The main thread controls the vCPUs
 * through request flags under the BQL plus a kick (a signal whose
 * handler sets kvm_run.immediate_exit, so a kick that lands just before
 * KVM_RUN is not lost): pause waits, releasing the BQL, until every vCPU
 * is parked; that wait is bounded by the kernel returning from KVM_RUN,
 * never by guest behaviour.
 *
 * Guest-initiated events that change the whole VM (internal error,
 * triple fault) park the faulting vCPU and hand the rest to the main loop
 * through an idle callback: a vCPU never pauses the others itself.
 */
#include "qemu/osdep.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "exec/address-spaces.h"
#include "monitor/qmp.h"
#include "qom/object.h"
#include "qom/object-props.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"
#include "kvm-internal.h"

#define SIG_KICK SIGUSR1

TRACE_EVENT(kvm_exit_pio);
TRACE_EVENT(kvm_exit_mmio);
TRACE_EVENT(kvm_exit_hlt);

struct KVMCPU {
    KVMState *s;
    unsigned index;
    int fd;
    struct kvm_run *run;
    GThread *thread;
    pthread_t tid;              /* valid once has_tid (BQL) */
    bool has_tid;
    pid_t linux_tid;            /* gettid() of the thread (BQL, has_tid) */
    KVMX86Boot *boot;
    KVMStatsFile *stats;        /* KVM_GET_STATS_FD, or NULL */
    Object *obj;                /* TYPE_KVM_VCPU in /machine/unattached */
    GCond cond;                 /* wakes a parked vCPU */
    /* BQL: */
    bool stop;                  /* main thread asks it to park */
    bool halted;                /* HLT exit (no in-kernel irqchip) */
    bool failed;                /* stopped by an error until reset */
    bool quit;                  /* end the thread */
    bool parked;                /* waiting on cond, not in KVM_RUN */
};

static __thread struct kvm_run *kick_run;

static void kick_handler(int sig)
{
    if (kick_run) {
        kick_run->immediate_exit = 1;
    }
}

static void kvm_cpu_kick(KVMCPU *cpu)
{
    g_cond_signal(&cpu->cond);
    if (cpu->has_tid) {
        pthread_kill(cpu->tid, SIG_KICK);
    }
}

/* --- Exits --- */

static void handle_io(KVMCPU *cpu)
{
    struct kvm_run *run = cpu->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

    trace(kvm_exit_pio, "vcpu %u %s port 0x%x size %u count %u",
          cpu->index, is_write ? "out" : "in", run->io.port, run->io.size,
          run->io.count);
    for (uint32_t i = 0; i < run->io.count; i++) {
        address_space_rw(&address_space_io, run->io.port,
                         MEMTXATTRS_UNSPECIFIED, data, run->io.size,
                         is_write);
        data += run->io.size;
    }
}

static void handle_mmio(KVMCPU *cpu)
{
    struct kvm_run *run = cpu->run;

    trace(kvm_exit_mmio, "vcpu %u %s gpa 0x%llx len %u", cpu->index,
          run->mmio.is_write ? "write" : "read",
          (unsigned long long)run->mmio.phys_addr, run->mmio.len);
    /* Unassigned bytes read as 0 and writes to them are dropped. */
    address_space_rw(&address_space_memory, run->mmio.phys_addr,
                     MEMTXATTRS_UNSPECIFIED, run->mmio.data, run->mmio.len,
                     run->mmio.is_write);
}

static gboolean stop_on_error(gpointer opaque)
{
    vm_stop_reason(RUN_STATE_INTERNAL_ERROR);
    return G_SOURCE_REMOVE;
}

static gboolean guest_reset(gpointer opaque)
{
    qemu_system_guest_reset_request();
    return G_SOURCE_REMOVE;
}

static const char *internal_error_name(uint32_t suberror)
{
    switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION:
        return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX:
        return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
        return "event delivery failed";
    default:
        return "unknown suberror";
    }
}

/* Report an error exit, park this vCPU and stop the VM from main. */
static void handle_error(KVMCPU *cpu, const char *what)
{
    struct kvm_run *run = cpu->run;
    uint64_t rip = kvm_x86_get_rip(cpu->fd);

    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
        g_autoptr(GString) extra = g_string_new("");

        for (uint32_t i = 0; i < MIN(run->internal.ndata, 16u); i++) {
            g_string_append_printf(extra, " 0x%" PRIx64,
                                   (uint64_t)run->internal.data[i]);
        }
        error_report("KVM internal error on vCPU %u: suberror %u (%s) at "
                     "RIP=0x%" PRIx64 "; data:%s", cpu->index,
                     run->internal.suberror,
                     internal_error_name(run->internal.suberror), rip,
                     extra->str);
    } else {
        error_report("KVM error on vCPU %u: %s at RIP=0x%" PRIx64,
                     cpu->index, what, rip);
    }
    cpu->failed = true;
    g_idle_add(stop_on_error, NULL);
}

static void handle_exit(KVMCPU *cpu)
{
    struct kvm_run *run = cpu->run;
    g_autofree char *what = NULL;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(cpu);
        break;
    case KVM_EXIT_MMIO:
        handle_mmio(cpu);
        break;
    case KVM_EXIT_HLT:
        /*
         * Only without the in-kernel irqchip (kernel-irqchip=off), where
         * no interrupt can be injected: the vCPU sleeps until a reset or
         * a resume after stop (which then continues after the HLT).
         */
        trace(kvm_exit_hlt, "vcpu %u rip 0x%" PRIx64, cpu->index,
              kvm_x86_get_rip(cpu->fd));
        cpu->halted = true;
        break;
    case KVM_EXIT_SHUTDOWN:
        /* A triple fault: reset, as a PC does (or end with -no-reboot). */
        cpu->failed = true;
        g_idle_add(guest_reset, NULL);
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        cpu->failed = true;
        g_idle_add(guest_reset, NULL);
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        break;
    case KVM_EXIT_FAIL_ENTRY:
        what = g_strdup_printf("VM entry failed, hardware reason 0x%llx",
                               (unsigned long long)
                               run->fail_entry.hardware_entry_failure_reason);
        handle_error(cpu, what);
        break;
    default:
        what = g_strdup_printf("unhandled exit reason %u", run->exit_reason);
        handle_error(cpu, what);
        break;
    }
}

/* --- The thread --- */

static bool must_park(KVMCPU *cpu)
{
    return !cpu->quit && (cpu->stop || cpu->halted || cpu->failed);
}

static gpointer kvm_cpu_thread(gpointer opaque)
{
    KVMCPU *cpu = opaque;

    kick_run = cpu->run;
    bql_lock();
    cpu->tid = pthread_self();
    cpu->linux_tid = syscall(SYS_gettid);
    cpu->has_tid = true;
    while (!cpu->quit) {
        int ret, err;

        while (must_park(cpu)) {
            cpu->parked = true;
            g_cond_broadcast(&cpu->s->parked_cond);
            bql_cond_wait(&cpu->cond);
        }
        cpu->parked = false;
        if (cpu->quit) {
            break;
        }
        cpu->run->immediate_exit = 0;
        bql_unlock();
        ret = ioctl(cpu->fd, KVM_RUN, 0);
        err = errno;
        bql_lock();
        if (ret < 0) {
            if (err != EINTR && err != EAGAIN) {
                g_autofree char *what = g_strdup_printf("KVM_RUN: %s",
                                                        strerror(err));
                cpu->run->exit_reason = KVM_EXIT_UNKNOWN;
                handle_error(cpu, what);
            }
            continue;
        }
        handle_exit(cpu);
    }
    cpu->parked = true;
    g_cond_broadcast(&cpu->s->parked_cond);
    bql_unlock();
    return NULL;
}

/* --- Control from the main thread (BQL held) --- */

KVMStatsFile *kvm_cpu_stats(KVMCPU *cpu)
{
    return cpu->stats;
}

static KVMCPU *kvm_cpu_new(KVMState *s, unsigned index, GError **errp)
{
    KVMCPU *cpu = g_new0(KVMCPU, 1);
    int fd = kvm_vm_ioctl(s, KVM_CREATE_VCPU, (void *)(uintptr_t)index);

    cpu->s = s;
    cpu->index = index;
    cpu->fd = fd;
    cpu->stop = true;
    g_cond_init(&cpu->cond);
    if (fd < 0) {
        error_setg(errp, "KVM_CREATE_VCPU %u: %s", index, strerror(-fd));
        return cpu;
    }
    cpu->run = mmap(NULL, s->vcpu_mmap_size, PROT_READ | PROT_WRITE,
                    MAP_SHARED, fd, 0);
    if (cpu->run == MAP_FAILED) {
        cpu->run = NULL;
        error_setg(errp, "mmap of vCPU %u's kvm_run: %s", index,
                   strerror(errno));
        return cpu;
    }
    cpu->boot = kvm_x86_capture(s, fd, index, errp);
    cpu->stats = kvm_stats_open(fd);
    return cpu;
}

int kvm_cpu_get_fd(KVMCPU *cpu)
{
    return cpu->fd;
}

static void kvm_cpu_free(KVMCPU *cpu)
{
    if (cpu->run) {
        munmap(cpu->run, cpu->s->vcpu_mmap_size);
    }
    if (cpu->obj) {
        object_unparent(cpu->obj);
    }
    if (cpu->fd >= 0) {
        close(cpu->fd);
    }
    kvm_x86_boot_free(cpu->boot);
    kvm_stats_close(cpu->stats);
    g_cond_clear(&cpu->cond);
    g_free(cpu);
}

/*
 * The QOM face of a vCPU, so that query-cpus-fast's "qom-path" resolves:
 * read-only ids only.  It has no "feature-words" property, which libvirt
 * takes as "no guest CPUID to read" (docs/devel/qmp.md).
 */
typedef struct KVMVCPUObject {
    Object parent_obj;
    uint32_t apic_id;
    uint32_t socket_id;
    uint32_t core_id;
    uint32_t thread_id;
} KVMVCPUObject;

static void kvm_vcpu_object_init(Object *obj)
{
    KVMVCPUObject *o = (KVMVCPUObject *)obj;

    object_property_add_uint32_ptr(obj, "apic-id", &o->apic_id,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "socket-id", &o->socket_id,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "core-id", &o->core_id,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "thread-id", &o->thread_id,
                                   OBJ_PROP_FLAG_READ);
}

static const TypeInfo kvm_vcpu_type = {
    .name = TYPE_KVM_VCPU,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(KVMVCPUObject),
    .instance_init = kvm_vcpu_object_init,
};

void kvm_vcpu_register_types(void)
{
    if (!object_class_by_name(TYPE_KVM_VCPU)) {
        type_register_static(&kvm_vcpu_type);
    }
}

/*
 * Put vCPU @cpu into /machine/unattached as the first free "device[N]",
 * QEMU's naming for unattached devices (vCPU 0 is device[0] there too,
 * where libvirt looks first).  Every vCPU is its own socket (the flat
 * -smp topology of vl.c) and its APIC id is its index (kvm-x86.c).
 */
static void kvm_cpu_add_object(KVMCPU *cpu)
{
    Object *parent = container_get(object_get_root(), "/machine/unattached");
    KVMVCPUObject *o = (KVMVCPUObject *)object_new(TYPE_KVM_VCPU);

    o->apic_id = cpu->index;
    o->socket_id = cpu->index;
    object_property_add_child(parent, "device[*]", OBJECT(o));
    cpu->obj = OBJECT(o);
    object_unref(o);        /* the tree holds it */
}

/*
 * query-cpus-fast: one entry per vCPU, laid out as QEMU does for x86;
 * "qom-path" is the vCPU's object (kvm_cpu_add_object).  Main thread,
 * BQL held.
 */
static JsonArray *kvm_query_cpus_fast(void)
{
    KVMState *s = kvm_state;
    JsonArray *list = json_array_new();

    for (unsigned i = 0; s && i < s->nr_cpus; i++) {
        KVMCPU *cpu = s->cpus[i];
        JsonObject *e = json_object_new();
        JsonObject *props = json_object_new();
        g_autofree char *path = object_get_canonical_path(cpu->obj);

        json_object_set_int_member(props, "core-id", 0);
        json_object_set_int_member(props, "thread-id", 0);
        json_object_set_int_member(props, "socket-id", cpu->index);
        json_object_set_int_member(e, "thread-id",
                                   cpu->has_tid ? cpu->linux_tid : 0);
        json_object_set_object_member(e, "props", props);
        json_object_set_string_member(e, "qom-path", path);
        json_object_set_int_member(e, "cpu-index", cpu->index);
        json_object_set_string_member(e, "target", "x86_64");
        json_array_add_object_element(list, e);
    }
    return list;
}

static void install_kick_handler(void)
{
    struct sigaction sa = { .sa_handler = kick_handler };

    sigemptyset(&sa.sa_mask);
    sigaction(SIG_KICK, &sa, NULL);   /* no SA_RESTART: KVM_RUN -> EINTR */
}

bool kvm_cpus_create(KVMState *s, unsigned n, GError **errp)
{
    install_kick_handler();
    s->cpus = g_new0(KVMCPU *, n);
    for (unsigned i = 0; i < n; i++) {
        KVMCPU *cpu = kvm_cpu_new(s, i, errp);

        s->cpus[s->nr_cpus++] = cpu;
        if (!cpu->boot || !kvm_x86_reset(cpu->fd, cpu->boot, errp)) {
            return false;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        KVMCPU *cpu = s->cpus[i];
        g_autofree char *name = g_strdup_printf("CPU %u/KVM", i);

        cpu->thread = g_thread_new(name, kvm_cpu_thread, cpu);
    }
    /* Each thread records its id before it first parks. */
    kvm_cpus_pause();
    for (unsigned i = 0; i < n; i++) {
        kvm_cpu_add_object(s->cpus[i]);
    }
    qmp_set_cpus_fast_provider(kvm_query_cpus_fast);
    return true;
}

static bool all_parked(KVMState *s)
{
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        if (!s->cpus[i]->parked) {
            return false;
        }
    }
    return true;
}

void kvm_cpus_pause(void)
{
    KVMState *s = kvm_state;

    g_assert(bql_locked() && !kick_run);
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        s->cpus[i]->stop = true;
        kvm_cpu_kick(s->cpus[i]);
    }
    while (!all_parked(s)) {
        bql_cond_wait(&s->parked_cond);
    }
}

void kvm_cpus_resume(void)
{
    KVMState *s = kvm_state;

    for (unsigned i = 0; i < s->nr_cpus; i++) {
        s->cpus[i]->stop = false;
        s->cpus[i]->halted = false;
        g_cond_signal(&s->cpus[i]->cond);
    }
}

void kvm_cpus_reset(void)
{
    KVMState *s = kvm_state;

    for (unsigned i = 0; i < s->nr_cpus; i++) {
        KVMCPU *cpu = s->cpus[i];
        g_autoptr(GError) err = NULL;

        g_assert(cpu->parked);
        if (!kvm_x86_reset(cpu->fd, cpu->boot, &err)) {
            error_report("kvm: reset of vCPU %u: %s", i, err->message);
            continue;
        }
        cpu->failed = false;
        cpu->halted = false;
    }
}

void kvm_cpus_destroy(void)
{
    KVMState *s = kvm_state;

    qmp_set_cpus_fast_provider(NULL);
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        s->cpus[i]->quit = true;
        kvm_cpu_kick(s->cpus[i]);
    }
    bql_unlock();
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        if (s->cpus[i]->thread) {
            g_thread_join(s->cpus[i]->thread);
        }
    }
    bql_lock();
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        kvm_cpu_free(s->cpus[i]);
    }
    g_clear_pointer(&s->cpus, g_free);
    s->nr_cpus = 0;
}
