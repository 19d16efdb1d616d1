/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqtest: the test side of the qtest protocol.
 *
 * A test plays the guest: it starts the emulator binary with a qtest
 * channel and a QMP monitor, both connecting back to UNIX sockets this
 * library listens on, then reads and writes guest memory and I/O ports and
 * issues QMP commands.  The same test runs against our binary
 * (QTEST_QEMU_ACCEL defaults to "-accel qtest") and against Debian's QEMU
 * (the reference suite passes "-accel tcg -S": the CPU never runs).
 *
 * Failure model: any protocol or transport failure (a FAIL/ERR reply to a
 * helper, a socket closed by the binary, no reply within the timeout)
 * aborts the test.  The child is killed on qtest_quit(), on any libqtest
 * failure, on fatal signals (SIGABRT from g_assert, SIGTRAP from fatal
 * criticals, crashes, SIGTERM/SIGINT) and at exit, and it carries
 * PR_SET_PDEATHSIG so it dies with the test process even on SIGKILL.
 *
 * Environment:
 *   QTEST_QEMU_BINARY  binary to start (default: the build's binary)
 *   QTEST_QEMU_ACCEL   accelerator arguments (default "-accel qtest")
 *   QTEST_TIMEOUT      seconds to wait for any reply (default 60)
 *   QTEST_LOG          when set, every exchange is echoed to stderr
 *   QTEST_REFERENCE    set to 1 by meson for the qtest-reference suite
 */
#ifndef LIBQTEST_H
#define LIBQTEST_H

#include <json-glib/json-glib.h>

typedef struct QTestState QTestState;

/* ---- lifetime ----------------------------------------------------------- */

/**
 * qtest_init:
 * @extra_args: further command-line arguments, split like a shell would
 *              (quotes honoured), e.g. "-machine q35 -m 128M".
 *
 * Creates a private directory with the qtest and QMP sockets, starts the
 * binary, accepts both connections, removes the socket files, reads the QMP
 * greeting and negotiates capabilities.  Aborts the test on failure.
 *
 * Returns: the session; free it with qtest_quit().
 */
QTestState *qtest_init(const char *extra_args);

/** qtest_initf: qtest_init() with printf-style @fmt. */
QTestState *qtest_initf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/**
 * qtest_quit:
 * @s: session, may be NULL.
 *
 * Fails the test if the binary already died on its own (crash, assertion,
 * non-zero exit); otherwise sends SIGTERM, waits (SIGKILL after the
 * timeout) and fails the test unless the binary exited with status 0 (a
 * sanitizer report at shutdown, e.g. a LeakSanitizer leak, makes it
 * non-zero); then closes the sockets and frees @s.  Not after
 * qtest_kill_binary(): that status is not judged.
 */
void qtest_quit(QTestState *s);

/**
 * qtest_kill_binary:
 * @s: session.
 *
 * SIGKILLs the child and reaps it without judging its exit status; for
 * tests that expect the binary to die.  qtest_quit() remains necessary to
 * free @s.
 */
void qtest_kill_binary(QTestState *s);

/**
 * qtest_probe_child:
 * @s: session.
 *
 * Returns: true while the child is still running (reaps it otherwise).
 */
bool qtest_probe_child(QTestState *s);

/** qtest_pid: the child's process id (for observing it in /proc). */
pid_t qtest_pid(QTestState *s);

/**
 * qtest_fail_test:
 * Fails the running test with a message (as a failed g_assert does) and
 * aborts; every live child is killed on the way out.  For libqos and tests.
 */
void qtest_fail_test(const char *fmt, ...)
    G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

/** qtest_is_reference: true when QTEST_REFERENCE=1 (Debian's QEMU run). */
bool qtest_is_reference(void);

/* ---- raw protocol ------------------------------------------------------- */

/**
 * qtest_raw_cmd:
 * @s: session.
 * @fmt: one protocol line without the trailing newline, printf-style.
 *
 * Sends the line and returns the reply line (asynchronous "IRQ ..." lines
 * are consumed and recorded on the way), without judging it: "OK ...",
 * "FAIL ..." or "ERR ...".  Caller frees with g_free().
 */
char *qtest_raw_cmd(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** qtest_big_endian: target endianness, as the "endianness" command said. */
bool qtest_big_endian(QTestState *s);

/* ---- I/O ports and memory ----------------------------------------------- */
/* Every helper aborts the test unless the reply starts with "OK". */

uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_outb(QTestState *s, uint16_t port, uint8_t value);
void qtest_outw(QTestState *s, uint16_t port, uint16_t value);
void qtest_outl(QTestState *s, uint16_t port, uint32_t value);

/* Guest-physical accesses in target byte order. */
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t value);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t value);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t value);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t value);

/**
 * qtest_memread / qtest_memwrite:
 * Byte-exact copies of @size bytes using the hex "read"/"write" commands.
 * A zero @size sends nothing.
 */
void qtest_memread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);

/** qtest_bufread / qtest_bufwrite: the same over "b64read"/"b64write". */
void qtest_bufread(QTestState *s, uint64_t addr, void *data, size_t size);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *data,
                    size_t size);

/** qtest_memset: fill @size bytes with @pattern ("memset"). */
void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size);

/* ---- virtual clock (only with -accel qtest) ----------------------------- */

/** qtest_clock_step_next: advance to the next timer; returns the new ns. */
int64_t qtest_clock_step_next(QTestState *s);
/** qtest_clock_step: advance by @step ns; returns the new clock in ns. */
int64_t qtest_clock_step(QTestState *s, int64_t step);
/** qtest_clock_set: advance to @val ns; returns the new clock in ns. */
int64_t qtest_clock_set(QTestState *s, int64_t val);

/* ---- interrupts --------------------------------------------------------- */

/**
 * qtest_irq_intercept_in / qtest_irq_intercept_out:
 * @qom_path: device whose GPIO inputs (or outputs) to intercept,
 *            e.g. "ioapic".
 *
 * After this the binary reports level changes as "IRQ raise N" /
 * "IRQ lower N" lines; qtest_get_irq() returns the last level seen.
 */
void qtest_irq_intercept_in(QTestState *s, const char *qom_path);
void qtest_irq_intercept_out(QTestState *s, const char *qom_path);

/**
 * qtest_get_irq:
 * @num: line number, 0..QTEST_MAX_IRQ-1.
 *
 * Reads any IRQ lines already sent and returns the last level of @num.
 */
#define QTEST_MAX_IRQ 256
bool qtest_get_irq(QTestState *s, int num);

/* ---- QMP ---------------------------------------------------------------- */
/*
 * Commands are written printf-style in JSON or JSON with single-quoted
 * strings: qtest_qmp(s, "{'execute': 'qom-get', 'arguments': "
 * "{'path': %s, 'property': 'size'}}", quoted).  The text is parsed (a
 * parse error aborts the test) and sent as one compact line.  Messages are
 * returned as JsonObject; the caller owns the reference and drops it with
 * json_object_unref().
 */

/**
 * qtest_qmp:
 * Sends one command and returns its response (events that arrive first are
 * buffered for qtest_qmp_eventwait()).  Caller unrefs.
 */
JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/** qtest_qmp_send: send a command without waiting for the response. */
void qtest_qmp_send(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * qtest_qmp_send_raw:
 * Sends @fmt's expansion verbatim (no parse, no newline added), for
 * testing the monitor's handling of malformed input.
 */
void qtest_qmp_send_raw(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/**
 * qtest_qmp_receive:
 * Returns the next response (not event), buffering events met on the way.
 * Caller unrefs.
 */
JsonObject *qtest_qmp_receive(QTestState *s);

/**
 * qtest_qmp_receive_dict:
 * Returns the next message from the socket, event or not, bypassing the
 * buffers.  Caller unrefs.
 */
JsonObject *qtest_qmp_receive_dict(QTestState *s);

/**
 * qtest_qmp_assert_success:
 * Sends a command and aborts the test (printing the error) unless the
 * response carries "return".
 */
void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/**
 * qtest_qmp_assert_success_ref:
 * Like qtest_qmp_assert_success() but returns the whole response (the
 * caller reads "return" from it and unrefs it).
 */
JsonObject *qtest_qmp_assert_success_ref(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/**
 * qtest_qmp_eventwait_ref:
 * Returns the first event named @event, taken from the buffer or waited
 * for (other events are buffered, responses kept for qtest_qmp_receive()).
 * Caller unrefs.
 */
JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *event);

/** qtest_qmp_eventwait: qtest_qmp_eventwait_ref() and drop the event. */
void qtest_qmp_eventwait(QTestState *s, const char *event);

/**
 * qtest_qmp_event_ref:
 * Returns a buffered event named @event without waiting, or NULL.
 */
JsonObject *qtest_qmp_event_ref(QTestState *s, const char *event);

/**
 * qmp_rsp_is_err:
 * @rsp: a response; this call takes the caller's reference (QEMU's rule).
 *
 * Returns: true if @rsp carries "error".
 */
bool qmp_rsp_is_err(JsonObject *rsp);

/**
 * qmp_rsp_error_class:
 * Returns: the "error"."class" string of @rsp (borrowed) or NULL.
 */
const char *qmp_rsp_error_class(JsonObject *rsp);

/** qtest_qmp_greeting: the QMP greeting object (borrowed). */
JsonObject *qtest_qmp_greeting(QTestState *s);

#endif /* LIBQTEST_H */
