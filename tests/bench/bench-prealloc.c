/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark of qemu_prealloc_mem() on anonymous memory against the kernel's
 * own limit, one madvise(MADV_POPULATE_WRITE) call over the same range.
 *
 * For THP on (MADV_HUGEPAGE) and off (MADV_NOHUGEPAGE) it maps a fresh
 * area per run, times raw madvise and prealloc with 1 and 2 threads
 * (runs interleaved so that noise from other processes hits all of them),
 * and prints the median GiB/s of each and the median of its per-round
 * ratio to raw.  It exits
 * non-zero when single-thread prealloc is below 0.9 of raw.
 *
 * Usage: bench-prealloc [--size GIB] [--runs N]
 */
#include "qemu/osdep.h"
#include "qemu/oslib.h"
#include "qapi/error.h"

#include <sys/mman.h>

enum { RAW, PREALLOC_1, PREALLOC_2, NR_KINDS };

static const char *const kind_names[NR_KINDS] = {
    "raw madvise", "prealloc 1 thread", "prealloc 2 threads",
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* GiB/s of one run of @kind over a fresh anonymous area of @size bytes. */
static double run_once(int kind, size_t size, bool thp)
{
    char *area = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_autoptr(GError) err = NULL;
    gint64 start, end;
    bool ok;

    if (area == MAP_FAILED) {
        fprintf(stderr, "mmap: %s\n", g_strerror(errno));
        exit(1);
    }
    if (qemu_madvise(area, size, thp ? QEMU_MADV_HUGEPAGE
                                     : QEMU_MADV_NOHUGEPAGE) < 0) {
        fprintf(stderr, "madvise(%s) failed\n",
                thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE");
    }
    start = g_get_monotonic_time();
    if (kind == RAW) {
        ok = qemu_madvise(area, size, QEMU_MADV_POPULATE_WRITE) == 0;
    } else {
        ok = qemu_prealloc_mem(-1, area, size,
                               kind == PREALLOC_1 ? 1 : 2, &err);
    }
    end = g_get_monotonic_time();
    munmap(area, size);
    if (!ok) {
        fprintf(stderr, "%s failed: %s\n", kind_names[kind],
                err ? err->message : g_strerror(errno));
        exit(1);
    }
    return (double)size / GiB / ((double)MAX(end - start, 1) / G_USEC_PER_SEC);
}

static double median_of(double *v, int n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Median GiB/s per kind and median ratio to raw.  Runs are interleaved,
 * in an order that alternates between rounds, and each ratio is taken
 * within one round, so that noise from other processes on the host (which
 * comes and goes over seconds) hits both sides of a ratio alike.
 */
static void measure(size_t size, bool thp, int runs, double *median,
                    double *ratio)
{
    g_autofree double *gibs = g_new(double, NR_KINDS * runs);
    g_autofree double *ratios = g_new(double, NR_KINDS * runs);
    int r, i, k;

    /*
     * Warm-up, not counted: in a virtual machine the first touch of guest
     * physical memory also faults on the host side.
     */
    run_once(RAW, size, thp);
    for (r = 0; r < runs; r++) {
        for (i = 0; i < NR_KINDS; i++) {
            k = r % 2 ? NR_KINDS - 1 - i : i;
            gibs[k * runs + r] = run_once(k, size, thp);
        }
        for (k = 0; k < NR_KINDS; k++) {
            ratios[k * runs + r] = gibs[k * runs + r] / gibs[RAW * runs + r];
        }
    }
    for (k = 0; k < NR_KINDS; k++) {
        median[k] = median_of(gibs + k * runs, runs);
        ratio[k] = median_of(ratios + k * runs, runs);
    }
}

int main(int argc, char **argv)
{
    gint64 size_gib = 4;
    gint runs = 5;
    GOptionEntry entries[] = {
        { "size", 's', 0, G_OPTION_ARG_INT64, &size_gib,
          "area size in GiB (default 4)", "GIB" },
        { "runs", 'n', 0, G_OPTION_ARG_INT, &runs,
          "runs per measurement, median reported (default 5)", "N" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;
    bool below = false;
    int t, k;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "bench-prealloc: %s\n", err->message);
        return 2;
    }
    if (size_gib < 1 || runs < 1) {
        fprintf(stderr, "bench-prealloc: --size and --runs must be >= 1\n");
        return 2;
    }
#ifndef MADV_POPULATE_WRITE
    fprintf(stderr, "bench-prealloc: no MADV_POPULATE_WRITE here\n");
    return 0;
#endif

    printf("prealloc of %" PRId64 " GiB anonymous memory, median of %d "
           "runs\n", size_gib, runs);
    printf("%-8s %-20s %10s %10s\n", "THP", "method", "GiB/s",
           "ratio/raw");
    for (t = 1; t >= 0; t--) {
        double median[NR_KINDS], ratio[NR_KINDS];

        measure(size_gib * GiB, t, runs, median, ratio);
        for (k = 0; k < NR_KINDS; k++) {
            printf("%-8s %-20s %10.2f %10.3f\n", t ? "on" : "off",
                   kind_names[k], median[k], ratio[k]);
        }
        if (ratio[PREALLOC_1] < 0.9) {
            below = true;
        }
    }
    if (below) {
        printf("FAIL: single-thread prealloc below 0.9 of raw madvise\n");
        return 1;
    }
    printf("ok: single-thread prealloc >= 0.9 of raw madvise\n");
    return 0;
}
