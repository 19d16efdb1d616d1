/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 PCI host: bridge object "q35-pcihost" (at /machine/q35) with
 * root bus "pcie.0", the MCH host bridge function at 00.0 (8086:29c0,
 * class 0600) and the ICH9 LPC bridge at 1f.0 (8086:2918, class 0601).
 *
 * INTx routing as QEMU's q35 (ICH9 defaults, APIC mode): devices in
 * slots 0..24 route pin P (0 = INTA) of slot S to PIRQ (S + P) % 4 + 4;
 * slots 25..31 route pin P to PIRQ P.  PIRQ A..H are the bridge's eight
 * output lines, which the machine connects to I/O APIC inputs 16..23:
 * slot 1 INTA is GSI 21.
 */
#ifndef HW_PCI_HOST_Q35_H
#define HW_PCI_HOST_Q35_H

#include "hw/pci/pci_host.h"

#define TYPE_Q35_HOST_DEVICE "q35-pcihost"
#define TYPE_MCH_PCI_DEVICE "mch"
#define TYPE_ICH9_LPC_DEVICE "ICH9-LPC"

#define Q35_NUM_PIRQS 8
#define Q35_PIRQ_GSI_BASE 16

OBJECT_DECLARE_SIMPLE_TYPE(Q35PCIHost, Q35_HOST_DEVICE)

struct Q35PCIHost {
    PCIHostState parent_obj;
    /* Set by the machine before realize (borrowed). */
    MemoryRegion *pci_memory;   /* where memory BARs are mapped */
    MemoryRegion *io;           /* port I/O: config ports and I/O BARs */
    /* Outputs PIRQ A..H. */
    qemu_irq pirq[Q35_NUM_PIRQS];
};

/* The PIRQ (0..7) that pin @pin (0 = INTA) of @devfn uses. */
int q35_pirq_for(int devfn, int pin);

/* Register the q35 host, MCH and LPC types (and PCI); idempotent. */
void q35_host_register_types(void);

#endif /* HW_PCI_HOST_Q35_H */
