/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helpers that observe what the kernel really did with a mapping:
 * whether an access faults (in a forked child), how many pages are
 * resident (mincore), the process RSS (smaps_rollup) and the system-wide
 * commit charge (Committed_AS).  Header-only, for unit tests.
 */
#ifndef TESTS_UNIT_HOST_OBSERVE_H
#define TESTS_UNIT_HOST_OBSERVE_H

#include "qemu/osdep.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

/*
 * Does reading (or writing, if @write) the byte at @addr kill a process
 * with SIGSEGV?  Tried in a forked child so the test survives.
 */
static inline bool host_access_segfaults(void *addr, bool write)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        volatile uint8_t *p = addr;

        /* Sanitizers catch SIGSEGV themselves: restore the default. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        if (write) {
            *p = 0x5a;
        } else {
            (void)*p;
        }
        _exit(0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

/* Number of resident pages in [addr, addr + len) (page-aligned). */
static inline size_t host_resident_pages(void *addr, size_t len)
{
    size_t psize = qemu_real_host_page_size();
    size_t pages = DIV_ROUND_UP(len, psize);
    g_autofree unsigned char *vec = g_malloc(pages);
    size_t i, n = 0;

    g_assert_cmpint(mincore(addr, len, vec), ==, 0);
    for (i = 0; i < pages; i++) {
        n += vec[i] & 1;
    }
    return n;
}

/* Value in kB of the line starting with @key in @path (e.g. meminfo). */
static inline uint64_t host_proc_kb(const char *path, const char *key)
{
    g_autofree char *text = NULL;
    size_t keylen = strlen(key);
    char *line;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    for (line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n') {
            line++;
        }
        if (!strncmp(line, key, keylen) && line[keylen] == ':') {
            return g_ascii_strtoull(line + keylen + 1, NULL, 10);
        }
    }
    g_assert_not_reached();
}

/* System-wide commit charge, bytes. */
static inline uint64_t host_committed_as(void)
{
    return host_proc_kb("/proc/meminfo", "Committed_AS") * KiB;
}

/*
 * How many times a commit measurement is repeated when it looks wrong:
 * other processes (parallel tests) may map or unmap gigabytes between
 * the two reads.  A behaviour that is really broken fails every time.
 */
#define HOST_COMMIT_TRIES 5

/* Resident set size of this process, bytes. */
static inline uint64_t host_rss(void)
{
    return host_proc_kb("/proc/self/smaps_rollup", "Rss") * KiB;
}

#endif /* TESTS_UNIT_HOST_OBSERVE_H */
