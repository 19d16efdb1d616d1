/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory workload: one 64-bit word per 2 MiB-or-smaller block (or
 * per 4 KiB page) gets a value derived from its address and a round
 * seed, then is read back.  CPL0 runs in KVM's instruction emulator on
 * the PVM host, so the work stays O(blocks) or O(pages), never O(bytes).
 */
#include "guest.h"

static uint64_t pattern(uint64_t addr, uint64_t seed)
{
    uint64_t v = addr ^ (seed * 0x9e3779b97f4a7c15ULL);

    return v ^ (v >> 29) ^ 0x5a5aa5a5c3c33c3cULL;
}

static uint64_t walk(uint64_t addr, uint64_t size, uint64_t block_size,
                     uint64_t seed, bool per_page, bool write)
{
    uint64_t step = per_page ? 4096 : block_size;
    uint64_t b, ok = 0;
    int reported = 0;

    for (b = addr; b < addr + size; b += block_size) {
        uint64_t a;
        bool good = true;

        for (a = b; a < b + block_size; a += step) {
            /* The last word of the page or block: its first word is
             * where a stale pattern would most likely survive. */
            volatile uint64_t *w = (volatile uint64_t *)(a + step - 8);

            if (write) {
                *w = pattern(a, seed);
            } else if (*w != pattern(a, seed)) {
                good = false;
                if (reported++ < 4) {
                    printk("workload: 0x%llx holds 0x%llx, expected "
                           "0x%llx\n", (unsigned long long)(a + step - 8),
                           (unsigned long long)*w,
                           (unsigned long long)pattern(a, seed));
                }
                break;
            }
        }
        ok += good;
    }
    return ok;
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
