/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test guest's C entry: reads the PVH start info (command line,
 * memory map), sets up the CPU and selects a behaviour from "mode=" on
 * the command line (see README.md).
 */
#include "guest.h"

#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "hvm_memmap_entry");

static void print_memmap(const struct hvm_start_info *si)
{
    const struct hvm_memmap_entry *e;
    uint32_t i;

    if (si->version < 1 || !si->memmap_paddr) {
        printk("guest: no memory map\n");
        return;
    }
    e = (const struct hvm_memmap_entry *)si->memmap_paddr;
    for (i = 0; i < si->memmap_entries; i++) {
        printk("guest: e820 0x%llx-0x%llx type %u\n",
               (unsigned long long)e[i].addr,
               (unsigned long long)(e[i].addr + e[i].size - 1), e[i].type);
    }
}

static void mode_fault_popcnt(void)
{
    printk("guest: executing POPCNT at CPL0\n");
    printk("guest: popcnt(0xff00ff) = %llu\n",
           (unsigned long long)guest_popcnt(0xff00ff));
}

/*
 * The end of a mode: "exit=shutdown" triple-faults (an empty IDT, then
 * UD2) so that a VMM started with -no-reboot exits; otherwise the vCPU
 * halts with interrupts off.
 */
static void __attribute__((noreturn)) guest_exit(void)
{
    char how[16];
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty = { 0, 0 };

    if (cmdline_get("exit", how, sizeof(how)) && streq(how, "shutdown")) {
        printk("guest: shutdown\n");
        __asm__ volatile("cli; lidt %0; ud2" : : "m"(empty));
    }
    halt_forever();
}

static void user_count(void *opaque)
{
    volatile uint64_t *n = opaque;
    uint64_t i, x = 0;

    for (i = 0; i < *n; i++) {
        x += i ^ (x >> 3);
    }
    *n = x;
    user_exit(x);
}

/* mode=cpl3: a loop at CPL3 and back (iretq there, INT 0x80 back). */
static void mode_cpl3(void)
{
    uint64_t n = cmdline_u64("loops", 100000000), t0 = uptime_ms();
    uint64_t r;

    printk("guest: entering CPL3 for %llu loop iterations\n",
           (unsigned long long)n);
    r = user_call(user_count, (void *)&n);
    printk("guest: back from CPL3 (result 0x%llx) after %llu ms\n",
           (unsigned long long)r, (unsigned long long)(uptime_ms() - t0));
}

/* Called by start.S in long mode with the PVH start info's address. */
void guest_main(uint32_t start_info);
void guest_main(uint32_t start_info)
{
    const struct hvm_start_info *si =
        (const struct hvm_start_info *)(uint64_t)start_info;
    const char *cmdline = "";
    char mode[32], flag[4];

    if (si && si->magic == HVM_START_MAGIC && si->cmdline_paddr) {
        cmdline = (const char *)si->cmdline_paddr;
    }
    cmdline_init(cmdline);
    printk("guest: hello\n");
    if (!si || si->magic != HVM_START_MAGIC) {
        panic("bad hvm_start_info at 0x%x (magic 0x%x)", start_info,
              si ? si->magic : 0);
    }
    printk("guest: cmdline \"%s\"\n", cmdline);
    arch_init();
    smp_start();
    if (!cmdline_get("mode", mode, sizeof(mode))) {
        mode[0] = 'h', mode[1] = 'e', mode[2] = 'l', mode[3] = 'l';
        mode[4] = 'o', mode[5] = 0;
    }
    if (cmdline_get("memmap", flag, sizeof(flag))) {
        print_memmap(si);
    }
#define MODE_IS(s) streq(mode, s)
    if (MODE_IS("hello")) {
        printk("guest: done\n");
    } else if (MODE_IS("virtio-mem")) {
        virtio_mem_run();
    } else if (MODE_IS("pci")) {
        pci_scan_and_assign(true);
        printk("guest: done\n");
    } else if (MODE_IS("cpl3")) {
        mode_cpl3();
        printk("guest: done\n");
    } else if (MODE_IS("cpu-state")) {
        cpu_state_run();
    } else if (MODE_IS("fault-popcnt")) {
        mode_fault_popcnt();
        printk("guest: done\n");
    } else {
        printk("guest: unknown mode \"%s\"\n", mode);
    }
    guest_exit();
}
