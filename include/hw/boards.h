/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machines: the QOM object at /machine that owns guest RAM, the memory
 * layout and the on-board devices.
 *
 * One machine exists per process (current_machine), created from the
 * command line by machine_create() and built by machine_init_board():
 *   1. RAM: ram_size bytes, either a RAM region of our own ("pc.ram") or
 *      the region of the -machine memory-backend=ID backend
 *      (machine_set_ram_region() is the hook the backend lookup uses);
 *   2. the board (MachineClass.init): for q35 low RAM below the 32-bit
 *      PCI hole, the rest from 4 GiB, the PCI host, the I/O APIC;
 *   3. the device-memory region when maxmem > ram (see DeviceMemoryState).
 * Devices from -device are realized afterwards; machine reset
 * (system_reset, start-up) resets every realized device.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "hw/qdev-core.h"

#define TYPE_MACHINE "machine"
#define TYPE_MACHINE_SUFFIX "-machine"
/* The QOM type of machine "q35" is "q35-machine". */
#define MACHINE_TYPE_NAME(machinename) (machinename TYPE_MACHINE_SUFFIX)

OBJECT_DECLARE_TYPE(MachineState, MachineClass, MACHINE)

/* Most memory slots -m slots= accepts (QEMU's ACPI limit). */
#define MACHINE_MAX_RAM_SLOTS 256

/*
 * Guest-physical window where memory devices (virtio-mem, DIMMs) are
 * plugged: [base, base + memory_region_size(&mr)).  @mr is a container
 * mapped in system memory at @base; hw/mem/memory-device.c maps each
 * device's region into it at an offset it picks.
 *
 * q35 (as QEMU 7.2): base = ROUND_UP(above_4g_mem_start + above-4G RAM,
 * 1 GiB), size = maxmem - ram + 1 GiB per slot.
 */
typedef struct DeviceMemoryState {
    hwaddr base;
    MemoryRegion mr;
} DeviceMemoryState;

struct MachineClass {
    ObjectClass parent_class;

    /*
     * What -machine names: the versioned name QEMU uses ("pc-q35-7.2",
     * which management stacks pass back) and a short alias ("q35").
     */
    const char *name;
    const char *alias;          /* or NULL */
    const char *desc;
    /* query-machines: the default machine; most vCPUs -smp may ask. */
    bool is_default;
    unsigned max_cpus;
    /* Name of the RAM region made for -m ("pc.ram"; QEMU's default-ram-id). */
    const char *default_ram_id;
    /* RAM without -m: 128 MiB for q35, none for "none" (as QEMU). */
    uint64_t default_ram_size;
    /*
     * Build the board once RAM exists (ms->ram).  Return false with
     * @errp set to refuse (the process then exits with the message).
     */
    bool (*init)(MachineState *ms, GError **errp);
};

struct MachineState {
    Object parent_obj;

    /* From -m and -machine; read-only once the machine is built. */
    uint64_t ram_size;
    uint64_t maxram_size;
    uint64_t ram_slots;
    char *ram_memdev_id;        /* memory-backend=, or NULL */
    /* -numa node options (0: no NUMA configuration, one implicit node) */
    unsigned numa_nodes;
    const char *accel;          /* "qtest", "kvm" or "none" */

    /* All guest RAM (borrowed from the backend, or &own_ram); NULL when
     * ram_size is 0 ("none" without -m). */
    MemoryRegion *ram;
    /* NULL unless maxmem > ram (q35). */
    DeviceMemoryState *device_memory;

    /* Layout chosen by the board (q35). */
    uint64_t below_4g_mem_size;
    uint64_t above_4g_mem_size;
    hwaddr above_4g_mem_start;  /* 4 GiB, or 1 TiB past AMD's HT hole */

    /* private */
    MemoryRegion own_ram;
    bool own_ram_inited;
};

/* The machine of this process, NULL before machine_create(). */
extern MachineState *current_machine;

/*
 * What the command line asks of the machine (-m, -machine
 * memory-backend=, -accel); softmmu/vl-machine.c fills one from its
 * parsed configuration, tests fill their own.
 */
typedef struct MachineConfig {
    uint64_t ram_size;          /* -m size=, bytes */
    uint64_t maxram_size;       /* -m maxmem=, == ram_size without it */
    uint64_t ram_slots;         /* -m slots=, 0 without it */
    bool ram_size_given;        /* false: the board's default_ram_size */
    const char *memory_backend; /* -machine memory-backend=, or NULL */
    const char *accel;          /* "qtest", "kvm" or "none" */
} MachineConfig;

/*
 * Create the machine named @name ("q35", "pc", "none") as /machine with
 * the sizes of @config (copied; @config may go away afterwards, but
 * @config->accel must be a static string).  Returns it (owned by the
 * tree), or NULL with @errp set for an unknown name.  The board types
 * must be registered first (pc_q35_register_types()).
 */
MachineState *machine_create(const char *name, const MachineConfig *config,
                             GError **errp);

/*
 * Hook for -machine memory-backend=ID: use @mr (the backend's RAM
 * region, ram_size bytes) as guest RAM instead of allocating our own.
 * Call before machine_init_board().  Returns false with QEMU's error
 * when the sizes differ.
 */
bool machine_set_ram_region(MachineState *ms, MemoryRegion *mr,
                            GError **errp);

/*
 * Build the machine: RAM (own unless set above), then the board.
 * Returns false with @errp set (bad sizes, allocation failure, phys-bits
 * limit) with QEMU's wording.
 */
bool machine_init_board(MachineState *ms, GError **errp);

/*
 * -machine dump-guest-core=off: the machine's own RAM is excluded from
 * core dumps (MADV_DONTDUMP) when machine_init_board() allocates it.
 * On by default.  Backends take the same default from
 * host_memory_backend_set_default_dump().
 */
void machine_set_dump_guest_core(bool dump);

/*
 * Nodes a memory device's node= may name: the -numa nodes, or 1 without
 * any (or without a machine).
 */
static inline unsigned machine_numa_node_count(void)
{
    return current_machine && current_machine->numa_nodes ?
           current_machine->numa_nodes : 1;
}

/* Reset every device (QMP system_reset and start-up). */
void machine_reset(MachineState *ms);

/*
 * Plugged memory for query-memory-size-summary: the memory-device code
 * registers a function returning the bytes currently provided by memory
 * devices (virtio-mem's plugged size ...).  Without one, 0.
 */
typedef uint64_t MachinePluggedMemoryFn(MachineState *ms);
void machine_set_plugged_memory_fn(MachinePluggedMemoryFn *fn);
uint64_t machine_get_plugged_memory(MachineState *ms);

/* Register query-memory-size-summary. */
void machine_register_qmp_commands(void);

/* Register TYPE_MACHINE and the boards (q35, none); idempotent. */
void machine_register_types(void);

#endif /* HW_BOARDS_H */
