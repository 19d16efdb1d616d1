/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Set-up shared by every fuzz target, in the libFuzzer and the replay
 * builds alike: a GLib critical or warning (a g_return_if_fail() that
 * failed in GLib or json-glib, i.e. a caller's bug) is printed and
 * aborts, so libFuzzer reports it as a crash and saves the input.  (GLib's
 * own fatal mask would raise SIGTRAP, which libFuzzer does not catch.)
 * Also fuzz_fork_run() (see fuzz.h), for targets whose code exits.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include "fuzz.h"

/* libFuzzer's inline 8-bit counters (absent without -fsanitize=fuzzer). */
extern uint8_t __start___sancov_cntrs[] __attribute__((weak));
extern uint8_t __stop___sancov_cntrs[] __attribute__((weak));
/* Sanitizer runtime hook (absent without sanitizers). */
extern void __sanitizer_set_death_callback(void (*cb)(void))
    __attribute__((weak));

static uint8_t *child_cov;      /* shared with the child */
static size_t cov_len;
static bool in_child;

static void child_cov_flush(void)
{
    if (in_child && child_cov) {
        memcpy(child_cov, __start___sancov_cntrs, cov_len);
    }
}

void fuzz_child_exit(int status)
{
    child_cov_flush();
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

/* exit() in the child: keep its status, skip everything else. */
static void child_on_exit(int status, void *opaque)
{
    fuzz_child_exit(status);
}

static void child_on_death(void)
{
    fuzz_child_exit(FUZZ_CHILD_SANITIZER);
}

int fuzz_fork_run(void (*fn)(void *opaque), void *opaque,
                  unsigned timeout_ms)
{
    int wstatus = 0;
    pid_t pid, r;
    gint64 deadline;

    uint8_t *start = __start___sancov_cntrs, *stop = __stop___sancov_cntrs;

    if (!child_cov && start && stop && stop > start) {
        cov_len = stop - start;
        child_cov = mmap(NULL, cov_len, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        g_assert(child_cov != MAP_FAILED);
    }
    if (child_cov) {
        memset(child_cov, 0, cov_len);
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        in_child = true;
        on_exit(child_on_exit, NULL);
        if (__sanitizer_set_death_callback) {
            __sanitizer_set_death_callback(child_on_death);
        }
        fn(opaque);
        fuzz_child_exit(0);
    }
    deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while ((r = waitpid(pid, &wstatus, WNOHANG)) == 0 &&
           g_get_monotonic_time() < deadline) {
        g_usleep(200);
    }
    if (r == 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
            /* retry */
        }
        return -1;
    }
    if (child_cov) {
        for (size_t i = 0; i < cov_len; i++) {
            unsigned sum = __start___sancov_cntrs[i] + child_cov[i];

            __start___sancov_cntrs[i] = MIN(sum, 255u);
        }
    }
    if (WIFSIGNALED(wstatus) ||
        (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == FUZZ_CHILD_SANITIZER)) {
        fprintf(stderr, "fuzz: the child %s %d\n",
                WIFSIGNALED(wstatus) ? "died of signal" : "exited with",
                WIFSIGNALED(wstatus) ? WTERMSIG(wstatus)
                                     : WEXITSTATUS(wstatus));
        abort();
    }
    return wstatus;
}

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

void fuzz_empty_dir(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *entry = g_build_filename(path, name, NULL);

        if (g_remove(entry) < 0) {
            g_rmdir(entry);
        }
    }
    if (dir) {
        g_dir_close(dir);
    }
}
