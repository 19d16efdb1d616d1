/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI devices: TYPE_PCI_DEVICE (abstract, a DeviceState on a PCI bus)
 * with its 256-byte configuration space, BARs, capabilities and INTx.
 *
 * Configuration space model: three byte arrays of the same size,
 *  - config: the current contents (what the guest reads);
 *  - wmask: bits the guest may change (IDs, class, pin ... are 0);
 *  - w1cmask: bits the guest clears by writing 1 (status errors).
 * A guest write of value v at byte i stores
 *     (config & ~wmask) | (v & wmask), then clears v & w1cmask.
 * Device code changes config (and masks) directly with pci_set_*().
 *
 * BARs: pci_register_bar() declares a region, its size (a power of two)
 * and type; the BAR register's low bits become read-only type flags and
 * the bits below the size read 0.  Whenever the guest changes the
 * command register or a BAR, the region is mapped at the programmed
 * address in the bus's memory or I/O space, or removed, in one memory
 * transaction.  Machine reset clears BARs, command and status, and
 * deasserts INTx.
 *
 * Main loop thread only.
 */
#ifndef HW_PCI_PCI_H
#define HW_PCI_PCI_H

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "exec/memory.h"
#include "hw/qdev-core.h"
#include "hw/irq.h"
#include "hw/pci/pci_regs.h"

#define TYPE_PCI_DEVICE "pci-device"
#define TYPE_PCI_BUS "PCI"

typedef uint64_t pcibus_t;
typedef struct PCIBus PCIBus;

OBJECT_DECLARE_TYPE(PCIDevice, PCIDeviceClass, PCI_DEVICE)
OBJECT_DECLARE_SIMPLE_TYPE(PCIBus, PCI_BUS)

#define PCI_NUM_REGIONS 7           /* 6 BARs + expansion ROM (unused) */
#define PCI_ROM_SLOT 6
#define PCI_NUM_BARS 6
#define PCI_NUM_PINS 4              /* INTA..INTD */
#define PCI_BAR_UNMAPPED (~(pcibus_t)0)

#define PCI_DEVFN(slot, func)   ((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 0x07)

/* QEMU's default subsystem IDs (Red Hat / Qumranet, "QEMU"). */
#define PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBDEVICE_ID_QEMU            0x1100
#define PCI_VENDOR_ID_INTEL              0x8086
#define PCI_VENDOR_ID_REDHAT_QUMRANET    0x1af4

typedef struct PCIIORegion {
    pcibus_t addr;          /* where it is mapped, or PCI_BAR_UNMAPPED */
    pcibus_t size;          /* 0: BAR not implemented */
    uint8_t type;           /* PCI_BASE_ADDRESS_* flags as registered */
    MemoryRegion *memory;   /* the device's region (borrowed) */
    MemoryRegion *address_space;    /* bus memory or I/O container */
} PCIIORegion;

struct PCIDeviceClass {
    DeviceClass parent_class;

    /*
     * The device's own realize, called after the config space exists
     * and the IDs below are written; register BARs and capabilities
     * here.  Return false with @errp set to refuse.
     */
    bool (*realize)(PCIDevice *dev, GError **errp);
    /*
     * Undo realize.  BARs are already unmapped and forgotten, so the
     * device may finalize their regions here.
     */
    void (*exit)(PCIDevice *dev);
    /*
     * Config space accessors; NULL means pci_default_read_config /
     * pci_default_write_config.  Overrides usually call the default
     * and then react (e.g. to the bus master bit).  @addr + @len <= 256,
     * @len is 1, 2 or 4.
     */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, int len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val,
                         int len);
    /*
     * Optional: the configuration space was just replaced by a migrated
     * one (BARs already remapped).  Re-apply what config_write would
     * have applied for the new values (e.g. the q35 MCH's MMCONFIG
     * window); device state of its own travels in its own section.
     */
    void (*post_load)(PCIDevice *dev);

    uint16_t vendor_id;
    uint16_t device_id;
    uint8_t revision;
    uint16_t class_id;              /* class << 8 | subclass */
    uint16_t subsystem_vendor_id;   /* 0: PCI_SUBVENDOR_ID_REDHAT_QUMRANET */
    uint16_t subsystem_id;          /* 0: PCI_SUBDEVICE_ID_QEMU */
};

struct PCIDevice {
    DeviceState qdev;

    uint8_t *config;        /* PCI_CONFIG_SPACE_SIZE bytes */
    uint8_t *wmask;
    uint8_t *w1cmask;
    uint8_t *used;          /* non-zero: byte belongs to a capability */

    /* "addr" property: devfn, or -1 for the first free slot */
    int32_t devfn;
    PCIIORegion io_regions[PCI_NUM_REGIONS];

    int irq_state;          /* bit n: pin n asserted by the device */
    /* private */
    char name[64];
    char *migration_id;     /* registered state section, or NULL */
};

/*
 * pci_migration_register: register @dev's configuration space as the
 * migration state section "<QOM path>#pci" (hw/pci/pci-migration.c);
 * nothing for a device outside the composition tree.
 * pci_migration_unregister: undo it.
 */
bool pci_migration_register(PCIDevice *dev, GError **errp);
void pci_migration_unregister(PCIDevice *dev);

/* The bus the device sits on (set from realize on); borrowed. */
PCIBus *pci_get_bus(const PCIDevice *dev);

/* ---- Config space helpers (little-endian) ------------------------ */

static inline void pci_set_byte(uint8_t *config, uint8_t val)
{
    *config = val;
}

static inline uint8_t pci_get_byte(const uint8_t *config)
{
    return *config;
}

static inline void pci_set_word(uint8_t *config, uint16_t val)
{
    stw_le_p(config, val);
}

static inline uint16_t pci_get_word(const uint8_t *config)
{
    return lduw_le_p(config);
}

static inline void pci_set_long(uint8_t *config, uint32_t val)
{
    stl_le_p(config, val);
}

static inline uint32_t pci_get_long(const uint8_t *config)
{
    return ldl_le_p(config);
}

static inline void pci_set_quad(uint8_t *config, uint64_t val)
{
    pci_set_long(config, val);
    pci_set_long(config + 4, val >> 32);
}

static inline uint64_t pci_get_quad(const uint8_t *config)
{
    return pci_get_long(config) | (uint64_t)pci_get_long(config + 4) << 32;
}

static inline void pci_config_set_interrupt_pin(uint8_t *config, uint8_t pin)
{
    pci_set_byte(config + PCI_INTERRUPT_PIN, pin);
}

/* ---- Config space access (what the host bridge calls) ------------ */

/* The guest's view: class hook or default. */
uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, int len);
/*
 * Apply wmask/w1cmask; if the write touched the command register or a
 * BAR, update the BAR mappings; if it changed INTX_DISABLE, re-evaluate
 * the INTx line.
 */
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              int len);

/* Dispatch to the class's config_read/config_write (or the defaults). */
uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, int len);
void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, int len);

/* ---- BARs -------------------------------------------------------- */

/*
 * Declare BAR @region_num (0..5) for @mr, whose size must be a power of
 * two (>= 16 for memory, >= 4 for I/O).  @type: PCI_BASE_ADDRESS_SPACE_IO,
 * or PCI_BASE_ADDRESS_SPACE_MEMORY with optional
 * PCI_BASE_ADDRESS_MEM_TYPE_64 (takes @region_num + 1 too) and
 * PCI_BASE_ADDRESS_MEM_PREFETCH.  Call from realize; the BAR starts
 * unmapped (address 0, decoding off).
 */
void pci_register_bar(PCIDevice *dev, int region_num, uint8_t type,
                      MemoryRegion *mr);

/* Where BAR @region_num is mapped now, or PCI_BAR_UNMAPPED. */
pcibus_t pci_get_bar_addr(PCIDevice *dev, int region_num);

/* Re-evaluate every BAR's mapping from config space (one transaction). */
void pci_update_mappings(PCIDevice *dev);

/* ---- Capabilities ------------------------------------------------ */

/*
 * Add a capability of @size bytes with ID @cap_id at @offset (0: the
 * first free, dword-aligned space at or above 0x40) and link it at the
 * head of the list (like QEMU).  Its bytes start read-only (wmask 0);
 * the caller fills them and opens writable fields in dev->wmask.
 * Returns the offset, or -ENOSPC / -EINVAL with @errp set (no room,
 * overlap with another capability, bad offset).
 */
int pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                       uint8_t size, GError **errp);

/* Offset of the first capability with @cap_id, or 0. */
uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id);

/* ---- INTx -------------------------------------------------------- */

/*
 * Drive the device's INTx pin (from PCI_INTERRUPT_PIN; nothing if 0)
 * to @level.  Sets PCI_STATUS_INTERRUPT accordingly; the line reaches
 * the bus (and a GSI on q35) unless PCI_COMMAND_INTX_DISABLE is set.
 */
void pci_set_irq(PCIDevice *dev, int level);

static inline void pci_irq_assert(PCIDevice *dev)
{
    pci_set_irq(dev, 1);
}

static inline void pci_irq_deassert(PCIDevice *dev)
{
    pci_set_irq(dev, 0);
}

/*
 * The address space the device masters (DMA): system memory.  Bus
 * mastering is not gated here; devices that care check
 * PCI_COMMAND_MASTER themselves.
 */
AddressSpace *pci_get_address_space(PCIDevice *dev);

/* ---- Buses (for host bridges) ------------------------------------ */

/* Map a device's pin (0 = INTA) to one of the bus's interrupt inputs. */
typedef int (*pci_map_irq_fn)(PCIDevice *dev, int pin);
/* Drive interrupt input @irq_num of the bus to @level (wire-OR done). */
typedef void (*pci_set_irq_fn)(void *opaque, int irq_num, int level);

struct PCIBus {
    BusState qbus;
    PCIDevice *devices[256];            /* by devfn */
    MemoryRegion *address_space_mem;    /* where memory BARs go */
    MemoryRegion *address_space_io;     /* where I/O BARs go */
    pci_map_irq_fn map_irq;
    pci_set_irq_fn set_irq;
    void *irq_opaque;
    int nirq;
    int *irq_count;                     /* asserted pins per input */
};

/*
 * Create the root bus @name (e.g. "pcie.0") of host bridge @parent with
 * BAR windows @mem and @io.
 */
PCIBus *pci_root_bus_new(DeviceState *parent, const char *name,
                         MemoryRegion *mem, MemoryRegion *io);

/* Route the bus's INTx: @nirq inputs, @map_irq picks one per pin. */
void pci_bus_irqs(PCIBus *bus, pci_set_irq_fn set_irq,
                  pci_map_irq_fn map_irq, void *opaque, int nirq);

/* The device at @devfn, or NULL. */
PCIDevice *pci_find_device(PCIBus *bus, int devfn);

/* Register TYPE_PCI_DEVICE and TYPE_PCI_BUS; idempotent. */
void pci_register_types(void);

#endif /* HW_PCI_PCI_H */
