/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reset path Linux's reboot=k takes: keyboard controller command
 * 0xFE at port 0x64 resets the machine (RESET event, guest: true), or
 * with -no-reboot shuts it down (SHUTDOWN, reason guest-reset).  Other
 * commands do nothing.  Runs against QEMU 7.2 too (qtest-reference).
 */
#include "qemu/osdep.h"

#include "libqtest.h"

static const char *event_data_str(JsonObject *ev, const char *key)
{
    JsonObject *data = json_object_get_object_member(ev, "data");

    return json_object_get_string_member(data, key);
}

static void test_pulse_resets(void)
{
    QTestState *qts = qtest_init("-machine q35");
    JsonObject *ev;

    qtest_outb(qts, 0x64, 0xfe);
    ev = qtest_qmp_eventwait_ref(qts, "RESET");
    g_assert_true(json_object_get_boolean_member(
                      json_object_get_object_member(ev, "data"), "guest"));
    g_assert_cmpstr(event_data_str(ev, "reason"), ==, "guest-reset");
    json_object_unref(ev);
    /* Still running: the machine answers. */
    qtest_qmp_assert_success(qts, "{'execute': 'query-status'}");
    qtest_quit(qts);
}

static void test_other_commands_ignored(void)
{
    QTestState *qts = qtest_init("-machine q35");

    qtest_outb(qts, 0x64, 0xd1);
    qtest_outb(qts, 0x64, 0xff);
    qtest_qmp_assert_success(qts, "{'execute': 'query-status'}");
    g_assert_null(qtest_qmp_event_ref(qts, "RESET"));
    qtest_quit(qts);
}

static void test_no_reboot_shuts_down(void)
{
    QTestState *qts = qtest_init("-machine q35 -no-reboot");
    JsonObject *ev;

    qtest_outb(qts, 0x64, 0xfe);
    ev = qtest_qmp_eventwait_ref(qts, "SHUTDOWN");
    g_assert_true(json_object_get_boolean_member(
                      json_object_get_object_member(ev, "data"), "guest"));
    g_assert_cmpstr(event_data_str(ev, "reason"), ==, "guest-reset");
    json_object_unref(ev);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kbd-reset/pulse-resets", test_pulse_resets);
    g_test_add_func("/kbd-reset/other-commands", test_other_commands_ignored);
    g_test_add_func("/kbd-reset/no-reboot", test_no_reboot_shuts_down);
    return g_test_run();
}
