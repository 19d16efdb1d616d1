/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every fuzz target in tests/fuzz shares: the libFuzzer entry points
 * (implemented by each target, called by libFuzzer or by the corpus
 * replayer standalone-main.c) and a few helpers for turning the raw input
 * into what a parser takes.
 *
 * A target must not crash, leak, or trip ASan/UBSan on any input, and
 * checks the properties it names with g_assert_cmp*(): a failed check
 * aborts, which libFuzzer reports as a crash with the input saved.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include "qemu/osdep.h"

/* Run one input; return 0 (libFuzzer reserves other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional one-time set-up, before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/*
 * fuzz_fork_run: run @fn(@opaque) in a forked child, for code that may
 * exit() (command-line errors) or must not leave state behind (QOM
 * changes to a machine set up once).  The child ends with _exit(), so
 * neither atexit handlers nor LeakSanitizer's exit check run there.
 *
 * Coverage crosses the fork: the child copies libFuzzer's inline 8-bit
 * counters into shared memory when it ends (exit, _exit via
 * fuzz_child_exit(), or a sanitizer's death callback) and the parent adds
 * them to its own, so libFuzzer sees what the child reached.  (Without
 * libFuzzer there are no counters and nothing is copied.)
 *
 * The child is killed after @timeout_ms.  Returns its wait status, or -1
 * if it was killed for the timeout.  A child that died by a signal or
 * from a sanitizer report (exit status FUZZ_CHILD_SANITIZER) makes the
 * parent print the status and abort(), so libFuzzer saves the input.
 */
#define FUZZ_CHILD_SANITIZER 86
int fuzz_fork_run(void (*fn)(void *opaque), void *opaque,
                  unsigned timeout_ms);

/*
 * fuzz_empty_dir: remove every file and empty subdirectory in @dir (a
 * target's scratch directory between inputs); @dir itself stays.
 */
void fuzz_empty_dir(const char *dir);

/* fuzz_child_exit: end a child of fuzz_fork_run() with @status. */
G_NORETURN void fuzz_child_exit(int status);

/*
 * fuzz_strndup: the input as a C string (it ends at the first NUL byte
 * if there is one).  Caller frees with g_free().
 */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    return g_strndup((const char *)data, size);
}

/*
 * A small deterministic generator for decisions that must not come from
 * the parser's own input bytes (e.g. how to chunk them): seeded from a
 * hash of the whole input, so a saved crash replays identically.
 */
typedef struct FuzzRng {
    uint64_t state;
} FuzzRng;

static inline void fuzz_rng_init(FuzzRng *rng, const uint8_t *data,
                                 size_t size)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);    /* FNV-1a */

    for (size_t i = 0; i < size; i++) {
        h = (h ^ data[i]) * UINT64_C(0x100000001b3);
    }
    rng->state = h | 1;
}

/* Next value, uniform enough in [0, @bound) for @bound > 0. */
static inline uint64_t fuzz_rng_below(FuzzRng *rng, uint64_t bound)
{
    uint64_t x = rng->state;    /* xorshift64 */

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng->state = x;
    return x % bound;
}

#endif /* TESTS_FUZZ_FUZZ_H */
