/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages for the user on standard error, prefixed with the program name
 * ("qemu-system-x86_64: ...").  Only the layers that own the conversation
 * with the user (command line, monitor, devices logging guest misbehaviour)
 * print; util/ and softmmu/ return errors instead.
 */
#ifndef QEMU_ERROR_REPORT_H
#define QEMU_ERROR_REPORT_H

#include "qemu/osdep.h"

void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void info_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * -msg timestamp=on: prefix every report with the current UTC time in
 * ISO 8601 with microseconds ("2026-12-06T04:14:29.313206Z "), as QEMU.
 */
void error_report_set_timestamp(bool enable);

/*
 * Report only the first time this call site is reached (per process).
 * Evaluates to true when it printed.
 */
#define warn_report_once(fmt, ...)                      \
    ({                                                  \
        static bool print_once_;                        \
        bool printed_ = !print_once_;                   \
        if (printed_) {                                 \
            print_once_ = true;                         \
            warn_report(fmt, ##__VA_ARGS__);            \
        }                                               \
        printed_;                                       \
    })

#define error_report_once(fmt, ...)                     \
    ({                                                  \
        static bool print_once_;                        \
        bool printed_ = !print_once_;                   \
        if (printed_) {                                 \
            print_once_ = true;                         \
            error_report(fmt, ##__VA_ARGS__);           \
        }                                               \
        printed_;                                       \
    })

#endif /* QEMU_ERROR_REPORT_H */
