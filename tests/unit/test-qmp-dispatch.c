/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for QMP dispatch (monitor/qmp-dispatch.c): envelope checks,
 * negotiation, argument checking, error classes; and the event rate
 * limiter (monitor/qmp-event.c).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/qmp.h"
#include "../../monitor/monitor-internal.h"

static const QmpArgSpec echo_args[] = {
    { "path", QMP_ARG_STRING },
    { "count", QMP_ARG_INT, .optional = true },
    { "ratio", QMP_ARG_NUMBER, .optional = true },
    { "flag", QMP_ARG_BOOL, .optional = true },
    { "value", QMP_ARG_ANY, .optional = true },
    { NULL }
};

static bool cmd_echo(JsonObject *args, JsonNode **ret, GError **errp)
{
    *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(*ret, json_object_get_string_member(args, "path"));
    return true;
}

static bool cmd_find(JsonObject *args, JsonNode **ret, GError **errp)
{
    error_set(errp, QEMU_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
              "vm9");
    return false;
}

static bool cmd_raw(JsonObject *args, JsonNode **ret, GError **errp)
{
    *ret = json_node_new(JSON_NODE_VALUE);
    json_node_set_int(*ret, json_object_get_size(args));
    return true;
}

/* Dispatch @text on a negotiated session; return the response text. */
static char *run(const char *text, bool negotiated)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(JsonNode) resp = NULL;
    g_autoptr(JsonGenerator) gen = json_generator_new();
    bool done = false;

    g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
    resp = qmp_dispatch(json_parser_get_root(p), negotiated, &done);
    json_generator_set_root(gen, resp);
    return json_generator_to_data(gen, NULL);
}

static void check(const char *request, const char *expected)
{
    g_autofree char *got = run(request, true);

    g_assert_cmpstr(got, ==, expected);
}

static void test_success_and_id(void)
{
    check("{\"execute\":\"test-echo\",\"arguments\":{\"path\":\"/a\"},"
          "\"id\":[1]}", "{\"return\":\"/a\",\"id\":[1]}");
    check("{\"execute\":\"test-echo\",\"arguments\":{\"path\":\"x\","
          "\"count\":3,\"ratio\":0.5,\"flag\":true,\"value\":null}}",
          "{\"return\":\"x\"}");
}

/* Registrations run from every *_register_types() that needs them. */
static void test_register_again_is_a_no_op(void)
{
    qmp_register_command("test-echo", cmd_echo, echo_args, 0);
    qmp_register_builtin_commands();
    qmp_event_set_rate_limit("TEST_REGISTERED_TWICE", 1000, "id");
    qmp_event_set_rate_limit("TEST_REGISTERED_TWICE", 1000, "id");
    check("{\"execute\":\"test-echo\",\"arguments\":{\"path\":\"/b\"}}",
          "{\"return\":\"/b\"}");
}

/* The same name with another handler is a programming error. */
static void test_register_other_handler_aborts(void)
{
    if (g_test_subprocess()) {
        qmp_register_command("test-echo", cmd_find, NULL, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
}

static void test_missing_argument(void)
{
    check("{\"execute\":\"test-echo\"}",
          "{\"error\":{\"class\":\"GenericError\","
          "\"desc\":\"Parameter 'path' is missing\"}}");
}

static void test_unexpected_argument(void)
{
    check("{\"execute\":\"test-echo\",\"arguments\":{\"path\":\"a\","
          "\"x\":1}}",
          "{\"error\":{\"class\":\"GenericError\","
          "\"desc\":\"Parameter 'x' is unexpected\"}}");
}

static void test_mistyped_arguments(void)
{
    static const struct {
        const char *args;
        const char *desc;
    } cases[] = {
        { "{\"path\":1}", "'path', expected: string" },
        { "{\"path\":\"a\",\"count\":1.5}", "'count', expected: integer" },
        { "{\"path\":\"a\",\"count\":\"1\"}", "'count', expected: integer" },
        { "{\"path\":\"a\",\"ratio\":true}", "'ratio', expected: number" },
        { "{\"path\":\"a\",\"flag\":\"on\"}", "'flag', expected: boolean" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *req = g_strdup_printf(
            "{\"execute\":\"test-echo\",\"arguments\":%s}", cases[i].args);
        g_autofree char *want = g_strdup_printf(
            "{\"error\":{\"class\":\"GenericError\",\"desc\":"
            "\"Invalid parameter type for %s\"}}", cases[i].desc);

        check(req, want);
    }
}

static void test_device_not_found_class(void)
{
    check("{\"execute\":\"test-find\",\"id\":\"q\"}",
          "{\"id\":\"q\",\"error\":{\"class\":\"DeviceNotFound\","
          "\"desc\":\"Device 'vm9' not found\"}}");
}

static void test_command_not_found(void)
{
    check("{\"execute\":\"test-nope\"}",
          "{\"error\":{\"class\":\"CommandNotFound\","
          "\"desc\":\"The command test-nope has not been found\"}}");
}

static void test_no_arg_check_flag(void)
{
    check("{\"execute\":\"test-raw\",\"arguments\":{\"a\":1,\"b\":2}}",
          "{\"return\":2}");
}

static void test_negotiation(void)
{
    g_autofree char *before = run("{\"execute\":\"test-echo\"}", false);
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(JsonNode) resp = NULL;
    bool done = false;

    g_assert_cmpstr(before, ==, "{\"error\":{\"class\":\"CommandNotFound\","
                    "\"desc\":\"Expecting capabilities negotiation with "
                    "'qmp_capabilities'\"}}");
    g_assert_true(json_parser_load_from_data(
        p, "{\"execute\":\"qmp_capabilities\"}", -1, NULL));
    resp = qmp_dispatch(json_parser_get_root(p), false, &done);
    g_assert_true(done);
    g_assert_true(json_object_has_member(json_node_get_object(resp),
                                         "return"));
}

static void test_query_commands_sorted(void)
{
    g_autoptr(GPtrArray) names = qmp_command_names();

    g_assert_cmpuint(names->len, >=, 6);
    for (guint i = 1; i < names->len; i++) {
        g_assert_cmpint(strcmp(g_ptr_array_index(names, i - 1),
                               g_ptr_array_index(names, i)), <, 0);
    }
    g_assert_true(qmp_command_exists("test-echo"));
    g_assert_false(qmp_command_exists("test-missing"));
}

/* --- events --- */

static GPtrArray *seen_events;

static void observe(const char *line, void *opaque)
{
    g_ptr_array_add(seen_events, g_strdup(line));
}

static JsonObject *ev_data(const char *id, int n)
{
    JsonObject *d = json_object_new();

    json_object_set_string_member(d, "id", id);
    json_object_set_int_member(d, "n", n);
    return d;
}

/* "id:n" of seen event @i. */
static char *seen(guint i)
{
    g_autoptr(JsonParser) p = json_parser_new();
    JsonObject *ev, *data;

    g_assert_true(json_parser_load_from_data(
        p, g_ptr_array_index(seen_events, i), -1, NULL));
    ev = json_node_get_object(json_parser_get_root(p));
    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==,
                    "TEST_LIMITED");
    g_assert_true(json_object_has_member(
        json_object_get_object_member(ev, "timestamp"), "microseconds"));
    data = json_object_get_object_member(ev, "data");
    return g_strdup_printf("%s:%" PRId64,
                           json_object_get_string_member(data, "id"),
                           json_object_get_int_member(data, "n"));
}

static void wait_for_events(guint n)
{
    while (seen_events->len < n) {
        g_main_context_iteration(NULL, true);
    }
}

static gboolean set_flag(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

static void test_rate_limit_latest_wins(void)
{
    g_autofree char *s0 = NULL, *s1 = NULL, *s2 = NULL, *s3 = NULL;
    g_autofree char *s4 = NULL;
    bool quiet = false;

    seen_events = g_ptr_array_new_with_free_func(g_free);
    qmp_event_set_observer(observe, NULL);

    qmp_event_send("TEST_LIMITED", ev_data("a", 1));
    qmp_event_send("TEST_LIMITED", ev_data("a", 2));
    qmp_event_send("TEST_LIMITED", ev_data("a", 3));
    qmp_event_send("TEST_LIMITED", ev_data("b", 1));
    /* First of each key at once; the rest held back. */
    g_assert_cmpuint(seen_events->len, ==, 2);
    s0 = seen(0);
    s1 = seen(1);
    g_assert_cmpstr(s0, ==, "a:1");
    g_assert_cmpstr(s1, ==, "b:1");

    /* When a's window closes, only the latest (a:3) goes out. */
    wait_for_events(3);
    s2 = seen(2);
    g_assert_cmpstr(s2, ==, "a:3");

    /* a's new window is open: a:4 is held until it closes. */
    qmp_event_send("TEST_LIMITED", ev_data("a", 4));
    g_assert_cmpuint(seen_events->len, ==, 3);
    wait_for_events(4);
    s3 = seen(3);
    g_assert_cmpstr(s3, ==, "a:4");

    /* After a quiet window the state is dropped: next one is immediate. */
    g_timeout_add(100, set_flag, &quiet);
    while (!quiet) {
        g_main_context_iteration(NULL, true);
    }
    g_assert_cmpuint(seen_events->len, ==, 4);
    qmp_event_send("TEST_LIMITED", ev_data("a", 5));
    g_assert_cmpuint(seen_events->len, ==, 5);
    s4 = seen(4);
    g_assert_cmpstr(s4, ==, "a:5");

    qmp_event_set_observer(NULL, NULL);
    g_ptr_array_unref(seen_events);
}

typedef struct DeferredSource {
    const char *id;
    int64_t n;                  /* state the data is built from */
    unsigned builds;            /* calls of the builder */
} DeferredSource;

static JsonObject *build_deferred(void *opaque)
{
    DeferredSource *src = opaque;

    src->builds++;
    return ev_data(src->id, src->n);
}

/*
 * The deferred form builds data only for events that go out: the first of
 * a window at once, the latest of a burst when the window closes; a flush
 * builds early so that the source may go away, and the event still goes
 * out when its window closes.
 */
static void test_rate_limit_deferred_builds_only_sent(void)
{
    g_autofree char *s0 = NULL, *s1 = NULL, *s2 = NULL, *s3 = NULL;
    DeferredSource a = { .id = "da" }, *b = g_new0(DeferredSource, 1);

    seen_events = g_ptr_array_new_with_free_func(g_free);
    qmp_event_set_observer(observe, NULL);

    for (a.n = 1; a.n <= 100; a.n++) {
        qmp_event_send_deferred("TEST_LIMITED", "da", build_deferred, &a);
    }
    a.n--;
    g_assert_cmpuint(seen_events->len, ==, 1);
    g_assert_cmpuint(a.builds, ==, 1);          /* not 100 */
    wait_for_events(2);
    g_assert_cmpuint(a.builds, ==, 2);
    s0 = seen(0);
    s1 = seen(1);
    g_assert_cmpstr(s0, ==, "da:1");
    g_assert_cmpstr(s1, ==, "da:100");

    /* a source about to go away: flush builds now, sending still waits */
    b->id = "db";
    b->n = 1;
    qmp_event_send_deferred("TEST_LIMITED", "db", build_deferred, b);
    b->n = 2;
    qmp_event_send_deferred("TEST_LIMITED", "db", build_deferred, b);
    g_assert_cmpuint(b->builds, ==, 1);
    qmp_event_flush_deferred("TEST_LIMITED", "db");
    g_assert_cmpuint(b->builds, ==, 2);
    g_assert_cmpuint(seen_events->len, ==, 3);
    b->n = 99;                                  /* too late to be seen */
    g_free(b);
    wait_for_events(4);
    s2 = seen(2);
    s3 = seen(3);
    g_assert_cmpstr(s2, ==, "db:1");
    g_assert_cmpstr(s3, ==, "db:2");

    qmp_event_set_observer(NULL, NULL);
    g_ptr_array_unref(seen_events);
}

static void test_unlimited_event_shape(void)
{
    g_autoptr(JsonParser) p = json_parser_new();
    JsonObject *ev;

    seen_events = g_ptr_array_new_with_free_func(g_free);
    qmp_event_set_observer(observe, NULL);
    qmp_event_send("TEST_PLAIN", NULL);
    qmp_event_set_observer(NULL, NULL);
    g_assert_cmpuint(seen_events->len, ==, 1);
    g_assert_true(json_parser_load_from_data(
        p, g_ptr_array_index(seen_events, 0), -1, NULL));
    ev = json_node_get_object(json_parser_get_root(p));
    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==,
                    "TEST_PLAIN");
    g_assert_false(json_object_has_member(ev, "data"));
    g_assert_cmpint(json_object_get_int_member(
        json_object_get_object_member(ev, "timestamp"), "seconds"), >,
        1500000000);
    g_ptr_array_unref(seen_events);
}

static void collect_line(void *opaque, const char *line)
{
    g_ptr_array_add(opaque, g_strdup(line));
}

/*
 * Issue 15 item 3: a response too long for the peer's queue is replaced
 * by an error response, whole, never sent cut short.
 */
static void test_response_over_limit(void)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    Monitor *mon = monitor_new_detached(collect_line, lines);
    g_autofree char *pad = g_strnfill(300, 'x');
    g_autofree char *req = g_strdup_printf(
        "{\"execute\": \"qmp_capabilities\", \"id\": \"%s\"}", pad);
    const char *small = "{\"execute\": \"qmp_capabilities\", \"id\": 1}";
    const char *line;

    monitor_set_reply_max(mon, 200);
    monitor_feed_detached(mon, (const uint8_t *)req, strlen(req));
    monitor_feed_detached(mon, (const uint8_t *)small, strlen(small));
    monitor_free_detached(mon);
    g_assert_cmpuint(lines->len, ==, 2);
    line = g_ptr_array_index(lines, 0);
    g_assert_cmpstr(line, ==, "{\"error\": {\"class\": \"GenericError\", "
                    "\"desc\": \"QMP response of 326 bytes exceeds the limit "
                    "of 200 bytes\"}}");
    line = g_ptr_array_index(lines, 1);
    g_assert_cmpuint(strlen(line) + 2, <=, 200);
    g_assert_true(g_str_has_prefix(line, "{\"id\": 1, \"error\": "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qmp_register_builtin_commands();
    qmp_register_command("test-echo", cmd_echo, echo_args, 0);
    qmp_register_command("test-find", cmd_find, NULL, 0);
    qmp_register_command("test-raw", cmd_raw, NULL, QMP_CMD_NO_ARG_CHECK);
    qmp_event_set_rate_limit("TEST_LIMITED", 5, "id");

    g_test_add_func("/qmp/dispatch/success-and-id", test_success_and_id);
    g_test_add_func("/qmp/dispatch/missing-argument", test_missing_argument);
    g_test_add_func("/qmp/dispatch/register-again-is-a-no-op",
                    test_register_again_is_a_no_op);
    g_test_add_func("/qmp/dispatch/register-other-handler-aborts",
                    test_register_other_handler_aborts);
    g_test_add_func("/qmp/dispatch/unexpected-argument",
                    test_unexpected_argument);
    g_test_add_func("/qmp/dispatch/mistyped-arguments",
                    test_mistyped_arguments);
    g_test_add_func("/qmp/dispatch/device-not-found-class",
                    test_device_not_found_class);
    g_test_add_func("/qmp/dispatch/command-not-found",
                    test_command_not_found);
    g_test_add_func("/qmp/dispatch/no-arg-check-flag",
                    test_no_arg_check_flag);
    g_test_add_func("/qmp/dispatch/negotiation", test_negotiation);
    g_test_add_func("/qmp/monitor/response-over-limit",
                    test_response_over_limit);
    g_test_add_func("/qmp/dispatch/command-names-sorted",
                    test_query_commands_sorted);
    g_test_add_func("/qmp/event/rate-limit-latest-wins",
                    test_rate_limit_latest_wins);
    g_test_add_func("/qmp/event/rate-limit-deferred-builds-only-sent",
                    test_rate_limit_deferred_builds_only_sent);
    g_test_add_func("/qmp/event/unlimited-shape",
                    test_unlimited_event_shape);
    return g_test_run();
}
