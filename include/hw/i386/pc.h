/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 PC machine ("q35", alias "pc"): RAM split around the 32-bit
 * PCI hole, the PCI memory window, the q35 PCI host at /machine/q35 and
 * the I/O APIC at /machine/q35/ioapic.
 */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include "hw/boards.h"
#include "hw/pci-host/q35.h"
#include "hw/i386/ioapic.h"
#include "hw/i386/kbd-reset.h"

#define TYPE_Q35_MACHINE MACHINE_TYPE_NAME("q35")
OBJECT_DECLARE_SIMPLE_TYPE(PCMachineState, Q35_MACHINE)

/* QEMU's q35 default size of the 64-bit PCI hole above device memory. */
#define Q35_PCI_HOLE64_SIZE (32 * GiB)
/* AMD's HyperTransport hole starts 12 GiB below 1 TiB. */
#define AMD_HT_START UINT64_C(0xfd00000000)
#define AMD_ABOVE_1TB_START UINT64_C(0x10000000000)
/* The default CPU's physical address bits (qemu64 under TCG). */
#define PC_PHYS_BITS 40

struct PCMachineState {
    MachineState parent_obj;
    MemoryRegion ram_below_4g;      /* alias of ram at 0 */
    MemoryRegion ram_above_4g;      /* alias of ram at above_4g_mem_start */
    MemoryRegion pci_memory;        /* BAR window, below RAM in priority */
    Q35PCIHost *host;
    IOAPICState *ioapic;
    KbdResetState *kbd_reset;       /* port 0x64; line 0 = guest reset */
};

/*
 * The low/high RAM split of q35 for @ram_size: RAM below 2 GiB when
 * ram_size >= 0xb0000000 (2.75 GiB), else below 2.75 GiB; the rest
 * starts at 4 GiB.
 */
void pc_q35_split_ram(uint64_t ram_size, uint64_t *below_4g,
                      uint64_t *above_4g);

/* Register the q35 machine type (called by machine_register_types). */
void pc_q35_register_types(void);

#endif /* HW_I386_PC_H */
