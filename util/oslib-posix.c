/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * POSIX (Linux) host helpers for memory: preallocation of mapped ranges,
 * madvise wrappers and the THP size.
 *
 * Preallocation is tuned for large ranges (gigabytes of guest RAM, or a
 * virtio-mem block plugged at run time): the range is cut into at most
 * max_threads contiguous, page-aligned chunks and each chunk is populated
 * with one MADV_POPULATE_WRITE call per slice, so the kernel does all the
 * per-page work and errors come back as errno.  With one thread the calling
 * thread makes the madvise calls itself and no thread is created, so the
 * cost is that of a raw madvise.  Only kernels older than 5.14 (or tests
 * forcing it) take the fallback, which touches one byte per page under a
 * SIGBUS handler; that is the only per-page loop and it exists because
 * the kernel offers no range call there.
 */
#include "qemu/osdep.h"
#include "qemu/oslib.h"
#include "qemu/mmap-alloc.h"
#include "qapi/error.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#ifndef EHWPOISON
#define EHWPOISON 133
#endif

#define THP_SIZE_FILE "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
#define THP_SIZE_DEFAULT (2 * MiB)

/*
 * One madvise call covers at most this much, so that an error can be
 * located to within this granularity without a per-page search.
 */
#define PREALLOC_SLICE (1 * GiB)

/* Upper bound on worker threads, whatever the caller asks for. */
#define PREALLOC_MAX_THREADS 64

int qemu_madvise(void *addr, size_t len, int advice)
{
    if (advice == QEMU_MADV_INVALID) {
        return -EINVAL;
    }
    return madvise(addr, len, advice) == 0 ? 0 : -errno;
}

size_t qemu_get_thp_size(void)
{
    static size_t thp_size;
    size_t size = __atomic_load_n(&thp_size, __ATOMIC_RELAXED);
    g_autofree char *text = NULL;

    if (size) {
        return size;
    }
    size = THP_SIZE_DEFAULT;
    if (g_file_get_contents(THP_SIZE_FILE, &text, NULL, NULL)) {
        guint64 value;

        if (g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, SIZE_MAX,
                                       &value, NULL) &&
            is_power_of_2(value)) {
            size = value;
        }
    }
    __atomic_store_n(&thp_size, size, __ATOMIC_RELAXED);
    return size;
}

/* --- strategy selection --- */

static bool prealloc_force_touch;

void qemu_prealloc_force_touch_for_testing(bool force)
{
    prealloc_force_touch = force;
}

/*
 * Whether the kernel knows MADV_POPULATE_WRITE.  The probe uses a zero
 * length: the kernel validates the advice before it looks at the range, so
 * an unknown advice fails with EINVAL and a known one succeeds.
 */
static bool populate_write_supported(void)
{
    static gsize probed;
    static bool supported;

    if (g_once_init_enter(&probed)) {
#ifdef MADV_POPULATE_WRITE
        void *page = (void *)(uintptr_t)qemu_real_host_page_size();

        supported = madvise(page, 0, MADV_POPULATE_WRITE) == 0;
#endif
        g_once_init_leave(&probed, 1);
    }
    return supported;
}

/* --- per-thread work --- */

typedef struct PreallocJob {
    char *start;            /* chunk owned by this job */
    size_t len;
    bool touch;             /* fallback: touch pages instead of madvise */
    size_t page_size;
    bool started;           /* a thread was created for it */
    pthread_t thread;
    /* Result, written by the job's thread, read after join. */
    int err;                /* 0, or a positive errno; SIGBUS for a fault */
    char *fail_start;       /* failing range, valid when err != 0 */
    size_t fail_len;
} PreallocJob;

static int populate_range(char *start, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    int ret;

    do {
        ret = madvise(start, len, MADV_POPULATE_WRITE);
    } while (ret != 0 && (errno == EINTR || errno == EAGAIN));
    return ret == 0 ? 0 : errno;
#else
    return EINVAL;
#endif
}

/*
 * After @err on [start, start + len), find the first page that fails by
 * bisection: O(log(len / page)) madvise calls over pages that are mostly
 * populated already, so the error can name one page instead of a slice.
 */
static void populate_locate(PreallocJob *job, char *start, size_t len)
{
    size_t lo = 0, hi = len;

    while (hi - lo > job->page_size) {
        size_t mid = lo + ROUND_DOWN((hi - lo) / 2, job->page_size);

        if (populate_range(start + lo, mid - lo) == 0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    job->fail_start = start + lo;
    job->fail_len = hi - lo;
}

static void job_populate(PreallocJob *job)
{
    size_t done = 0;

    while (done < job->len) {
        size_t step = MIN(job->len - done, (size_t)PREALLOC_SLICE);
        int err = populate_range(job->start + done, step);

        if (err) {
            job->err = err;
            job->fail_start = job->start + done;
            job->fail_len = step;
            if (err == EFAULT || err == ENOSPC || err == EHWPOISON) {
                populate_locate(job, job->start + done, step);
            }
            return;
        }
        done += step;
    }
}

/*
 * The fallback.  A SIGBUS raised while a job touches its pages jumps back
 * to that job's sigsetjmp; the handler learns which thread it interrupted
 * from these thread-local variables.
 */
static __thread sigjmp_buf *touch_jmp;
static __thread void *touch_fault_addr;

/* Serialises fallback users: the SIGBUS disposition is process-wide. */
static pthread_mutex_t touch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction touch_old_action;

static void touch_sigbus_handler(int sig, siginfo_t *info, void *ctx)
{
    if (touch_jmp) {
        touch_fault_addr = info->si_addr;
        siglongjmp(*touch_jmp, 1);
    }
    /* Not ours: hand the signal to whoever had it before. */
    if (touch_old_action.sa_flags & SA_SIGINFO) {
        touch_old_action.sa_sigaction(sig, info, ctx);
    } else if (touch_old_action.sa_handler != SIG_DFL &&
               touch_old_action.sa_handler != SIG_IGN) {
        touch_old_action.sa_handler(sig);
    } else {
        /* Default action: return and let the fault kill the process. */
        signal(SIGBUS, SIG_DFL);
    }
}

static void job_touch_pages(PreallocJob *job)
{
    sigjmp_buf env;
    char *volatile page = job->start;
    char *end = job->start + job->len;

    if (sigsetjmp(env, 1)) {
        char *fault = touch_fault_addr;

        touch_jmp = NULL;
        job->err = SIGBUS;
        if (fault < job->start || fault >= end) {
            fault = page;
        }
        job->fail_start = (char *)ROUND_DOWN((uintptr_t)fault,
                                             job->page_size);
        job->fail_len = job->page_size;
        return;
    }
    touch_jmp = &env;
    for (; page < end; page += job->page_size) {
        /*
         * Write-fault the page without changing it, even if another thread
         * writes to it meanwhile: an atomic add of zero.  The volatile
         * qualifier keeps the compiler from turning it into a plain load.
         */
        __atomic_fetch_add((volatile char *)page, 0, __ATOMIC_RELAXED);
    }
    touch_jmp = NULL;
}

/* Touch with SIGBUS unblocked, then give the thread its old mask back. */
static void job_touch(PreallocJob *job)
{
    sigset_t bus, old_mask;

    sigemptyset(&bus);
    sigaddset(&bus, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &bus, &old_mask);
    job_touch_pages(job);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
}

static void *prealloc_job_run(void *opaque)
{
    PreallocJob *job = opaque;

    if (job->touch) {
        job_touch(job);
    } else {
        job_populate(job);
    }
    return NULL;
}

/* --- the driver --- */

static const char *prealloc_cause(int err)
{
    switch (err) {
    case SIGBUS:
        return "SIGBUS while touching the page: backing store exhausted "
               "(hugetlb pool empty, tmpfs or file system full)";
    case EFAULT:
        return "backing store exhausted (hugetlb pool empty, tmpfs or file "
               "system full), or the range is not mapped";
    case ENOMEM:
        return "out of memory, or the range is not mapped";
    case EHWPOISON:
        return "hardware memory error (poisoned page)";
    case ENOSPC:
        return "no space left on the backing file system";
    case EINVAL:
        return "the mapping cannot be populated (not writable, or a "
               "special mapping)";
    case EPERM:
        return "operation not permitted on this mapping";
    default:
        return g_strerror(err);
    }
}

/*
 * Cut [start, start + len) into @n jobs.  Boundaries fall on @align,
 * which is at least the page size; trailing jobs may be empty when the
 * range is small.  Returns the number of non-empty jobs.
 */
static int prealloc_split(PreallocJob *jobs, int n, char *start, size_t len,
                          size_t align, size_t page_size, bool touch)
{
    size_t chunk = ROUND_UP(DIV_ROUND_UP(len, n), align);
    size_t off = 0;
    int i;

    for (i = 0; i < n && off < len; i++) {
        jobs[i] = (PreallocJob) {
            .start = start + off,
            .len = MIN(chunk, len - off),
            .touch = touch,
            .page_size = page_size,
        };
        off += jobs[i].len;
    }
    return i;
}

static int prealloc_thread_count(int max_threads, size_t len, size_t unit)
{
    size_t units = DIV_ROUND_UP(len, unit);
    int n = CLAMP(max_threads, 1, PREALLOC_MAX_THREADS);

    return (size_t)n > units ? (int)units : n;
}

static bool thread_naming;

void qemu_thread_naming(bool enable)
{
    thread_naming = enable;
}

bool qemu_thread_naming_enabled(void)
{
    return thread_naming;
}

/* Run the jobs: workers for jobs[1..], the caller for jobs[0]. */
static void prealloc_run_jobs(PreallocJob *jobs, int n)
{
    int i;

    for (i = 1; i < n; i++) {
        jobs[i].started = pthread_create(&jobs[i].thread, NULL,
                                         prealloc_job_run, &jobs[i]) == 0;
        if (jobs[i].started && thread_naming) {
            pthread_setname_np(jobs[i].thread, "touch_pages");
        }
    }
    prealloc_job_run(&jobs[0]);
    /* Jobs whose thread could not be created run here, one by one. */
    for (i = 1; i < n; i++) {
        if (!jobs[i].started) {
            prealloc_job_run(&jobs[i]);
        }
    }
    for (i = 1; i < n; i++) {
        if (jobs[i].started) {
            pthread_join(jobs[i].thread, NULL);
        }
    }
}

static bool prealloc_report(PreallocJob *jobs, int n, char *area,
                            size_t size, GError **errp)
{
    int i;

    /* Report the lowest failing range: jobs are in address order. */
    for (i = 0; i < n; i++) {
        if (jobs[i].err) {
            /* The range was rounded out: the first page may start lower. */
            size_t offset = jobs[i].fail_start > area ?
                            (size_t)(jobs[i].fail_start - area) : 0;

            error_setg(errp, "cannot preallocate memory at 0x%" PRIxPTR
                       "-0x%" PRIxPTR " (offset 0x%zx of the 0x%zx-byte "
                       "area at 0x%" PRIxPTR "): %s",
                       (uintptr_t)jobs[i].fail_start,
                       (uintptr_t)jobs[i].fail_start + jobs[i].fail_len - 1,
                       offset, size,
                       (uintptr_t)area, prealloc_cause(jobs[i].err));
            return false;
        }
    }
    return true;
}

static void touch_install_handler(void)
{
    struct sigaction act = {
        .sa_sigaction = touch_sigbus_handler,
        .sa_flags = SA_SIGINFO,
    };

    sigemptyset(&act.sa_mask);
    pthread_mutex_lock(&touch_lock);
    sigaction(SIGBUS, &act, &touch_old_action);
}

static void touch_restore_handler(void)
{
    sigaction(SIGBUS, &touch_old_action, NULL);
    pthread_mutex_unlock(&touch_lock);
}

bool qemu_prealloc_mem(int fd, char *area, size_t size, int max_threads,
                       GError **errp)
{
    PreallocJob jobs[PREALLOC_MAX_THREADS];
    size_t page_size, align;
    char *start;
    size_t len;
    bool touch, ok;
    int n;

    if (!size) {
        return true;
    }
    page_size = qemu_fd_getpagesize(fd);
    start = (char *)ROUND_DOWN((uintptr_t)area, page_size);
    len = ROUND_UP((uintptr_t)area + size, page_size) - (uintptr_t)start;
    touch = prealloc_force_touch || !populate_write_supported();

    /*
     * Give each thread whole huge pages when the range is big enough, so
     * that no THP is shared between two threads.
     */
    align = page_size;
    n = prealloc_thread_count(max_threads, len, page_size);
    if (page_size < qemu_get_thp_size() &&
        len / qemu_get_thp_size() >= (size_t)n) {
        align = qemu_get_thp_size();
    }
    n = prealloc_split(jobs, n, start, len, align, page_size, touch);

    if (touch) {
        touch_install_handler();
    }
    prealloc_run_jobs(jobs, n);
    if (touch) {
        touch_restore_handler();
    }
    ok = prealloc_report(jobs, n, area, size, errp);
    return ok;
}
