/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Set-up shared by every fuzz target, in the libFuzzer and the replay
 * builds alike: a GLib critical or warning (a g_return_if_fail() that
 * failed in GLib or json-glib, i.e. a caller's bug) is printed and
 * aborts, so libFuzzer reports it as a crash and saves the input.  (GLib's
 * own fatal mask would raise SIGTRAP, which libFuzzer does not catch.)
 */
#include "qemu/osdep.h"
#include "fuzz.h"

static void fuzz_log_handler(const char *domain, GLogLevelFlags level,
                             const char *message, gpointer opaque)
{
    g_log_default_handler(domain, level, message, opaque);
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
                 G_LOG_LEVEL_WARNING)) {
        abort();
    }
}

static void __attribute__((constructor)) fuzz_common_init(void)
{
    g_log_set_default_handler(fuzz_log_handler, NULL);
}
