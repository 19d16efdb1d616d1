/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Intel MultiProcessor Specification 1.4 table (hw/i386/mptable.c)
 * a firmware-less Linux boot needs to find its CPUs, the I/O APIC and
 * the interrupt routing: the floating pointer "_MP_" and the "PCMP"
 * configuration table, placed together in the F segment (reserved in
 * e820), where Linux scans for them.
 */
#ifndef HW_I386_MPTABLE_H
#define HW_I386_MPTABLE_H

#include "qemu/osdep.h"

#define MPTABLE_ADDR        0xf0000u    /* floating pointer; table follows */
#define MPTABLE_MAX_SIZE    0x10000u    /* the F segment */
#define MPTABLE_IOAPIC_ADDR 0xfec00000u
#define MPTABLE_LAPIC_ADDR  0xfee00000u
#define MPTABLE_BUS_PCI     0
#define MPTABLE_BUS_ISA     1

/*
 * Build the floating pointer and configuration table for @ncpus CPUs
 * (APIC ids 0..ncpus-1, CPU 0 the boot CPU) into @buf (MPTABLE_MAX_SIZE
 * bytes, to be placed at MPTABLE_ADDR): buses PCI 0 and ISA 1, one I/O
 * APIC (id @ncpus, 24 pins), ISA IRQs 0-15 (IRQ 0 on pin 2, as with the
 * PIT override PCs use; IRQ 2 is the cascade and absent), ExtINT on pin
 * 0, every q35 slot's INTA-D at its PIRQ's GSI 16-23 (active low, level,
 * hw/pci-host/q35.h), and LINT0 ExtINT / LINT1 NMI.  Returns the bytes
 * used.  Pure.
 */
size_t mptable_build(uint8_t *buf, unsigned ncpus);

#endif /* HW_I386_MPTABLE_H */
