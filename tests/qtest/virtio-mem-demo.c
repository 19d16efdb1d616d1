/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem demo: the walk-through that README.md points to.  It starts
 * the emulator with a large reserve=off backend and a virtio-mem-pci
 * device, plays the guest with the libqos virtio-mem driver over qtest,
 * resizes the device over QMP and prints, per step, what the host pays:
 * the binary's RSS and the system's Committed_AS.
 *
 * It owns only its own presentation and checks; the protocol is libqtest's
 * and the driver libqos's.  Tuned for one run of well under a minute on a
 * shared machine: the guest writes each block it plugs with one qtest
 * memset (a few thousand commands for 4 GiB of 2 MiB blocks), checks
 * still-plugged data with one qword read per sampled block (at most
 * DEMO_MAX_SAMPLES per step), and reads /proc once per step.
 *
 * Two optional acts: --rogue-writes has the guest write beyond the
 * usable region (dropped on our binary, host memory on QEMU 7.2) and
 * --read-unplugged reads discarded blocks back (zero, but each read may
 * fault memory in again).
 *
 * Exit status: 0 when every step converged and every check held; 1 on a
 * failed check or a failure inside libqtest or the driver (they abort; a
 * SIGABRT handler turns that into a one-line verdict); 2 on bad usage.
 * Run it with scripts/demo; the environment is libqtest's
 * (QTEST_QEMU_BINARY, QTEST_QEMU_ACCEL, QTEST_TIMEOUT, QTEST_LOG).
 */
#include "qemu/osdep.h"

#include <signal.h>

#include "qemu/cutils.h"
#include "libqtest.h"
#include "libqos/malloc.h"
#include "libqos/pci-pc.h"
#include "libqos/virtio-mem.h"

#define DEMO_MAX_SAMPLES     512
/* Unplugged blocks read back per step, at most. */
#define DEMO_MAX_ZERO_SAMPLES 64
/* Seconds libqtest waits for any reply (and for the binary to connect). */
#define DEMO_TIMEOUT_S       "30"
/* RSS and commit charge may exceed what is plugged by this much. */
#define DEMO_HOST_SLACK      (256 * MiB)

typedef struct DemoOpts {
    uint64_t boot_ram;          /* -m */
    uint64_t backend_size;      /* memory-backend-ram size */
    uint64_t block_size;        /* 0: the device's default */
    GArray *steps;              /* uint64_t: requested sizes in order */
    bool host_checks;           /* fail when RSS does not follow plugged */
    bool read_unplugged;        /* read back unplugged blocks (costs RSS) */
    uint64_t rogue_size;        /* written beyond the usable region */
} DemoOpts;

/* What the host pays at one moment. */
typedef struct DemoHost {
    uint64_t rss;               /* bytes resident in the binary */
    uint64_t charge;            /* bytes of the binary's accountable VMAs */
    int64_t committed;          /* bytes, system-wide Committed_AS */
} DemoHost;

typedef struct DemoStep {
    uint64_t requested;
    uint64_t plugged;           /* qom-get vm0 size */
    DemoHost host;
    int64_t converge_us;        /* qom-set until converged, minus writes */
    int64_t write_us;           /* the guest writing what it plugged */
    QVirtioMemConvergeResult res;
    uint64_t checked;           /* blocks whose data was verified */
} DemoStep;

typedef struct Demo {
    DemoOpts opts;
    QTestState *qts;
    QGuestAllocator *alloc;
    QPCIBus *bus;
    QVirtioMem *vmem;
    DemoHost launch;            /* before the binary started */
    DemoHost base;              /* after the driver probed */
    int64_t write_us;           /* accumulated by the plug hook */
    int64_t max_committed_delta;
    int64_t max_charge_delta;
    uint64_t max_rss_excess;    /* RSS above base beyond what is plugged */
    uint64_t checked;           /* blocks whose data was verified */
    uint8_t *written;           /* one byte per block: the guest wrote it */
    bool read_unplugged;        /* UNPLUGGED_INACCESSIBLE not negotiated */
    uint64_t zero_checked;      /* unplugged blocks read back as zero */
} Demo;

/*
 * What the demo was doing, for the SIGABRT handler (written by the main
 * thread only, read by the handler).
 */
static char demo_phase[160] = "starting";

static void demo_set_phase(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void demo_set_phase(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_vsnprintf(demo_phase, sizeof(demo_phase), fmt, ap);
    va_end(ap);
}

/*
 * libqtest and libqos abort on any protocol failure (after printing why
 * and killing the binary).  Say which step failed and exit with 1 instead
 * of dumping core.
 */
static void demo_abort_handler(int sig)
{
    static const char pre[] = "demo: FAILED while ";
    static const char post[] = " (see the message above)\n";

    (void)sig;
    if (write(STDERR_FILENO, pre, sizeof(pre) - 1) < 0 ||
        write(STDERR_FILENO, demo_phase, strlen(demo_phase)) < 0 ||
        write(STDERR_FILENO, post, sizeof(post) - 1) < 0) {
        /* nothing more to do */
    }
    _exit(1);
}

static void demo_install_abort_handler(void)
{
    struct sigaction sa = { .sa_handler = demo_abort_handler };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGABRT, &sa, NULL);
}

/* Reports a failed check and exits; libqtest's atexit hook kills the VM. */
static void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN demo_fail(const char *fmt,
                                                          ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    g_printerr("demo: FAILED while %s: %s\n", demo_phase, msg);
    exit(1);
}

/* ---- host observation --------------------------------------------------- */

/* Value in kB of the "@key:" line of a /proc file, or -1. */
static int64_t proc_kib(const char *path, const char *key)
{
    g_autofree char *text = NULL;
    g_autofree char *needle = g_strdup_printf("\n%s:", key);
    const char *line;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    if (g_str_has_prefix(text, needle + 1)) {
        line = text - 1;
    } else {
        line = strstr(text, needle);
    }
    if (!line) {
        return -1;
    }
    return g_ascii_strtoll(line + strlen(needle), NULL, 10);
}

/*
 * The binary's own commit charge: the sizes of its mappings that the
 * kernel accounts in Committed_AS (VmFlags "ac", VM_ACCOUNT).  Exact and
 * free of other processes' noise, unlike the system-wide Committed_AS.
 * Returns -1 when smaps cannot be read.
 */
static int64_t proc_commit_charge(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/smaps", (int)pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    int64_t total = 0, size = 0;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "Size:")) {
            size = g_ascii_strtoll(*l + 5, NULL, 10);
        } else if (g_str_has_prefix(*l, "VmFlags:")) {
            g_auto(GStrv) flags = g_strsplit(*l + 8, " ", -1);

            if (g_strv_contains((const char * const *)flags, "ac")) {
                total += size;
            }
            size = 0;
        }
    }
    return total * 1024;
}

static DemoHost demo_host_now(Demo *d)
{
    DemoHost h = { 0 };
    int64_t committed = proc_kib("/proc/meminfo", "Committed_AS");

    if (committed < 0) {
        demo_fail("cannot read Committed_AS from /proc/meminfo");
    }
    h.committed = committed * 1024;
    if (d->qts) {
        g_autofree char *path =
            g_strdup_printf("/proc/%d/smaps_rollup", (int)qtest_pid(d->qts));
        int64_t rss = proc_kib(path, "Rss");

        if (rss < 0) {
            demo_fail("cannot read Rss from %s (the binary died?)", path);
        }
        h.rss = rss * 1024;
        h.charge = MAX(proc_commit_charge(qtest_pid(d->qts)), 0);
    }
    return h;
}

/* ---- QMP ---------------------------------------------------------------- */

static void demo_qom_set_requested(Demo *d, uint64_t size)
{
    JsonObject *rsp = qtest_qmp(d->qts,
        "{'execute': 'qom-set', 'arguments': {'path': 'vm0', "
        "'property': 'requested-size', 'value': %" PRIu64 "}}", size);

    if (json_object_has_member(rsp, "error")) {
        JsonObject *err = json_object_get_object_member(rsp, "error");

        demo_fail("qom-set vm0 requested-size %" PRIu64 ": %s", size,
                  json_object_get_string_member(err, "desc"));
    }
    json_object_unref(rsp);
}

static uint64_t demo_qom_get_size(Demo *d)
{
    JsonObject *rsp = qtest_qmp(d->qts,
        "{'execute': 'qom-get', 'arguments': {'path': 'vm0', "
        "'property': 'size'}}");
    int64_t v;

    if (!json_object_has_member(rsp, "return")) {
        demo_fail("qom-get vm0 size did not return a value");
    }
    v = json_object_get_int_member(rsp, "return");
    json_object_unref(rsp);
    if (v < 0) {
        demo_fail("qom-get vm0 size returned %" PRId64, v);
    }
    return v;
}

/* ---- the guest's data --------------------------------------------------- */

/* The byte written all over block @i: never 0, differs between neighbours. */
static uint8_t demo_pattern(uint64_t i)
{
    return 1 + (i * 131 + 7) % 255;
}

/* Where in block @i the sampled qword lies (varies from block to block). */
static uint64_t demo_sample_offset(QVirtioMem *vmem, uint64_t i)
{
    return ((i * 2654435761u) % (vmem->block_size / 8)) * 8;
}

/* Plug hook: one memset per plugged block, which also faults it in. */
static void demo_write_blocks(QVirtioMem *vmem, uint64_t addr, uint64_t size,
                              void *opaque)
{
    Demo *d = opaque;
    int64_t t0 = g_get_monotonic_time();

    for (uint64_t a = addr; a < addr + size; a += vmem->block_size) {
        uint64_t i = (a - vmem->addr) / vmem->block_size;

        qtest_memset(vmem->qts, a, demo_pattern(i), vmem->block_size);
        d->written[i] = 1;
    }
    d->write_us += g_get_monotonic_time() - t0;
}

static void demo_check_block(Demo *d, uint64_t i)
{
    QVirtioMem *vmem = d->vmem;
    uint64_t off = demo_sample_offset(vmem, i);
    uint64_t addr = qvirtio_mem_block_addr(vmem, i) + off;
    uint64_t want = demo_pattern(i) * 0x0101010101010101ull;
    uint64_t got = qtest_readq(d->qts, addr);

    if (got != want) {
        demo_fail("plugged block %" PRIu64 " lost its data: read 0x%016"
                  PRIx64 " at 0x%" PRIx64 ", wrote 0x%02x to every byte",
                  i, got, addr, demo_pattern(i));
    }
}

/*
 * Verifies the data of still-plugged blocks: every k-th block so that at
 * most DEMO_MAX_SAMPLES are read, plus the highest one (next to where the
 * driver unplugs).  Returns how many blocks were checked.
 */
static uint64_t demo_verify(Demo *d, uint64_t plugged_blocks)
{
    QVirtioMem *vmem = d->vmem;
    uint64_t stride = MAX(1, plugged_blocks / DEMO_MAX_SAMPLES);
    uint64_t seen = 0, checked = 0;
    int64_t last = -1;

    for (uint64_t i = 0; i < vmem->nb_blocks; i++) {
        if (!vmem->plugged[i]) {
            continue;
        }
        last = i;
        if (seen++ % stride == 0) {
            demo_check_block(d, i);
            checked++;
        }
    }
    if (last >= 0 && (seen - 1) % stride != 0) {
        demo_check_block(d, last);
        checked++;
    }
    return checked;
}

/*
 * With --read-unplugged: blocks the guest wrote and then unplugged must
 * read back zero, since the host discarded them (on our binary they may
 * also lie beyond the usable region, where reads return zero as well).
 * Reads at most DEMO_MAX_ZERO_SAMPLES of them; not done when the driver
 * promised not to read unplugged memory (UNPLUGGED_INACCESSIBLE).  Off by
 * default: on a Linux host with transparent huge pages such a read can
 * fault a whole huge page in, so RSS stops following what is plugged;
 * that cost of a guest touching unplugged memory is what the option
 * shows.
 */
static void demo_verify_discarded(Demo *d)
{
    QVirtioMem *vmem = d->vmem;
    uint64_t n = 0, seen = 0, stride;

    if (!d->read_unplugged) {
        return;
    }
    for (uint64_t i = 0; i < vmem->nb_blocks; i++) {
        n += d->written[i] && !vmem->plugged[i];
    }
    stride = MAX(1, n / DEMO_MAX_ZERO_SAMPLES);
    for (uint64_t i = 0; i < vmem->nb_blocks; i++) {
        uint64_t addr, got;

        if (!d->written[i] || vmem->plugged[i] || seen++ % stride) {
            continue;
        }
        addr = qvirtio_mem_block_addr(vmem, i) + demo_sample_offset(vmem, i);
        got = qtest_readq(d->qts, addr);
        if (got) {
            demo_fail("unplugged block %" PRIu64 " still reads 0x%016"
                      PRIx64 " at 0x%" PRIx64 ": it was not discarded", i,
                      got, addr);
        }
        d->zero_checked++;
    }
}

static uint64_t demo_driver_plugged_blocks(QVirtioMem *vmem)
{
    uint64_t n = 0;

    for (uint64_t i = 0; i < vmem->nb_blocks; i++) {
        n += vmem->plugged[i] != 0;
    }
    return n;
}

/* ---- steps -------------------------------------------------------------- */

static void demo_run_step(Demo *d, unsigned nr, DemoStep *st)
{
    QVirtioMemConverge c = {
        .max_rounds = 64,
        .plug_hook = demo_write_blocks,
        .opaque = d,
    };
    uint64_t blocks;
    int64_t t0;

    demo_set_phase("step %u: resizing to %" PRIu64 " MiB", nr,
                   st->requested / MiB);
    d->write_us = 0;
    t0 = g_get_monotonic_time();
    demo_qom_set_requested(d, st->requested);
    if (!qvirtio_mem_converge(d->vmem, &c, &st->res)) {
        demo_fail("the driver did not converge in %u rounds: plugged %"
                  PRIu64 " MiB of %" PRIu64 " MiB (%u refusals, %u errors)",
                  st->res.rounds, qvirtio_mem_plugged_size(d->vmem) / MiB,
                  st->requested / MiB, st->res.refusals, st->res.errors);
    }
    st->write_us = d->write_us;
    st->converge_us = g_get_monotonic_time() - t0 - st->write_us;

    demo_set_phase("step %u: checking %" PRIu64 " MiB", nr,
                   st->requested / MiB);
    st->plugged = demo_qom_get_size(d);
    if (st->plugged != st->requested) {
        demo_fail("qom-get vm0 size says %" PRIu64 " bytes plugged, "
                  "requested %" PRIu64, st->plugged, st->requested);
    }
    blocks = demo_driver_plugged_blocks(d->vmem);
    if (blocks * d->vmem->block_size != st->plugged) {
        demo_fail("the driver plugged %" PRIu64 " blocks of %" PRIu64
                  " bytes, the device says %" PRIu64 " bytes", blocks,
                  d->vmem->block_size, st->plugged);
    }
    st->checked = demo_verify(d, blocks);
    d->checked += st->checked;
    demo_verify_discarded(d);
    st->host = demo_host_now(d);
}

/*
 * RSS must follow what is plugged: every plugged block was written, so
 * at least half of it must be resident; unplugged blocks are discarded,
 * so RSS may exceed the start-up RSS plus what is plugged by no more than
 * DEMO_HOST_SLACK.  The binary's commit charge must not grow with what is
 * plugged (the backend is reserve=off).  The system-wide Committed_AS is
 * only reported: other processes move it.
 */
static void demo_check_host(Demo *d, const DemoStep *st)
{
    int64_t rss_growth = (int64_t)st->host.rss - (int64_t)d->base.rss;
    int64_t charge = (int64_t)st->host.charge - (int64_t)d->base.charge;
    int64_t committed = st->host.committed - d->base.committed;

    d->max_committed_delta = MAX(d->max_committed_delta, ABS(committed));
    d->max_charge_delta = MAX(d->max_charge_delta, ABS(charge));
    if (rss_growth > (int64_t)st->plugged) {
        d->max_rss_excess = MAX(d->max_rss_excess,
                                rss_growth - st->plugged);
    }
    if (!d->opts.host_checks) {
        return;
    }
    if (st->plugged && rss_growth < (int64_t)(st->plugged / 2)) {
        demo_fail("RSS grew by %" PRId64 " MiB with %" PRIu64 " MiB "
                  "plugged and written", rss_growth / MiB,
                  st->plugged / MiB);
    }
    if (!d->read_unplugged &&
        rss_growth > (int64_t)(st->plugged + DEMO_HOST_SLACK)) {
        demo_fail("RSS grew by %" PRId64 " MiB but only %" PRIu64 " MiB "
                  "are plugged: unplugged memory was not given back",
                  rss_growth / MiB, st->plugged / MiB);
    }
    if (charge > (int64_t)DEMO_HOST_SLACK) {
        demo_fail("the binary's commit charge grew by %" PRId64 " MiB with "
                  "%" PRIu64 " MiB plugged from a reserve=off backend",
                  charge / MiB, st->plugged / MiB);
    }
}

/*
 * --rogue-writes SIZE: after the steps the guest misbehaves: it writes
 * SIZE bytes at the top of the device region, beyond usable_region_size,
 * without plugging anything.  QEMU 7.2 maps the whole backend into the
 * region, so the host pays for every byte written; our binary maps only
 * the usable region, so the writes are dropped and read back as zero.
 * The demo checks the latter on our binary (QTEST_REFERENCE unset) and
 * reports what happens on the reference.
 */
static void demo_rogue_writes(Demo *d, const DemoHost *before)
{
    QVirtioMem *vmem = d->vmem;
    uint64_t bs = vmem->block_size;
    uint64_t size = ROUND_UP(d->opts.rogue_size, bs);
    uint64_t usable = qvirtio_mem_usable_region_size(vmem);
    uint64_t start = vmem->addr + vmem->region_size - size;
    uint64_t back;
    int64_t growth;
    DemoHost h;

    demo_set_phase("writing %" PRIu64 " MiB beyond the usable region",
                   size / MiB);
    if (usable + size > vmem->region_size) {
        demo_fail("--rogue-writes: only %" PRIu64 " MiB of the region lie "
                  "beyond the usable region", (vmem->region_size - usable)
                  / MiB);
    }
    for (uint64_t a = start; a < start + size; a += bs) {
        qtest_memset(d->qts, a, 0xee, bs);
    }
    back = qtest_readq(d->qts, start + size - 8);
    h = demo_host_now(d);
    growth = (int64_t)h.rss - (int64_t)before->rss;
    printf("\nA rogue guest writes %" PRIu64 " MiB at 0x%" PRIx64 ", beyond "
           "usable_region_size\n  (%" PRIu64 " MiB), without plugging: RSS "
           "%" PRIu64 " MiB (%+" PRId64 " MiB); it reads back\n  0x%016"
           PRIx64 " (%s).\n", size / MiB, start, usable / MiB,
           h.rss / MiB, growth / MiB, back,
           back ? "the write landed in host memory"
                : "the write was dropped");
    fflush(stdout);
    if (qtest_is_reference() || !d->opts.host_checks) {
        return;
    }
    if (back || growth > (int64_t)(size / 2)) {
        demo_fail("writes beyond the usable region must be dropped: RSS "
                  "grew by %" PRId64 " MiB, read back 0x%016" PRIx64,
                  growth / MiB, back);
    }
}

/* ---- output ------------------------------------------------------------- */

static void demo_print_header(Demo *d)
{
    const char *binary = g_getenv("QTEST_QEMU_BINARY");
    const char *accel = g_getenv("QTEST_QEMU_ACCEL");
    g_autofree char *region = size_to_str(d->vmem->region_size);
    g_autofree char *block = size_to_str(d->vmem->block_size);

    printf("virtio-mem demo: %s %s\n", binary ? binary : "(default binary)",
           accel ? accel : "-accel qtest");
    printf("  -m %" PRIu64 "M,maxmem=%" PRIu64 "M\n"
           "  -object memory-backend-ram,id=mem0,size=%" PRIu64
           "M,reserve=off\n"
           "  -device virtio-mem-pci,id=vm0,memdev=mem0,requested-size=0\n",
           d->opts.boot_ram / MiB,
           (d->opts.boot_ram + d->opts.backend_size) / MiB,
           d->opts.backend_size / MiB);
    printf("guest: the libqos virtio-mem driver over qtest; device region "
           "0x%" PRIx64 ",\n  %s in blocks of %s\n", d->vmem->addr, region,
           block);
    printf("binary started (pid %d): RSS %" PRIu64 " MiB; its commit "
           "charge %" PRIu64 " MiB\n  (boot RAM, heap; the reserve=off "
           "backend is not charged); system\n  Committed_AS %+" PRId64
           " MiB since launch\n",
           (int)qtest_pid(d->qts), d->base.rss / MiB, d->base.charge / MiB,
           (d->base.committed - d->launch.committed) / MiB);
    printf("\n%4s %10s %10s %10s %12s %10s %9s %8s\n", "step", "requested",
           "plugged", "RSS", "Committed_AS", "binary's", "converge",
           "writes");
    printf("%4s %10s %10s %10s %12s %10s %9s %8s\n", "", "(qom-set)",
           "(qom-get)", "(binary)", "(system) Δ", "charge Δ", "(ms)",
           "(ms)");
}

static void demo_print_step(Demo *d, unsigned nr, const DemoStep *st)
{
    const DemoHost *h = st ? &st->host : &d->base;
    g_autofree char *conv = st ? g_strdup_printf("%" PRId64,
                                                 st->converge_us / 1000)
                               : g_strdup("-");
    g_autofree char *wr = st ? g_strdup_printf("%" PRId64,
                                               st->write_us / 1000)
                             : g_strdup("-");

    printf("%4u %6" PRIu64 " MiB %6" PRIu64 " MiB %6" PRIu64 " MiB "
           "%+8" PRId64 " MiB %+6" PRId64 " MiB %9s %8s\n", nr,
           st ? st->requested / MiB : 0, st ? st->plugged / MiB : 0,
           h->rss / MiB, (h->committed - d->base.committed) / MiB,
           ((int64_t)h->charge - (int64_t)d->base.charge) / MiB, conv, wr);
    fflush(stdout);
}

static void demo_print_summary(Demo *d)
{
    g_autofree char *backend = size_to_str(d->opts.backend_size);

    if (d->read_unplugged) {
        printf("\nRSS exceeded start-up RSS + plugged by up to %" PRIu64
               " MiB: reading\n  unplugged memory faulted it in again.\n",
               d->max_rss_excess / MiB);
    } else {
        printf("\nRSS followed what was plugged (at most %" PRIu64 " MiB "
               "above start-up RSS\n  + plugged).\n",
               d->max_rss_excess / MiB);
    }
    printf("A %s reserve=off backend: the binary's commit charge moved by "
           "at most\n  %" PRId64 " MiB, the system's Committed_AS by at most "
           "%" PRId64 " MiB (other\n  processes included).\n", backend,
           d->max_charge_delta / MiB, d->max_committed_delta / MiB);
    printf("Data in still-plugged blocks intact after every step "
           "(%" PRIu64 " sampled reads).\n", d->checked);
    if (d->read_unplugged) {
        printf("Unplugged blocks read back zero (%" PRIu64 " sampled "
               "reads).\n", d->zero_checked);
    } else if (d->opts.read_unplugged) {
        printf("Unplugged blocks not read back (the driver negotiated "
               "UNPLUGGED_INACCESSIBLE).\n");
    }
    printf("PASS\n");
}

/* ---- set-up ------------------------------------------------------------- */

static bool parse_size(const char *what, const char *s, uint64_t *out)
{
    const char *end;

    if (qemu_strtosz(s, &end, out) < 0 || *end) {
        g_printerr("demo: %s: '%s' is not a size (e.g. 512M, 4G)\n", what,
                   s);
        return false;
    }
    return true;
}

static bool parse_steps(const char *list, GArray *steps)
{
    g_auto(GStrv) parts = g_strsplit(list, ",", -1);

    for (char **p = parts; *p; p++) {
        uint64_t v;

        if (!parse_size("--steps", *p, &v)) {
            return false;
        }
        g_array_append_val(steps, v);
    }
    return steps->len > 0;
}

static bool demo_parse_args(DemoOpts *o, int argc, char **argv)
{
    g_autofree char *boot = NULL, *backend = NULL, *block = NULL;
    g_autofree char *steps = NULL;
    g_autofree char *rogue = NULL;
    gboolean no_host_checks = FALSE, read_unplugged = FALSE;
    GOptionEntry entries[] = {
        { "boot-ram", 'm', 0, G_OPTION_ARG_STRING, &boot,
          "boot RAM, -m (default 1G)", "SIZE" },
        { "backend-size", 'b', 0, G_OPTION_ARG_STRING, &backend,
          "reserve=off backend of the device (default 16G)", "SIZE" },
        { "block-size", 0, 0, G_OPTION_ARG_STRING, &block,
          "virtio-mem block-size (default: the device's)", "SIZE" },
        { "steps", 's', 0, G_OPTION_ARG_STRING, &steps,
          "requested sizes in turn (default 1G,4G,512M,0)", "LIST" },
        { "no-host-checks", 0, 0, G_OPTION_ARG_NONE, &no_host_checks,
          "print RSS but do not fail when it does not follow plugged",
          NULL },
        { "rogue-writes", 0, 0, G_OPTION_ARG_STRING, &rogue,
          "finally, write SIZE beyond the usable region, unplugged",
          "SIZE" },
        { "read-unplugged", 0, 0, G_OPTION_ARG_NONE, &read_unplugged,
          "read back unplugged blocks, expect zero (this costs RSS)",
          NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- resize a virtio-mem device and watch the "
                             "host");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "The binary and accelerator come from QTEST_QEMU_BINARY and "
        "QTEST_QEMU_ACCEL\n(defaults: the build's binary, -accel qtest).  "
        "Use scripts/demo to run it.\n");
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_printerr("demo: %s\n", err->message);
        return false;
    }
    if (argc > 1) {
        g_printerr("demo: unexpected argument '%s'\n", argv[1]);
        return false;
    }
    o->boot_ram = 1 * GiB;
    o->backend_size = 16 * GiB;
    o->host_checks = !no_host_checks;
    o->read_unplugged = read_unplugged;
    o->steps = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    return (!boot || parse_size("--boot-ram", boot, &o->boot_ram)) &&
           (!backend || parse_size("--backend-size", backend,
                                   &o->backend_size)) &&
           (!block || parse_size("--block-size", block, &o->block_size)) &&
           (!rogue || parse_size("--rogue-writes", rogue,
                                 &o->rogue_size)) &&
           parse_steps(steps ? steps : "1G,4G,512M,0", o->steps);
}

/* The steps must fit the device; say so before resizing anything. */
static void demo_check_steps(Demo *d)
{
    for (guint i = 0; i < d->opts.steps->len; i++) {
        uint64_t v = g_array_index(d->opts.steps, uint64_t, i);

        if (v > d->vmem->region_size || v % d->vmem->block_size) {
            demo_fail("step %u (%" PRIu64 " bytes) must be a multiple of "
                      "the block size (%" PRIu64 ") and at most the region "
                      "size (%" PRIu64 ")", i + 1, v, d->vmem->block_size,
                      d->vmem->region_size);
        }
    }
}

static void demo_start(Demo *d)
{
    g_autofree char *block = d->opts.block_size
        ? g_strdup_printf(",block-size=%" PRIu64, d->opts.block_size)
        : g_strdup("");

    demo_set_phase("starting the binary (it needs a qtest accelerator and "
                   "-device virtio-mem-pci)");
    d->launch = demo_host_now(d);
    d->qts = qtest_initf("-machine q35 -m %" PRIu64 "M,maxmem=%" PRIu64 "M "
                         "-object memory-backend-ram,id=mem0,size=%" PRIu64
                         ",reserve=off "
                         "-device virtio-mem-pci,id=vm0,memdev=mem0,"
                         "requested-size=0%s",
                         d->opts.boot_ram / MiB,
                         (d->opts.boot_ram + d->opts.backend_size) / MiB,
                         d->opts.backend_size, block);
    demo_set_phase("probing virtio-mem-pci at 00:01.0 with the guest driver");
    d->alloc = pc_alloc_new();
    d->bus = qpci_new_pc(d->qts);
    d->vmem = qvirtio_mem_probe(d->bus, d->alloc, NULL);
    if (!d->vmem) {
        demo_fail("no virtio-mem function at 00:01.0");
    }
    if (!d->vmem->features_ok) {
        demo_fail("the device refused the driver's features");
    }
    d->written = g_malloc0(MAX(d->vmem->nb_blocks, 1));
    d->read_unplugged = d->opts.read_unplugged &&
        !(d->vmem->offered & (1ull << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE));
    d->base = demo_host_now(d);
}

static void demo_stop(Demo *d)
{
    demo_set_phase("shutting the binary down");
    qvirtio_mem_free(d->vmem);
    qpci_free_pc(d->bus);
    guest_allocator_free(d->alloc);
    qtest_quit(d->qts);
    g_array_unref(d->opts.steps);
    g_free(d->written);
}

int main(int argc, char **argv)
{
    Demo d = { 0 };
    DemoHost last;

    if (!demo_parse_args(&d.opts, argc, argv)) {
        return 2;
    }
    /* A binary that never connects must not keep the demo waiting. */
    g_setenv("QTEST_TIMEOUT", DEMO_TIMEOUT_S, FALSE);
    demo_install_abort_handler();

    demo_start(&d);
    demo_check_steps(&d);
    demo_print_header(&d);
    demo_print_step(&d, 0, NULL);
    last = d.base;
    for (guint i = 0; i < d.opts.steps->len; i++) {
        DemoStep st = {
            .requested = g_array_index(d.opts.steps, uint64_t, i),
        };

        demo_run_step(&d, i + 1, &st);
        demo_print_step(&d, i + 1, &st);
        demo_check_host(&d, &st);
        last = st.host;
    }
    if (d.opts.rogue_size) {
        demo_rogue_writes(&d, &last);
    }
    demo_stop(&d);
    demo_print_summary(&d);
    return 0;
}
