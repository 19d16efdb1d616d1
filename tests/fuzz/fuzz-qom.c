/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for QOM property input over QMP: qom-set, qom-get,
 * qom-list, object-add and object-del with arbitrary paths, property
 * names and values, against a real machine (q35, -accel qtest, a 256 MiB
 * memory-backend-ram "mem0" and virtio-mem-pci "vm0") built once by
 * qemu_init() in LLVMFuzzerInitialize().  Each input runs in a forked
 * child (fuzz_fork_run(): the machine is the same for every input and
 * coverage comes back) through a detached QMP monitor, in an empty
 * scratch directory (a memory-backend-file's mem-path stays there).
 *
 * Input: a program of
 *   0 QOM_SET  path prop value
 *   1 QOM_GET  path prop
 *   2 ADD      type id nprops8 (prop value)*   object-add
 *   3 DEL      id                              object-del
 *   4 LIST     path                            qom-list
 * A path, property or type is a byte selecting from a vocabulary (below
 * 0xf0) or a length-prefixed string from the input; a value is a
 * length-prefixed text, used as JSON if it parses, else as a string.
 *
 * FUZZ_QOM_VERBOSE=1 shows the requests and responses of a replay.
 *
 * Checked: every request gets exactly one response line, valid JSON with
 * exactly one of "return" and "error"; afterwards query-memory-devices,
 * query-status and qom-get vm0 "size" still succeed (the device and the
 * monitor survived whatever was set); no crash, no sanitizer report.
 *
 * Skipped, not run: strings with '/' outside paths, and property names
 * containing "prealloc" or "pin" (memory actually touched or locked).
 * qom-set of "realized" (toggles included) and of links such as "memdev"
 * to "" or null are run: unrealize of what cannot be hot-unplugged and
 * link changes after realize must be refused, never crash.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <math.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "sysemu/sysemu.h"
#include "monitor-internal.h"
#include "fuzz.h"

#define MAX_OPS      24
#define TIMEOUT_MS   5000

static char *scratch;

static const char *const paths[] = {
    "vm0", "mem0", "/machine", "/machine/peripheral/vm0",
    "/machine/peripheral/vm0/virtio-backend", "/objects/mem0",
    "/objects", "/machine/unattached", "/objects/o0", "/objects/o1",
    "o0", "o1", "/machine/q35", "/", "",
};

static const char *const props[] = {
    "size", "requested-size", "block-size", "memaddr", "node", "memdev",
    "reserve", "share", "merge", "dump", "host-nodes", "policy",
    "unplugged-inaccessible", "id", "type", "addr", "discard-data",
    "mem-path", "align", "readonly", "hugetlb", "hugetlbsize", "seal",
    "x-use-canonical-path-for-ramblock-id", "rom", "offset", "pmem",
    "qom-type", "child", "parent_bus", "multifunction", "romfile",
    "realized", "hotpluggable", "hotplugged", "bus", "driver", "",
};

static const char *const types[] = {
    "memory-backend-ram", "memory-backend-memfd", "memory-backend-file",
    "memory-backend", "virtio-mem-pci", "virtio-mem", "container",
    "object", "device", "pci-device", "q35-pcihost", "",
};

typedef struct Prog {
    const uint8_t *data;
    size_t size, pos;
} Prog;

static uint8_t take8(Prog *p)
{
    return p->pos < p->size ? p->data[p->pos++] : 0;
}

static char *take_str(Prog *p)
{
    size_t len = take8(p);
    g_autofree char *raw = NULL;

    len = MIN(len, p->size - p->pos);
    raw = g_strndup((const char *)p->data + p->pos, len);
    p->pos += len;
    /*
     * json-glib writes strings out unchecked: invalid UTF-8 would make a
     * malformed request (the JSON input path's errors are fuzz-qmp-
     * dispatch's business), so it becomes U+FFFD here.
     */
    return g_utf8_make_valid(raw, -1);
}

static char *pick(Prog *p, const char *const *list, size_t n)
{
    uint8_t b = take8(p);

    return b >= 0xf0 ? take_str(p) : g_strdup(list[b % n]);
}

static bool name_ok(const char *s)
{
    return !strstr(s, "prealloc") && !strstr(s, "pin");
}

/*
 * json-glib parses 1e400 as infinity and writes it back as "inf.0", which
 * is not JSON: such a value is sent as a string, not as a malformed request.
 */
static bool node_finite(JsonNode *node)
{
    g_autoptr(GList) members = NULL;

    switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_VALUE:
        return json_node_get_value_type(node) != G_TYPE_DOUBLE ||
               isfinite(json_node_get_double(node));
    case JSON_NODE_ARRAY:
        members = json_array_get_elements(json_node_get_array(node));
        break;
    case JSON_NODE_OBJECT:
        members = json_object_get_values(json_node_get_object(node));
        break;
    default:
        return true;
    }
    for (GList *l = members; l; l = l->next) {
        if (!node_finite(l->data)) {
            return false;
        }
    }
    return true;
}

/* The value text as JSON if it parses, else as a JSON string. */
static JsonNode *value_node(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();

    if (*text && json_parser_load_from_data(parser, text, -1, NULL) &&
        json_parser_get_root(parser) &&
        node_finite(json_parser_get_root(parser))) {
        return json_node_copy(json_parser_get_root(parser));
    }
    return json_node_init_string(json_node_alloc(), text);
}

typedef struct Out {
    unsigned lines;
    bool last_ok;
} Out;

static void check_line(void *opaque, const char *line)
{
    Out *out = opaque;
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    JsonObject *resp;

    out->lines++;
    if (getenv("FUZZ_QOM_VERBOSE")) {
        fprintf(stderr, "<- %s\n", line);
    }
    g_assert_true(g_utf8_validate(line, -1, NULL));
    json_parser_load_from_data(parser, line, -1, &err);
    g_assert_no_error(err);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
    resp = json_node_get_object(json_parser_get_root(parser));
    g_assert_cmpint(json_object_has_member(resp, "return") +
                    json_object_has_member(resp, "error"), ==, 1);
    out->last_ok = json_object_has_member(resp, "return");
}

/* Send @cmd with @args (consumed); returns whether it succeeded. */
/*
 * json-glib writes some control characters inside strings raw, which JSON
 * forbids (the monitor rightly answers with parse errors); the generator
 * emits none outside strings, so every one becomes a \u escape.  Takes
 * ownership of @text.
 */
static char *escape_controls(char *text)
{
    GString *s = g_string_sized_new(strlen(text) + 16);

    for (const char *p = text; *p; p++) {
        if ((unsigned char)*p < 0x20) {
            g_string_append_printf(s, "\\u%04x", (unsigned char)*p);
        } else {
            g_string_append_c(s, *p);
        }
    }
    g_free(text);
    return g_string_free(s, false);
}

static bool send(Monitor *mon, Out *out, const char *cmd, JsonObject *args)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;
    unsigned before = out->lines;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, cmd);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    if (args) {
        json_object_set_object_member(json_node_get_object(root),
                                      "arguments", args);
    }
    json_generator_set_root(gen, root);
    text = escape_controls(json_generator_to_data(gen, NULL));
    if (getenv("FUZZ_QOM_VERBOSE")) {
        fprintf(stderr, "-> %s\n", text);
    }
    monitor_feed_detached(mon, (const uint8_t *)text, strlen(text));
    monitor_feed_detached(mon, (const uint8_t *)"\n", 1);
    g_assert_cmpuint(out->lines, ==, before + 1);
    return out->last_ok;
}

static JsonObject *args_path_prop(const char *path, const char *prop)
{
    JsonObject *a = json_object_new();

    json_object_set_string_member(a, "path", path);
    if (prop) {
        json_object_set_string_member(a, "property", prop);
    }
    return a;
}

typedef struct Input {
    const uint8_t *data;
    size_t size;
} Input;

static void run_child(void *opaque)
{
    Input *in = opaque;
    Prog p = { in->data, in->size, 0 };
    Out out = { 0 };
    Monitor *mon;
    int null = open("/dev/null", O_WRONLY);

    if (null >= 0 && !getenv("FUZZ_QOM_VERBOSE")) {
        dup2(null, STDERR_FILENO);
    }
    if (chdir(scratch) < 0) {
        fuzz_child_exit(2);
    }
    mon = monitor_new_detached(check_line, &out);
    g_assert_true(send(mon, &out, "qmp_capabilities", NULL));
    for (int n = 0; n < MAX_OPS && p.pos < p.size; n++) {
        g_autofree char *path = NULL, *prop = NULL, *text = NULL;
        g_autofree char *type = NULL, *id = NULL;
        JsonObject *args;
        JsonNode *value;

        switch (take8(&p) % 5) {
        case 0:
            path = pick(&p, paths, G_N_ELEMENTS(paths));
            prop = pick(&p, props, G_N_ELEMENTS(props));
            text = take_str(&p);
            value = value_node(text);
            if (!name_ok(prop)) {
                json_node_unref(value);
                break;
            }
            args = args_path_prop(path, prop);
            json_object_set_member(args, "value", value);
            send(mon, &out, "qom-set", args);
            break;
        case 1:
            path = pick(&p, paths, G_N_ELEMENTS(paths));
            prop = pick(&p, props, G_N_ELEMENTS(props));
            send(mon, &out, "qom-get", args_path_prop(path, prop));
            break;
        case 2: {
            unsigned nprops = take8(&p) % 6;
            bool ok = true;

            type = pick(&p, types, G_N_ELEMENTS(types));
            id = g_strdup_printf("o%u", take8(&p) % 3);
            args = json_object_new();
            json_object_set_string_member(args, "qom-type", type);
            json_object_set_string_member(args, "id", id);
            for (unsigned i = 0; i < nprops; i++) {
                g_autofree char *k = pick(&p, props, G_N_ELEMENTS(props));
                g_autofree char *t = take_str(&p);

                ok = ok && name_ok(k) && !strchr(t, '/') &&
                     strcmp(k, "qom-type") && strcmp(k, "id");
                json_object_set_member(args, k, value_node(t));
            }
            if (ok) {
                send(mon, &out, "object-add", args);
            } else {
                json_object_unref(args);
            }
            break;
        }
        case 3:
            args = json_object_new();
            json_object_set_string_member(args, "id",
                                          take8(&p) % 2 ? "o0" : "mem0");
            send(mon, &out, "object-del", args);
            break;
        case 4:
            path = pick(&p, paths, G_N_ELEMENTS(paths));
            send(mon, &out, "qom-list", args_path_prop(path, NULL));
            break;
        }
    }
    /* The machine, its device and the monitor survived. */
    g_assert_true(send(mon, &out, "query-memory-devices", NULL));
    g_assert_true(send(mon, &out, "query-status", NULL));
    g_assert_true(send(mon, &out, "qom-get", args_path_prop("vm0", "size")));
    monitor_free_detached(mon);
    fuzz_child_exit(0);
}

static void remove_scratch(void)
{
    fuzz_empty_dir(scratch);
    g_rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *args[] = {
        (char *)"qemu-system-x86_64", (char *)"-machine", (char *)"q35",
        (char *)"-m", (char *)"1G,maxmem=9G", (char *)"-accel",
        (char *)"qtest", (char *)"-nodefaults", (char *)"-display",
        (char *)"none", (char *)"-S", (char *)"-object",
        (char *)"memory-backend-ram,id=mem0,size=256M,reserve=off",
        (char *)"-device",
        (char *)"virtio-mem-pci,id=vm0,memdev=mem0,requested-size=64M",
        NULL,
    };

    scratch = g_dir_make_tmp("fuzz-qom-XXXXXX", NULL);
    g_assert_nonnull(scratch);
    atexit(remove_scratch);     /* the parent's; children skip atexit */
    qemu_init(G_N_ELEMENTS(args) - 1, args);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in = { data, size };
    int status;

    if (size > 4096) {
        return 0;
    }
    status = fuzz_fork_run(run_child, &in, TIMEOUT_MS);
    fuzz_empty_dir(scratch);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "fuzz-qom: child status %d\n", status);
        abort();
    }
    return 0;
}
