/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command-line options that management stacks (libvirt first) put on
 * every command line, beyond vl.c's core set: process management
 * (-daemonize, -pidfile), options that describe hardware we do not have
 * and are therefore truthful no-ops or refusals (-no-acpi, -rtc, -boot,
 * -audiodev, -sandbox), and small settings with a real effect
 * (-overcommit mem-lock, -uuid, -no-shutdown, -msg timestamp).
 *
 * Rule: an option is accepted only with the values we honour; any other
 * value is refused with a message naming the option, exit status 1, as
 * QEMU does for bad values.  vl.c owns the option table of the core
 * options and the accelerator; this file has its own table so the two
 * grow independently.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "qemu/oslib.h"
#include <sys/stat.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/option.h"
#include "monitor/qmp.h"
#include "sysemu/hostmem.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "vl-internal.h"
#include "vl-mgmt.h"
#include "vl-numa.h"

typedef enum {
    MOPT_NO_USER_CONFIG, MOPT_PIDFILE, MOPT_DAEMONIZE, MOPT_OVERCOMMIT,
    MOPT_UUID, MOPT_RTC, MOPT_NO_SHUTDOWN, MOPT_NO_ACPI, MOPT_BOOT,
    MOPT_MSG, MOPT_AUDIODEV, MOPT_SANDBOX, MOPT_NUMA, MOPT_GLOBAL,
    MOPT_READCONFIG,
} MgmtOptIndex;

typedef struct MgmtOptDef {
    const char *name;
    MgmtOptIndex index;
    bool has_arg;
    const char *help;
} MgmtOptDef;

static const MgmtOptDef mgmt_opts[] = {
    /* help NULL: not in -help nor in query-command-line-options */
    { "no-user-config", MOPT_NO_USER_CONFIG, false,
      "-no-user-config   (no-op: no configuration files are ever read)" },
    { "pidfile", MOPT_PIDFILE, true, "-pidfile FILE" },
    { "daemonize", MOPT_DAEMONIZE, false, "-daemonize" },
    { "overcommit", MOPT_OVERCOMMIT, true,
      "-overcommit [mem-lock=on|off][,cpu-pm=off]" },
    { "uuid", MOPT_UUID, true, "-uuid %08x-%04x-%04x-%04x-%012x" },
    { "rtc", MOPT_RTC, true, "-rtc base=utc   (there is no RTC model)" },
    { "no-shutdown", MOPT_NO_SHUTDOWN, false, "-no-shutdown" },
    { "no-acpi", MOPT_NO_ACPI, false, "-no-acpi   (no-op: there is no ACPI)" },
    { "boot", MOPT_BOOT, true,
      "-boot strict=on|off   (no firmware: nothing else to choose)" },
    { "msg", MOPT_MSG, true, "-msg timestamp=on|off" },
    { "audiodev", MOPT_AUDIODEV, true,
      "-audiodev none,id=ID | {\"id\":ID,\"driver\":\"none\"}" },
    { "sandbox", MOPT_SANDBOX, true, NULL },
    { "readconfig", MOPT_READCONFIG, true,
      "-readconfig FILE   ([machine] [memory] [object \"id\"] "
      "[device \"id\"] [chardev \"id\"] [mon] [numa] [global])" },
    { "global", MOPT_GLOBAL, true,
      "-global DRIVER.PROP=VALUE | driver=D,property=P,value=V" },
    { "numa", MOPT_NUMA, true,
      "-numa node[,nodeid=N][,cpus=A[-B]][,memdev=ID]" },
};

static struct {
    const char *pidfile;
    bool daemonize;
    bool mem_lock;
    bool has_uuid;
    uint8_t uuid[16];

    int pidfile_fd;             /* locked while we run, -1 without */
    dev_t pidfile_dev;
    ino_t pidfile_ino;
    int daemon_pipe;            /* child: write end to the parent, or -1 */
} mgmt = { .pidfile_fd = -1, .daemon_pipe = -1 };

static QemuOpts *mgmt_parse(const char *loc, const char *arg,
                            const char *implied, const char *const *keys)
{
    g_autoptr(GError) err = NULL;
    QemuOpts *opts = qemu_opts_parse(arg, implied, &err);

    if (!opts || (keys && !qemu_opts_validate(opts, keys, &err))) {
        vl_fail(loc, "%s", err->message);
    }
    return opts;
}

static bool mgmt_get_bool(QemuOpts *opts, const char *loc, const char *key,
                          bool def)
{
    g_autoptr(GError) err = NULL;
    bool value;

    if (!qemu_opt_get_bool(opts, key, def, &value, &err)) {
        vl_fail(loc, "%s", err->message);
    }
    return value;
}

/* --- UUID -------------------------------------------------------------- */

/* Parse the 8-4-4-4-12 form into @out; false for anything else. */
static bool uuid_parse(const char *str, uint8_t out[16])
{
    static const int groups[] = { 8, 4, 4, 4, 12 };
    const char *p = str;
    int n = 0;

    for (size_t g = 0; g < G_N_ELEMENTS(groups); g++) {
        if (g && *p++ != '-') {
            return false;
        }
        for (int k = 0; k < groups[g]; k += 2) {
            int hi = g_ascii_xdigit_value(p[0]);
            int lo = hi < 0 ? -1 : g_ascii_xdigit_value(p[1]);

            if (lo < 0) {
                return false;
            }
            out[n++] = hi << 4 | lo;
            p += 2;
        }
    }
    return *p == '\0';
}

static char *uuid_unparse(const uint8_t u[16])
{
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
                           u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                           u[15]);
}

static bool qmp_query_uuid(JsonObject *args, JsonNode **ret, GError **errp)
{
    static const uint8_t null_uuid[16];
    JsonObject *obj = json_object_new();
    g_autofree char *text = uuid_unparse(mgmt.has_uuid ? mgmt.uuid
                                                       : null_uuid);

    json_object_set_string_member(obj, "UUID", text);
    *ret = qmp_node_take_object(obj);
    return true;
}

bool vl_mgmt_daemonize(void)
{
    return mgmt.daemonize;
}

void vl_mgmt_register_commands(void)
{
    qmp_register_command("query-uuid", qmp_query_uuid, NULL, 0);
    /* query-command-line-options: what -help lists with an argument
     * (-sandbox, refused, is in neither) */
    for (size_t i = 0; i < G_N_ELEMENTS(mgmt_opts); i++) {
        if (mgmt_opts[i].has_arg && mgmt_opts[i].help) {
            qmp_cmdline_option_add(mgmt_opts[i].name, NULL);
        }
    }
}

/* --- one option each ------------------------------------------------- */

static void parse_overcommit(const char *loc, const char *arg)
{
    static const char *const keys[] = { "mem-lock", "cpu-pm", NULL };
    g_autoptr(QemuOpts) opts = mgmt_parse(loc, arg, NULL, keys);

    mgmt.mem_lock = mgmt_get_bool(opts, loc, "mem-lock", mgmt.mem_lock);
    if (mgmt_get_bool(opts, loc, "cpu-pm", false)) {
        vl_fail(loc, "cpu-pm=on is not supported: vCPUs always exit on "
                  "HLT, MWAIT and PAUSE here");
    }
}

static void parse_uuid(const char *loc, const char *arg)
{
    if (!uuid_parse(arg, mgmt.uuid)) {
        vl_fail(loc, "failed to parse UUID string: wrong format");
    }
    mgmt.has_uuid = true;
}

static void parse_rtc(const char *loc, const char *arg)
{
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    g_autoptr(QemuOpts) opts = mgmt_parse(loc, arg, NULL, keys);
    const char *base = qemu_opt_get(opts, "base");
    const char *clock = qemu_opt_get(opts, "clock");
    const char *driftfix = qemu_opt_get(opts, "driftfix");

    /*
     * There is no RTC model; base=utc (what an RTC would start from
     * anyway), clock=host and driftfix=none describe exactly that.
     */
    if (base && strcmp(base, "utc")) {
        vl_fail(loc, "Parameter 'base' does not accept value '%s': there "
                  "is no RTC model, only base=utc is supported", base);
    }
    if (clock && strcmp(clock, "host")) {
        vl_fail(loc, "Parameter 'clock' does not accept value '%s': only "
                  "clock=host is supported", clock);
    }
    if (driftfix && strcmp(driftfix, "none")) {
        vl_fail(loc, "Parameter 'driftfix' does not accept value '%s': "
                  "only driftfix=none is supported", driftfix);
    }
}

static void parse_boot(const char *loc, const char *arg)
{
    static const char *const keys[] = { "strict", NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuOpts) opts = qemu_opts_parse(arg, NULL, &err);

    if (!opts) {
        vl_fail(loc, "%s", err->message);
    }
    /*
     * No firmware runs: the guest starts at -kernel's entry point, so
     * there is no boot order, menu or splash to set.  strict= (no
     * fallback beyond the listed devices) holds either way.
     */
    for (guint i = 0; i < opts->opts->len; i++) {
        QemuOpt *o = g_ptr_array_index(opts->opts, i);

        if (!g_strv_contains(keys, o->name)) {
            vl_fail(loc, "Parameter 'boot.%s' is not supported: there is "
                      "no firmware (only strict=on|off is accepted)",
                      o->name);
        }
    }
    if (qemu_opt_has(opts, "strict")) {
        g_autoptr(GError) berr = NULL;
        bool v;

        if (!qemu_opt_get_bool(opts, "strict", false, &v, &berr)) {
            vl_fail(loc, "Parameter 'boot.strict' expects 'on' or 'off'");
        }
    }
}

static void parse_msg(const char *loc, const char *arg)
{
    static const char *const keys[] = { "timestamp", "guest-name", NULL };
    g_autoptr(QemuOpts) opts = mgmt_parse(loc, arg, NULL, keys);

    if (mgmt_get_bool(opts, loc, "guest-name", false)) {
        vl_fail(loc, "guest-name=on is not supported");
    }
    error_report_set_timestamp(mgmt_get_bool(opts, loc, "timestamp",
                                             false));
}

static void parse_audiodev(const char *loc, const char *arg)
{
    const char *driver = NULL, *id = NULL;
    g_autoptr(QemuOpts) opts = NULL;
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(GError) err = NULL;

    if (arg[0] == '{') {
        JsonNode *root;
        JsonObject *obj;
        g_autoptr(GList) members = NULL;

        parser = json_parser_new();
        if (!json_parser_load_from_data(parser, arg, -1, &err)) {
            vl_fail(loc, "%s", err->message);
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
            vl_fail(loc, "Invalid parameter type, expected 'object'");
        }
        obj = json_node_get_object(root);
        members = json_object_get_members(obj);
        for (GList *l = members; l; l = l->next) {
            const char *name = l->data;
            JsonNode *v = json_object_get_member(obj, name);

            if (strcmp(name, "id") && strcmp(name, "driver")) {
                vl_fail(loc, "Parameter '%s' is unexpected (driver 'none' "
                          "takes no options)", name);
            }
            if (!JSON_NODE_HOLDS_VALUE(v) ||
                json_node_get_value_type(v) != G_TYPE_STRING) {
                vl_fail(loc, "Invalid parameter type for '%s', expected: "
                          "string", name);
            }
        }
        driver = json_object_get_string_member_with_default(obj, "driver",
                                                            NULL);
        id = json_object_get_string_member_with_default(obj, "id", NULL);
    } else {
        static const char *const keys[] = { "driver", "id", NULL };

        opts = mgmt_parse(loc, arg, "driver", keys);
        driver = qemu_opt_get(opts, "driver");
        id = qemu_opt_get(opts, "id");
    }
    if (!driver) {
        vl_fail(loc, "Parameter 'driver' is missing");
    }
    if (strcmp(driver, "none")) {
        vl_fail(loc, "Parameter 'driver' does not accept value '%s' "
                  "(only 'none': there is no audio device)", driver);
    }
    if (!id) {
        vl_fail(loc, "Parameter 'id' is missing");
    }
}

QemuOpts *vl_mgmt_parse_json_device(const char *loc, const char *arg)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(GList) members = NULL;
    QemuOpts *opts;
    JsonObject *obj;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, arg, -1, &err)) {
        vl_fail(loc, "%s", err->message);
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        vl_fail(loc, "Invalid parameter type, expected 'object'");
    }
    obj = json_node_get_object(root);
    opts = qemu_opts_parse("driver=", "driver", &err);
    g_assert(opts);
    g_ptr_array_set_size(opts->opts, 0);
    members = json_object_get_members(obj);
    for (GList *l = members; l; l = l->next) {
        const char *name = l->data;
        JsonNode *v = json_object_get_member(obj, name);
        QemuOpt *o;
        char *text;

        if (!JSON_NODE_HOLDS_VALUE(v)) {
            qemu_opts_free(opts);
            vl_fail(loc, "Parameter '%s': only scalar values are "
                      "supported", name);
        }
        switch (json_node_get_value_type(v)) {
        case G_TYPE_BOOLEAN:
            text = g_strdup(json_node_get_boolean(v) ? "on" : "off");
            break;
        case G_TYPE_INT64:
            text = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(v));
            break;
        case G_TYPE_STRING:
            text = g_strdup(json_node_get_string(v));
            break;
        default:
            qemu_opts_free(opts);
            vl_fail(loc, "Invalid parameter type for '%s'", name);
        }
        o = g_new0(QemuOpt, 1);
        o->name = g_strdup(name);
        o->value = text;
        g_ptr_array_add(opts->opts, o);
    }
    return opts;
}

void vl_mgmt_name_options(QemuOpts *opts, const char *loc)
{
    const char *process = qemu_opt_get(opts, "process");

    qemu_thread_naming(mgmt_get_bool(opts, loc, "debug-threads", false));
    if (process && prctl(PR_SET_NAME, process) < 0) {
        vl_fail(loc, "cannot set the process name: %s",
                  g_strerror(errno));
    }
}

/* -global: "DRIVER.PROP=VALUE" or "driver=D,property=P,value=V". */
static void parse_global(const char *loc, const char *arg)
{
    static const char *const keys[] = {
        "driver", "property", "value", NULL
    };
    const char *eq = strchr(arg, '=');
    const char *dot;

    if (g_str_has_prefix(arg, "driver=")) {
        g_autoptr(QemuOpts) opts = mgmt_parse(loc, arg, NULL, keys);
        const char *d = qemu_opt_get(opts, "driver");
        const char *p = qemu_opt_get(opts, "property");
        const char *v = qemu_opt_get(opts, "value");

        if (!d || !p || !v) {
            vl_fail(loc, "Parameter '%s' is missing",
                      !d ? "driver" : !p ? "property" : "value");
        }
        qdev_prop_register_global(d, p, v);
        return;
    }
    dot = eq ? memchr(arg, '.', eq - arg) : NULL;
    if (!eq || !dot || dot == arg || dot + 1 == eq) {
        vl_fail(loc, "Invalid format: expected DRIVER.PROPERTY=VALUE");
    }
    {
        g_autofree char *d = g_strndup(arg, dot - arg);
        g_autofree char *p = g_strndup(dot + 1, eq - dot - 1);

        qdev_prop_register_global(d, p, eq + 1);
    }
}

/* -readconfig sections we take, and the option each stands for. */
static const struct {
    const char *section;
    const char *option;
    bool has_id;
} config_sections[] = {
    { "machine", "-machine", false },
    { "memory", "-m", false },
    { "object", "-object", true },
    { "device", "-device", true },
    { "chardev", "-chardev", true },
    { "mon", "-mon", false },
    { "numa", "-numa", false },
    { "global", "-global", false },
};

static void config_flush(GPtrArray *args, const char *option, GString *opts)
{
    if (option) {
        g_ptr_array_add(args, g_strdup(option));
        g_ptr_array_add(args, g_string_free(opts, false));
    } else if (opts) {
        g_string_free(opts, true);
    }
}

/* Append ",key=value" with QemuOpts' ",," escaping of commas. */
static void config_append(GString *opts, const char *key, const char *value)
{
    if (opts->len) {
        g_string_append_c(opts, ',');
    }
    g_string_append_printf(opts, "%s=", key);
    for (const char *c = value; *c; c++) {
        g_string_append(opts, *c == ',' ? ",," : (char[]){ *c, 0 });
    }
}

/* Every -readconfig's argv: options keep pointers into them. */
static GPtrArray *config_argvs;

static void readconfig(const char *loc, const char *path,
                       VlReparseFn *reparse, void *opaque)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *args = g_ptr_array_new();
    const char *option = NULL;
    GString *opts = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        vl_fail(loc, "Cannot read config file %s: %s", path, err->message);
    }
    g_ptr_array_add(args, g_strdup("-readconfig"));
    lines = g_strsplit(text, "\n", -1);
    for (int n = 0; lines[n]; n++) {
        g_autofree char *where = g_strdup_printf("%s:%d", path, n + 1);
        char *line = g_strstrip(lines[n]);
        char name[64], id[128], key[64], value[1024];
        size_t k;

        if (!*line || *line == '#') {
            continue;
        }
        if (line[0] == '[') {
            bool with_id = sscanf(line, "[%63s \"%127[^\"]\"]", name,
                                  id) == 2;

            if (!with_id && sscanf(line, "[%63[^]]]", name) != 1) {
                vl_fail(where, "parse error");
            }
            config_flush(args, option, opts);
            option = NULL;
            opts = NULL;
            for (k = 0; k < G_N_ELEMENTS(config_sections); k++) {
                if (!strcmp(config_sections[k].section, name)) {
                    break;
                }
            }
            if (k == G_N_ELEMENTS(config_sections)) {
                vl_fail(where, "There is no option group '%s'", name);
            }
            if (with_id != config_sections[k].has_id) {
                vl_fail(where, with_id ? "section [%s] takes no id" :
                          "section [%s] needs an id: [%s \"ID\"]", name,
                          name);
            }
            option = config_sections[k].option;
            opts = g_string_new(NULL);
            if (with_id) {
                config_append(opts, "id", id);
            }
            continue;
        }
        if (sscanf(line, "%63s = \"%1023[^\"]\"", key, value) != 2) {
            vl_fail(where, "parse error");
        }
        if (!opts) {
            vl_fail(where, "no group defined");
        }
        config_append(opts, key, value);
    }
    config_flush(args, option, opts);
    if (!config_argvs) {
        config_argvs = g_ptr_array_new();
    }
    g_ptr_array_add(config_argvs, args);
    reparse(args->len, (char **)args->pdata, opaque);
}

int vl_mgmt_parse_option(int argc, char **argv, int i,
                         VlReparseFn *reparse, void *opaque)
{
    const char *name = argv[i] + 1;
    const MgmtOptDef *def = NULL;
    g_autofree char *loc = NULL;
    const char *arg = NULL;

    if (name[0] == '-') {
        name++;
    }
    for (size_t k = 0; k < G_N_ELEMENTS(mgmt_opts); k++) {
        if (!strcmp(mgmt_opts[k].name, name)) {
            def = &mgmt_opts[k];
        }
    }
    if (!def) {
        return 0;
    }
    if (def->has_arg) {
        if (i + 1 >= argc) {
            vl_fail(argv[i], "requires an argument");
        }
        arg = argv[i + 1];
        loc = g_strdup_printf("%s %s", argv[i], arg);
    } else {
        loc = g_strdup(argv[i]);
    }

    switch (def->index) {
    case MOPT_NO_USER_CONFIG:
    case MOPT_NO_ACPI:
        /* True by construction: no config files, no ACPI tables. */
        break;
    case MOPT_PIDFILE:
        mgmt.pidfile = arg;
        break;
    case MOPT_DAEMONIZE:
        mgmt.daemonize = true;
        break;
    case MOPT_OVERCOMMIT:
        parse_overcommit(loc, arg);
        break;
    case MOPT_UUID:
        parse_uuid(loc, arg);
        break;
    case MOPT_RTC:
        parse_rtc(loc, arg);
        break;
    case MOPT_NO_SHUTDOWN:
        runstate_set_no_shutdown(true);
        break;
    case MOPT_BOOT:
        parse_boot(loc, arg);
        break;
    case MOPT_MSG:
        parse_msg(loc, arg);
        break;
    case MOPT_AUDIODEV:
        parse_audiodev(loc, arg);
        break;
    case MOPT_READCONFIG:
        readconfig(loc, arg, reparse, opaque);
        break;
    case MOPT_GLOBAL:
        parse_global(loc, arg);
        break;
    case MOPT_NUMA:
        vl_numa_parse(loc, arg);
        break;
    case MOPT_SANDBOX:
        vl_fail(loc, "seccomp sandboxing is not supported by this build");
    }
    return def->has_arg ? 2 : 1;
}

void vl_mgmt_print_help(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(mgmt_opts); i++) {
        if (mgmt_opts[i].help) {
            printf("%s\n", mgmt_opts[i].help);
        }
    }
}

void vl_mgmt_configure_machine(QemuOpts *opts, const char *loc)
{
    if (!opts) {
        return;
    }
    if (mgmt_get_bool(opts, loc, "usb", false)) {
        vl_fail(loc, "usb=on is not supported: there is no USB "
                  "controller model");
    }
    bool dump = mgmt_get_bool(opts, loc, "dump-guest-core", true);

    machine_set_dump_guest_core(dump);
    host_memory_backend_set_default_dump(dump);
}

/* --- daemon, pid file, memory locking --------------------------------- */

/*
 * Fork; the parent waits for one status byte from the child (0: the
 * monitors listen and start-up succeeded) and exits with it.  EOF without
 * a byte means the child died during start-up (its error is already on
 * the shared stderr).
 */
static void daemonize(void)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        vl_fail("-daemonize", "cannot create a pipe: %s",
                  g_strerror(errno));
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        vl_fail("-daemonize", "cannot fork: %s", g_strerror(errno));
    }
    if (pid > 0) {
        uint8_t status = 1;
        ssize_t n;

        close(fds[1]);
        do {
            n = read(fds[0], &status, 1);
        } while (n < 0 && errno == EINTR);
        _exit(n == 1 ? status : 1);
    }
    close(fds[0]);
    mgmt.daemon_pipe = fds[1];
    if (setsid() < 0) {
        vl_fail("-daemonize", "setsid failed: %s", g_strerror(errno));
    }
}

/* Create, lock and fill the pid file; exits like QEMU when it cannot. */
static void write_pidfile(void)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    struct stat st;
    int fd;

    for (;;) {
        struct stat path_st;

        fd = open(mgmt.pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            vl_fail(NULL, "cannot create PID file: Cannot open pid file: "
                      "%s", g_strerror(errno));
        }
        /* A POSIX record lock, as QEMU and libvirt use on pid files. */
        if (lockf(fd, F_TLOCK, 0) < 0) {
            int err = errno;

            close(fd);
            vl_fail(NULL, "cannot create PID file: Cannot lock pid file: "
                      "%s", g_strerror(err));
        }
        /* The previous owner may have unlinked it between open and lock. */
        if (fstat(fd, &st) == 0 && stat(mgmt.pidfile, &path_st) == 0 &&
            st.st_dev == path_st.st_dev && st.st_ino == path_st.st_ino) {
            break;
        }
        close(fd);
    }
    if (ftruncate(fd, 0) < 0 ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        int err = errno;

        close(fd);
        unlink(mgmt.pidfile);
        vl_fail(NULL, "cannot create PID file: Failed to write pid file: "
                  "%s", g_strerror(err));
    }
    mgmt.pidfile_fd = fd;
    mgmt.pidfile_dev = st.st_dev;
    mgmt.pidfile_ino = st.st_ino;
}

void vl_mgmt_early_setup(void)
{
    if (mgmt.daemonize) {
        daemonize();
    }
    if (mgmt.pidfile) {
        write_pidfile();
    }
    if (mgmt.mem_lock && mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
        vl_fail("-overcommit mem-lock=on", "locking memory failed: %s",
                  g_strerror(errno));
    }
}

void vl_mgmt_init_done(void)
{
    uint8_t ok = 0;
    int null_fd;

    if (mgmt.daemon_pipe < 0) {
        return;
    }
    null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        fflush(stdout);
        fflush(stderr);
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        if (null_fd > STDERR_FILENO) {
            close(null_fd);
        }
    }
    /* Only now: the parent's exit tells the caller we are ready. */
    if (write(mgmt.daemon_pipe, &ok, 1) != 1) {
        /* The parent is gone; nobody is left to tell. */
    }
    close(mgmt.daemon_pipe);
    mgmt.daemon_pipe = -1;
}

void vl_mgmt_cleanup(void)
{
    struct stat st;

    if (mgmt.pidfile_fd < 0) {
        return;
    }
    if (stat(mgmt.pidfile, &st) == 0 && st.st_dev == mgmt.pidfile_dev &&
        st.st_ino == mgmt.pidfile_ino) {
        unlink(mgmt.pidfile);
    }
    close(mgmt.pidfile_fd);
    mgmt.pidfile_fd = -1;
}
