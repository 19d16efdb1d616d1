/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos virtio-mem: a guest driver for the virtio-mem device, running in
 * the test over a virtio-pci function.
 *
 * Probe: negotiate VERSION_1 plus the virtio-mem features the caller asks
 * for (UNPLUGGED_INACCESSIBLE is accepted whenever offered unless the
 * caller forbids it), set up queue 0, set DRIVER_OK, then send UNPLUG_ALL
 * until it is acknowledged if the device reports plugged memory.
 *
 * Requests: one 24-byte request (readable) and one 10-byte response
 * (writable) buffer in guest memory, one chain in flight at a time.
 *
 * Converge: follows requested_size the way Linux does.  It plugs in
 * chunks of up to 64 blocks (aligned to 64-block groups of the region,
 * lowest addresses first) and unplugs from the top, in whole 64-block
 * groups while the excess allows, then block by block.  A NACK or BUSY
 * ends the round; what was already done is kept, and the next round
 * starts after a backoff in virtual time (doubling up to a maximum; see
 * qvirtio_pci_wait() for binaries without clock control).  It
 * never gives up on its own: only the caller's round bound stops it.
 *
 * The driver tracks which blocks it plugged (one byte per block of the
 * region) so that it only unplugs its own blocks.
 */
#ifndef LIBQOS_VIRTIO_MEM_H
#define LIBQOS_VIRTIO_MEM_H

#include "libqos/virtio-pci.h"

#define VIRTIO_ID_MEM                       24

#define VIRTIO_MEM_F_ACPI_PXM               0
#define VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE 1
#define VIRTIO_MEM_F_PERSISTENT_SUSPEND     2

#define VIRTIO_MEM_REQ_PLUG                 0
#define VIRTIO_MEM_REQ_UNPLUG               1
#define VIRTIO_MEM_REQ_UNPLUG_ALL           2
#define VIRTIO_MEM_REQ_STATE                3

#define VIRTIO_MEM_RESP_ACK                 0
#define VIRTIO_MEM_RESP_NACK                1
#define VIRTIO_MEM_RESP_BUSY                2
#define VIRTIO_MEM_RESP_ERROR               3
/* Not on the wire: the device did not answer (broken or timed out). */
#define QVIRTIO_MEM_RESP_NONE               (-1)

#define VIRTIO_MEM_STATE_PLUGGED            0
#define VIRTIO_MEM_STATE_UNPLUGGED          1
#define VIRTIO_MEM_STATE_MIXED              2

#define VIRTIO_MEM_REQ_SIZE                 24
#define VIRTIO_MEM_RESP_SIZE                10
#define VIRTIO_MEM_CONFIG_SIZE              56

/* Device configuration offsets. */
#define VIRTIO_MEM_CFG_BLOCK_SIZE           0
#define VIRTIO_MEM_CFG_NODE_ID              8
#define VIRTIO_MEM_CFG_ADDR                 16
#define VIRTIO_MEM_CFG_REGION_SIZE          24
#define VIRTIO_MEM_CFG_USABLE_REGION_SIZE   32
#define VIRTIO_MEM_CFG_PLUGGED_SIZE         40
#define VIRTIO_MEM_CFG_REQUESTED_SIZE       48

/* Linux plugs one 128 MiB memory block (64 blocks of 2 MiB) at a time. */
#define QVIRTIO_MEM_CHUNK_BLOCKS            64

/** QVirtioMemConfig: one consistent snapshot of the device config. */
typedef struct QVirtioMemConfig {
    uint64_t block_size;
    uint16_t node_id;
    uint64_t addr;
    uint64_t region_size;
    uint64_t usable_region_size;
    uint64_t plugged_size;
    uint64_t requested_size;
    uint8_t generation;
} QVirtioMemConfig;

typedef struct QVirtioMem QVirtioMem;

/**
 * QVirtioMemPlugHook: called after a PLUG of [@addr, @addr + @size) was
 * acknowledged during qvirtio_mem_converge(), e.g. to write a pattern.
 */
typedef void (*QVirtioMemPlugHook)(QVirtioMem *vmem, uint64_t addr,
                                   uint64_t size, void *opaque);

/** QVirtioMemOpts: probe options; zero-initialised means the defaults. */
typedef struct QVirtioMemOpts {
    int devfn;                  /* PCI devfn; 0 means slot 1 (0x08) */
    bool refuse_unplugged_inaccessible; /* do not accept bit 1 */
    bool skip_driver_ok;        /* stop after queue setup */
    bool skip_unplug_all;       /* keep what is plugged at probe */
    int64_t timeout_ns;         /* per request; 0 means 1 s virtual */
} QVirtioMemOpts;

struct QVirtioMem {
    QTestState *qts;
    QGuestAllocator *alloc;
    QVirtioPCIDevice *pci;
    QVirtQueue *vq;
    bool features_ok;           /* FEATURES_OK stuck at probe */
    uint64_t offered;           /* features the device offered */
    uint64_t req_buf;           /* guest address of the request */
    uint64_t resp_buf;          /* guest address of the response */
    int64_t timeout_ns;
    /* Fixed at probe. */
    uint64_t block_size;
    uint64_t addr;
    uint64_t region_size;
    uint64_t nb_blocks;
    /* One byte per block: plugged as far as this driver knows. */
    uint8_t *plugged;
    /* Statistics, for tests. */
    unsigned requests;
    unsigned refusals;          /* NACK and BUSY answers seen */
};

/**
 * qvirtio_mem_probe: find and initialise the virtio-mem function.
 * @bus: the PCI bus; @alloc: guest memory for rings and buffers.
 * @opts: (optional) options.
 *
 * Returns the driver, or NULL when there is no virtio-mem function at the
 * devfn.  When the device refuses the features (FEATURES_OK does not
 * stick) the driver is still returned with features_ok = false, no queue
 * and no DRIVER_OK, so tests can check that case.  Free with
 * qvirtio_mem_free().
 */
QVirtioMem *qvirtio_mem_probe(QPCIBus *bus, QGuestAllocator *alloc,
                              const QVirtioMemOpts *opts);

/** qvirtio_mem_free: free the driver (the device is left as it is). */
void qvirtio_mem_free(QVirtioMem *vmem);

/**
 * qvirtio_mem_reinit: device reset, features, queue and DRIVER_OK again
 * (no UNPLUG_ALL).  Used to recover a device that needs a reset.  The
 * driver's plugged map is kept: a device reset keeps block states.
 * Returns false when FEATURES_OK did not stick.
 */
bool qvirtio_mem_reinit(QVirtioMem *vmem);

/** qvirtio_mem_read_config: read a consistent snapshot into @cfg. */
void qvirtio_mem_read_config(QVirtioMem *vmem, QVirtioMemConfig *cfg);

/* Single fields (each a consistent 64-bit read). */
uint64_t qvirtio_mem_requested_size(QVirtioMem *vmem);
uint64_t qvirtio_mem_plugged_size(QVirtioMem *vmem);
uint64_t qvirtio_mem_usable_region_size(QVirtioMem *vmem);

/**
 * qvirtio_mem_request: send one request and wait for the answer.
 * @type, @addr, @nb_blocks: the request fields as they go on the wire.
 * @state: (out, optional) the state field of the response.
 *
 * Returns the response type, or QVIRTIO_MEM_RESP_NONE when the device did
 * not answer within the timeout.  The driver's plugged map is updated on
 * ACK of PLUG, UNPLUG and UNPLUG_ALL.
 */
int qvirtio_mem_request(QVirtioMem *vmem, uint16_t type, uint64_t addr,
                        uint16_t nb_blocks, uint16_t *state);

int qvirtio_mem_plug(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks);
int qvirtio_mem_unplug(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks);
int qvirtio_mem_unplug_all(QVirtioMem *vmem);
/** qvirtio_mem_state: returns the response type; state in @state. */
int qvirtio_mem_state(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks,
                      uint16_t *state);

/** qvirtio_mem_block_addr: guest address of block @i of the region. */
uint64_t qvirtio_mem_block_addr(QVirtioMem *vmem, uint64_t i);

/** QVirtioMemConverge: knobs of qvirtio_mem_converge(). */
typedef struct QVirtioMemConverge {
    unsigned max_rounds;        /* 0 means 16 */
    int64_t backoff_min_ns;     /* 0 means 10 ms virtual */
    int64_t backoff_max_ns;     /* 0 means 300 s virtual */
    QVirtioMemPlugHook plug_hook;
    void *opaque;
} QVirtioMemConverge;

/** QVirtioMemConvergeResult: what a qvirtio_mem_converge() call did. */
typedef struct QVirtioMemConvergeResult {
    bool converged;             /* plugged_size == requested_size at end */
    unsigned rounds;
    unsigned plug_requests;
    unsigned unplug_requests;
    unsigned refusals;          /* NACK or BUSY */
    unsigned errors;            /* ERROR or no answer */
    int64_t backoff_ns;         /* virtual time spent backing off */
} QVirtioMemConvergeResult;

/**
 * qvirtio_mem_converge: plug or unplug until plugged_size equals the
 * device's requested_size (re-read each round), for at most
 * @c->max_rounds rounds.  Never undoes a successful request.
 * @c: (optional) knobs; @res: (out, optional) statistics.
 *
 * Returns true when converged.
 */
bool qvirtio_mem_converge(QVirtioMem *vmem, const QVirtioMemConverge *c,
                          QVirtioMemConvergeResult *res);

#endif
