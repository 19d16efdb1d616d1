/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up of the machine side, after vl.c parsed the command line and
 * created chardevs and monitors: the accelerator, the machine and its
 * RAM, -device, the first reset, and the qtest server.  Every failure is
 * reported like QEMU ("-device foo: 'foo' is not a valid device model
 * name") and ends the process with status 1.  Runs once.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/option.h"
#include "sysemu/hostmem.h"
#include "sysemu/qtest.h"
#include "sysemu/sysemu.h"
#include "hw/boards.h"
#include "hw/i386/pc.h"
#include "hw/misc/edu.h"
#include "hw/qdev-core.h"
#include "hw/virtio/virtio-mem-pci.h"
#include "hw/vfio/vfio-container.h"
#include "exec/address-spaces.h"
#include "vl-numa.h"
#include "chardev/char.h"
#include "hw/char/debugcon.h"
#include "hw/char/serial.h"
#include "vl-serial.h"
#include "hw/i386/pvh.h"
#include "hw/i386/linux-boot.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"

static G_NORETURN void machine_fail(const char *loc, GError *err)
{
    if (loc) {
        error_report("%s: %s", loc, err->message);
    } else {
        error_report("%s", err->message);
    }
    g_error_free(err);
    qemu_cleanup();
    exit(1);
}

/* "-device DRIVER,k=v,..." as the user (probably) typed it. */
static char *device_loc(QemuOpts *opts)
{
    GString *s = g_string_new("-device ");
    const char *driver = qemu_opt_get(opts, "driver");
    bool first = true;

    if (driver) {
        g_string_append(s, driver);
        first = false;
    }
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (!strcmp(o->name, "driver")) {
            continue;
        }
        g_string_append_printf(s, "%s%s=%s", first ? "" : ",", o->name,
                               o->value);
        first = false;
    }
    if (opts->help) {
        g_string_append(s, first ? "help" : ",help");
    }
    return g_string_free(s, false);
}

/* -device help / -device TYPE,help print and exit before anything runs. */
static void device_help_and_exit(void)
{
    GPtrArray *devs = sysemu_config.devices;

    for (guint i = 0; devs && i < devs->len; i++) {
        QemuOpts *opts = g_ptr_array_index(devs, i);
        const char *driver = qemu_opt_get(opts, "driver");
        GError *err = NULL;

        if (driver && is_help_option(driver)) {
            qdev_device_help(NULL, NULL);
            exit(0);
        }
        if (qemu_opts_has_help(opts)) {
            if (!qdev_device_help(driver, &err)) {
                g_autofree char *loc = device_loc(opts);

                /* QEMU 7.2 says so and still exits with status 0 */
                error_report("%s: Device '%s' not found", loc,
                             driver ? driver : "");
                g_error_free(err);
            }
            exit(0);
        }
    }
}

static void create_devices(void)
{
    GPtrArray *devs = sysemu_config.devices;

    for (guint i = 0; devs && i < devs->len; i++) {
        QemuOpts *opts = g_ptr_array_index(devs, i);
        GError *err = NULL;

        if (!qdev_device_add(opts, &err)) {
            g_autofree char *loc = device_loc(opts);

            machine_fail(loc, err);
        }
    }
}

/*
 * -machine memory-backend=ID: guest RAM is the backend's region.  Without
 * -m the machine takes the backend's size, as QEMU does.
 */
static void use_memory_backend(MachineState *ms)
{
    HostMemoryBackend *backend;
    GError *err = NULL;

    if (!ms->ram_memdev_id) {
        return;
    }
    backend = host_memory_backend_find(ms->ram_memdev_id, &err);
    if (!backend) {
        /* QEMU 7.2 prints this one without the program name */
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        qemu_cleanup();
        exit(1);
    }
    if (!host_memory_backend_claim(backend, &err)) {
        machine_fail(NULL, err);
    }
    if (!sysemu_config.ram_size_given) {
        ms->ram_size = ms->maxram_size =
            memory_region_size(host_memory_backend_get_memory(backend));
    }
    if (!machine_set_ram_region(ms, host_memory_backend_get_memory(backend),
                                &err)) {
        machine_fail(NULL, err);
    }
}

/* The ordered -accel list; exits if none can be initialised. */
static void select_accel(void)
{
    GPtrArray *list = sysemu_config.accel_list;
    GError *err = NULL;

    if (!accel_select((const char *const *)list->pdata, list->len,
                      sysemu_config.accel_loc, &err)) {
        machine_fail(list->len == 1 ? sysemu_config.accel_loc : NULL, err);
    }
    sysemu_config.accel = accel_current()->name;
}

/* -debugcon file:PATH | stdio | chardev:ID as an isa-debugcon device. */
static void create_debugcon(void)
{
    const char *spec = sysemu_config.debugcon;
    g_autofree char *loc = NULL;
    DeviceState *dev;
    GError *err = NULL;
    bool ok = true;

    if (!spec) {
        return;
    }
    loc = g_strdup_printf("-debugcon %s", spec);
    dev = qdev_new(TYPE_ISA_DEBUGCON_DEVICE);
    if (g_str_has_prefix(spec, "file:")) {
        ok = object_property_set_str(OBJECT(dev), "x-file", spec + 5, &err);
    } else if (g_str_has_prefix(spec, "chardev:")) {
        ok = object_property_set_str(OBJECT(dev), "chardev", spec + 8, &err);
    } else if (!strcmp(spec, "stdio")) {
        ChardevOptions co = { .id = "debugcon", .backend = "stdio" };

        ok = qemu_chr_new(&co, &err) &&
             object_property_set_str(OBJECT(dev), "chardev", "debugcon",
                                     &err);
    } else {
        error_setg(&err, "'%s' is not a supported debugcon backend "
                   "(file:PATH, stdio or chardev:ID)", spec);
        ok = false;
    }
    if (ok) {
        object_property_add_child(container_get(object_get_root(),
                                                "/machine/unattached"),
                                  "debugcon", OBJECT(dev));
        ok = qdev_realize(dev, NULL, &err);
    }
    object_unref(OBJECT(dev));
    if (!ok) {
        machine_fail(loc, err);
    }
}

/* -kernel: refused where no guest code runs, else loaded (PVH). */
static void load_kernel(MachineState *ms)
{
    GError *err = NULL;

    if (!sysemu_config.kernel) {
        return;
    }
    if (!accel_current()->runs_guest_code) {
        if (!sysemu_config.accel_list->len) {
            error_setg(&err, "-kernel needs an accelerator that runs guest "
                       "code: add -accel kvm (without -accel there is "
                       "none)");
        } else {
            error_setg(&err, "-kernel needs an accelerator that runs guest "
                       "code (-accel kvm); '%s' runs none",
                       accel_current()->name);
        }
        machine_fail(NULL, err);
    }
    if (!x86_load_kernel(ms, MAX(sysemu_config.smp_cpus, 1),
                         sysemu_config.kernel,
                         sysemu_config.kernel_cmdline, sysemu_config.initrd,
                         &err)) {
        machine_fail(NULL, err);
    }
}

void qemu_machine_init(void)
{
    MachineConfig config = {
        .ram_size = sysemu_config.ram_size,
        .maxram_size = sysemu_config.maxram_size,
        .ram_slots = sysemu_config.ram_slots,
        .ram_size_given = sysemu_config.ram_size_given,
        .memory_backend = sysemu_config.machine_memory_backend,
        /* .accel once select_accel() has chosen one */
    };
    MachineState *ms;
    GError *err = NULL;

    machine_register_types();
    pc_q35_register_types();
    edu_register_types();
    virtio_mem_pci_register_types();
    machine_register_qmp_commands();
    qdev_register_qmp_commands();
    debugcon_register_types();
    serial_register_types();
    kvm_vcpu_register_types();
    device_help_and_exit();
    if (!qdev_globals_check(&err)) {
        machine_fail("-global", err);
    }
    select_accel();
    config.accel = sysemu_config.accel;
    ms = machine_create(sysemu_config.machine_type, &config, &err);
    if (!ms) {
        machine_fail(NULL, err);
    }
    vl_numa_setup_ram(ms);
    use_memory_backend(ms);
    if (!machine_init_board(ms, &err)) {
        machine_fail(NULL, err);
    }
    platform_connect_reset(ms);
    create_devices();
    /*
     * Pinning consumers (x-dma-pin, vfio containers) follow system memory
     * from here on; after the devices, so that a discard-managed region
     * whose worst case exceeds a container's mapping limit stops start-up.
     */
    if (!vfio_containers_attach_all(&address_space_memory, &err)) {
        machine_fail(NULL, err);
    }
    create_debugcon();
    if (!serial_cli_create(ms, &err)) {
        machine_fail("-serial", err);
    }
    load_kernel(ms);
    if (!accel_machine_done(ms, &err)) {
        machine_fail(NULL, err);
    }
    machine_reset(ms);
    accel_reset_vcpus();
    if (runstate_is_running()) {
        accel_resume_vcpus();
    }
    if (sysemu_config.qtest_chrdev &&
        !qtest_server_init(sysemu_config.qtest_chrdev,
                           sysemu_config.qtest_log, &err)) {
        machine_fail("-qtest", err);
    }
}
