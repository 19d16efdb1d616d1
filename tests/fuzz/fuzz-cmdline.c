/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the command line: softmmu/vl.c's two passes (option
 * table, QemuOpts parsing, machine/memory/accel checks, chardev, monitor
 * and -object creation, machine init with -device) exactly as main()
 * runs them.  Start-up errors exit(1), so every input runs in a forked
 * child (fuzz_fork_run(), which carries the coverage back), in an empty
 * scratch directory that is emptied after each input.
 *
 * Input: the argument words, separated by newlines or NUL bytes (at most
 * 24 words of at most 200 bytes; argv[0] is supplied).  The child calls
 * qemu_init(), then qemu_cleanup(), and exits 0.
 *
 * Checked: the child ends with exit status 0 (accepted) or 1 (a start-up
 * error), within 5 s, with no signal and no sanitizer report; an
 * accepted command line or an error printed is all that may happen.
 *
 * Inputs that could reach outside the scratch directory or the machine's
 * memory budget are skipped, not run: a word containing '/' (any path
 * stays relative to the scratch directory), "prealloc" (touches all of
 * a backend), "pin" (x-dma-pin locks memory), "server" and "wait" (a
 * server socket waits for its client by default; it would only time
 * out).
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <glib/gstdio.h>
#include "sysemu/sysemu.h"
#include "sysemu/runstate.h"
#include "fuzz.h"

#define MAX_WORDS     24
#define MAX_WORD_LEN  200
#define TIMEOUT_MS    5000

static char *scratch;

typedef struct Args {
    int argc;
    char **argv;
} Args;


static void remove_scratch(void)
{
    fuzz_empty_dir(scratch);
    g_rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    scratch = g_dir_make_tmp("fuzz-cmdline-XXXXXX", NULL);
    g_assert_nonnull(scratch);
    atexit(remove_scratch);     /* the parent's; children skip atexit */
    return 0;
}

static void run_child(void *opaque)
{
    Args *a = opaque;
    int null = open("/dev/null", O_WRONLY);

    /* Messages of rejected command lines are the normal case: quiet. */
    if (null >= 0 && !getenv("FUZZ_CMDLINE_VERBOSE")) {
        dup2(null, STDERR_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    if (chdir(scratch) < 0) {
        fuzz_child_exit(2);
    }
    qemu_init(a->argc, a->argv);
    qemu_cleanup();
    fuzz_child_exit(0);
}

static bool word_ok(const char *w)
{
    return strlen(w) <= MAX_WORD_LEN && !strchr(w, '/') &&
           !strstr(w, "prealloc") && !strstr(w, "pin") &&
           !strstr(w, "wait") && !strstr(w, "server");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *text = NULL;
    Args a;
    int status;
    size_t start = 0;

    if (size > MAX_WORDS * (MAX_WORD_LEN + 1)) {
        return 0;
    }
    g_ptr_array_add(words, g_strdup("qemu-system-x86_64"));
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n' || data[i] == '\0') {
            char *w = g_strndup((const char *)data + start, i - start);

            if (!word_ok(w) || words->len > MAX_WORDS) {
                g_free(w);
                return 0;
            }
            g_ptr_array_add(words, w);
            start = i + 1;
        }
    }
    g_ptr_array_add(words, NULL);
    a.argc = words->len - 1;
    a.argv = (char **)words->pdata;
    status = fuzz_fork_run(run_child, &a, TIMEOUT_MS);
    fuzz_empty_dir(scratch);
    if (status == -1) {
        fprintf(stderr, "fuzz-cmdline: no answer within %d ms\n", TIMEOUT_MS);
        abort();
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        fprintf(stderr, "fuzz-cmdline: exit status %d\n",
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        abort();
    }
    return 0;
}
