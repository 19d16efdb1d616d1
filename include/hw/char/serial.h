/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isa-serial: a 16550A UART (hw/char/serial.c) on eight I/O ports
 * (COM1: iobase 0x3f8, ISA IRQ 4), the console Linux finds without
 * firmware.  Transmitted bytes go to a chardev (chardev=ID) or a file
 * (x-file=PATH, what -serial file:PATH uses); received bytes come from
 * the chardev into a 16-byte FIFO.  The interrupt is output line 0, which
 * the board connects to its ISA IRQ (on q35 the I/O APIC input of the
 * same number, forwarded to KVM's in-kernel PIC and I/O APIC).
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "hw/char/char-out.h"

#include "hw/qdev-core.h"
#include "hw/irq.h"
#include "exec/memory.h"

#define TYPE_ISA_SERIAL "isa-serial"
OBJECT_DECLARE_SIMPLE_TYPE(SerialState, ISA_SERIAL)

#define SERIAL_FIFO_SIZE 16

/* Register offsets (DLAB: LCR bit 7 selects DLL/DLM at offsets 0/1). */
#define UART_RBR 0      /* read: receive buffer */
#define UART_THR 0      /* write: transmit holding */
#define UART_IER 1
#define UART_IIR 2      /* read */
#define UART_FCR 2      /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_LCR_DLAB   0x80
#define UART_IER_RDI    0x01
#define UART_IER_THRI   0x02
#define UART_IER_RLSI   0x04
#define UART_IER_MSI    0x08
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c
#define UART_IIR_FIFO   0xc0
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04
#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

struct SerialState {
    DeviceState parent_obj;
    uint32_t iobase;
    uint32_t isa_irq;           /* the board wires line 0 to this ISA IRQ */
    /* private */
    CharOut out;                /* chardev= or x-file= */
    MemoryRegion io;
    qemu_irq irq;
    char *migration_id;         /* registered migration section, or NULL */
    /* registers */
    uint16_t divider;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    bool thr_ipending;          /* THR empty interrupt latched */
    bool irq_level;             /* what the line was last set to */
    uint8_t rx[SERIAL_FIFO_SIZE];
    unsigned rx_head, rx_count;
};

/* Register the type; idempotent. */
void serial_register_types(void);

/*
 * Feed @len bytes to the receiver as if they came from the chardev (the
 * chardev frontend uses it; so does a loopback write).  On overrun LSR.OE
 * is set and, as on the chip, a byte beyond a full FIFO is lost while
 * without FIFO the new byte overwrites RBR.
 */
void serial_receive(SerialState *s, const uint8_t *buf, int len);

#endif /* HW_CHAR_SERIAL_H */
