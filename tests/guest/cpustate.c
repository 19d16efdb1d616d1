/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mode=cpu-state: vCPU state that only a VMM can keep, checked all the
 * time, for migration and stop/cont tests.
 *
 * - Vector registers: CR4.OSXSAVE and XCR0 (x87, SSE, AVX, and the three
 *   AVX-512 components when offered) are set at CPL0 with XSETBV, which
 *   KVM's instruction emulator runs; a known pattern is then loaded into
 *   zmm0-31 (or ymm0-14) at CPL3 and compared with it again and again at
 *   CPL3 (vector-user.S).  Only the VMM's XSAVE state keeps the upper
 *   halves and zmm16-31.  XCR0 itself the guest cannot check here: XGETBV
 *   at CPL0 stops KVM's emulator, and at CPL3 (native) it reads the
 *   host's XCR0, which the PVM host leaves loaded whatever the guest
 *   set; the tests read it from the migration stream instead.
 * - Debug registers: DR0-3 hold addresses and DR7 disabled breakpoints
 *   with their type and length fields set; read back every round.
 * - kvmclock: MSR_KVM_SYSTEM_TIME_NEW points at a pvclock structure;
 *   every round reads the MSR back, reads the clock, checks that it
 *   never goes back and reports the largest step between two rounds.
 *
 * At boot the debug registers and the kvmclock MSR must hold their
 * power-on values (DR0-3 0, DR7 0x400, MSR 0): a reset must not leave
 * ours behind.
 *
 * CPL0 work per round is a few hundred instructions; the vector check
 * runs for the rest of each period at CPL3 (natively on the PVM host).
 * Lines (README.md): "cpu-state: ready ...", one "cpu-state: round N
 * kvmclock T ms max-step S ms" per `report` rounds, "cpu-state: FAIL ..."
 * for each mismatch (the check then re-arms with the expected values).
 */
#include "guest.h"

#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 3
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_OSXSAVE (1ULL << 18)
#define XCR0_AVX 0x7ULL             /* x87, SSE, AVX */
#define XCR0_AVX512 0xe0ULL         /* opmask, ZMM_Hi256, Hi16_ZMM */
#define DR7_VALUE 0x55550400ULL     /* R/W and LEN set, no enable bit */

struct pvclock_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock");

/* Layout shared with vector-user.S. */
struct vec_job {
    uint64_t pattern;
    uint64_t zmm;
    uint64_t deadline;
    uint64_t bad;
    uint64_t checks;
};
_Static_assert(sizeof(struct vec_job) == 40, "vec_job");

void user_vec_load(void *job);
void user_vec_check(void *job);

static uint64_t vec_pattern[32 * 8] __attribute__((aligned(64)));
static struct pvclock_vcpu_time_info pvti __attribute__((aligned(64)));

static void cpuid_sub(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]),
                     "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)));
}

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return lo | ((uint64_t)hi << 32);
}

/* ---- vector registers ---- */

/* Enable what the vector check needs; false (with a line) if absent. */
static bool vec_setup(struct vec_job *job)
{
    char want[8] = "";
    uint32_t r[4];
    uint64_t cr4, xcr0 = XCR0_AVX, supported;
    bool avx512;
    int i;

    cmdline_get("vec", want, sizeof(want));
    if (streq(want, "off")) {
        printk("cpu-state: vector check off\n");
        return false;
    }
    cpuid_sub(1, 0, r);
    if (!(r[2] & (1u << 26)) || !(r[2] & (1u << 28))) {
        printk("cpu-state: no XSAVE or AVX, vector check off\n");
        return false;
    }
    cpuid_sub(0xd, 0, r);
    supported = r[0] | ((uint64_t)r[3] << 32);
    cpuid_sub(7, 0, r);
    avx512 = (r[1] & (1u << 16)) &&
             (supported & XCR0_AVX512) == XCR0_AVX512 && !streq(want, "ymm");
    if (avx512) {
        xcr0 |= XCR0_AVX512;
    }
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
    __asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)xcr0),
                     "d"((uint32_t)(xcr0 >> 32)) : "memory");
    for (i = 0; i < 32 * 8; i++) {
        vec_pattern[i] = 0x0123456789abcdefULL * (i + 1) ^ ((uint64_t)i << 56);
    }
    job->pattern = (uint64_t)vec_pattern;
    job->zmm = avx512;
    user_call(user_vec_load, job);
    printk("cpu-state: XCR0=0x%llx, pattern in %s\n",
           (unsigned long long)xcr0, avx512 ? "zmm0-31" : "ymm0-14");
    return true;
}

/* Check at CPL3 until @ms from now; print and reload after a mismatch. */
static void vec_check(struct vec_job *job, uint64_t ms)
{
    job->deadline = rdtsc() + ms * tsc_per_ms();
    job->bad = 0;
    user_call(user_vec_check, job);
    if (job->bad) {
        printk("cpu-state: FAIL vector registers 0x%llx lost their "
               "pattern\n", (unsigned long long)job->bad);
        user_call(user_vec_load, job);
    }
}

/* ---- debug registers ---- */

static uint64_t dr_expected(int n)
{
    return 0x0000700000001000ULL + (uint64_t)n * 0x10008ULL;
}

static void dr_write_all(void)
{
    uint64_t v7 = DR7_VALUE;

    __asm__ volatile("mov %0, %%db0" : : "r"(dr_expected(0)));
    __asm__ volatile("mov %0, %%db1" : : "r"(dr_expected(1)));
    __asm__ volatile("mov %0, %%db2" : : "r"(dr_expected(2)));
    __asm__ volatile("mov %0, %%db3" : : "r"(dr_expected(3)));
    __asm__ volatile("mov %0, %%db7" : : "r"(v7));
}

/* @boot: the power-on values (0, DR7 0x400) instead of ours. */
static void dr_check(bool boot)
{
    uint64_t v[5], want;
    int i;
    bool bad = false;

    __asm__ volatile("mov %%db0, %0" : "=r"(v[0]));
    __asm__ volatile("mov %%db1, %0" : "=r"(v[1]));
    __asm__ volatile("mov %%db2, %0" : "=r"(v[2]));
    __asm__ volatile("mov %%db3, %0" : "=r"(v[3]));
    __asm__ volatile("mov %%db7, %0" : "=r"(v[4]));
    for (i = 0; i < 5; i++) {
        want = boot ? (i < 4 ? 0 : 0x400) : i < 4 ? dr_expected(i)
                                                  : DR7_VALUE;
        if (v[i] != want) {
            printk("cpu-state: FAIL DR%d holds 0x%llx%s, expected 0x%llx\n",
                   i < 4 ? i : 7, (unsigned long long)v[i],
                   boot ? " at boot" : "",
                   (unsigned long long)want);
            bad = true;
        }
    }
    if (bad || boot) {
        dr_write_all();
    }
}

/* ---- kvmclock ---- */

static bool kvmclock_setup(void)
{
    uint32_t r[4];

    cpuid_sub(0x40000000, 0, r);
    if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d) {
        printk("cpu-state: no KVM signature, kvmclock check off\n");
        return false;
    }
    cpuid_sub(0x40000001, 0, r);
    if (!(r[0] & (1u << KVM_FEATURE_CLOCKSOURCE2))) {
        printk("cpu-state: no kvmclock, kvmclock check off\n");
        return false;
    }
    if (rdmsr(MSR_KVM_SYSTEM_TIME_NEW)) {
        printk("cpu-state: FAIL MSR_KVM_SYSTEM_TIME_NEW is 0x%llx at boot, "
               "expected 0\n",
               (unsigned long long)rdmsr(MSR_KVM_SYSTEM_TIME_NEW));
    }
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)&pvti | 1);
    return true;
}

/* The MSR still points at the structure (the VMM kept it). */
static void kvmclock_check_msr(void)
{
    uint64_t want = (uint64_t)&pvti | 1, v = rdmsr(MSR_KVM_SYSTEM_TIME_NEW);

    if (v != want) {
        printk("cpu-state: FAIL MSR_KVM_SYSTEM_TIME_NEW holds 0x%llx, "
               "expected 0x%llx\n", (unsigned long long)v,
               (unsigned long long)want);
        wrmsr(MSR_KVM_SYSTEM_TIME_NEW, want);
    }
}

/* Nanoseconds of kvmclock, from a consistent copy of the structure. */
static uint64_t kvmclock_ns(void)
{
    volatile struct pvclock_vcpu_time_info *p = &pvti;
    uint32_t version, mul;
    uint64_t ts, base, delta;
    int8_t shift;

    do {
        version = p->version;
        barrier();
        ts = p->tsc_timestamp;
        base = p->system_time;
        mul = p->tsc_to_system_mul;
        shift = p->tsc_shift;
        delta = rdtsc() - ts;
        barrier();
    } while ((version & 1) || version != p->version);
    if (shift < 0) {
        delta >>= -shift;
    } else {
        delta <<= shift;
    }
    return base + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

void cpu_state_run(void)
{
    struct vec_job job = { 0 };
    uint64_t period = cmdline_u64("period", 100);
    uint64_t report = cmdline_u64("report", 10);
    uint64_t round = 0, prev = 0, now, max_step = 0;
    bool vec, clock;

    if (!smp_is_bsp()) {
        return;
    }
    vec = vec_setup(&job);
    dr_check(true);
    clock = kvmclock_setup();
    if (clock) {
        prev = kvmclock_ns();
    }
    printk("cpu-state: ready (vector %s, debug registers on, kvmclock %s)\n",
           vec ? "on" : "off", clock ? "on" : "off");
    for (;;) {
        if (vec) {
            vec_check(&job, period);
        } else {
            delay_ms(period);
        }
        dr_check(false);
        if (clock) {
            kvmclock_check_msr();
            now = kvmclock_ns();
            if (now < prev) {
                printk("cpu-state: FAIL kvmclock went back by %llu us\n",
                       (unsigned long long)(prev - now) / 1000);
            } else if (now - prev > max_step) {
                max_step = now - prev;
            }
            prev = now;
        }
        if (++round % report == 0) {
            printk("cpu-state: round %llu kvmclock %llu ms max-step %llu ms\n",
                   (unsigned long long)round,
                   (unsigned long long)prev / 1000000,
                   (unsigned long long)max_step / 1000000);
            max_step = 0;
        }
    }
}
