/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -numa and the machine's RAM as memory backends: softmmu/vl-numa.c.
 */
#ifndef SOFTMMU_VL_NUMA_H
#define SOFTMMU_VL_NUMA_H

#include "hw/boards.h"

/*
 * Record one -numa option (first pass).  Exits 1 with QEMU's message for
 * what is malformed on its own (bad keys, duplicate node ids, mem=) and
 * for the forms we do not implement (dist, cpu, hmat-*).
 */
void vl_numa_parse(const char *loc, const char *arg);

/*
 * Give @ms its RAM from backends, before machine_init_board():
 * - with -numa node,memdev=: a "ram" container of ram_size bytes holding
 *   each node's backend at increasing offsets in node-id order (the sum
 *   must equal -m's size);
 * - else, without -machine memory-backend=, a memory-backend-ram created
 *   as /objects/<default RAM id> ("pc.ram" on q35, "ram" on none) when
 *   there is RAM, as QEMU 7.2 does, so query-memdev shows it.
 * Sets ms->numa_nodes.  Exits 1 with QEMU's message on any error.
 */
void vl_numa_setup_ram(MachineState *ms);

#endif /* SOFTMMU_VL_NUMA_H */
