/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The q35 board (hw/i386/pc.h): places guest RAM like QEMU 7.2's q35
 * (low part below the 32-bit PCI hole, the rest from 4 GiB, both as
 * aliases of one RAM region), reserves the device-memory window for
 * memory devices, opens the PCI memory window underneath everything and
 * creates the PCI host and the I/O APIC.
 *
 * Built once at start-up; sizes up to the 40-bit physical address limit
 * cost nothing until the guest touches memory (the RAM region decides
 * how it is backed).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/i386/pc.h"

void pc_q35_split_ram(uint64_t ram_size, uint64_t *below_4g,
                      uint64_t *above_4g)
{
    uint64_t lowmem = ram_size >= 0xb0000000 ? 0x80000000 : 0xb0000000;

    if (ram_size >= lowmem) {
        *below_4g = lowmem;
        *above_4g = ram_size - lowmem;
    } else {
        *below_4g = ram_size;
        *above_4g = 0;
    }
}

static bool pc_has_device_memory(MachineState *ms)
{
    return ms->ram_size < ms->maxram_size;
}

/* [base, base + size) of device memory for the current layout. */
static void pc_device_memory_range(MachineState *ms, hwaddr *base,
                                   uint64_t *size)
{
    *base = QEMU_ALIGN_UP(ms->above_4g_mem_start + ms->above_4g_mem_size,
                          GiB);
    *size = ms->maxram_size - ms->ram_size + ms->ram_slots * GiB;
}

/* The last guest-physical address the layout uses (64-bit PCI hole). */
static uint64_t pc_max_used_gpa(MachineState *ms)
{
    hwaddr start;
    uint64_t size = 0;

    if (pc_has_device_memory(ms)) {
        pc_device_memory_range(ms, &start, &size);
        start += size;
    } else {
        start = ms->above_4g_mem_start + ms->above_4g_mem_size;
    }
    return QEMU_ALIGN_UP(start, GiB) + Q35_PCI_HOLE64_SIZE - 1;
}

static bool pc_plan_layout(MachineState *ms, GError **errp)
{
    uint64_t limit = (UINT64_C(1) << PC_PHYS_BITS) - 1;
    uint64_t used;

    pc_q35_split_ram(ms->ram_size, &ms->below_4g_mem_size,
                     &ms->above_4g_mem_size);
    ms->above_4g_mem_start = 4 * GiB;
    if (pc_has_device_memory(ms)) {
        hwaddr base;
        uint64_t size;

        pc_device_memory_range(ms, &base, &size);
        if (base + size < size) {
            error_setg(errp, "unsupported amount of maximum memory: 0x%"
                       PRIx64, ms->maxram_size);
            return false;
        }
    }
    /* Like QEMU 7.2 with its AMD default CPU: skip the HT hole. */
    if (pc_max_used_gpa(ms) >= AMD_HT_START) {
        ms->above_4g_mem_start = AMD_ABOVE_1TB_START;
    }
    used = pc_max_used_gpa(ms);
    if (used > limit) {
        error_setg(errp, "Address space limit 0x%" PRIx64 " < 0x%" PRIx64
                   " phys-bits too low (%u)", limit, used, PC_PHYS_BITS);
        return false;
    }
    return true;
}

static void pc_map_ram(PCMachineState *pcms)
{
    MachineState *ms = MACHINE(pcms);
    MemoryRegion *sysmem = get_system_memory();

    memory_region_init_alias(&pcms->ram_below_4g, OBJECT(pcms),
                             "ram-below-4g", ms->ram, 0,
                             ms->below_4g_mem_size);
    memory_region_add_subregion(sysmem, 0, &pcms->ram_below_4g);
    if (ms->above_4g_mem_size) {
        memory_region_init_alias(&pcms->ram_above_4g, OBJECT(pcms),
                                 "ram-above-4g", ms->ram,
                                 ms->below_4g_mem_size,
                                 ms->above_4g_mem_size);
        memory_region_add_subregion(sysmem, ms->above_4g_mem_start,
                                    &pcms->ram_above_4g);
    }
}

static void pc_init_device_memory(MachineState *ms)
{
    DeviceMemoryState *dms;
    uint64_t size;

    if (!pc_has_device_memory(ms)) {
        return;
    }
    dms = g_new0(DeviceMemoryState, 1);
    pc_device_memory_range(ms, &dms->base, &size);
    memory_region_init(&dms->mr, OBJECT(ms), "device-memory", size);
    memory_region_add_subregion(get_system_memory(), dms->base, &dms->mr);
    ms->device_memory = dms;
}

static bool pc_init_chipset(PCMachineState *pcms, GError **errp)
{
    DeviceState *host = qdev_new(TYPE_Q35_HOST_DEVICE);
    DeviceState *ioapic = qdev_new(TYPE_IOAPIC);

    memory_region_init(&pcms->pci_memory, OBJECT(pcms), "pci", UINT64_MAX);
    memory_region_add_subregion_overlap(get_system_memory(), 0,
                                        &pcms->pci_memory, -1);
    pcms->host = Q35_HOST_DEVICE(host);
    pcms->host->pci_memory = &pcms->pci_memory;
    pcms->host->io = get_system_io();
    object_property_add_child(OBJECT(pcms), "q35", OBJECT(host));
    object_unref(host);
    pcms->ioapic = IOAPIC(ioapic);
    object_property_add_child(OBJECT(host), "ioapic", OBJECT(ioapic));
    object_unref(ioapic);
    if (!qdev_realize(ioapic, NULL, errp) || !qdev_realize(host, NULL, errp)) {
        return false;
    }
    for (int i = 0; i < Q35_NUM_PIRQS; i++) {
        qdev_connect_gpio_out(host, i,
                              qdev_get_gpio_in(ioapic,
                                               Q35_PIRQ_GSI_BASE + i));
    }
    /* Port 0x64's reset command; vl-machine.c connects its line. */
    pcms->kbd_reset = KBD_RESET(qdev_new(TYPE_KBD_RESET));
    object_property_add_child(OBJECT(pcms), "kbd-reset",
                              OBJECT(pcms->kbd_reset));
    object_unref(OBJECT(pcms->kbd_reset));
    return qdev_realize(DEVICE(pcms->kbd_reset), NULL, errp);
}

static bool pc_q35_init(MachineState *ms, GError **errp)
{
    PCMachineState *pcms = Q35_MACHINE(ms);

    if (!pc_plan_layout(ms, errp)) {
        return false;
    }
    pc_map_ram(pcms);
    pc_init_device_memory(ms);
    return pc_init_chipset(pcms, errp);
}

static void pc_q35_class_init(ObjectClass *oc, void *data)
{
    MachineClass *mc = MACHINE_CLASS(oc);

    mc->name = "pc-q35-7.2";
    mc->alias = "q35";
    mc->desc = "Standard PC (Q35 + ICH9, 2009)";
    mc->is_default = true;
    mc->max_cpus = 288;         /* as QEMU 7.2's q35 */
    mc->default_ram_id = "pc.ram";
    mc->default_ram_size = 128 * MiB;
    mc->init = pc_q35_init;
}

static const TypeInfo pc_q35_info = {
    .name = TYPE_Q35_MACHINE,
    .parent = TYPE_MACHINE,
    .instance_size = sizeof(PCMachineState),
    .class_init = pc_q35_class_init,
};

void pc_q35_register_types(void)
{
    machine_register_types();
    q35_host_register_types();
    ioapic_register_types();
    kbd_reset_register_types();
    type_register_static(&pc_q35_info);
}
