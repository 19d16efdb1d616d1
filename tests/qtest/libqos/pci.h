/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos PCI: configuration-space access, device enumeration, capability
 * walking, BAR sizing and mapping, and accessors into mapped BARs, all
 * driven through a QTestState as a guest driver would.  The bus-specific
 * part (how config space is reached) is a small ops table; pci-pc.h
 * provides the x86 one (ports 0xCF8/0xCFC).
 */
#ifndef LIBQOS_PCI_H
#define LIBQOS_PCI_H

#include "libqtest.h"

/* Config-space offsets and bits used by tests (PCI Local Bus spec). */
#define PCI_VENDOR_ID           0x00
#define PCI_DEVICE_ID           0x02
#define PCI_COMMAND             0x04
#define  PCI_COMMAND_IO         0x0001
#define  PCI_COMMAND_MEMORY     0x0002
#define  PCI_COMMAND_MASTER     0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS              0x06
#define  PCI_STATUS_CAP_LIST    0x0010
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09
#define PCI_CLASS_DEVICE        0x0a
#define PCI_HEADER_TYPE         0x0e
#define  PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BASE_ADDRESS_0      0x10
#define  PCI_BASE_ADDRESS_SPACE_IO      0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_MASK 0x06
#define  PCI_BASE_ADDRESS_MEM_TYPE_64   0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH  0x08
#define  PCI_BASE_ADDRESS_MEM_MASK      (~UINT64_C(0xf))
#define  PCI_BASE_ADDRESS_IO_MASK       (~UINT64_C(0x3))
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d
#define PCI_CAP_ID_VNDR         0x09
#define PCI_CAP_ID_MSIX         0x11
#define PCI_CAP_ID_EXP          0x10
#define PCI_NUM_BARS            6

#define QPCI_DEVFN(slot, fn)    (((slot) << 3) | (fn))

typedef struct QPCIBus QPCIBus;

/* How config space of bus 0 is reached; @offset is 0..255. */
typedef struct QPCIBusOps {
    uint8_t (*config_readb)(QPCIBus *bus, int devfn, uint8_t offset);
    uint16_t (*config_readw)(QPCIBus *bus, int devfn, uint8_t offset);
    uint32_t (*config_readl)(QPCIBus *bus, int devfn, uint8_t offset);
    void (*config_writeb)(QPCIBus *bus, int devfn, uint8_t offset,
                          uint8_t value);
    void (*config_writew)(QPCIBus *bus, int devfn, uint8_t offset,
                          uint16_t value);
    void (*config_writel)(QPCIBus *bus, int devfn, uint8_t offset,
                          uint32_t value);
} QPCIBusOps;

/*
 * A PCI bus as the test sees it, with bump allocators for the windows BARs
 * are placed in.  BARs are never given back (qpci_iounmap() only
 * disables decoding); a test maps a handful.
 */
struct QPCIBus {
    QTestState *qts;
    const QPCIBusOps *ops;
    uint64_t pio_next, pio_limit;       /* I/O BAR window */
    uint64_t mmio_next, mmio_limit;     /* memory BAR window (below 4 GiB) */
};

typedef struct QPCIDevice {
    QPCIBus *bus;
    int devfn;
} QPCIDevice;

/* A mapped BAR: where the test reaches it, and through which space. */
typedef struct QPCIBar {
    uint64_t addr;
    uint64_t size;
    bool is_io;
} QPCIBar;

/* What the BAR sizing protocol found out about one BAR. */
typedef struct QPCIBarInfo {
    uint64_t size;          /* 0: BAR not implemented */
    bool is_io;
    bool is_64bit;          /* occupies this BAR and the next */
    bool prefetchable;
} QPCIBarInfo;

/* ---- devices ------------------------------------------------------------ */

/**
 * qpci_device_find:
 * Returns: a device handle for @devfn on @bus if something answers there
 * (vendor ID not 0xffff), else NULL.  Caller frees with g_free().
 */
QPCIDevice *qpci_device_find(QPCIBus *bus, int devfn);

/**
 * qpci_device_foreach:
 * @vendor_id, @device_id: IDs to match, or -1 for any.
 * @fn: called in devfn order for each match; it owns @dev (g_free it or
 *      keep it).
 */
void qpci_device_foreach(QPCIBus *bus, int vendor_id, int device_id,
                         void (*fn)(QPCIDevice *dev, int devfn, void *opaque),
                         void *opaque);

/**
 * qpci_device_find_id:
 * Returns: the first device with @vendor_id:@device_id, or NULL.  Caller
 * frees with g_free().
 */
QPCIDevice *qpci_device_find_id(QPCIBus *bus, uint16_t vendor_id,
                                uint16_t device_id);

/** qpci_device_enable: set I/O, memory and bus-master in the command. */
void qpci_device_enable(QPCIDevice *dev);

/**
 * qpci_find_capability:
 * @start: 0 to start at the head of the list, or the offset of a
 *         capability to continue after it.
 *
 * Walks the capability list (guarded against loops).
 * Returns: the config-space offset of the next capability @id, or 0.
 */
uint8_t qpci_find_capability(QPCIDevice *dev, uint8_t id, uint8_t start);

/* ---- configuration space ------------------------------------------------ */

uint8_t qpci_config_readb(QPCIDevice *dev, uint8_t offset);
uint16_t qpci_config_readw(QPCIDevice *dev, uint8_t offset);
uint32_t qpci_config_readl(QPCIDevice *dev, uint8_t offset);
void qpci_config_writeb(QPCIDevice *dev, uint8_t offset, uint8_t value);
void qpci_config_writew(QPCIDevice *dev, uint8_t offset, uint16_t value);
void qpci_config_writel(QPCIDevice *dev, uint8_t offset, uint32_t value);

/* ---- BARs --------------------------------------------------------------- */

/**
 * qpci_bar_probe:
 * Runs the BAR sizing protocol on BAR @barno: with decoding of that space
 * disabled in the command register, writes all ones, reads back the mask,
 * restores the old value(s) and the command register.
 *
 * Returns: what was found; size 0 means no BAR there.
 */
QPCIBarInfo qpci_bar_probe(QPCIDevice *dev, int barno);

/**
 * qpci_iomap:
 * Sizes BAR @barno, assigns it a naturally aligned address from the bus
 * window of its kind (64-bit BARs are placed below 4 GiB too), writes
 * the BAR and enables I/O or memory decoding.  Asserts if the BAR is not
 * implemented or the window is full.
 *
 * Returns: the mapping; @sizeptr (may be NULL) receives the size.
 */
QPCIBar qpci_iomap(QPCIDevice *dev, int barno, uint64_t *sizeptr);

/** qpci_iounmap: stop decoding @bar's space (the window is not reused). */
void qpci_iounmap(QPCIDevice *dev, QPCIBar bar);

/* Accesses at @off inside a mapped BAR, little endian as PCI is. */
uint8_t qpci_io_readb(QPCIDevice *dev, QPCIBar bar, uint64_t off);
uint16_t qpci_io_readw(QPCIDevice *dev, QPCIBar bar, uint64_t off);
uint32_t qpci_io_readl(QPCIDevice *dev, QPCIBar bar, uint64_t off);
uint64_t qpci_io_readq(QPCIDevice *dev, QPCIBar bar, uint64_t off);
void qpci_io_writeb(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint8_t value);
void qpci_io_writew(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint16_t value);
void qpci_io_writel(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint32_t value);
void qpci_io_writeq(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                    uint64_t value);

/** qpci_memread / qpci_memwrite: bulk copies inside a memory BAR. */
void qpci_memread(QPCIDevice *dev, QPCIBar bar, uint64_t off, void *buf,
                  size_t len);
void qpci_memwrite(QPCIDevice *dev, QPCIBar bar, uint64_t off,
                   const void *buf, size_t len);

#endif /* LIBQOS_PCI_H */
