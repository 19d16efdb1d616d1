/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for util/log.c: -d items and their filtering, trace events enabled
 * by pattern, -trace option parsing, and the log file.  Output goes to a
 * temporary file that each test reads back.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include "qemu/log.h"
#include "qapi/error.h"

TRACE_EVENT(test_log_plug_request);
TRACE_EVENT(test_log_unplug_request);
TRACE_EVENT(test_log_other);

typedef struct LogFixture {
    char *dir;
    char *path;
} LogFixture;

static void fixture_setup(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("test-log-XXXXXX", &err);
    g_assert_no_error(err);
    f->path = g_build_filename(f->dir, "log", NULL);
    g_assert_true(qemu_set_log_filename(f->path, &err));
    g_assert_no_error(err);
    qemu_set_log_mask(0);
    trace_set_pattern("*", false);
}

static void fixture_teardown(LogFixture *f, gconstpointer data)
{
    g_assert_true(qemu_set_log_filename(NULL, NULL));
    qemu_set_log_mask(0);
    trace_set_pattern("*", false);
    unlink(f->path);
    rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static char *read_log(LogFixture *f)
{
    g_autoptr(GError) err = NULL;
    char *contents = NULL;

    qemu_log_flush();
    g_assert_true(g_file_get_contents(f->path, &contents, NULL, &err));
    g_assert_no_error(err);
    return contents;
}

static void test_mask_filters(LogFixture *f, gconstpointer data)
{
    g_autofree char *log = NULL;

    qemu_set_log_mask(LOG_GUEST_ERROR);
    qemu_log_mask(LOG_GUEST_ERROR, "bad request 0x%x\n", 0x1000);
    qemu_log_mask(LOG_UNIMP, "unimplemented %d\n", 1);
    qemu_log_mask(LOG_GUEST_ERROR | LOG_UNIMP, "either\n");
    log = read_log(f);
    g_assert_cmpstr(log, ==, "bad request 0x1000\neither\n");
    g_assert_true(qemu_log_separate());
}

static void test_mask_str_items(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;

    g_assert_true(qemu_set_log_mask_str("guest_errors,unimp", &err));
    g_assert_no_error(err);
    g_assert_true(qemu_loglevel_mask(LOG_GUEST_ERROR));
    g_assert_true(qemu_loglevel_mask(LOG_UNIMP));
    /* -d replaces the mask; empty items are skipped. */
    g_assert_true(qemu_set_log_mask_str("unimp,,", &err));
    g_assert_false(qemu_loglevel_mask(LOG_GUEST_ERROR));
    g_assert_true(qemu_loglevel_mask(LOG_UNIMP));
    qemu_log_mask(LOG_GUEST_ERROR, "hidden\n");
    qemu_log_mask(LOG_UNIMP, "shown\n");
    log = read_log(f);
    g_assert_cmpstr(log, ==, "shown\n");
}

static void test_mask_str_bad_item(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    qemu_set_log_mask(LOG_UNIMP);
    g_assert_false(qemu_set_log_mask_str("guest_errors,bogus_item", &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "'bogus_item'"));
    /* Nothing was applied. */
    g_assert_false(qemu_loglevel_mask(LOG_GUEST_ERROR));
    g_assert_true(qemu_loglevel_mask(LOG_UNIMP));
    g_clear_error(&err);
    g_assert_false(qemu_set_log_mask_str("trace:", &err));
    g_assert_nonnull(strstr(err->message, "'trace:'"));
    g_clear_error(&err);
    g_assert_false(qemu_set_log_mask_str("help", &err));
    g_assert_false(qemu_set_log_mask_str("bogus", NULL));
}

static void test_help(LogFixture *f, gconstpointer data)
{
    g_autofree char *help = qemu_log_help_text();
    g_autofree char *events = trace_help_text();

    g_assert_true(qemu_log_str_is_help("help"));
    g_assert_true(qemu_log_str_is_help("unimp,help"));
    g_assert_true(qemu_log_str_is_help("trace:help"));
    g_assert_false(qemu_log_str_is_help("unimp,helpful"));
    g_assert_nonnull(strstr(help, "\nguest_errors "));
    g_assert_nonnull(strstr(help, "\nunimp "));
    g_assert_nonnull(strstr(help, "\ntrace:PATTERN "));
    /* Sorted, one per line. */
    g_assert_nonnull(strstr(events, "test_log_other\n"
                            "test_log_plug_request\n"
                            "test_log_unplug_request\n"));
}

static void test_trace_pattern(LogFixture *f, gconstpointer data)
{
    g_autofree char *log = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_false(trace_event_enabled("test_log_plug_request"));
    g_assert_false(qemu_loglevel_mask(LOG_TRACE));
    g_assert_cmpuint(trace_enable_pattern("test_log_*_request"), ==, 2);
    g_assert_true(trace_event_enabled("test_log_plug_request"));
    g_assert_true(trace_event_enabled("test_log_unplug_request"));
    g_assert_false(trace_event_enabled("test_log_other"));
    g_assert_false(trace_event_enabled("no_such_event"));
    g_assert_true(qemu_loglevel_mask(LOG_TRACE));
    g_assert_true(trace_event_get_state(test_log_plug_request));

    trace(test_log_plug_request, "addr=0x%" PRIx64 " size=0x%" PRIx64,
          (uint64_t)0x140000000, (uint64_t)0x200000);
    trace(test_log_other, "not enabled");
    log = read_log(f);
    lines = g_strsplit(log, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 2);
    g_assert_true(g_regex_match_simple(
        "^[0-9]+@[0-9]+\\.[0-9]{6}:test_log_plug_request "
        "addr=0x140000000 size=0x200000$", lines[0], 0, 0));
    g_assert_cmpstr(lines[1], ==, "");

    g_assert_cmpuint(trace_set_pattern("test_log_plug*", false), ==, 1);
    g_assert_false(trace_event_enabled("test_log_plug_request"));
    g_assert_cmpuint(trace_set_pattern("test_log_unplug_request", false),
                     ==, 1);
    g_assert_false(qemu_loglevel_mask(LOG_TRACE));
}

static void test_trace_via_d_option(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qemu_set_log_mask_str("guest_errors,trace:test_log_oth?r",
                                        &err));
    g_assert_true(trace_event_enabled("test_log_other"));
    g_assert_false(trace_event_enabled("test_log_plug_request"));
    g_assert_true(qemu_loglevel_mask(LOG_GUEST_ERROR));
    /* A new mask keeps the trace bit while events are on. */
    qemu_set_log_mask(0);
    g_assert_true(qemu_loglevel_mask(LOG_TRACE));
}

static void test_pattern_applies_to_later_events(LogFixture *f,
                                                 gconstpointer data)
{
    static TraceEvent late = { .name = "test_log_late_event" };
    static TraceEvent later = { .name = "test_log_later_event" };

    g_assert_cmpuint(trace_enable_pattern("test_log_late*"), ==, 0);
    trace_set_pattern("test_log_later_event", false);
    trace_event_register(&late);
    trace_event_register(&later);
    g_assert_true(late.enabled);
    g_assert_false(later.enabled);
    g_assert_true(trace_event_find("test_log_late_event") == &late);
}

static void test_trace_opt_parse(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *events = g_build_filename(f->dir, "events", NULL);
    g_autofree char *other_log = g_build_filename(f->dir, "other", NULL);
    g_autofree char *opt = NULL;
    char *unmatched = NULL;

    g_assert_true(trace_opt_parse("test_log_other", &unmatched, &err));
    g_assert_no_error(err);
    g_assert_null(unmatched);
    g_assert_true(trace_event_enabled("test_log_other"));

    g_assert_true(trace_opt_parse("enable=no_such_event", &unmatched,
                                  &err));
    g_assert_cmpstr(unmatched, ==, "no_such_event");
    g_free(unmatched);
    g_assert_true(trace_opt_parse("enable=no_such_*", &unmatched, &err));
    g_assert_null(unmatched);

    g_assert_true(g_file_set_contents(events,
                                      "# comment\n\n  test_log_*_request\n"
                                      "-test_log_other\n", -1, &err));
    opt = g_strdup_printf("events=%s,file=%s", events, other_log);
    g_assert_true(trace_opt_parse(opt, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(trace_event_enabled("test_log_plug_request"));
    g_assert_true(trace_event_enabled("test_log_unplug_request"));
    g_assert_false(trace_event_enabled("test_log_other"));
    qemu_log("to the other file\n");
    qemu_log_flush();
    g_assert_true(g_file_test(other_log, G_FILE_TEST_EXISTS));
    unlink(other_log);
}

static void test_trace_opt_errors(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    char *unmatched = NULL;

    g_assert_false(trace_opt_parse("test_log_other,bogus=1", &unmatched,
                                   &err));
    g_assert_cmpstr(err->message, ==, "Invalid parameter 'bogus'");
    g_assert_null(unmatched);
    /* Checked before anything was applied. */
    g_assert_false(trace_event_enabled("test_log_other"));
    g_clear_error(&err);
    g_assert_false(trace_opt_parse("test_log_other,test_log_plug*", NULL,
                                   &err));
    g_assert_cmpstr(err->message, ==,
                    "Invalid parameter 'test_log_plug*'");
    g_clear_error(&err);
    g_assert_false(trace_opt_parse("events=/nonexistent/events", NULL,
                                   &err));
    g_assert_nonnull(strstr(err->message, "/nonexistent/events"));
}

static void test_bad_log_file(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;
    g_autofree char *expected =
        g_strdup_printf("Error opening logfile /nonexistent/dir/log: %s",
                        g_strerror(ENOENT));

    g_assert_false(qemu_set_log_filename("/nonexistent/dir/log", &err));
    g_assert_cmpstr(err->message, ==, expected);
    /* The previous file is still the output. */
    qemu_log("still here\n");
    log = read_log(f);
    g_assert_cmpstr(log, ==, "still here\n");
}

static void test_pid_in_filename(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pattern = g_build_filename(f->dir, "log.%d", NULL);
    g_autofree char *name = g_strdup_printf("log.%d", (int)getpid());
    g_autofree char *expanded = g_build_filename(f->dir, name, NULL);

    g_assert_true(qemu_set_log_filename(pattern, &err));
    qemu_log("x\n");
    qemu_log_flush();
    g_assert_true(g_file_test(expanded, G_FILE_TEST_EXISTS));
    g_assert_true(qemu_set_log_filename(f->path, &err));
    unlink(expanded);
}

/*
 * Issue 15 item 9: -D through a symbolic link is refused, and the file it
 * points to is not truncated.
 */
static void test_symlink_refused(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *target = g_build_filename(f->dir, "precious", NULL);
    g_autofree char *link = g_build_filename(f->dir, "link.log", NULL);
    g_autofree char *expected = g_strdup_printf(
        "Error opening logfile %s: it is a symbolic link, which is not "
        "followed", link);
    g_autofree char *contents = NULL;

    g_assert_true(g_file_set_contents(target, "keep me", -1, NULL));
    g_assert_cmpint(symlink(target, link), ==, 0);
    g_assert_false(qemu_set_log_filename(link, &err));
    g_assert_cmpstr(err->message, ==, expected);
    g_assert_true(g_file_get_contents(target, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "keep me");
    /* a plain file is still truncated, as QEMU does */
    g_assert_true(qemu_set_log_filename(target, NULL));
    g_clear_pointer(&contents, g_free);
    g_assert_true(g_file_get_contents(target, &contents, NULL, NULL) &&
                  !*contents);
    g_assert_true(qemu_set_log_filename(f->path, NULL));
    unlink(link);
    unlink(target);
}

/*
 * The one exception: exactly /dev/stderr is our own descriptor 2,
 * duplicated: what stderr points to (a file here) is appended to, not
 * truncated.  Any other spelling of the link is still refused.
 */
static void test_dev_stderr_is_our_stderr(LogFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *errfile = g_build_filename(f->dir, "stderr", NULL);
    g_autofree char *contents = NULL;
    int saved = dup(STDERR_FILENO);
    int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    g_assert_cmpint(saved, >=, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "before\n", 7), ==, 7);
    fflush(stderr);
    g_assert_cmpint(dup2(fd, STDERR_FILENO), ==, STDERR_FILENO);
    close(fd);

    g_assert_true(qemu_set_log_filename("/dev/stderr", &err));
    g_assert_no_error(err);
    qemu_set_log_mask(LOG_GUEST_ERROR);
    qemu_log_mask(LOG_GUEST_ERROR, "logged\n");
    qemu_log_flush();
    g_assert_false(qemu_set_log_filename("/dev/./stderr", &err));
    g_assert_cmpstr(err->message, ==, "Error opening logfile /dev/./stderr: "
                    "it is a symbolic link, which is not followed");
    g_assert_true(qemu_set_log_filename(f->path, NULL));

    dup2(saved, STDERR_FILENO);
    close(saved);
    g_assert_true(g_file_get_contents(errfile, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "before\nlogged\n");
    unlink(errfile);
}

#define ADD(path, fn) \
    g_test_add(path, LogFixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/log/mask/filters-by-item", test_mask_filters);
    ADD("/log/mask-str/replaces-mask", test_mask_str_items);
    ADD("/log/mask-str/bad-item-named-and-not-applied",
        test_mask_str_bad_item);
    ADD("/log/help/lists-items-and-events", test_help);
    ADD("/log/trace/pattern-enables-matching-events", test_trace_pattern);
    ADD("/log/trace/d-option-trace-items", test_trace_via_d_option);
    ADD("/log/trace/pattern-applies-to-later-events",
        test_pattern_applies_to_later_events);
    ADD("/log/trace-opt/enable-events-file", test_trace_opt_parse);
    ADD("/log/trace-opt/errors-apply-nothing", test_trace_opt_errors);
    ADD("/log/file/open-error-keeps-output", test_bad_log_file);
    ADD("/log/file/pid-in-name", test_pid_in_filename);
    ADD("/log/file/symlink-refused", test_symlink_refused);
    ADD("/log/file/dev-stderr-is-our-stderr", test_dev_stderr_is_our_stderr);
    return g_test_run();
}
