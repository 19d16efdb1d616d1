/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration the command line produced (softmmu/vl.c), for the
 * rooms that build the machine, backends and devices from it.  Filled
 * before anything is created and read-only afterwards.
 */
#ifndef SYSEMU_SYSEMU_H
#define SYSEMU_SYSEMU_H

#include "qemu/osdep.h"
#include "qemu/option.h"

#define DEFAULT_RAM_SIZE (128 * MiB)

typedef struct SysemuConfig {
    /* -machine TYPE (canonical: "q35" for "pc" too), or "none" */
    const char *machine_type;
    const char *machine_memory_backend;     /* -machine memory-backend= */
    /* The accelerator in use ("qtest", "kvm", or "none" when no -accel
     * was given); set by qemu_machine_init() from accel_list. */
    const char *accel;
    GPtrArray *accel_list;      /* -accel / accel= in order (const char *) */
    const char *accel_loc;      /* how the list was given, for messages */

    unsigned smp_cpus;          /* -smp N (0: not given, one vCPU) */
    const char *kernel;         /* -kernel FILE */
    const char *kernel_cmdline; /* -append */
    const char *initrd;         /* -initrd FILE */
    const char *debugcon;       /* -debugcon file:PATH|stdio|chardev:ID */
    bool no_reboot;             /* -no-reboot */
    bool kvm_kernel_irqchip_off; /* -accel kvm,kernel-irqchip=off */

    /* -m size=,slots=,maxmem= */
    uint64_t ram_size;          /* bytes, aligned to 8 KiB like QEMU */
    uint64_t maxram_size;       /* == ram_size unless maxmem= was given */
    uint64_t ram_slots;         /* 0 unless slots= was given */
    bool ram_size_given;        /* -m was on the command line */

    /* -object / -device option sets in command-line order (QemuOpts *);
     * "qom-type" resp. "driver" is the implied first key. */
    GPtrArray *objects;
    GPtrArray *devices;

    const char *name;           /* -name, or NULL */
    const char *qtest_chrdev;   /* -qtest: chardev id or "unix:PATH" */
    const char *qtest_log;      /* -qtest-log FILE */
    bool start_paused;          /* -S */
    const char *incoming;       /* -incoming URI or "defer", or NULL */
} SysemuConfig;

/* The parsed configuration; valid after qemu_init() returned. */
extern SysemuConfig sysemu_config;

/*
 * Parse the command line and set up chardevs and monitors; exits with
 * status 1 and a message on any error, 0 for -version, -help and
 * "-machine help".
 */
void qemu_init(int argc, char **argv);

/*
 * Build the machine from sysemu_config (softmmu/vl-machine.c): the
 * accelerator, machine and RAM, -device, the first reset, the qtest
 * server.  Exits with status 1 and QEMU's message on any error, 0 for
 * "-device help".  Called at the end of qemu_init().
 */
void qemu_machine_init(void);

/* Tear down monitors and chardevs (removing socket files). */
void qemu_cleanup(void);

#endif /* SYSEMU_SYSEMU_H */
