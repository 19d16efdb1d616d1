/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-serial (hw/char/serial.h): the register file of a 16550A UART.
 * Owns the divisor latch, IER/IIR/FCR/LCR/MCR/LSR/MSR/SCR, a 16-byte
 * receive FIFO fed by a chardev, loopback mode (MCR bit 4: transmitted
 * bytes are received, modem inputs follow the modem outputs) and the
 * interrupt line.  Transmission is instantaneous: THR is empty again as
 * soon as it is written, so THRE/TEMT are always set once the write
 * returns and the THR-empty interrupt is latched at once.  There is no
 * baud-rate timing; the character-timeout interrupt is reported as soon
 * as data sits below the FIFO trigger level.
 *
 * The interrupt line is high whenever IIR shows a pending source (as on
 * QEMU 7.2, OUT2 does not gate it).  Guest accesses arrive under the
 * BQL, and so do the chardev callbacks.
 *
 * The register file travels in a migration section ("isa-serial", named
 * by the QOM path; see the payload below), registered at realize.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/address-spaces.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "hw/char/serial.h"

static const uint8_t fifo_trigger[4] = { 1, 4, 8, 14 };

static bool fifo_on(SerialState *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static uint8_t serial_msr(SerialState *s)
{
    if (s->mcr & UART_MCR_LOOP) {
        uint8_t m = 0;

        m |= (s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0;
        m |= (s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0;
        m |= (s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0;
        m |= (s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0;
        return m;
    }
    return s->msr;
}

/* The highest-priority pending source, as IIR bits 0-3. */
static uint8_t serial_iir_source(SerialState *s)
{
    if ((s->ier & UART_IER_RLSI) && (s->lsr & (UART_LSR_OE | UART_LSR_BI))) {
        return UART_IIR_RLSI;
    }
    if ((s->ier & UART_IER_RDI) && s->rx_count) {
        if (fifo_on(s) && s->rx_count < fifo_trigger[s->fcr >> 6]) {
            return UART_IIR_CTI;
        }
        return UART_IIR_RDI;
    }
    if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_MSI) && (serial_msr(s) & 0x0f)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

/* Only level changes reach the line (under KVM each one is an ioctl). */
static void serial_update_irq(SerialState *s)
{
    bool level = serial_iir_source(s) != UART_IIR_NO_INT;

    if (level != s->irq_level) {
        s->irq_level = level;
        qemu_set_irq(s->irq, level);
    }
}

static void serial_clear_rx(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->lsr &= ~UART_LSR_DR;
}

void serial_receive(SerialState *s, const uint8_t *buf, int len)
{
    unsigned room = fifo_on(s) ? SERIAL_FIFO_SIZE : 1;

    for (int i = 0; i < len; i++) {
        if (s->rx_count >= room) {
            s->lsr |= UART_LSR_OE;
            if (fifo_on(s)) {
                continue;       /* FIFO mode: the new character is lost */
            }
            serial_clear_rx(s); /* 16450 mode: it overwrites RBR */
        }
        s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = buf[i];
        s->rx_count++;
    }
    if (s->rx_count) {
        s->lsr |= UART_LSR_DR;
    }
    serial_update_irq(s);
}

static void serial_transmit(SerialState *s, uint8_t byte)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_receive(s, &byte, 1);
    } else {
        char_out_write_byte(&s->out, byte);
    }
    s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    s->thr_ipending = true;
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t ret = 0;

    switch (addr & 7) {
    case UART_RBR:
        if (s->lcr & UART_LCR_DLAB) {
            return s->divider & 0xff;
        }
        if (s->rx_count) {
            bool was_full = s->rx_count == (fifo_on(s) ? SERIAL_FIFO_SIZE : 1);

            ret = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
            if (!--s->rx_count) {
                s->lsr &= ~UART_LSR_DR;
            }
            if (was_full && s->out.chr) {
                qemu_chr_accept_input(s->out.chr);
            }
        }
        break;
    case UART_IER:
        return (s->lcr & UART_LCR_DLAB) ? s->divider >> 8 : s->ier;
    case UART_IIR:
        ret = serial_iir_source(s);
        if (ret == UART_IIR_THRI) {
            s->thr_ipending = false;
        }
        if (fifo_on(s)) {
            ret |= UART_IIR_FIFO;
        }
        break;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        ret = s->lsr;
        s->lsr &= ~(UART_LSR_OE | UART_LSR_BI);
        break;
    case UART_MSR:
        ret = serial_msr(s);
        s->msr &= 0xf0;          /* the delta bits clear on read */
        break;
    case UART_SCR:
        return s->scr;
    }
    serial_update_irq(s);
    return ret;
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = val;

    switch (addr & 7) {
    case UART_THR:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0xff00) | v;
            return;
        }
        serial_transmit(s, v);
        break;
    case UART_IER:
        if (s->lcr & UART_LCR_DLAB) {
            s->divider = (s->divider & 0x00ff) | (v << 8);
            return;
        }
        if ((s->ier ^ v) & UART_IER_THRI) {
            s->thr_ipending = (v & UART_IER_THRI) &&
                              (s->lsr & UART_LSR_THRE);
        }
        s->ier = v & 0x0f;
        break;
    case UART_FCR:
        if ((s->fcr ^ v) & UART_FCR_ENABLE || (v & UART_FCR_CLR_RX)) {
            serial_clear_rx(s);
        }
        /* The transmitter has no FIFO to clear: it is always empty. */
        s->fcr = v & 0xc9;
        if (!fifo_on(s)) {
            s->fcr = 0;
        }
        if (s->out.chr) {
            qemu_chr_accept_input(s->out.chr);
        }
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR:
        s->mcr = v & 0x1f;
        break;
    case UART_LSR:
    case UART_MSR:
        return;                 /* read-only on the 16550A */
    case UART_SCR:
        s->scr = v;
        return;
    }
    serial_update_irq(s);
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/*
 * --- migration section ---
 *
 * Payload, version 1, little-endian: u32 iobase, u32 irq (configuration,
 * must agree), u16 divisor, u8 IER, LCR, MCR, LSR, MSR, SCR, FCR,
 * u8 THR-empty interrupt latched, u8 receive count, then that many
 * received bytes, oldest first.  The interrupt line is not sent: it is
 * recomputed from the registers on load.
 */
#define SERIAL_STATE_VERSION 1
#define SERIAL_STATE_FIXED   (4 + 4 + 2 + 7 + 1 + 1)

static bool serial_state_save(void *opaque, GByteArray *out, GError **errp)
{
    SerialState *s = opaque;
    uint8_t regs[7] = { s->ier, s->lcr, s->mcr, s->lsr, s->msr, s->scr,
                        s->fcr };

    mig_put_u32(out, s->iobase);
    mig_put_u32(out, s->isa_irq);
    mig_put_u8(out, s->divider & 0xff);
    mig_put_u8(out, s->divider >> 8);
    mig_put_bytes(out, regs, sizeof(regs));
    mig_put_u8(out, s->thr_ipending);
    mig_put_u8(out, s->rx_count);
    for (unsigned i = 0; i < s->rx_count; i++) {
        mig_put_u8(out, s->rx[(s->rx_head + i) % SERIAL_FIFO_SIZE]);
    }
    return true;
}

/* What a payload holds, decoded; see serial_state_decode(). */
typedef struct SerialImage {
    uint32_t iobase, irq;
    uint16_t divider;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t thr_ipending;
    uint8_t rx_count;
    const uint8_t *rx;
} SerialImage;

/* Decode and validate @data against @s's configuration. */
static bool serial_state_decode(SerialState *s, const uint8_t *data,
                                size_t len, uint32_t version,
                                SerialImage *im, GError **errp)
{
    MigCursor c;

    if (version != SERIAL_STATE_VERSION) {
        error_setg(errp, "unknown isa-serial state version %u", version);
        return false;
    }
    if (len < SERIAL_STATE_FIXED || len > SERIAL_STATE_FIXED +
                                          SERIAL_FIFO_SIZE) {
        error_setg(errp, "%zu bytes, expected %u to %u", len,
                   SERIAL_STATE_FIXED, SERIAL_STATE_FIXED + SERIAL_FIFO_SIZE);
        return false;
    }
    mig_cursor_init(&c, data, len);
    im->iobase = mig_get_u32(&c);
    im->irq = mig_get_u32(&c);
    im->divider = mig_get_u8(&c);
    im->divider |= mig_get_u8(&c) << 8;
    im->ier = mig_get_u8(&c);
    im->lcr = mig_get_u8(&c);
    im->mcr = mig_get_u8(&c);
    im->lsr = mig_get_u8(&c);
    im->msr = mig_get_u8(&c);
    im->scr = mig_get_u8(&c);
    im->fcr = mig_get_u8(&c);
    im->thr_ipending = mig_get_u8(&c);
    im->rx_count = mig_get_u8(&c);
    if (len != SERIAL_STATE_FIXED + im->rx_count) {
        error_setg(errp, "%zu bytes for %u received characters", len,
                   im->rx_count);
        return false;
    }
    im->rx = mig_get_bytes(&c, im->rx_count);
    if (im->iobase != s->iobase || im->irq != s->isa_irq) {
        error_setg(errp, "iobase 0x%x irq %u in the stream, 0x%x irq %u "
                   "here", im->iobase, im->irq, s->iobase, s->isa_irq);
        return false;
    }
    if ((im->ier & ~0x0f) || (im->mcr & ~0x1f) || im->thr_ipending > 1 ||
        (im->fcr & ~0xc9) || (im->fcr && !(im->fcr & UART_FCR_ENABLE))) {
        error_setg(errp, "impossible register values (IER 0x%02x MCR 0x%02x "
                   "FCR 0x%02x THRI %u)", im->ier, im->mcr, im->fcr,
                   im->thr_ipending);
        return false;
    }
    if (im->rx_count > ((im->fcr & UART_FCR_ENABLE) ? SERIAL_FIFO_SIZE : 1) ||
        !(im->lsr & UART_LSR_DR) != !im->rx_count) {
        error_setg(errp, "%u received characters with FCR 0x%02x "
                   "LSR 0x%02x", im->rx_count, im->fcr, im->lsr);
        return false;
    }
    return mig_cursor_done(&c, "isa-serial", errp);
}

static bool serial_state_check(void *opaque, const uint8_t *data,
                               size_t len, uint32_t version, GError **errp)
{
    SerialImage im;

    return serial_state_decode(opaque, data, len, version, &im, errp);
}

static bool serial_state_load(void *opaque, const uint8_t *data, size_t len,
                              uint32_t version, GError **errp)
{
    SerialState *s = opaque;
    SerialImage im;

    if (!serial_state_decode(s, data, len, version, &im, errp)) {
        return false;
    }
    s->divider = im.divider;
    s->ier = im.ier;
    s->lcr = im.lcr;
    s->mcr = im.mcr;
    s->lsr = im.lsr;
    s->msr = im.msr;
    s->scr = im.scr;
    s->fcr = im.fcr;
    s->thr_ipending = im.thr_ipending;
    s->rx_head = 0;
    s->rx_count = im.rx_count;
    memcpy(s->rx, im.rx, im.rx_count);
    serial_update_irq(s);
    if (s->out.chr) {
        qemu_chr_accept_input(s->out.chr);
    }
    return true;
}

static const MigStateOps serial_state_ops = {
    .type = TYPE_ISA_SERIAL,
    .version = SERIAL_STATE_VERSION,
    .save = serial_state_save,
    .check = serial_state_check,
    .load = serial_state_load,
};

/* --- chardev frontend --- */

static int serial_can_read(void *opaque)
{
    SerialState *s = opaque;
    unsigned room = fifo_on(s) ? SERIAL_FIFO_SIZE : 1;

    return s->rx_count < room ? room - s->rx_count : 0;
}

static void serial_chr_read(void *opaque, const uint8_t *buf, int size)
{
    serial_receive(opaque, buf, size);
}

static void serial_reset(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    s->divider = 0x0c;          /* 9600 baud */
    s->ier = 0;
    s->lcr = 0;
    s->mcr = UART_MCR_OUT2;
    s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
    s->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    s->scr = 0;
    s->fcr = 0;
    s->thr_ipending = false;
    serial_clear_rx(s);
    s->irq_level = false;
    qemu_set_irq(s->irq, 0);
    if (s->out.chr) {
        qemu_chr_accept_input(s->out.chr);
    }
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = ISA_SERIAL(dev);

    if (s->iobase > 0xfff8) {
        error_setg(errp, "iobase 0x%x is not an I/O port range", s->iobase);
        return false;
    }
    if (s->isa_irq > 15) {
        error_setg(errp, "irq %u is not an ISA IRQ (0-15)", s->isa_irq);
        return false;
    }
    if (!char_out_open(&s->out, "isa-serial", errp)) {
        return false;
    }
    if (!device_migration_register(OBJECT(dev), "", &serial_state_ops, s,
                                   &s->migration_id, errp)) {
        char_out_close(&s->out);
        return false;
    }
    memory_region_init_io(&s->io, OBJECT(dev), &serial_ops, s, "serial", 8);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    serial_reset(dev);
    if (s->out.chr) {
        qemu_chr_set_handlers(s->out.chr, serial_can_read, serial_chr_read,
                              NULL, s);
    }
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    if (s->out.chr) {
        qemu_chr_set_handlers(s->out.chr, NULL, NULL, NULL, NULL);
    }
    device_migration_unregister(&s->migration_id);
    memory_region_del_subregion(get_system_io(), &s->io);
    memory_region_finalize(&s->io);
    char_out_close(&s->out);
}

static void serial_instance_init(Object *obj)
{
    SerialState *s = ISA_SERIAL(obj);

    char_out_init(&s->out);
    qdev_init_gpio_out(DEVICE(obj), &s->irq, 1);
}

static const Property serial_props[] = {
    DEFINE_PROP_UINT32("iobase", SerialState, iobase, 0x3f8),
    DEFINE_PROP_UINT32("irq", SerialState, isa_irq, 4),
    DEFINE_PROP_STRING("chardev", SerialState, out.chardev),
    DEFINE_PROP_STRING("x-file", SerialState, out.file),
    DEFINE_PROP_END_OF_LIST(),
};

static void serial_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->desc = "16550A UART (COM1: port 0x3f8, IRQ 4)";
    dc->category = DEVICE_CATEGORY_MISC;
    dc->user_creatable = false;     /* created by -serial */
    dc->realize = serial_realize;
    dc->unrealize = serial_unrealize;
    dc->reset = serial_reset;
    device_class_set_props(dc, serial_props);
}

static const TypeInfo serial_info = {
    .name = TYPE_ISA_SERIAL,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(SerialState),
    .instance_init = serial_instance_init,
    .class_init = serial_class_init,
};

void serial_register_types(void)
{
    static bool done;

    if (!done) {
        done = true;
        qdev_register_types();
        type_register_static(&serial_info);
    }
}
