/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory workload: one 64-bit word per block (or per 4 KiB page) gets
 * a value derived from its address and a round seed, then is read back.
 * CPL0 runs in KVM's instruction emulator on the PVM host, so at CPL0 the
 * work stays O(blocks); with "user" on the command line the walk runs at
 * CPL3 (natively there), which makes one word per page affordable.
 */
#include "guest.h"

struct walk_args {
    uint64_t addr, size, block_size, seed;
    bool per_page, write;
    uint64_t ok;                /* blocks that verified */
    uint64_t nbad;              /* mismatching words (first ones below) */
    uint64_t bad_addr[4], bad_val[4];
};

static uint64_t pattern(uint64_t addr, uint64_t seed)
{
    uint64_t v = addr ^ (seed * 0x9e3779b97f4a7c15ULL);

    return v ^ (v >> 29) ^ 0x5a5aa5a5c3c33c3cULL;
}

/* No output and no port I/O: this also runs at CPL3. */
static void walk_core(struct walk_args *w)
{
    uint64_t step = w->per_page ? 4096 : w->block_size;
    uint64_t b;

    for (b = w->addr; b < w->addr + w->size; b += w->block_size) {
        uint64_t a;
        bool good = true;

        for (a = b; a < b + w->block_size; a += step) {
            /* The last word of the page or block. */
            volatile uint64_t *p = (volatile uint64_t *)(a + step - 8);

            if (w->write) {
                *p = pattern(a, w->seed);
            } else if (*p != pattern(a, w->seed)) {
                if (w->nbad < 4) {
                    w->bad_addr[w->nbad] = (uint64_t)p;
                    w->bad_val[w->nbad] = *p;
                }
                w->nbad++;
                good = false;
                break;
            }
        }
        w->ok += good;
    }
}

static void user_walk(void *opaque)
{
    walk_core(opaque);
    user_exit(0);
}

static bool use_user(void)
{
    static int cached = -1;
    char buf[4];

    if (cached < 0) {
        cached = cmdline_get("user", buf, sizeof(buf));
    }
    /* One user stack and trap stack: CPL3 on the boot CPU only. */
    return cached && smp_is_bsp();
}

static uint64_t walk(uint64_t addr, uint64_t size, uint64_t block_size,
                     uint64_t seed, bool per_page, bool write)
{
    struct walk_args w = {
        .addr = addr, .size = size, .block_size = block_size,
        .seed = seed, .per_page = per_page, .write = write,
    };
    uint64_t i;

    if (use_user()) {
        user_call(user_walk, &w);
    } else {
        walk_core(&w);
    }
    for (i = 0; i < w.nbad && i < 4; i++) {
        printk("workload: 0x%llx holds 0x%llx, expected 0x%llx\n",
               (unsigned long long)w.bad_addr[i],
               (unsigned long long)w.bad_val[i],
               (unsigned long long)pattern((w.bad_addr[i] + 8) -
                                           (per_page ? 4096 : block_size),
                                           seed));
    }
    return w.ok;
}

uint64_t workload_pattern(uint64_t addr, uint64_t size, uint64_t block_size,
                          uint64_t seed, bool per_page)
{
    walk(addr, size, block_size, seed, per_page, true);
    return walk(addr, size, block_size, seed, per_page, false);
}

uint64_t workload_check(uint64_t addr, uint64_t size, uint64_t block_size,
                        uint64_t seed, bool per_page)
{
    return walk(addr, size, block_size, seed, per_page, false);
}
