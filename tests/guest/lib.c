/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The few library routines the test guest needs (memset, memcpy,
 * strlen), the debug-port console with a small printf, and the command
 * line parser.  Console output goes to port 0xe9, one OUT per byte.
 */
#include "guest.h"

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;

    while (n--) {
        *p++ = (uint8_t)c;
    }
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;

    while (n--) {
        *p++ = *q++;
    }
    return d;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++, b++;
    }
    return *a == *b;
}

static void con_putc(char c)
{
    outb(0xe9, (uint8_t)c);
}

static void con_puts(const char *s)
{
    while (*s) {
        con_putc(*s++);
    }
}

static void con_num(uint64_t v, unsigned base, bool neg)
{
    char buf[24];
    int i = 0;

    if (neg) {
        con_putc('-');
    }
    do {
        buf[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (i) {
        con_putc(buf[--i]);
    }
}

static void vprintk(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        int lng = 0;

        if (*fmt != '%') {
            con_putc(*fmt);
            continue;
        }
        fmt++;
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            con_puts(s ? s : "(null)");
            break;
        }
        case 'c':
            con_putc((char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            con_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
            break;
        }
        case 'u':
            con_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10,
                    false);
            break;
        case 'x':
            con_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16,
                    false);
            break;
        case 'p':
            con_puts("0x");
            con_num((uint64_t)va_arg(ap, void *), 16, false);
            break;
        case '%':
            con_putc('%');
            break;
        default:
            con_putc('%');
            if (*fmt) {
                con_putc(*fmt);
            } else {
                return;
            }
        }
    }
}

void printk(const char *fmt, ...)
{
    va_list ap;

    console_lock();
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    console_unlock();
}

void halt_forever(void)
{
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void panic(const char *fmt, ...)
{
    va_list ap;

    con_puts("guest: PANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    con_putc('\n');
    halt_forever();
}

/* --- command line --- */
static char cmdline_buf[1024];

void cmdline_init(const char *cmdline)
{
    size_t n = 0;

    if (cmdline) {
        while (cmdline[n] && n < sizeof(cmdline_buf) - 1) {
            cmdline_buf[n] = cmdline[n];
            n++;
        }
    }
    cmdline_buf[n] = 0;
}

static bool prefix_eq(const char *a, const char *b, size_t n)
{
    while (n--) {
        if (*a++ != *b++) {
            return false;
        }
    }
    return true;
}

bool cmdline_get(const char *key, char *buf, size_t len)
{
    const char *p = cmdline_buf;
    size_t klen = strlen(key);

    while (*p) {
        const char *w = p, *e;

        while (*p && *p != ' ') {
            p++;
        }
        e = p;
        while (*p == ' ') {
            p++;
        }
        if ((size_t)(e - w) >= klen && prefix_eq(w, key, klen) &&
            (w + klen == e || w[klen] == '=')) {
            const char *v = w + klen == e ? "1" : w + klen + 1;
            size_t n = 0;
            size_t vlen = w + klen == e ? 1 : (size_t)(e - v);

            while (n < vlen && n + 1 < len) {
                buf[n] = v[n];
                n++;
            }
            buf[n] = 0;
            return true;
        }
    }
    return false;
}

uint64_t cmdline_u64(const char *key, uint64_t def)
{
    char buf[32];
    const char *s = buf;
    uint64_t v = 0;
    unsigned base = 10;

    if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0]) {
        return def;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (; *s; s++) {
        unsigned d;

        if (*s >= '0' && *s <= '9') {
            d = *s - '0';
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = *s - 'a' + 10;
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = *s - 'A' + 10;
        } else {
            break;
        }
        v = v * base + d;
    }
    switch (*s) {
    case 'k': case 'K': v <<= 10; break;
    case 'm': case 'M': v <<= 20; break;
    case 'g': case 'G': v <<= 30; break;
    }
    return v;
}
