/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the QMP server's input path: the bytes a client sends
 * go through the monitor's splitter, json-glib, the envelope and argument
 * checks of qmp_dispatch(), a command, and the response serializer.  The
 * monitor is a detached one (monitor/monitor-internal.h test seam), so no
 * socket or main loop is involved; each input is a fresh session that
 * starts unnegotiated.
 *
 * Commands: the monitor's own (qmp_capabilities, query-version,
 * query-commands) plus three registered here: x-fuzz-args declares one
 * argument of every QmpArgType and echoes what it got, x-fuzz-echo takes
 * anything (QMP_CMD_NO_ARG_CHECK) and echoes it, x-fuzz-fail fails with
 * DeviceNotFound naming its first argument.  The echoes send arbitrary
 * client JSON through the serializer.
 *
 * Checked on every input:
 *  - one response line per text or error the splitter framed (counted by
 *    a second, independent splitter over the same bytes);
 *  - every line is valid UTF-8 and JSON (but for "inf", see
 *    mask_infinities()) that json-glib parses and that, serialized,
 *    parsed and serialized again, stays the same; it is an object with
 *    exactly one of "return" and "error" plus at most an "id"; an error
 *    has string "class" and "desc" members and a known class;
 *  - after the input, the reset "\xff\n" and one valid command, the
 *    last response is that command's (its "id"): nothing a client sends
 *    can wedge the session;
 *  - ASan/UBSan/LSan find nothing (json-glib's nodes are refcounted, so a
 *    leak or double unref here is a real bug).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/json-splitter.h"
#include "monitor-internal.h"
#include "fuzz.h"

static const QmpArgSpec fuzz_args_spec[] = {
    { "s", QMP_ARG_STRING },
    { "i", QMP_ARG_INT, .optional = true },
    { "n", QMP_ARG_NUMBER, .optional = true },
    { "b", QMP_ARG_BOOL, .optional = true },
    { "o", QMP_ARG_OBJECT, .optional = true },
    { "a", QMP_ARG_ARRAY, .optional = true },
    { "x", QMP_ARG_ANY, .optional = true },
    { NULL }
};

static bool fuzz_echo(JsonObject *args, JsonNode **ret, GError **errp)
{
    JsonNode *copy = json_node_new(JSON_NODE_OBJECT);

    json_node_set_object(copy, args);
    *ret = copy;
    return true;
}

static bool fuzz_fail(JsonObject *args, JsonNode **ret, GError **errp)
{
    g_autoptr(GList) members = json_object_get_members(args);

    error_set(errp, QEMU_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
              members ? (const char *)members->data : "");
    return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    qmp_register_builtin_commands();
    qmp_register_command("x-fuzz-args", fuzz_echo, fuzz_args_spec, 0);
    qmp_register_command("x-fuzz-echo", fuzz_echo, NULL,
                         QMP_CMD_NO_ARG_CHECK);
    qmp_register_command("x-fuzz-fail", fuzz_fail, NULL,
                         QMP_CMD_NO_ARG_CHECK);
    return 0;
}

static void check_error_member(JsonObject *resp)
{
    static const char *const classes[] = {
        "GenericError", "CommandNotFound", "DeviceNotFound", NULL
    };
    JsonNode *node = json_object_get_member(resp, "error");
    JsonObject *error;
    JsonNode *cls, *desc;

    g_assert_true(JSON_NODE_HOLDS_OBJECT(node));
    error = json_node_get_object(node);
    g_assert_cmpuint(json_object_get_size(error), ==, 2);
    cls = json_object_get_member(error, "class");
    desc = json_object_get_member(error, "desc");
    g_assert_nonnull(cls);
    g_assert_nonnull(desc);
    g_assert_cmpint(json_node_get_value_type(cls), ==, G_TYPE_STRING);
    g_assert_cmpint(json_node_get_value_type(desc), ==, G_TYPE_STRING);
    g_assert_true(g_strv_contains(classes, json_node_get_string(cls)));
}

/*
 * Serializing what json-glib read from @line gives @line back.  (Only
 * after one round: "-0" is valid JSON for -0.0 but reads back as 0.)
 */
static void check_fixed_point(const char *line)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    g_autofree char *again = NULL;

    json_parser_load_from_data(parser, line, -1, &err);
    g_assert_no_error(err);
    again = qmp_node_to_line(json_parser_get_root(parser));
    g_assert_cmpstr(again, ==, line);
}

/*
 * @line with the bare words inf and -inf outside strings turned into 0.
 * A number too large for a double (1e400) reads as infinity and is
 * written back as "inf", which is not JSON; QEMU 7.2 answers
 * {"id": 1e400} with "id": inf too, so that is accepted as compatible.
 */
static char *mask_infinities(const char *line)
{
    GString *out = g_string_new(NULL);
    bool in_string = false, escape = false;

    for (const char *p = line; *p; p++) {
        if (in_string) {
            in_string = escape || *p != '"';
            escape = !escape && *p == '\\';
        } else if (*p == '"') {
            in_string = true;
        } else if (g_str_has_prefix(p, "-inf") ||
                   g_str_has_prefix(p, "inf")) {
            g_string_append_c(out, '0');
            p += *p == '-' ? 3 : 2;
            continue;
        }
        g_string_append_c(out, *p);
    }
    return g_string_free(out, false);
}

/* One response line: valid JSON of the response shape, a fixed point. */
typedef struct Lines {
    unsigned count;
    bool last_is_sync;  /* the last line answered SYNC_CMD */
} Lines;

#define RESET "\xff\n"
#define SYNC_CMD "{\"execute\": \"qmp_capabilities\", \"id\": \"fuzz-sync\"}"

static void check_line(void *opaque, const char *line)
{
    Lines *lines = opaque;
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    g_autofree char *again = NULL, *masked = NULL;
    JsonObject *resp;
    JsonNode *root;
    bool has_return, has_error;

    lines->count++;
    g_assert_null(strchr(line, '\n'));
    g_assert_true(g_utf8_validate(line, -1, NULL));
    masked = mask_infinities(line);
    json_parser_load_from_data(parser, masked, -1, &err);
    g_assert_no_error(err);
    root = json_parser_get_root(parser);
    again = qmp_node_to_line(root);
    check_fixed_point(again);

    g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
    resp = json_node_get_object(root);
    has_return = json_object_has_member(resp, "return");
    has_error = json_object_has_member(resp, "error");
    g_assert_cmpint(has_return + has_error, ==, 1);
    g_assert_cmpuint(json_object_get_size(resp), ==,
                     1 + json_object_has_member(resp, "id"));
    if (has_error) {
        check_error_member(resp);
    }
    {
        JsonNode *id = json_object_get_member(resp, "id");

        lines->last_is_sync = id && JSON_NODE_HOLDS_VALUE(id) &&
            json_node_get_value_type(id) == G_TYPE_STRING &&
            !strcmp(json_node_get_string(id), "fuzz-sync");
    }
}

static void count_text(void *opaque, const char *text, size_t len,
                       const GError *err)
{
    (*(unsigned *)opaque)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char tail[] = RESET SYNC_CMD;
    Monitor *mon;
    JsonSplitter js;
    Lines lines = { 0 };
    unsigned texts = 0;

    if (size > 64 * KiB) {
        return 0;
    }
    mon = monitor_new_detached(check_line, &lines);
    monitor_feed_detached(mon, data, size);
    monitor_feed_detached(mon, (const uint8_t *)tail, sizeof(tail) - 1);
    g_assert_true(lines.last_is_sync);
    monitor_free_detached(mon);

    json_splitter_init(&js, count_text, &texts, 0);
    json_splitter_feed(&js, (const char *)data, size);
    json_splitter_feed(&js, tail, sizeof(tail) - 1);
    json_splitter_destroy(&js);
    g_assert_cmpuint(lines.count, ==, texts);
    return 0;
}
