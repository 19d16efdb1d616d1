/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test guest's virtio-mem driver: probes the first virtio-mem-pci
 * device, unplugs everything it finds plugged (UNPLUG_ALL, retried on
 * BUSY), then follows requested_size on every configuration interrupt
 * like the Linux driver does: plug the lowest unplugged blocks and
 * unplug the highest plugged ones, in requests of up to "chunk" blocks,
 * keeping whatever succeeded, retrying BUSY with a growing back-off.
 * After each change it writes and verifies a pattern in every plugged
 * block (workload.c) and prints one transcript line:
 *   virtio-mem: requested=0x... plugged=0x... verified=N blocks
 * Its own bitmap of plugged blocks is the truth it reports; a
 * disagreement with the device's plugged_size is printed too.
 */
#include "guest.h"

#define VIRTIO_ID_MEM_PCI 0x1058
#define VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE 1

#define REQ_PLUG 0
#define REQ_UNPLUG 1
#define REQ_UNPLUG_ALL 2
#define REQ_STATE 3
#define RESP_ACK 0
#define RESP_NACK 1
#define RESP_BUSY 2
#define RESP_ERROR 3

#define ST_NEEDS_RESET 0x40

/* 64 GiB of 1 MiB blocks (the smallest block size). */
#define MAX_BLOCKS (64 * 1024)
#define BACKOFF_MIN_MS 10
#define BACKOFF_MAX_MS 2000
#define REQUEST_TIMEOUT_MS 30000

struct vmem_config {
    uint64_t block_size;
    uint16_t node_id;
    uint64_t addr, region_size, usable_region_size;
    uint64_t plugged_size, requested_size;
};

struct vmem_req {
    uint16_t type;
    uint16_t pad[3];
    uint64_t addr;
    uint16_t nb_blocks;
    uint16_t pad2[3];
} __attribute__((packed));

struct vmem_resp {
    uint16_t type;
    uint16_t pad[3];
    uint16_t state;
} __attribute__((packed));

_Static_assert(sizeof(struct vmem_req) == 24, "virtio-mem request");
_Static_assert(sizeof(struct vmem_resp) == 10, "virtio-mem response");

static struct virtio_dev vd;
static struct vmem_config cfg;
static uint64_t plugged_bits[MAX_BLOCKS / 64];
static uint64_t written_bits[MAX_BLOCKS / 64];
static uint64_t nblocks, nplugged;
static volatile bool config_changed;
static bool poll_mode, verify_per_page;
static uint64_t chunk_blocks;
static uint64_t round_seed = 1;
static uint8_t cfg_gen;         /* generation of the last read_config() */
static uint64_t nrequests;      /* PLUG/UNPLUG requests sent */

static const char *resp_name(uint16_t t)
{
    static const char *const names[] = { "ACK", "NACK", "BUSY", "ERROR" };

    return t < 4 ? names[t] : "?";
}

static void read_config(struct vmem_config *c)
{
    uint64_t b = vd.device_cfg;
    uint8_t gen;

    do {
        gen = virtio_config_generation(&vd);
        c->block_size = mmio_read64(b + 0);
        c->node_id = mmio_read16(b + 8);
        c->addr = mmio_read64(b + 16);
        c->region_size = mmio_read64(b + 24);
        c->usable_region_size = mmio_read64(b + 32);
        c->plugged_size = mmio_read64(b + 40);
        c->requested_size = mmio_read64(b + 48);
    } while (gen != virtio_config_generation(&vd));
    cfg_gen = gen;
}

static bool bit_get(const uint64_t *bm, uint64_t i)
{
    return bm[i / 64] >> (i % 64) & 1;
}

static void bits_set(uint64_t *bm, uint64_t first, uint64_t n, bool v)
{
    uint64_t i;

    for (i = first; i < first + n; i++) {
        if (v) {
            bm[i / 64] |= 1ULL << (i % 64);
        } else {
            bm[i / 64] &= ~(1ULL << (i % 64));
        }
    }
}

/* Send one request; the response type, or -1 when the device is silent. */
static int vmem_request(uint16_t type, uint64_t first, uint64_t n,
                        uint16_t *state)
{
    struct vmem_req req = { 0 };
    struct vmem_resp resp = { 0 };
    int len;

    req.type = type;
    req.addr = cfg.addr + first * cfg.block_size;
    req.nb_blocks = (uint16_t)n;
    nrequests++;
    len = virtio_request(&vd, &req, sizeof(req), &resp, sizeof(resp),
                         REQUEST_TIMEOUT_MS);
    if (len < 0) {
        printk("virtio-mem: no answer to request type %u (status 0x%x)\n",
               type, virtio_status(&vd));
        return -1;
    }
    if (state) {
        *state = resp.state;
    }
    return resp.type;
}

/* The device signals a configuration change (ISR bit 1). */
static void vmem_intx(void *opaque)
{
    uint8_t isr = virtio_read_isr(&vd);

    if (isr & 2) {
        config_changed = true;
    }
}

/* Sleep until the configuration may have changed. */
static void wait_config_change(void)
{
    if (poll_mode) {
        while (!config_changed && cfg_gen == virtio_config_generation(&vd)) {
            delay_ms(20);
            if (virtio_read_isr(&vd) & 2) {
                break;
            }
        }
        config_changed = false;
        return;
    }
    irq_disable();
    while (!config_changed) {
        wait_for_interrupt();
    }
    config_changed = false;
    irq_enable();
}

/* Wait @ms for a back-off, returning early on a configuration change. */
static void backoff_wait(uint64_t ms)
{
    uint64_t end = uptime_ms() + ms;

    while (uptime_ms() < end && !config_changed) {
        delay_ms(ms < 10 ? ms : 10);
    }
}

static void unplug_all(const char *why)
{
    uint64_t backoff = BACKOFF_MIN_MS;

    printk("virtio-mem: unplug-all (%s, device plugged=0x%llx)\n", why,
           (unsigned long long)cfg.plugged_size);
    for (;;) {
        int r = vmem_request(REQ_UNPLUG_ALL, 0, 0, NULL);

        if (r == RESP_ACK) {
            break;
        }
        if (r < 0) {
            panic("virtio-mem: UNPLUG_ALL unanswered");
        }
        printk("virtio-mem: UNPLUG_ALL answered %s, retrying in %llu ms\n",
               resp_name(r), (unsigned long long)backoff);
        delay_ms(backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    memset(plugged_bits, 0, sizeof(plugged_bits));
    memset(written_bits, 0, sizeof(written_bits));
    nplugged = 0;
}

/* The lowest run of unplugged blocks below @limit, at most @max long. */
static bool find_unplugged(uint64_t limit, uint64_t max, uint64_t *first,
                           uint64_t *n)
{
    uint64_t i = 0;

    while (i < limit) {
        if (i % 64 == 0 && plugged_bits[i / 64] == ~0ULL) {
            i += 64;
            continue;
        }
        if (!bit_get(plugged_bits, i)) {
            *first = i;
            *n = 0;
            while (i < limit && *n < max && !bit_get(plugged_bits, i)) {
                (*n)++;
                i++;
            }
            return true;
        }
        i++;
    }
    return false;
}

/* The highest run of plugged blocks, at most @max long. */
static bool find_plugged(uint64_t max, uint64_t *first, uint64_t *n)
{
    uint64_t i = nblocks;

    while (i > 0) {
        if (i % 64 == 0 && plugged_bits[i / 64 - 1] == 0) {
            i -= 64;
            continue;
        }
        if (bit_get(plugged_bits, i - 1)) {
            *n = 0;
            while (i > 0 && *n < max && bit_get(plugged_bits, i - 1)) {
                (*n)++;
                i--;
            }
            *first = i;
            return true;
        }
        i--;
    }
    return false;
}

/*
 * Plug or unplug until our plugged size equals requested_size.  Returns
 * when converged, or when a request failed in a way only a new
 * configuration can fix (NACK, ERROR, no answer).
 */
static void converge(void)
{
    uint64_t backoff = BACKOFF_MIN_MS;

    for (;;) {
        uint64_t want, have, first, n;
        int r;
        bool plug;

        config_changed = false;
        read_config(&cfg);
        if (virtio_status(&vd) & ST_NEEDS_RESET) {
            printk("virtio-mem: the device needs a reset\n");
            return;
        }
        want = cfg.requested_size / cfg.block_size;
        have = nplugged;
        if (want == have) {
            return;
        }
        plug = want > have;
        if (plug) {
            uint64_t limit = cfg.usable_region_size / cfg.block_size;
            uint64_t max = want - have < chunk_blocks ? want - have
                                                      : chunk_blocks;

            if (limit > nblocks) {
                limit = nblocks;
            }
            if (!find_unplugged(limit, max, &first, &n)) {
                printk("virtio-mem: no unplugged block in the usable "
                       "region (0x%llx)\n",
                       (unsigned long long)cfg.usable_region_size);
                return;
            }
        } else {
            uint64_t max = have - want < chunk_blocks ? have - want
                                                      : chunk_blocks;

            if (!find_plugged(max, &first, &n)) {
                return;
            }
        }
        r = vmem_request(plug ? REQ_PLUG : REQ_UNPLUG, first, n, NULL);
        if (r == RESP_ACK) {
            bits_set(plugged_bits, first, n, plug);
            if (!plug) {
                bits_set(written_bits, first, n, false);
            }
            nplugged = plug ? nplugged + n : nplugged - n;
            backoff = BACKOFF_MIN_MS;
            continue;
        }
        if (r == RESP_BUSY) {
            printk("virtio-mem: %s 0x%llx+%llu answered BUSY, retrying in "
                   "%llu ms\n", plug ? "PLUG" : "UNPLUG",
                   (unsigned long long)(cfg.addr + first * cfg.block_size),
                   (unsigned long long)n, (unsigned long long)backoff);
            backoff_wait(backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                   : backoff * 2;
            continue;
        }
        if (r == RESP_NACK) {
            /* requested_size shrank under us: start over from it. */
            read_config(&cfg);
            if (cfg.requested_size / cfg.block_size != want) {
                continue;
            }
        }
        printk("virtio-mem: %s 0x%llx+%llu answered %s\n",
               plug ? "PLUG" : "UNPLUG",
               (unsigned long long)(cfg.addr + first * cfg.block_size),
               (unsigned long long)n, r < 0 ? "nothing" : resp_name(r));
        return;
    }
}

/*
 * Blocks [@first, @first + @n), all plugged: those kept since the last
 * round must still hold its pattern (counted in *@lost), then all get this
 * round's.  Returns the blocks that verified.  Runs on either vCPU.
 */
static uint64_t verify_run(uint64_t first, uint64_t n, uint64_t *lost)
{
    uint64_t j, k;

    for (j = first; j < first + n; j = k) {
        bool w = bit_get(written_bits, j);

        for (k = j; k < first + n && bit_get(written_bits, k) == w; k++) {
        }
        if (w) {
            uint64_t ok = workload_check(cfg.addr + j * cfg.block_size,
                                         (k - j) * cfg.block_size,
                                         cfg.block_size, round_seed - 1,
                                         verify_per_page);

            *lost += (k - j) - ok;
        }
    }
    return workload_pattern(cfg.addr + first * cfg.block_size,
                            n * cfg.block_size, cfg.block_size, round_seed,
                            verify_per_page);
}

struct ap_job {
    uint64_t first, n, verified, lost;
};

static void ap_verify(void *opaque)
{
    struct ap_job *job = opaque;

    job->verified = verify_run(job->first, job->n, &job->lost);
}

/*
 * Pattern round over every plugged block; returns the blocks verified.
 * With a second vCPU, it takes the upper half of each run of blocks.
 */
static uint64_t verify_plugged(uint64_t *ap_verified)
{
    uint64_t i = 0, verified = 0, lost = 0;

    round_seed++;
    *ap_verified = 0;
    while (i < nblocks) {
        uint64_t first, n;

        if (i % 64 == 0 && plugged_bits[i / 64] == 0) {
            i += 64;
            continue;
        }
        if (!bit_get(plugged_bits, i)) {
            i++;
            continue;
        }
        first = i;
        while (i < nblocks && bit_get(plugged_bits, i)) {
            i++;
        }
        n = i - first;
        if (smp_active() && n >= 2) {
            struct ap_job job = { first + n / 2, n - n / 2, 0, 0 };

            smp_run_on_ap(ap_verify, &job);
            verified += verify_run(first, n / 2, &lost);
            smp_wait();
            verified += job.verified;
            lost += job.lost;
            *ap_verified += job.verified;
        } else {
            verified += verify_run(first, n, &lost);
        }
        bits_set(written_bits, first, n, true);
    }
    if (lost) {
        printk("virtio-mem: %llu kept blocks lost their data\n",
               (unsigned long long)lost);
    }
    return verified;
}

/*
 * poke=beyond|unplugged: write one word into each of the first
 * poke-blocks blocks beyond the usable region, or unplugged inside it,
 * and read them back.  A VMM that enforces the usable region (or maps no
 * slot for unplugged blocks) drops the writes and spends no memory; QEMU
 * 7.2 does not enforce, so the words read back and RSS grows.
 */
static void poke(const char *what, uint64_t max_blocks)
{
    uint64_t usable = cfg.usable_region_size / cfg.block_size;
    uint64_t i, n = 0, back = 0, first = ~0ULL;
    bool beyond = streq(what, "beyond");

    for (i = beyond ? usable : 0; i < (beyond ? nblocks : usable) &&
         n < max_blocks; i++) {
        volatile uint64_t *w;

        if (!beyond && bit_get(plugged_bits, i)) {
            continue;
        }
        w = (volatile uint64_t *)(cfg.addr + i * cfg.block_size);
        *w = 0xdead0000beef0000ULL | i;
        back += *w == (0xdead0000beef0000ULL | i);
        if (first == ~0ULL) {
            first = i;
        }
        n++;
    }
    printk("virtio-mem: poke=%s first=0x%llx blocks=%llu readback=%llu\n",
           what, n ? (unsigned long long)(cfg.addr + first * cfg.block_size)
                   : 0ULL,
           (unsigned long long)n, (unsigned long long)back);
}

/* Command-line options of mode=virtio-mem (README.md). */
static struct {
    bool timing, poke, reprobe;
    char poke_what[16];
    uint64_t poke_blocks;
    uint64_t churn_ms;      /* churn=MS: re-verify/rewrite every MS ms */
} opts;

static void parse_options(void)
{
    char buf[16];

    poll_mode = cmdline_get("irq", buf, sizeof(buf)) && streq(buf, "poll");
    verify_per_page = cmdline_get("verify", buf, sizeof(buf)) &&
                      streq(buf, "page");
    chunk_blocks = cmdline_u64("chunk", 64);
    if (chunk_blocks < 1 || chunk_blocks > 0xffff) {
        chunk_blocks = 64;
    }
    opts.timing = cmdline_get("timing", buf, sizeof(buf));
    opts.poke = cmdline_get("poke", opts.poke_what, sizeof(opts.poke_what)) &&
                (streq(opts.poke_what, "beyond") ||
                 streq(opts.poke_what, "unplugged"));
    opts.poke_blocks = cmdline_u64("poke-blocks", 64);
    opts.reprobe = cmdline_get("reprobe", buf, sizeof(buf));
    opts.churn_ms = cmdline_u64("churn", 0);
}

/*
 * churn=MS (a continuous workload, e.g. for live migration): until the
 * configuration changes, every MS ms check that every plugged block
 * still holds the last pattern and write a new one; silent unless a
 * block lost its data.
 */
static void churn_until_config_change(void)
{
    uint64_t ap_verified;

    while (!config_changed) {
        irq_enable();
        backoff_wait(opts.churn_ms);
        if (!config_changed) {
            verify_plugged(&ap_verified);
        }
    }
    config_changed = false;
}

/* Find, initialise and check the device; map its region; unplug all. */
static struct pci_dev *probe(void)
{
    char buf[4];
    struct pci_dev *pci;

    pci_scan_and_assign(cmdline_get("pci", buf, sizeof(buf)));
    pci = pci_find(0x1af4, VIRTIO_ID_MEM_PCI, 0);
    if (!pci) {
        panic("virtio-mem: no virtio-mem-pci device (1af4:1058)");
    }
    intx_set_handler(vmem_intx, NULL);
    if (!virtio_init(&vd, pci, 1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE,
                     0)) {
        panic("virtio-mem: device initialisation failed");
    }
    read_config(&cfg);
    printk("virtio-mem: device 00:%x%x.%u pin %u block_size=0x%llx "
           "addr=0x%llx region_size=0x%llx\n", pci->dev >> 4, pci->dev & 15,
           pci->fn, pci->irq_pin, (unsigned long long)cfg.block_size,
           (unsigned long long)cfg.addr,
           (unsigned long long)cfg.region_size);
    if (!cfg.block_size || (cfg.block_size & (cfg.block_size - 1)) ||
        cfg.region_size / cfg.block_size > MAX_BLOCKS) {
        panic("virtio-mem: unusable geometry");
    }
    nblocks = cfg.region_size / cfg.block_size;
    paging_map_range(cfg.addr, cfg.region_size);
    if (cfg.plugged_size) {
        unplug_all("plugged at probe");
    }
    return pci;
}

/* DEVICE_NEEDS_RESET: start the device over; it kept its blocks. */
static void reinit(struct pci_dev *pci)
{
    irq_disable();
    if (!virtio_init(&vd, pci, 1ULL << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE,
                     0)) {
        panic("virtio-mem: re-initialisation failed");
    }
    read_config(&cfg);
    unplug_all("after a device reset");
    if (!poll_mode) {
        irq_enable();
    }
}

/* Verify, then print the step's lines (timing, device, second vCPU). */
static void verify_and_report(uint64_t requests, uint64_t converge_ms)
{
    uint64_t ap_verified, t = uptime_ms();
    uint64_t verified = verify_plugged(&ap_verified);
    uint64_t plugged = nplugged * cfg.block_size;

    if (opts.timing) {
        printk("timing: %llu requests in %llu ms, verify %llu ms "
               "(TSC at %llu kHz)\n", (unsigned long long)requests,
               (unsigned long long)converge_ms,
               (unsigned long long)(uptime_ms() - t),
               (unsigned long long)tsc_per_ms());
    }
    if (cfg.plugged_size != plugged) {
        printk("virtio-mem: device reports plugged=0x%llx\n",
               (unsigned long long)cfg.plugged_size);
    }
    if (smp_active()) {
        printk("virtio-mem: second vCPU verified=%llu blocks\n",
               (unsigned long long)ap_verified);
    }
    printk("virtio-mem: requested=0x%llx plugged=0x%llx verified=%llu "
           "blocks\n", (unsigned long long)cfg.requested_size,
           (unsigned long long)plugged, (unsigned long long)verified);
    if (opts.poke) {
        poke(opts.poke_what, opts.poke_blocks);
    }
}

void virtio_mem_run(void)
{
    struct pci_dev *pci;
    uint64_t last_req = ~0ULL, last_plugged = ~0ULL;
    bool ready = false;

    parse_options();
    pci = probe();
    if (!poll_mode) {
        ioapic_route_pci_intx();
        irq_enable();
    }
    for (;;) {
        uint64_t t0 = uptime_ms(), req0 = nrequests;

        converge();
        if (virtio_status(&vd) & ST_NEEDS_RESET) {
            reinit(pci);
            continue;
        }
        if (cfg.requested_size != last_req ||
            nplugged * cfg.block_size != last_plugged) {
            verify_and_report(nrequests - req0, uptime_ms() - t0);
            last_req = cfg.requested_size;
            last_plugged = nplugged * cfg.block_size;
            if (opts.reprobe && nplugged) {
                /* Once: a new driver instance (as after kexec) finds
                 * the blocks plugged and must unplug them all first. */
                opts.reprobe = false;
                printk("virtio-mem: reprobe with plugged blocks\n");
                irq_disable();
                virtio_reset(&vd);
                pci = probe();
                if (!poll_mode) {
                    irq_enable();
                }
                last_req = last_plugged = ~0ULL;
                continue;
            }
        }
        if (!ready) {
            /* After the first step line, so that a host waiting for this
             * line before its first change gets a deterministic
             * transcript. */
            printk("virtio-mem: ready (%s)\n",
                   poll_mode ? "polling" : "INTx");
            ready = true;
        }
        if (opts.churn_ms && !poll_mode) {
            churn_until_config_change();
            continue;
        }
        wait_config_change();
    }
}
