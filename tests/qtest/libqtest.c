/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: owns the test process's side of a qtest session: the private
 * socket directory, the child binary (start, watch, kill), the line-based
 * qtest channel with its asynchronous IRQ lines, and the QMP channel with
 * event buffering.
 *
 * Tuned for short device tests: a handful of sessions per test binary,
 * thousands of small commands each.  Replies are read through a per-socket
 * buffer with poll() timeouts so a hung binary fails the test in bounded
 * time; the socket files exist only until the binary has connected.
 *
 * Crash hygiene: each live child is recorded in a small fixed table that
 * the fatal-signal handlers (SIGABRT, SIGTRAP, SIGSEGV, SIGTERM, ...), an
 * atexit() hook and qtest_fail_test() walk with async-signal-safe calls
 * only (kill, unlink, rmdir).
 */
#include "qemu/osdep.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "libqtest.h"

#define QTEST_DEFAULT_TIMEOUT_S 60
#define QTEST_MAX_CHILDREN      16

#ifndef QTEST_DEFAULT_BINARY
#define QTEST_DEFAULT_BINARY "qemu-system-x86_64"
#endif

typedef struct QTestChan {
    int fd;
    GString *rx;              /* bytes received, not yet split into lines */
    const char *name;         /* "qtest" or "qmp", for messages */
} QTestChan;

struct QTestState {
    pid_t pid;                /* 0 once reaped */
    int wstatus;              /* valid once pid == 0 */
    bool killed;              /* qtest_kill_binary() was called */
    int slot;                 /* index in live_children */
    char *dir;
    char *qtest_path;
    char *qmp_path;
    QTestChan qtest;
    QTestChan qmp;
    int timeout_ms;
    bool log;
    bool big_endian;
    bool irq_level[QTEST_MAX_IRQ];
    GQueue events;            /* JsonObject *, buffered events */
    GQueue responses;         /* JsonObject *, read while awaiting events */
    JsonObject *greeting;
};

/*
 * The crash-cleanup table.  Written only from the main thread outside the
 * handlers; the handlers only read it.  Paths are copied into fixed
 * buffers so the handlers need no allocation.
 */
typedef struct LiveChild {
    volatile sig_atomic_t used;
    pid_t pid;
    char dir[256];
    char qtest_path[300];
    char qmp_path[300];
} LiveChild;

static LiveChild live_children[QTEST_MAX_CHILDREN];

/* ---- crash cleanup ------------------------------------------------------ */

static void cleanup_live_children(void)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        LiveChild *lc = &live_children[i];

        if (!lc->used) {
            continue;
        }
        if (lc->pid > 0) {
            kill(lc->pid, SIGKILL);
        }
        if (lc->qtest_path[0]) {
            unlink(lc->qtest_path);
        }
        if (lc->qmp_path[0]) {
            unlink(lc->qmp_path);
        }
        if (lc->dir[0]) {
            rmdir(lc->dir);
        }
    }
}

/*
 * Signals that end a test process abnormally: failed assertions (SIGABRT),
 * fatal GLib criticals (SIGTRAP), crashes, and meson's timeout (SIGTERM).
 */
static const int fatal_signals[] = {
    SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT,
    SIGHUP, SIGQUIT,
};
static struct sigaction old_actions[G_N_ELEMENTS(fatal_signals)];

static void fatal_signal_handler(int sig)
{
    cleanup_live_children();
    for (size_t i = 0; i < G_N_ELEMENTS(fatal_signals); i++) {
        if (fatal_signals[i] == sig) {
            sigaction(sig, &old_actions[i], NULL);
        }
    }
    raise(sig);
}

static void install_cleanup_hooks(void)
{
    static bool installed;
    struct sigaction sa = { .sa_handler = fatal_signal_handler };

    if (installed) {
        return;
    }
    installed = true;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < G_N_ELEMENTS(fatal_signals); i++) {
        sigaction(fatal_signals[i], &sa, &old_actions[i]);
    }
    atexit(cleanup_live_children);
}

static int live_child_add(QTestState *s)
{
    for (int i = 0; i < QTEST_MAX_CHILDREN; i++) {
        LiveChild *lc = &live_children[i];

        if (!lc->used) {
            lc->pid = 0;
            g_strlcpy(lc->dir, s->dir, sizeof(lc->dir));
            g_strlcpy(lc->qtest_path, s->qtest_path, sizeof(lc->qtest_path));
            g_strlcpy(lc->qmp_path, s->qmp_path, sizeof(lc->qmp_path));
            lc->used = 1;
            return i;
        }
    }
    qtest_fail_test("libqtest: more than %d sessions at once",
                    QTEST_MAX_CHILDREN);
}

/* Forget the socket files once they are gone (they are unlinked early). */
static void live_child_forget_paths(QTestState *s)
{
    LiveChild *lc = &live_children[s->slot];

    lc->qtest_path[0] = '\0';
    lc->qmp_path[0] = '\0';
    lc->dir[0] = '\0';
}

static void live_child_remove(QTestState *s)
{
    live_children[s->slot].used = 0;
    live_children[s->slot].pid = 0;
}

/* ---- failure reporting -------------------------------------------------- */

static char *describe_wstatus(int wstatus)
{
    if (WIFEXITED(wstatus)) {
        return g_strdup_printf("exited with status %d",
                               WEXITSTATUS(wstatus));
    }
    if (WIFSIGNALED(wstatus)) {
        return g_strdup_printf("killed by signal %d (%s)", WTERMSIG(wstatus),
                               strsignal(WTERMSIG(wstatus)));
    }
    return g_strdup_printf("wait status 0x%x", wstatus);
}

void qtest_fail_test(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /*
     * Kill the children first: in a g_test_trap_subprocess() child the
     * assertion below ends in _exit(), which runs neither atexit() hooks
     * nor signal handlers.  Then fail like a g_assert (TAP "Bail out!"),
     * and abort() even if assertions were made non-fatal.
     */
    cleanup_live_children();
    g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, msg);
    abort();
}



bool qtest_probe_child(QTestState *s)
{
    pid_t r;

    if (!s->pid) {
        return false;
    }
    r = waitpid(s->pid, &s->wstatus, WNOHANG);
    if (r == 0) {
        return true;
    }
    s->pid = 0;
    live_children[s->slot].pid = 0;
    return false;
}

/* Aborts the test; the SIGABRT handler then kills the child. */
static void qtest_fail(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3) G_GNUC_NORETURN;

static void qtest_fail(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    g_autofree char *status = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (s && !qtest_probe_child(s)) {
        status = describe_wstatus(s->wstatus);
    }
    qtest_fail_test("libqtest: %s%s%s", msg,
                    status ? "; the binary " : "",
                    status ? status : "");
}

/* ---- channels ----------------------------------------------------------- */

static void chan_init(QTestChan *c, int fd, const char *name)
{
    c->fd = fd;
    c->rx = g_string_new(NULL);
    c->name = name;
}

static void chan_close(QTestChan *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c->rx) {
        g_string_free(c->rx, TRUE);
        c->rx = NULL;
    }
}

static void chan_send(QTestState *s, QTestChan *c, const char *buf,
                      size_t len)
{
    while (len) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            qtest_fail(s, "%s socket: send failed: %s", c->name,
                       g_strerror(errno));
        }
        buf += n;
        len -= n;
    }
}

/*
 * Reads more bytes into c->rx.  With @wait_ms < 0 uses the session
 * timeout and fails on expiry; with @wait_ms == 0 only takes what is
 * already there.  Returns false if nothing was available (wait_ms == 0).
 */
static bool chan_fill(QTestState *s, QTestChan *c, int wait_ms)
{
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    char buf[4096];
    ssize_t n;
    int r;

    do {
        r = poll(&pfd, 1, wait_ms < 0 ? s->timeout_ms : wait_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        qtest_fail(s, "%s socket: poll failed: %s", c->name,
                   g_strerror(errno));
    }
    if (r == 0) {
        if (wait_ms == 0) {
            return false;
        }
        qtest_fail(s, "%s socket: no reply within %d s", c->name,
                   s->timeout_ms / 1000);
    }
    do {
        n = recv(c->fd, buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        qtest_fail(s, "%s socket: recv failed: %s", c->name,
                   g_strerror(errno));
    }
    if (n == 0) {
        /* Give the dying child a moment so the message names its status. */
        for (int i = 0; i < 100 && qtest_probe_child(s); i++) {
            g_usleep(10 * 1000);
        }
        qtest_fail(s, "%s socket closed by the binary", c->name);
    }
    g_string_append_len(c->rx, buf, n);
    return true;
}

/* Returns a complete line if one is buffered, without the newline. */
static char *chan_take_line(QTestChan *c)
{
    char *nl = memchr(c->rx->str, '\n', c->rx->len);
    char *line;
    size_t len;

    if (!nl) {
        return NULL;
    }
    len = nl - c->rx->str;
    line = g_strndup(c->rx->str, len);
    g_string_erase(c->rx, 0, len + 1);
    if (len && line[len - 1] == '\r') {
        line[len - 1] = '\0';
    }
    return line;
}

static char *chan_read_line(QTestState *s, QTestChan *c)
{
    char *line;

    while (!(line = chan_take_line(c))) {
        chan_fill(s, c, -1);
    }
    if (s->log) {
        g_printerr("[%s <] %s\n", c->name, line);
    }
    return line;
}

/* ---- start-up ----------------------------------------------------------- */

static int listen_unix(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(fd, >=, 0);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 1) < 0) {
        qtest_fail_test("libqtest: cannot listen on %s: %s", path,
                        g_strerror(errno));
    }
    return fd;
}

static char **build_argv(QTestState *s, const char *extra_args)
{
    const char *binary = g_getenv("QTEST_QEMU_BINARY");
    const char *accel = g_getenv("QTEST_QEMU_ACCEL");
    g_autofree char *qbin = NULL, *qqtest = NULL, *qqmp = NULL;
    g_autofree char *cmdline = NULL;
    g_autoptr(GError) err = NULL;
    char **argv = NULL;

    if (!binary || !*binary) {
        binary = QTEST_DEFAULT_BINARY;
    }
    if (!accel) {
        accel = "-accel qtest";
    }
    qbin = g_shell_quote(binary);
    qqtest = g_shell_quote(s->qtest_path);
    qqmp = g_shell_quote(s->qmp_path);
    cmdline = g_strdup_printf("%s %s -qtest unix:%s -qtest-log /dev/null "
                              "-chardev socket,path=%s,id=qmp0 "
                              "-mon chardev=qmp0,mode=control "
                              "-display none -nodefaults %s",
                              qbin, accel, qqtest, qqmp,
                              extra_args ? extra_args : "");
    if (s->log) {
        g_printerr("[libqtest] %s\n", cmdline);
    }
    if (!g_shell_parse_argv(cmdline, NULL, &argv, &err)) {
        qtest_fail_test("libqtest: cannot split command line '%s': %s",
                        cmdline, err->message);
    }
    return argv;
}

static void spawn_child(QTestState *s, char **argv)
{
    pid_t parent = getpid();
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        /* Die with the test, whatever kills it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        /* Keep TAP on stdout clean: the binary's output goes to stderr. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execvp(argv[0], argv);
        fprintf(stderr, "libqtest: cannot execute %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    s->pid = pid;
    live_children[s->slot].pid = pid;
}

/* Accepts one connection on each of @lfd[0..1] into @out[0..1]. */
static void accept_both(QTestState *s, const int lfd[2], int out[2])
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64)s->timeout_ms * 1000;

    out[0] = out[1] = -1;
    while (out[0] < 0 || out[1] < 0) {
        struct pollfd pfd[2];
        int n = 0, idx[2];

        for (int i = 0; i < 2; i++) {
            if (out[i] < 0) {
                pfd[n] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
                idx[n++] = i;
            }
        }
        if (poll(pfd, n, 100) < 0 && errno != EINTR) {
            qtest_fail_test("libqtest: poll: %s", g_strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            if (pfd[i].revents & POLLIN) {
                out[idx[i]] = accept4(lfd[idx[i]], NULL, NULL,
                                      SOCK_CLOEXEC);
            }
        }
        if (out[0] >= 0 && out[1] >= 0) {
            break;
        }
        if (!qtest_probe_child(s)) {
            qtest_fail(s, "the binary did not connect to %s%s%s",
                       out[0] < 0 ? "the qtest socket" : "",
                       out[0] < 0 && out[1] < 0 ? " and " : "",
                       out[1] < 0 ? "the QMP socket" : "");
        }
        if (g_get_monotonic_time() > deadline) {
            qtest_fail(s, "the binary did not connect within %d s",
                       s->timeout_ms / 1000);
        }
    }
}

static JsonObject *parse_object(QTestState *s, const char *text,
                                const char *what)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    JsonNode *root;

    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        qtest_fail(s, "%s is not JSON (%s): %s", what, err->message, text);
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        qtest_fail(s, "%s is not a JSON object: %s", what, text);
    }
    return json_object_ref(json_node_get_object(root));
}

static void qmp_handshake(QTestState *s)
{
    g_autofree char *line = chan_read_line(s, &s->qmp);

    s->greeting = parse_object(s, line, "QMP greeting");
    if (!json_object_has_member(s->greeting, "QMP")) {
        qtest_fail(s, "bad QMP greeting: %s", line);
    }
    qtest_qmp_assert_success(s, "{'execute': 'qmp_capabilities'}");
}

static void query_endianness(QTestState *s)
{
    g_autofree char *rsp = qtest_raw_cmd(s, "endianness");

    if (!strcmp(rsp, "OK big")) {
        s->big_endian = true;
    } else if (!strcmp(rsp, "OK little")) {
        s->big_endian = false;
    } else {
        qtest_fail(s, "unexpected reply to 'endianness': %s", rsp);
    }
}

static QTestState *qtest_new(void)
{
    QTestState *s = g_new0(QTestState, 1);
    const char *t = g_getenv("QTEST_TIMEOUT");
    g_autoptr(GError) err = NULL;

    s->timeout_ms = QTEST_DEFAULT_TIMEOUT_S * 1000;
    if (t && atoi(t) > 0) {
        s->timeout_ms = atoi(t) * 1000;
    }
    s->log = g_getenv("QTEST_LOG") != NULL;
    s->dir = g_dir_make_tmp("qtest-XXXXXX", &err);
    if (!s->dir) {
        qtest_fail_test("libqtest: cannot create socket directory: %s",
                        err->message);
    }
    s->qtest_path = g_build_filename(s->dir, "qtest.sock", NULL);
    s->qmp_path = g_build_filename(s->dir, "qmp.sock", NULL);
    s->qtest.fd = s->qmp.fd = -1;
    g_queue_init(&s->events);
    g_queue_init(&s->responses);
    return s;
}

static void remove_socket_files(QTestState *s)
{
    unlink(s->qtest_path);
    unlink(s->qmp_path);
    rmdir(s->dir);
    live_child_forget_paths(s);
}

QTestState *qtest_init(const char *extra_args)
{
    QTestState *s = qtest_new();
    g_auto(GStrv) argv = NULL;
    int lfd[2], fd[2];

    install_cleanup_hooks();
    s->slot = live_child_add(s);
    lfd[0] = listen_unix(s->qtest_path);
    lfd[1] = listen_unix(s->qmp_path);
    argv = build_argv(s, extra_args);
    spawn_child(s, argv);
    accept_both(s, lfd, fd);
    close(lfd[0]);
    close(lfd[1]);
    remove_socket_files(s);
    chan_init(&s->qtest, fd[0], "qtest");
    chan_init(&s->qmp, fd[1], "qmp");

    qmp_handshake(s);
    query_endianness(s);
    return s;
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *args = NULL;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return qtest_init(args);
}

/* ---- shutdown ----------------------------------------------------------- */

static bool wait_child(QTestState *s, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (!qtest_probe_child(s)) {
            return true;
        }
        g_usleep(10 * 1000);
    }
    return false;
}

void qtest_kill_binary(QTestState *s)
{
    if (s->pid) {
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, &s->wstatus, 0) < 0 && errno == EINTR) {
            /* retry */
        }
        s->pid = 0;
        live_children[s->slot].pid = 0;
    }
    s->killed = true;
}

static bool wstatus_is_clean_exit(int wstatus)
{
    return (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) ||
           (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGTERM);
}

static void free_queue(GQueue *q)
{
    JsonObject *o;

    while ((o = g_queue_pop_head(q))) {
        json_object_unref(o);
    }
}

void qtest_quit(QTestState *s)
{
    bool died_before;

    if (!s) {
        return;
    }
    /* Reaped already (by a probe) or dead now: it went on its own. */
    died_before = !s->killed && (!s->pid || !qtest_probe_child(s));
    if (s->pid) {
        kill(s->pid, SIGTERM);
        if (!wait_child(s, s->timeout_ms)) {
            qtest_kill_binary(s);
            qtest_fail(s, "the binary ignored SIGTERM for %d s",
                       s->timeout_ms / 1000);
        }
        /*
         * A clean shutdown exits 0.  A sanitizer report at exit (a
         * LeakSanitizer leak, an ASan error in teardown) makes the
         * status non-zero, and so fails the test here.
         */
        if (!WIFEXITED(s->wstatus) || WEXITSTATUS(s->wstatus) != 0) {
            g_autofree char *st = describe_wstatus(s->wstatus);
            qtest_fail(NULL, "the binary did not exit cleanly after "
                       "SIGTERM: %s", st);
        }
    }
    if (died_before && !wstatus_is_clean_exit(s->wstatus)) {
        g_autofree char *st = describe_wstatus(s->wstatus);
        qtest_fail(NULL, "the binary died before qtest_quit: %s", st);
    }
    chan_close(&s->qtest);
    chan_close(&s->qmp);
    live_child_remove(s);
    free_queue(&s->events);
    free_queue(&s->responses);
    if (s->greeting) {
        json_object_unref(s->greeting);
    }
    g_free(s->dir);
    g_free(s->qtest_path);
    g_free(s->qmp_path);
    g_free(s);
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

bool qtest_is_reference(void)
{
    const char *r = g_getenv("QTEST_REFERENCE");

    return r && !strcmp(r, "1");
}

bool qtest_big_endian(QTestState *s)
{
    return s->big_endian;
}

/* ---- qtest channel ------------------------------------------------------ */

/* Records an "IRQ raise N" / "IRQ lower N" line; false if not one. */
static bool handle_irq_line(QTestState *s, const char *line)
{
    bool raise;
    const char *p;
    char *end;
    long n;

    if (!g_str_has_prefix(line, "IRQ ")) {
        return false;
    }
    p = line + 4;
    if (g_str_has_prefix(p, "raise ")) {
        raise = true;
        p += 6;
    } else if (g_str_has_prefix(p, "lower ")) {
        raise = false;
        p += 6;
    } else {
        qtest_fail(s, "malformed IRQ line: %s", line);
    }
    n = strtol(p, &end, 0);
    if (end == p || *end || n < 0 || n >= QTEST_MAX_IRQ) {
        qtest_fail(s, "malformed IRQ line: %s", line);
    }
    s->irq_level[n] = raise;
    return true;
}

static char *qtest_vraw_cmd(QTestState *s, const char *fmt, va_list ap)
{
    g_autofree char *cmd = g_strdup_vprintf(fmt, ap);
    char *line;

    if (s->log) {
        g_printerr("[qtest >] %s\n", cmd);
    }
    chan_send(s, &s->qtest, cmd, strlen(cmd));
    chan_send(s, &s->qtest, "\n", 1);
    for (;;) {
        line = chan_read_line(s, &s->qtest);
        if (!handle_irq_line(s, line)) {
            return line;
        }
        g_free(line);
    }
}

char *qtest_raw_cmd(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    char *rsp;

    va_start(ap, fmt);
    rsp = qtest_vraw_cmd(s, fmt, ap);
    va_end(ap);
    return rsp;
}

/*
 * Sends a command, fails the test unless the reply is "OK" or "OK <arg>",
 * and returns the text after "OK " ("" if none).  Caller frees.
 */
static char * G_GNUC_PRINTF(2, 3) qtest_cmd_ok(QTestState *s,
                                               const char *fmt, ...)
{
    va_list ap;
    g_autofree char *rsp = NULL;
    char *arg;

    va_start(ap, fmt);
    rsp = qtest_vraw_cmd(s, fmt, ap);
    va_end(ap);
    if (!strcmp(rsp, "OK")) {
        return g_strdup("");
    }
    if (!g_str_has_prefix(rsp, "OK ")) {
        va_start(ap, fmt);
        arg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        qtest_fail(s, "command '%s' failed: %s", arg, rsp);
    }
    arg = g_strdup(rsp + 3);
    return arg;
}

static uint64_t parse_u64(QTestState *s, const char *text)
{
    char *end;
    uint64_t v;

    errno = 0;
    v = g_ascii_strtoull(text, &end, 0);
    if (errno || end == text || *end) {
        qtest_fail(s, "reply is not a number: '%s'", text);
    }
    return v;
}

static uint64_t cmd_value(QTestState *s, const char *cmd, uint64_t addr)
{
    g_autofree char *v = qtest_cmd_ok(s, "%s 0x%" PRIx64, cmd, addr);

    return parse_u64(s, v);
}

static void cmd_store(QTestState *s, const char *cmd, uint64_t addr,
                      uint64_t value)
{
    g_autofree char *v = qtest_cmd_ok(s, "%s 0x%" PRIx64 " 0x%" PRIx64,
                                      cmd, addr, value);
}

uint8_t qtest_inb(QTestState *s, uint16_t port)
{
    return cmd_value(s, "inb", port);
}

uint16_t qtest_inw(QTestState *s, uint16_t port)
{
    return cmd_value(s, "inw", port);
}

uint32_t qtest_inl(QTestState *s, uint16_t port)
{
    return cmd_value(s, "inl", port);
}

void qtest_outb(QTestState *s, uint16_t port, uint8_t value)
{
    cmd_store(s, "outb", port, value);
}

void qtest_outw(QTestState *s, uint16_t port, uint16_t value)
{
    cmd_store(s, "outw", port, value);
}

void qtest_outl(QTestState *s, uint16_t port, uint32_t value)
{
    cmd_store(s, "outl", port, value);
}

uint8_t qtest_readb(QTestState *s, uint64_t addr)
{
    return cmd_value(s, "readb", addr);
}

uint16_t qtest_readw(QTestState *s, uint64_t addr)
{
    return cmd_value(s, "readw", addr);
}

uint32_t qtest_readl(QTestState *s, uint64_t addr)
{
    return cmd_value(s, "readl", addr);
}

uint64_t qtest_readq(QTestState *s, uint64_t addr)
{
    return cmd_value(s, "readq", addr);
}

void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value)
{
    cmd_store(s, "writeb", addr, value);
}

void qtest_writew(QTestState *s, uint64_t addr, uint16_t value)
{
    cmd_store(s, "writew", addr, value);
}

void qtest_writel(QTestState *s, uint64_t addr, uint32_t value)
{
    cmd_store(s, "writel", addr, value);
}

void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value)
{
    cmd_store(s, "writeq", addr, value);
}

static int hex_nibble(char c)
{
    return g_ascii_xdigit_value(c);
}

void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *hex = NULL;
    uint8_t *out = data;

    if (!size) {
        return;
    }
    hex = qtest_cmd_ok(s, "read 0x%" PRIx64 " 0x%zx", addr, size);
    if (strncmp(hex, "0x", 2) || strlen(hex) != 2 + 2 * size) {
        qtest_fail(s, "read of %zu bytes returned '%.64s'", size, hex);
    }
    for (size_t i = 0; i < size; i++) {
        int hi = hex_nibble(hex[2 + 2 * i]);
        int lo = hex_nibble(hex[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            qtest_fail(s, "read returned a non-hex digit");
        }
        out[i] = hi << 4 | lo;
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *in = data;
    g_autofree char *hex = NULL;
    g_autofree char *v = NULL;

    if (!size) {
        return;
    }
    hex = g_malloc(2 * size + 1);
    for (size_t i = 0; i < size; i++) {
        hex[2 * i] = digits[in[i] >> 4];
        hex[2 * i + 1] = digits[in[i] & 0xf];
    }
    hex[2 * size] = '\0';
    v = qtest_cmd_ok(s, "write 0x%" PRIx64 " 0x%zx 0x%s", addr, size, hex);
}

void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size)
{
    g_autofree char *b64 = NULL;
    g_autofree guchar *raw = NULL;
    gsize len = 0;

    if (!size) {
        return;
    }
    b64 = qtest_cmd_ok(s, "b64read 0x%" PRIx64 " 0x%zx", addr, size);
    raw = g_base64_decode(b64, &len);
    if (len != size) {
        qtest_fail(s, "b64read of %zu bytes decoded to %zu", size,
                   (size_t)len);
    }
    memcpy(data, raw, size);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size)
{
    g_autofree char *b64 = NULL;
    g_autofree char *v = NULL;

    if (!size) {
        return;
    }
    b64 = g_base64_encode(data, size);
    v = qtest_cmd_ok(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, size, b64);
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size)
{
    g_autofree char *v = NULL;

    if (!size) {
        return;
    }
    v = qtest_cmd_ok(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, size,
                     pattern);
}

static int64_t clock_reply(QTestState *s, char *v)
{
    int64_t ns = parse_u64(s, v);

    g_free(v);
    return ns;
}

int64_t qtest_clock_step_next(QTestState *s)
{
    return clock_reply(s, qtest_cmd_ok(s, "clock_step"));
}

int64_t qtest_clock_step(QTestState *s, int64_t step)
{
    return clock_reply(s, qtest_cmd_ok(s, "clock_step %" PRId64, step));
}

int64_t qtest_clock_set(QTestState *s, int64_t val)
{
    return clock_reply(s, qtest_cmd_ok(s, "clock_set %" PRId64, val));
}

void qtest_irq_intercept_in(QTestState *s, const char *qom_path)
{
    g_free(qtest_cmd_ok(s, "irq_intercept_in %s", qom_path));
}

void qtest_irq_intercept_out(QTestState *s, const char *qom_path)
{
    g_free(qtest_cmd_ok(s, "irq_intercept_out %s", qom_path));
}

bool qtest_get_irq(QTestState *s, int num)
{
    char *line;

    g_assert_cmpint(num, >=, 0);
    g_assert_cmpint(num, <, QTEST_MAX_IRQ);
    /* Take whatever IRQ lines arrived since the last reply. */
    do {
        while ((line = chan_take_line(&s->qtest))) {
            if (!handle_irq_line(s, line)) {
                qtest_fail(s, "unsolicited qtest line: %s", line);
            }
            g_free(line);
        }
    } while (chan_fill(s, &s->qtest, 0));
    return s->irq_level[num];
}

/* ---- QMP ---------------------------------------------------------------- */

static void qmp_vsend(QTestState *s, const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    JsonObject *obj = parse_object(s, text, "QMP command");
    g_autofree char *wire = NULL;

    json_node_take_object(node, obj);
    json_generator_set_root(gen, node);
    wire = json_generator_to_data(gen, NULL);
    if (s->log) {
        g_printerr("[qmp >] %s\n", wire);
    }
    chan_send(s, &s->qmp, wire, strlen(wire));
    chan_send(s, &s->qmp, "\n", 1);
}

void qtest_qmp_send(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qmp_vsend(s, fmt, ap);
    va_end(ap);
}

void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (s->log) {
        g_printerr("[qmp > raw] %s\n", text);
    }
    chan_send(s, &s->qmp, text, strlen(text));
}

JsonObject *qtest_qmp_receive_dict(QTestState *s)
{
    for (;;) {
        g_autofree char *line = chan_read_line(s, &s->qmp);

        if (*g_strstrip(line)) {
            return parse_object(s, line, "QMP message");
        }
    }
}

static bool is_event(JsonObject *msg)
{
    return json_object_has_member(msg, "event");
}

JsonObject *qtest_qmp_receive(QTestState *s)
{
    JsonObject *msg = g_queue_pop_head(&s->responses);

    while (!msg) {
        msg = qtest_qmp_receive_dict(s);
        if (is_event(msg)) {
            g_queue_push_tail(&s->events, msg);
            msg = NULL;
        }
    }
    return msg;
}

JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    qmp_vsend(s, fmt, ap);
    va_end(ap);
    return qtest_qmp_receive(s);
}

static const char *error_desc(JsonObject *rsp)
{
    JsonObject *err;

    if (!json_object_has_member(rsp, "error")) {
        return NULL;
    }
    err = json_object_get_object_member(rsp, "error");
    if (err && json_object_has_member(err, "desc")) {
        return json_object_get_string_member(err, "desc");
    }
    return "(no desc)";
}

static JsonObject *qmp_vassert_success(QTestState *s, const char *fmt,
                                       va_list ap)
{
    va_list copy;
    JsonObject *rsp;

    va_copy(copy, ap);
    qmp_vsend(s, fmt, ap);
    rsp = qtest_qmp_receive(s);
    if (!json_object_has_member(rsp, "return")) {
        g_autofree char *cmd = g_strdup_vprintf(fmt, copy);
        const char *desc = error_desc(rsp);

        qtest_fail(s, "QMP command %s failed: %s", cmd,
                   desc ? desc : "response without 'return'");
    }
    va_end(copy);
    return rsp;
}

void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    json_object_unref(qmp_vassert_success(s, fmt, ap));
    va_end(ap);
}

JsonObject *qtest_qmp_assert_success_ref(QTestState *s, const char *fmt, ...)
{
    va_list ap;
    JsonObject *rsp;

    va_start(ap, fmt);
    rsp = qmp_vassert_success(s, fmt, ap);
    va_end(ap);
    return rsp;
}

static bool event_is(JsonObject *msg, const char *event)
{
    JsonNode *n = json_object_get_member(msg, "event");

    return n && JSON_NODE_HOLDS_VALUE(n) &&
           json_node_get_value_type(n) == G_TYPE_STRING &&
           !strcmp(json_node_get_string(n), event);
}

JsonObject *qtest_qmp_event_ref(QTestState *s, const char *event)
{
    for (GList *l = s->events.head; l; l = l->next) {
        if (event_is(l->data, event)) {
            JsonObject *msg = l->data;

            g_queue_delete_link(&s->events, l);
            return msg;
        }
    }
    return NULL;
}

JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *event)
{
    JsonObject *msg = qtest_qmp_event_ref(s, event);

    while (!msg) {
        msg = qtest_qmp_receive_dict(s);
        if (!is_event(msg)) {
            g_queue_push_tail(&s->responses, msg);
            msg = NULL;
        } else if (!event_is(msg, event)) {
            g_queue_push_tail(&s->events, msg);
            msg = NULL;
        }
    }
    return msg;
}

void qtest_qmp_eventwait(QTestState *s, const char *event)
{
    json_object_unref(qtest_qmp_eventwait_ref(s, event));
}

bool qmp_rsp_is_err(JsonObject *rsp)
{
    bool err = json_object_has_member(rsp, "error");

    json_object_unref(rsp);
    return err;
}

const char *qmp_rsp_error_class(JsonObject *rsp)
{
    JsonObject *err;

    if (!json_object_has_member(rsp, "error")) {
        return NULL;
    }
    err = json_object_get_object_member(rsp, "error");
    if (!err || !json_object_has_member(err, "class")) {
        return NULL;
    }
    return json_object_get_string_member(err, "class");
}

JsonObject *qtest_qmp_greeting(QTestState *s)
{
    return s->greeting;
}
