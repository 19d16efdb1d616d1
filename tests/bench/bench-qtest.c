/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark of the qtest path: the cost of one pipelined qtest command on
 * our binary against Debian's QEMU 7.2, measured side by side.
 *
 * Both binaries are started once, each connected to its own listening
 * UNIX socket the way libqtest does it (ours with -accel qtest, the
 * reference with -accel tcg -S since it has no qtest accelerator), with
 * -qtest-log /dev/null.  Each round sends a batch of N commands (writel
 * and readl on guest RAM, alternating) as fast as the socket takes them
 * while reading the replies, and takes the time from the first byte sent
 * to the last reply received.  Rounds alternate between the binaries, so
 * that noise from other processes on a shared host hits both.  For each
 * it prints the median and best µs per command and the median of the
 * per-round ratio ours/reference; our binary also gets a round of
 * `clock_step 1` commands, which the reference cannot answer.
 *
 * Exits non-zero when the median ratio is above 1.0 (the target: ours no
 * slower than QEMU 7.2).  Without a reference binary it only measures ours.
 *
 * Usage: bench-qtest [--count N] [--rounds R] [--own PATH] [--ref PATH]
 *                    [--no-clock]
 * --own/--ref may name a wrapper script (e.g. one that runs the binary
 * under valgrind --tool=callgrind: instruction counts are stable where
 * wall time varies several-fold with the load of a shared host);
 * --no-clock skips the clock_step rounds so that both binaries get the
 * same commands.
 * Defaults: N = 100000, R = 7, the build's binary, BENCH_REFERENCE_QEMU.
 */
#include "qemu/osdep.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

typedef struct Peer {
    const char *name;
    pid_t pid;
    int fd;
    char *dir;
} Peer;

static void die(const char *what)
{
    fprintf(stderr, "bench-qtest: %s: %s\n", what, g_strerror(errno));
    exit(2);
}

/* Start @binary connected to a fresh socket; return once it is accepted. */
static void peer_start(Peer *p, const char *binary, const char *accel)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autofree char *path = NULL, *qtest_arg = NULL;
    g_auto(GStrv) accel_argv = g_strsplit(accel, " ", -1);
    GPtrArray *argv = g_ptr_array_new();
    struct pollfd pfd;
    int lfd;

    p->dir = g_dir_make_tmp("bench-qtest-XXXXXX", NULL);
    if (!p->dir) {
        die("mkdtemp");
    }
    path = g_build_filename(p->dir, "q.sock", NULL);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(lfd, 1) < 0) {
        die("listen");
    }
    qtest_arg = g_strdup_printf("unix:%s", path);
    g_ptr_array_add(argv, (char *)binary);
    for (char **a = accel_argv; *a; a++) {
        g_ptr_array_add(argv, *a);
    }
    for (const char *const *a = (const char *const[]) {
             "-qtest", qtest_arg, "-qtest-log", "/dev/null",
             "-machine", "q35", "-m", "128M", "-display", "none",
             "-nodefaults", NULL }; *a; a++) {
        g_ptr_array_add(argv, (char *)*a);
    }
    g_ptr_array_add(argv, NULL);
    p->pid = fork();
    if (p->pid < 0) {
        die("fork");
    }
    if (p->pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(null, STDOUT_FILENO);
        execv(binary, (char **)argv->pdata);
        _exit(127);
    }
    g_ptr_array_free(argv, TRUE);
    pfd = (struct pollfd) { .fd = lfd, .events = POLLIN };
    if (poll(&pfd, 1, 120000) != 1) {
        fprintf(stderr, "bench-qtest: %s did not connect\n", binary);
        exit(2);
    }
    p->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (p->fd < 0) {
        die("accept");
    }
    close(lfd);
    unlink(path);
}

static void peer_stop(Peer *p)
{
    kill(p->pid, SIGTERM);
    waitpid(p->pid, NULL, 0);
    close(p->fd);
    rmdir(p->dir);
    g_free(p->dir);
}

/*
 * Send @req (@nlines lines) while reading replies; return the seconds
 * from the first byte sent to the @nlines-th reply line.
 */
static double run_batch(Peer *p, const GString *req, size_t nlines)
{
    static char buf[256 * 1024];
    size_t sent = 0, lines = 0;
    gint64 start = g_get_monotonic_time();

    while (lines < nlines) {
        struct pollfd pfd = {
            .fd = p->fd,
            .events = POLLIN | (sent < req->len ? POLLOUT : 0),
        };

        if (poll(&pfd, 1, 30000) != 1) {
            fprintf(stderr, "bench-qtest: %s stalled\n", p->name);
            exit(2);
        }
        if (pfd.revents & POLLOUT) {
            ssize_t n = send(p->fd, req->str + sent, req->len - sent,
                             MSG_DONTWAIT);

            if (n < 0 && errno != EAGAIN) {
                die("send");
            }
            sent += MAX(n, 0);
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                fprintf(stderr, "bench-qtest: %s closed the socket\n",
                        p->name);
                exit(2);
            }
            for (ssize_t i = 0; i < n; i++) {
                if (buf[i] == 'F' || buf[i] == 'E') {
                    /* FAIL / ERR: the batch is not what we measure */
                    if (i == 0 || buf[i - 1] == '\n') {
                        fprintf(stderr, "bench-qtest: %s refused a "
                                "command\n", p->name);
                        exit(2);
                    }
                }
                lines += buf[i] == '\n';
            }
        }
    }
    return (g_get_monotonic_time() - start) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    const char *own = BENCH_OWN_BINARY;
    const char *ref = BENCH_REFERENCE_QEMU;
    int count = 100000, rounds = 7;
    bool clock = true;
    g_autoptr(GString) mem_req = g_string_new(NULL);
    g_autoptr(GString) clk_req = g_string_new(NULL);
    Peer peers[2] = { { .name = "ours" }, { .name = "QEMU 7.2" } };
    bool have_ref;
    int npeers;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc) {
            count = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--own") && i + 1 < argc) {
            own = argv[++i];
        } else if (!strcmp(argv[i], "--ref") && i + 1 < argc) {
            ref = argv[++i];
        } else if (!strcmp(argv[i], "--no-clock")) {
            clock = false;
        } else {
            fprintf(stderr, "usage: bench-qtest [--count N] [--rounds R] "
                    "[--own PATH] [--ref PATH] [--no-clock]\n");
            return 2;
        }
    }
    if (count < 2 || rounds < 1) {
        fprintf(stderr, "bench-qtest: --count >= 2, --rounds >= 1\n");
        return 2;
    }
    for (int i = 0; i < count; i++) {
        uint64_t addr = 0x100000 + 4 * (uint64_t)(i / 2 % 4096);

        if (i % 2 == 0) {
            g_string_append_printf(mem_req, "writel 0x%" PRIx64 " 0x%x\n",
                                   addr, i);
        } else {
            g_string_append_printf(mem_req, "readl 0x%" PRIx64 "\n", addr);
        }
        g_string_append(clk_req, "clock_step 1\n");
    }

    have_ref = ref[0] && access(ref, X_OK) == 0;
    npeers = have_ref ? 2 : 1;
    peer_start(&peers[0], own, "-accel qtest");
    if (have_ref) {
        peer_start(&peers[1], ref, "-accel tcg -S");
    } else {
        printf("reference QEMU not found ('%s'): measuring ours only\n",
               ref);
    }

    g_autofree double *t = g_new0(double, 2 * rounds);
    g_autofree double *ratio = g_new0(double, rounds);
    g_autofree double *clk = g_new0(double, rounds);

    /* one warm-up batch each: page faults, first-touch allocations */
    for (int k = 0; k < npeers; k++) {
        run_batch(&peers[k], mem_req, count);
    }
    for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < npeers; j++) {
            int k = (r % 2) ? npeers - 1 - j : j;    /* alternate order */

            t[k * rounds + r] = run_batch(&peers[k], mem_req, count) /
                                count * 1e6;
        }
        if (clock) {
            clk[r] = run_batch(&peers[0], clk_req, count) / count * 1e6;
        }
        ratio[r] = have_ref ? t[r] / t[rounds + r] : 0;
    }

    printf("pipelined writel/readl, %d commands x %d rounds, µs/command\n",
           count, rounds);
    for (int k = 0; k < npeers; k++) {
        double *v = &t[k * rounds];
        double m = median(v, rounds);   /* sorts v */

        printf("  %-10s median %.3f  best %.3f\n", peers[k].name, m, v[0]);
    }
    if (clock) {
        double m = median(clk, rounds);

        printf("  %-10s median %.3f  best %.3f  (clock_step 1, ours only)\n",
               "ours", m, clk[0]);
    }
    for (int k = 0; k < npeers; k++) {
        peer_stop(&peers[k]);
    }
    if (!have_ref) {
        return 0;
    }
    double m = median(ratio, rounds);
    printf("  ratio ours/QEMU 7.2: median %.3f (range %.3f .. %.3f)\n", m,
           ratio[0], ratio[rounds - 1]);
    printf("%s: pipelined qtest commands %s than QEMU 7.2\n",
           m <= 1.0 ? "PASS" : "FAIL",
           m <= 1.0 ? "no slower" : "slower");
    return m <= 1.0 ? 0 : 1;
}
