/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The x86 PC/q35 PCI bus for libqos: configuration mechanism #1 on ports
 * 0xCF8 (address) and 0xCFC..0xCFF (data), BAR windows that are free on
 * q35 and pc while no firmware runs.
 */
#ifndef LIBQOS_PCI_PC_H
#define LIBQOS_PCI_PC_H

#include "libqos/pci.h"

#define QPCI_PC_CONFIG_ADDR  0xcf8
#define QPCI_PC_CONFIG_DATA  0xcfc

/* I/O BARs at [0xc000, 0x10000). */
#define QPCI_PC_PIO_START    0xc000
#define QPCI_PC_PIO_LIMIT    0x10000
/*
 * Memory BARs at [3 GiB, 0xfec00000): above the q35 MMCONFIG default
 * (0xb0000000 + 256 MiB) and below the IOAPIC.
 */
#define QPCI_PC_MMIO_START   UINT64_C(0xc0000000)
#define QPCI_PC_MMIO_LIMIT   UINT64_C(0xfec00000)

/**
 * qpci_new_pc:
 * Returns: bus 0 of the machine behind @qts; free with qpci_free_pc().
 * The bus borrows @qts, which must outlive it.
 */
QPCIBus *qpci_new_pc(QTestState *qts);

/** qpci_free_pc: frees @bus (may be NULL). */
void qpci_free_pc(QPCIBus *bus);

#endif /* LIBQOS_PCI_PC_H */
