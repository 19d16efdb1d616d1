/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "edu", a PCI test device with QEMU's IDs and interrupt registers
 * (hw/misc/edu.c describes the subset).  Used by PCI/INTx qtests that
 * run against both our binary and QEMU 7.2.
 */
#ifndef HW_MISC_EDU_H
#define HW_MISC_EDU_H

#define TYPE_PCI_EDU_DEVICE "edu"

/* Register the type (needs the PCI types); idempotent. */
void edu_register_types(void);

#endif /* HW_MISC_EDU_H */
