/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Termination signals, recorded from start-up to exit (see
 * include/qemu/term-signal.h).  This file owns the handler and the
 * self-pipe; it does nothing else in signal context.
 */
#include "qemu/osdep.h"
#include "qemu/term-signal.h"
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t pending_sig;
static int pipe_fds[2] = { -1, -1 };

static void term_handler(int sig)
{
    int saved = errno;
    char c = 0;

    if (!pending_sig) {
        pending_sig = sig;
    }
    if (pipe_fds[1] >= 0 && write(pipe_fds[1], &c, 1) < 0) {
        /* The pipe is full: it is readable already. */
    }
    errno = saved;
}

bool qemu_term_signal_init(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa = { .sa_handler = term_handler,
                            .sa_flags = SA_RESTART };

    if (pipe_fds[0] >= 0) {
        return true;
    }
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        return false;
    }
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        sigaddset(&sa.sa_mask, sigs[i]);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    return true;
}

int qemu_term_signal_fd(void)
{
    return pipe_fds[0];
}

int qemu_term_signal_pending(void)
{
    return pending_sig;
}

int qemu_term_signal_take(void)
{
    char buf[64];
    int sig;

    /*
     * Drain first: a signal arriving after the drain leaves its byte in
     * the pipe, so a watch on it fires again.
     */
    while (pipe_fds[0] >= 0 && read(pipe_fds[0], buf, sizeof(buf)) > 0) {
        /* drain */
    }
    sig = pending_sig;
    pending_sig = 0;
    return sig;
}
