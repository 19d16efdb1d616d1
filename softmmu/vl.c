/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line: QEMU's options, parsed once at start-up into
 * sysemu_config (sysemu/sysemu.h), then the chardevs and QMP monitors
 * they ask for are created.  Every error names the option as the user
 * typed it ("-m 1G,bar=1: Invalid parameter 'bar'") and exits with
 * status 1, as QEMU does.
 *
 * Two passes: the first only collects (so that later options may refer
 * to earlier or later ones, e.g. -mon chardev=ID), the second validates
 * and creates, in QEMU's order: memory sizes, chardevs, monitors.
 * Backends, the machine and devices are created by their rooms from
 * sysemu_config.objects / .devices.
 */
#include "qemu/osdep.h"
#include <signal.h>
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/option.h"
#include "chardev/char.h"
#include "monitor/qmp.h"
#include "sysemu/qtest.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "vl-internal.h"
#include "vl-objects.h"
#include "vl-mgmt.h"
#include "hw/vfio/vfio-container.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "migration/migration.h"
#include "vl-serial.h"

SysemuConfig sysemu_config;

typedef enum {
    OPT_MACHINE, OPT_ACCEL, OPT_MEMORY, OPT_OBJECT, OPT_DEVICE, OPT_QMP,
    OPT_CHARDEV, OPT_MON, OPT_QTEST, OPT_QTEST_LOG, OPT_DISPLAY,
    OPT_NOGRAPHIC, OPT_NODEFAULTS, OPT_PAUSED, OPT_NAME, OPT_VERSION,
    OPT_HELP, OPT_LOG, OPT_LOGFILE, OPT_TRACE,
    /* vCPUs and boot (accel/kvm, hw/i386/pvh.c, hw/char/debugcon.c) */
    OPT_ENABLE_KVM, OPT_SMP, OPT_KERNEL, OPT_APPEND, OPT_INITRD,
    OPT_DEBUGCON, OPT_NO_REBOOT,
    /* migration/ */
    OPT_INCOMING,
    OPT_SERIAL,     /* softmmu/vl-serial.c */
} OptIndex;

typedef struct OptDef {
    const char *name;
    OptIndex index;
    bool has_arg;
    const char *help;       /* NULL: not listed by -help (an alias) */
} OptDef;

static const OptDef opt_defs[] = {
    { "machine", OPT_MACHINE, true,
      "-machine TYPE[,accel=kvm|qtest[:...]][,memory-backend=ID]" },
    { "M", OPT_MACHINE, true, NULL },
    { "accel", OPT_ACCEL, true,
      "-accel kvm[,kernel-irqchip=on|off]|qtest   "
      "(repeat for a fallback list)" },
    { "enable-kvm", OPT_ENABLE_KVM, false, "-enable-kvm" },
    { "smp", OPT_SMP, true, "-smp [cpus=]N[,sockets=N][,cores=1][,threads=1][,maxcpus=N]" },
    { "kernel", OPT_KERNEL, true, "-kernel FILE   (ELF with a PVH note)" },
    { "append", OPT_APPEND, true, "-append CMDLINE" },
    { "initrd", OPT_INITRD, true, "-initrd FILE" },
    { "debugcon", OPT_DEBUGCON, true,
      "-debugcon file:PATH|stdio|chardev:ID" },
    { "no-reboot", OPT_NO_REBOOT, false, "-no-reboot" },
    { "serial", OPT_SERIAL, true,
      "-serial stdio|null|none|file:PATH|chardev:ID|"
      "unix:PATH[,server=on|off][,wait=on|off]" },
    { "m", OPT_MEMORY, true, "-m [size=]SIZE[,slots=N][,maxmem=SIZE]" },
    { "object", OPT_OBJECT, true, "-object TYPE,id=ID[,PROP=VALUE...]" },
    { "device", OPT_DEVICE, true, "-device DRIVER[,PROP=VALUE...]" },
    { "qmp", OPT_QMP, true,
      "-qmp unix:PATH[,server=on|off][,wait=on|off] | stdio" },
    { "chardev", OPT_CHARDEV, true,
      "-chardev socket,id=ID,path=PATH[,server=on|off][,wait=on|off]"
      "[,reconnect=SECONDS]\n-chardev stdio,id=ID" },
    { "mon", OPT_MON, true, "-mon chardev=ID,mode=control" },
    { "qtest", OPT_QTEST, true, "-qtest CHARDEV | unix:PATH" },
    { "qtest-log", OPT_QTEST_LOG, true, "-qtest-log FILE" },
    { "display", OPT_DISPLAY, true, "-display none" },
    { "nographic", OPT_NOGRAPHIC, false, "-nographic" },
    { "nodefaults", OPT_NODEFAULTS, false, "-nodefaults" },
    { "S", OPT_PAUSED, false, "-S" },
    { "name", OPT_NAME, true, "-name NAME" },
    { "d", OPT_LOG, true, "-d ITEM1[,...]   (-d help lists them)" },
    { "D", OPT_LOGFILE, true, "-D LOGFILE" },
    { "trace", OPT_TRACE, true,
      "-trace [enable=]PATTERN[,events=FILE][,file=FILE]" },
    { "incoming", OPT_INCOMING, true, "-incoming URI | defer" },
    { "version", OPT_VERSION, false, "-version" },
    { "h", OPT_HELP, false, NULL },
    { "help", OPT_HELP, false, "-h, -help" },
};

typedef struct MachineDef {
    const char *name;
    const char *alias_of;
    const char *desc;
} MachineDef;

static const MachineDef machine_defs[] = {
    { "q35", NULL, "Standard PC (Q35 + ICH9, 2009) (default)" },
    { "pc", "q35", "Standard PC (alias of q35)" },
    /* QEMU 7.2's versioned name, which libvirt passes */
    { "pc-q35-7.2", "q35", "Standard PC (Q35 + ICH9, 2009), QEMU 7.2" },
    { "none", NULL, "empty machine" },
};

/* An option occurrence: its text for messages and its parsed form. */
typedef struct OptUse {
    char *loc;          /* "-m 1G,maxmem=2G" */
    QemuOpts *opts;
} OptUse;

/* Collected by the first pass; freed by qemu_init() before it returns. */
typedef struct VlParse {
    GPtrArray *chardevs;    /* of OptUse */
    GPtrArray *mons;
    GPtrArray *qmps;
    OptUse *memory;         /* all -m merged; loc of the last */
    OptUse *machine;        /* all -machine merged */
    GPtrArray *accels;      /* -accel and -enable-kvm, in order */
    char *accel_loc;        /* the first of them */
} VlParse;

G_NORETURN void vl_fail(const char *loc, const char *fmt, ...)
{
    char *msg;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (loc) {
        error_report("%s: %s", loc, msg);
    } else {
        error_report("%s", msg);
    }
    g_free(msg);        /* exit() runs no cleanup attributes */
    qemu_cleanup();     /* remove socket files created so far */
    exit(1);
}

static G_NORETURN void vl_fail_err(const char *loc, GError *err)
{
    vl_fail(loc, "%s", err->message);
}

/* -serial SPEC (softmmu/vl-serial.c). */
static void parse_serial(const char *loc, const char *arg)
{
    GError *err = NULL;

    if (!serial_cli_parse(arg, &err)) {
        vl_fail_err(loc, err);
    }
}

static void opt_use_free(gpointer p)
{
    OptUse *use = p;

    g_free(use->loc);
    qemu_opts_free(use->opts);
    g_free(use);
}

static QemuOpts *parse_or_die(const char *loc, const char *arg,
                              const char *implied,
                              const char *const *allowed)
{
    g_autoptr(GError) err = NULL;
    QemuOpts *opts = qemu_opts_parse(arg, implied, &err);

    if (!opts || (allowed && !qemu_opts_validate(opts, allowed, &err))) {
        vl_fail_err(loc, err);
    }
    return opts;
}

static OptUse *opt_use_new(const char *loc, QemuOpts *opts)
{
    OptUse *use = g_new0(OptUse, 1);

    use->loc = g_strdup(loc);
    use->opts = opts;
    return use;
}

/* Merge repeated options (-m, -machine): later keys win. */
static void opt_use_merge(OptUse **dst, const char *loc, QemuOpts *opts)
{
    if (!*dst) {
        *dst = opt_use_new(loc, opts);
        return;
    }
    g_free((*dst)->loc);
    (*dst)->loc = g_strdup(loc);
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *o = g_ptr_array_index(opts->opts, i);
        QemuOpt *copy = g_new0(QemuOpt, 1);

        copy->name = g_strdup(o->name);
        copy->value = g_strdup(o->value);
        g_ptr_array_add((*dst)->opts->opts, copy);
    }
    (*dst)->opts->help |= opts->help;
    qemu_opts_free(opts);
}

static void print_help(void)
{
    printf("usage: qemu-system-x86_64 [options]\n\nOptions:\n");
    for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++) {
        if (opt_defs[i].help) {
            printf("%s\n", opt_defs[i].help);
        }
    }
    vl_mgmt_print_help();
}

/*
 * query-command-line-options lists every option that takes an argument,
 * from opt_defs (aliases and flags are not QEMU option groups).  -m is
 * QEMU's "memory" group.
 */
static void register_cmdline_options(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++) {
        if (opt_defs[i].has_arg && opt_defs[i].help) {
            qmp_cmdline_option_add(opt_defs[i].index == OPT_MEMORY ?
                                   "memory" : opt_defs[i].name, NULL);
        }
    }
}

static void print_machines(void)
{
    printf("Supported machines are:\n");
    for (size_t i = 0; i < ARRAY_SIZE(machine_defs); i++) {
        printf("%-20s %s\n", machine_defs[i].name, machine_defs[i].desc);
    }
}

static void print_version(void)
{
    printf("QEMU emulator version %s (qemu-elastic)\n", QEMU_VERSION);
}

static void add_accel(VlParse *vp, const char *loc, const char *name)
{
    if (!accel_name_valid(name)) {
        vl_fail(loc, "invalid accelerator %s", name);
    }
    if (!vp->accel_loc) {
        vp->accel_loc = g_strdup(loc);
    }
    g_ptr_array_add(vp->accels, (gpointer)g_intern_string(name));
}

static void parse_accel(VlParse *vp, const char *loc, const char *arg)
{
    static const char *const keys[] = { "accel", "kernel-irqchip", NULL };
    g_autoptr(QemuOpts) opts = parse_or_die(loc, arg, "accel", keys);
    const char *name = qemu_opt_get(opts, "accel");
    const char *irqchip = qemu_opt_get(opts, "kernel-irqchip");

    add_accel(vp, loc, name ? name : "");
    if (!irqchip) {
        return;
    }
    if (strcmp(name, "kvm")) {
        vl_fail(loc, "Property '%s-accel.kernel-irqchip' not found", name);
    }
    if (!strcmp(irqchip, "on")) {
        sysemu_config.kvm_kernel_irqchip_off = false;
    } else if (!strcmp(irqchip, "off")) {
        sysemu_config.kvm_kernel_irqchip_off = true;
    } else {
        vl_fail(loc, "Parameter 'kernel-irqchip' does not accept value "
                "'%s' (on or off; split is not supported)", irqchip);
    }
}

/*
 * -smp [cpus=]N[,sockets=S][,dies=1][,clusters=1][,cores=1][,threads=1]
 * [,maxcpus=N].  vCPUs are presented flat, one per socket, and none can
 * be hot-plugged: topology keys are accepted only where they describe
 * exactly that (libvirt writes "-smp N,sockets=N,cores=1,threads=1"),
 * and refused otherwise rather than ignored.
 */
static void parse_smp(const char *loc, const char *arg)
{
    static const char *const keys[] = {
        "cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus",
        NULL
    };
    static const char *const per_socket[] = {
        "dies", "clusters", "cores", "threads", NULL
    };
    g_autoptr(QemuOpts) opts = parse_or_die(loc, arg, "cpus", keys);
    g_autoptr(GError) err = NULL;
    uint64_t n, sockets, maxcpus, one;

    if (!qemu_opt_get_number(opts, "sockets", 0, &sockets, &err) ||
        !qemu_opt_get_number(opts, "cpus", sockets ? sockets : 1, &n, &err) ||
        !qemu_opt_get_number(opts, "maxcpus", n, &maxcpus, &err)) {
        vl_fail_err(loc, err);
    }
    if (n == 0 || n > 4096) {
        vl_fail(loc, "Invalid SMP CPUs %" PRIu64, n);
    }
    for (const char *const *k = per_socket; *k; k++) {
        if (!qemu_opt_get_number(opts, *k, 1, &one, &err)) {
            vl_fail_err(loc, err);
        }
        if (one != 1) {
            vl_fail(loc, "%s=%" PRIu64 " is not supported: each vCPU is "
                    "its own socket (sockets=N,cores=1,threads=1)", *k, one);
        }
    }
    if (sockets && sockets != n) {
        vl_fail(loc, "sockets=%" PRIu64 " is not supported with %" PRIu64
                " CPUs: each vCPU is its own socket (sockets=%" PRIu64 ")",
                sockets, n, n);
    }
    if (maxcpus != n) {
        vl_fail(loc, "maxcpus=%" PRIu64 " is not supported: CPUs cannot be "
                "hot-plugged, so maxcpus must equal cpus (%" PRIu64 ")",
                maxcpus, n);
    }
    sysemu_config.smp_cpus = n;
}

static void parse_display(const char *loc, const char *arg)
{
    static const char *const keys[] = { "type", NULL };
    g_autoptr(QemuOpts) opts = parse_or_die(loc, arg, "type", keys);
    const char *type = qemu_opt_get(opts, "type");

    if (!type || strcmp(type, "none")) {
        vl_fail(loc, "Parameter 'type' does not accept value '%s'",
                type ? type : "");
    }
}

/* -d, -D and -trace: applied at once, so start-up itself can be traced. */
static void parse_log_option(OptIndex index, const char *loc,
                             const char *arg)
{
    g_autofree char *text = NULL;
    g_autofree char *unmatched = NULL;
    GError *err = NULL;
    bool ok;

    if (index == OPT_LOG && qemu_log_str_is_help(arg)) {
        text = strstr(arg, "trace:") ? trace_help_text()
                                     : qemu_log_help_text();
        fputs(text, stdout);
        exit(0);
    }
    if (index == OPT_TRACE && is_help_option(arg)) {
        text = trace_help_text();
        fputs(text, stdout);
        exit(0);
    }
    switch (index) {
    case OPT_LOG:
        ok = qemu_set_log_mask_str(arg, &err);
        break;
    case OPT_LOGFILE:
        ok = qemu_set_log_filename(arg, &err);
        break;
    default:
        ok = trace_opt_parse(arg, &unmatched, &err);
        break;
    }
    if (!ok) {
        vl_fail_err(loc, err);
    }
    if (unmatched) {
        warn_report("trace event '%s' does not exist", unmatched);
    }
}

static void parse_name(const char *loc, const char *arg)
{
    static const char *const keys[] = {
        "guest", "process", "debug-threads", NULL
    };
    g_autoptr(QemuOpts) opts = parse_or_die(loc, arg, "guest", keys);
    const char *guest = qemu_opt_get(opts, "guest");

    sysemu_config.name = guest ? g_intern_string(guest) : NULL;
    vl_mgmt_name_options(opts, loc);     /* process=, debug-threads= */
}

static const OptDef *find_opt(const char *arg)
{
    const char *name = arg + 1;

    if (name[0] == '-') {
        name++;         /* "--m" works like "-m" */
    }
    for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++) {
        if (!strcmp(opt_defs[i].name, name)) {
            return &opt_defs[i];
        }
    }
    return NULL;
}

/* -incoming: checked here, started by qemu_init() (migration/). */
static void parse_incoming(const char *loc, const char *arg)
{
    GError *err = NULL;

    if (strcmp(arg, "defer") && !migration_check_uri(arg, &err)) {
        vl_fail_err(loc, err);
    }
    sysemu_config.incoming = arg;
}

static void parse_one(VlParse *vp, const OptDef *def, const char *loc,
                      const char *arg)
{
    static const char *const machine_keys[] = {
        "type", "accel", "memory-backend",
        "usb", "dump-guest-core",   /* vl-mgmt.c */
        NULL
    };
    static const char *const memory_keys[] = {
        "size", "slots", "maxmem", NULL
    };

    switch (def->index) {
    case OPT_MACHINE:
        opt_use_merge(&vp->machine, loc,
                      parse_or_die(loc, arg, "type", machine_keys));
        break;
    case OPT_ACCEL:
        parse_accel(vp, loc, arg);
        break;
    case OPT_MEMORY:
        opt_use_merge(&vp->memory, loc,
                      parse_or_die(loc, arg, "size", memory_keys));
        break;
    case OPT_OBJECT:
        g_ptr_array_add(sysemu_config.objects,
                        parse_or_die(loc, arg, "qom-type", NULL));
        break;
    case OPT_DEVICE:
        g_ptr_array_add(sysemu_config.devices, arg[0] == '{' ?
                        vl_mgmt_parse_json_device(loc, arg) :
                        parse_or_die(loc, arg, "driver", NULL));
        break;
    case OPT_QMP:
        g_ptr_array_add(vp->qmps, opt_use_new(loc,
                        parse_or_die(loc, arg, "endpoint", NULL)));
        break;
    case OPT_CHARDEV:
        g_ptr_array_add(vp->chardevs, opt_use_new(loc,
                        parse_or_die(loc, arg, "backend", NULL)));
        break;
    case OPT_MON:
        g_ptr_array_add(vp->mons, opt_use_new(loc,
                        parse_or_die(loc, arg, "chardev", NULL)));
        break;
    case OPT_QTEST:
        sysemu_config.qtest_chrdev = arg;
        break;
    case OPT_QTEST_LOG:
        sysemu_config.qtest_log = arg;
        break;
    case OPT_DISPLAY:
        parse_display(loc, arg);
        break;
    case OPT_NOGRAPHIC:
    case OPT_NODEFAULTS:
        /* What every run does: no display and no default devices. */
        break;
    case OPT_PAUSED:
        sysemu_config.start_paused = true;
        break;
    case OPT_NAME:
        parse_name(loc, arg);
        break;
    case OPT_ENABLE_KVM:
        add_accel(vp, loc, "kvm");
        break;
    case OPT_SMP:
        parse_smp(loc, arg);
        break;
    case OPT_KERNEL:
        sysemu_config.kernel = arg;
        break;
    case OPT_APPEND:
        sysemu_config.kernel_cmdline = arg;
        break;
    case OPT_INITRD:
        sysemu_config.initrd = arg;
        break;
    case OPT_DEBUGCON:
        sysemu_config.debugcon = arg;
        break;
    case OPT_NO_REBOOT:
        sysemu_config.no_reboot = true;
        break;
    case OPT_SERIAL:
        parse_serial(loc, arg);
        break;
    case OPT_LOG:
    case OPT_LOGFILE:
    case OPT_TRACE:
        parse_log_option(def->index, loc, arg);
        break;
    case OPT_INCOMING:
        parse_incoming(loc, arg);
        break;
    case OPT_VERSION:
        print_version();
        exit(0);
    case OPT_HELP:
        print_help();
        exit(0);
    }
}

static void parse_argv(VlParse *vp, int argc, char **argv);

static void reparse_argv(int argc, char **argv, void *opaque)
{
    parse_argv(opaque, argc, argv);
}

static void parse_argv(VlParse *vp, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const OptDef *def;
        g_autofree char *loc = NULL;

        if (arg[0] != '-') {
            vl_fail(arg, "disk images are not supported");
        }
        def = find_opt(arg);
        if (!def) {
            int used = vl_mgmt_parse_option(argc, argv, i, reparse_argv,
                                            vp);

            if (used) {
                i += used - 1;
                continue;
            }
            vl_fail(arg, "invalid option");
        }
        if (def->has_arg && i + 1 >= argc) {
            vl_fail(arg, "requires an argument");
        }
        if (!def->has_arg) {
            parse_one(vp, def, arg, NULL);
            continue;
        }
        loc = g_strdup_printf("%s %s", arg, argv[i + 1]);
        parse_one(vp, def, loc, argv[++i]);
    }
}

/* --- second pass: validate and create --- */

static const MachineDef *find_machine(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(machine_defs); i++) {
        if (!strcmp(machine_defs[i].name, name)) {
            return &machine_defs[i];
        }
    }
    return NULL;
}

static void configure_machine(VlParse *vp)
{
    QemuOpts *opts = vp->machine ? vp->machine->opts : NULL;
    const char *type = opts ? qemu_opt_get(opts, "type") : NULL;
    const char *accel = opts ? qemu_opt_get(opts, "accel") : NULL;
    const MachineDef *m;

    if (opts && qemu_opts_has_help(opts)) {
        print_machines();
        exit(0);
    }
    m = find_machine(type ? type : "q35");
    if (!m) {
        vl_fail(NULL, "unsupported machine type\n"
                "Use -machine help to list supported machines");
    }
    vl_mgmt_configure_machine(opts, vp->machine ? vp->machine->loc : NULL);
    sysemu_config.machine_type = m->alias_of ? m->alias_of : m->name;
    if (opts && qemu_opt_get(opts, "memory-backend")) {
        sysemu_config.machine_memory_backend =
            g_intern_string(qemu_opt_get(opts, "memory-backend"));
    }
    if (vp->accels->len && accel) {
        vl_fail(NULL, "The -accel and \"-machine accel=\" options are "
                "incompatible");
    }
    if (accel) {
        g_auto(GStrv) names = g_strsplit(accel, ":", -1);

        for (int i = 0; names[i]; i++) {
            if (!accel_name_valid(names[i])) {
                vl_fail(NULL, "invalid accelerator %s", names[i]);
            }
            g_ptr_array_add(vp->accels,
                            (gpointer)g_intern_string(names[i]));
        }
    }
    sysemu_config.accel_list = g_ptr_array_ref(vp->accels);
    sysemu_config.accel_loc = vp->accel_loc ? g_intern_string(vp->accel_loc)
                                            : NULL;
}

/* -append/-initrd without -kernel, as QEMU refuses them. */
static void check_boot_options(void)
{
    if (!sysemu_config.kernel && sysemu_config.kernel_cmdline) {
        vl_fail(NULL, "-append only allowed with -kernel option");
    }
    if (!sysemu_config.kernel && sysemu_config.initrd) {
        vl_fail(NULL, "-initrd only allowed with -kernel option");
    }
}

static void configure_memory(VlParse *vp)
{
    QemuOpts *opts = vp->memory ? vp->memory->opts : NULL;
    const char *loc = vp->memory ? vp->memory->loc : NULL;
    g_autoptr(GError) err = NULL;
    uint64_t size = DEFAULT_RAM_SIZE, maxmem, slots;
    const char *str;
    int ret;

    if (!opts) {
        sysemu_config.ram_size = sysemu_config.maxram_size = size;
        return;
    }
    sysemu_config.ram_size_given = true;
    str = qemu_opt_get(opts, "size");
    ret = str ? qemu_strtosz_MiB(str, NULL, &size) : 0;
    if (ret == -ERANGE) {
        vl_fail(loc, "Value '%s' is out of range for parameter 'size'", str);
    }
    if (ret < 0) {
        qemu_opt_size_error("size", &err);
        vl_fail_err(loc, err);
    }
    if (size == 0) {
        /* As QEMU: "-m 0" means the default size. */
        if (!qemu_opt_has(opts, "maxmem") && !qemu_opt_has(opts, "slots")) {
            sysemu_config.ram_size_given = false;
        }
        size = DEFAULT_RAM_SIZE;
    }
    size = QEMU_ALIGN_UP(size, 8192);
    if (!qemu_opt_get_number(opts, "slots", 0, &slots, &err) ||
        !qemu_opt_get_size(opts, "maxmem", size, &maxmem, &err)) {
        vl_fail_err(loc, err);
    }
    if (qemu_opt_has(opts, "maxmem")) {
        if (maxmem < size) {
            vl_fail(NULL, "invalid value of maxmem: maximum memory size "
                    "(0x%" PRIx64 ") must be at least the initial memory "
                    "size (0x%" PRIx64 ")", maxmem, size);
        }
        if (slots && maxmem == size) {
            vl_fail(NULL, "invalid value of maxmem: memory slots were "
                    "specified but maximum memory size (0x%" PRIx64 ") is "
                    "equal to the initial memory size (0x%" PRIx64 ")",
                    maxmem, size);
        }
    } else if (slots) {
        vl_fail(NULL, "slots specified but no max-size");
    }
    sysemu_config.ram_size = size;
    sysemu_config.maxram_size = maxmem;
    sysemu_config.ram_slots = slots;
}

static bool get_bool_or_die(const OptUse *use, const char *key, bool def)
{
    g_autoptr(GError) err = NULL;
    bool value;

    if (!qemu_opt_get_bool(use->opts, key, def, &value, &err)) {
        vl_fail_err(use->loc, err);
    }
    return value;
}

static Chardev *chardev_from_opts(const OptUse *use, const char *id,
                                  const char *backend, const char *path)
{
    /* -chardev names backend, id and path; -qmp has them in "endpoint". */
    static const char *const chardev_keys[] = {
        "backend", "id", "path", "server", "wait", "reconnect", "signal",
        "fd", NULL
    };
    static const char *const qmp_keys[] = {
        "endpoint", "server", "wait", "reconnect", "signal", NULL
    };
    const char *const *keys = qemu_opt_has(use->opts, "endpoint") ?
                              qmp_keys : chardev_keys;
    g_autoptr(GError) err = NULL;
    ChardevOptions co = {
        .id = id, .backend = backend, .path = path,
    };
    uint64_t reconnect;
    Chardev *chr;

    if (!qemu_opts_validate(use->opts, keys, &err)) {
        vl_fail_err(use->loc, err);
    }
    if (backend && !strcmp(backend, "stdio") && vl_mgmt_daemonize()) {
        vl_fail(use->loc, "cannot use stdio with -daemonize");
    }
    co.server = get_bool_or_die(use, "server", false);
    co.wait = get_bool_or_die(use, "wait", true);
    get_bool_or_die(use, "signal", true);
    if (!qemu_opt_get_number(use->opts, "reconnect", 0, &reconnect, &err)) {
        vl_fail_err(use->loc, err);
    }
    co.reconnect = MIN(reconnect, UINT_MAX);
    if (qemu_opt_has(use->opts, "fd")) {
        uint64_t fd;

        if (!qemu_opt_get_number(use->opts, "fd", 0, &fd, &err)) {
            vl_fail_err(use->loc, err);
        }
        if (fd > INT_MAX) {
            vl_fail(use->loc, "Parameter 'fd' expects a file descriptor");
        }
        co.has_fd = true;
        co.fd = fd;
    }
    chr = qemu_chr_new(&co, &err);
    if (!chr) {
        vl_fail_err(use->loc, err);
    }
    return chr;
}

static void create_chardevs(VlParse *vp)
{
    for (guint i = 0; i < vp->chardevs->len; i++) {
        OptUse *use = g_ptr_array_index(vp->chardevs, i);

        chardev_from_opts(use, qemu_opt_get(use->opts, "id"),
                          qemu_opt_get(use->opts, "backend"),
                          qemu_opt_get(use->opts, "path"));
    }
}

static void create_mons(VlParse *vp)
{
    static const char *const keys[] = {
        "chardev", "mode", "pretty", "id", NULL
    };

    for (guint i = 0; i < vp->mons->len; i++) {
        OptUse *use = g_ptr_array_index(vp->mons, i);
        g_autoptr(GError) err = NULL;
        const char *id = qemu_opt_get(use->opts, "chardev");
        const char *mode = qemu_opt_get(use->opts, "mode");
        Chardev *chr;

        if (!qemu_opts_validate(use->opts, keys, &err)) {
            vl_fail_err(use->loc, err);
        }
        get_bool_or_die(use, "pretty", false);
        if (!id) {
            vl_fail(use->loc, "Parameter 'chardev' is missing");
        }
        chr = qemu_chr_find(id);
        if (!chr) {
            vl_fail(use->loc, "chardev \"%s\" not found", id);
        }
        if (!mode || strcmp(mode, "control")) {
            vl_fail(use->loc, "only mode=control (QMP) is supported, "
                    "not mode=%s", mode ? mode : "readline");
        }
        monitor_init_qmp(chr);
    }
}

static void create_qmps(VlParse *vp)
{
    for (guint i = 0; i < vp->qmps->len; i++) {
        OptUse *use = g_ptr_array_index(vp->qmps, i);
        const char *endpoint = qemu_opt_get(use->opts, "endpoint");
        g_autofree char *id = g_strdup_printf("compat_monitor%u", i);
        Chardev *chr;

        if (endpoint && !strcmp(endpoint, "stdio")) {
            chr = chardev_from_opts(use, id, "stdio", NULL);
        } else if (endpoint && g_str_has_prefix(endpoint, "unix:")) {
            chr = chardev_from_opts(use, id, "socket", endpoint + 5);
        } else {
            vl_fail(use->loc, "parse error: %s", endpoint ? endpoint : "");
        }
        monitor_init_qmp(chr);
    }
}

static bool qmp_query_name(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonObject *obj = json_object_new();

    if (sysemu_config.name) {
        json_object_set_string_member(obj, "name", sysemu_config.name);
    }
    *ret = qmp_node_take_object(obj);
    return true;
}

static void vl_parse_free(VlParse *vp)
{
    g_ptr_array_unref(vp->chardevs);
    g_ptr_array_unref(vp->mons);
    g_ptr_array_unref(vp->qmps);
    g_ptr_array_unref(vp->accels);
    g_free(vp->accel_loc);
    if (vp->memory) {
        opt_use_free(vp->memory);
    }
    if (vp->machine) {
        opt_use_free(vp->machine);
    }
}

/* -incoming: listen once the machine and its devices exist. */
static void start_incoming(void)
{
    GError *err = NULL;

    if (sysemu_config.incoming &&
        !migration_incoming_start(sysemu_config.incoming,
                                  !sysemu_config.start_paused, &err)) {
        g_autofree char *loc = g_strdup_printf("-incoming %s",
                                               sysemu_config.incoming);
        vl_fail_err(loc, err);
    }
}

void qemu_init(int argc, char **argv)
{
    VlParse vp = {
        .chardevs = g_ptr_array_new_with_free_func(opt_use_free),
        .mons = g_ptr_array_new_with_free_func(opt_use_free),
        .qmps = g_ptr_array_new_with_free_func(opt_use_free),
        .accels = g_ptr_array_new(),
    };

    /* Peers may vanish mid-write; that is an error code, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    runstate_signals_init();
    qemu_main_loop_init_bql();
    sysemu_config.objects = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qemu_opts_free);
    sysemu_config.devices = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qemu_opts_free);
    parse_argv(&vp, argc, argv);
    vl_mgmt_early_setup();
    configure_machine(&vp);
    check_boot_options();
    configure_memory(&vp);
    runstate_init(sysemu_config.incoming ? RUN_STATE_INMIGRATE :
                  sysemu_config.start_paused ? RUN_STATE_PRELAUNCH :
                  RUN_STATE_RUNNING);

    qmp_register_builtin_commands();
    register_cmdline_options();
    runstate_register_commands();
    qmp_register_command("query-name", qmp_query_name, NULL, 0);
    kvm_register_qmp_commands();
    migration_register_commands();
    vl_mgmt_register_commands();

    create_chardevs(&vp);
    create_mons(&vp);
    create_qmps(&vp);
    vl_parse_free(&vp);
    qemu_create_user_objects();
    qemu_machine_init();
    start_incoming();
    vl_mgmt_init_done();
}

void qemu_cleanup(void)
{
    migration_cleanup();
    accel_cleanup();
    qtest_server_cleanup();
    vfio_containers_detach_all();
    qemu_cleanup_user_objects();
    monitor_cleanup();
    qemu_chr_cleanup();
    g_clear_pointer(&sysemu_config.objects, g_ptr_array_unref);
    g_clear_pointer(&sysemu_config.devices, g_ptr_array_unref);
    g_clear_pointer(&sysemu_config.accel_list, g_ptr_array_unref);
    vl_mgmt_cleanup();
}
