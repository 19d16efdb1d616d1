/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Termination signals (SIGINT, SIGTERM, SIGHUP) for the whole life of the
 * process.  The handler only records the signal and makes a pipe
 * readable; whoever runs decides what to do with it: the main loop turns
 * it into a shutdown request, a blocking wait at start-up (a server
 * socket waiting for its first client) gives up waiting, and after the
 * main loop it is ignored while cleanup runs to its end.  Implemented in
 * util/term-signal.c.
 */
#ifndef QEMU_TERM_SIGNAL_H
#define QEMU_TERM_SIGNAL_H

#include "qemu/osdep.h"

/*
 * Install the handlers for SIGINT, SIGTERM and SIGHUP (SA_RESTART: no
 * other system call sees EINTR) and create the notification pipe.
 * Idempotent.  Returns false with errno set if the pipe cannot be made.
 */
bool qemu_term_signal_init(void);

/*
 * The read end of the notification pipe: readable once a termination
 * signal has arrived (it stays readable until qemu_term_signal_take());
 * -1 before qemu_term_signal_init().  For poll()/GLib watches.
 */
int qemu_term_signal_fd(void);

/*
 * The number of the first termination signal received and not yet taken,
 * or 0.  Does not consume it.
 */
int qemu_term_signal_pending(void);

/*
 * Like qemu_term_signal_pending(), and consume it: the pipe is drained
 * and the next call returns 0 until another signal arrives.
 */
int qemu_term_signal_take(void);

#endif /* QEMU_TERM_SIGNAL_H */
