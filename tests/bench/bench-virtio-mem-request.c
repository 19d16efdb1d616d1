/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Benchmark of virtio-mem request handling: a guest driver (libqos, over
 * qtest) plugs and unplugs one block N times on a 1 GiB device, so that
 * every request changes the plugged size and asks for a rate-limited
 * MEMORY_DEVICE_SIZE_CHANGE event.  It prints the wall time per request,
 * which includes the qtest round trips of the driver.
 *
 * For the device's own cost run the binary under callgrind:
 *
 *   QTEST_QEMU_BINARY=WRAPPER bench-virtio-mem-request --count N
 *
 * where WRAPPER execs valgrind --tool=callgrind on the binary, then read
 * the inclusive instructions of the queue handler (virtio-mem.c
 * handle_request_queue) divided by its calls, or the difference between
 * two counts.  QTEST_QEMU_BINARY / QTEST_QEMU_ACCEL pick the binary as
 * for every qtest (Debian's QEMU: "-accel tcg -S").
 *
 * Usage: bench-virtio-mem-request [--count N]   (default 2000)
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "virtio-mem-common.h"

int main(int argc, char **argv)
{
    int count = 2000;
    VMemCtx *c;
    uint64_t addr;
    gint64 start;
    double us;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc) {
            count = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench-virtio-mem-request [--count N]\n");
            return 2;
        }
    }
    if (count < 1) {
        fprintf(stderr, "bench-virtio-mem-request: --count >= 1\n");
        return 2;
    }
    c = vmem_ctx_ram("1G", "requested-size=1G");
    addr = qvirtio_mem_block_addr(c->vmem, 0);
    start = g_get_monotonic_time();
    for (int i = 0; i < count; i++) {
        if (qvirtio_mem_plug(c->vmem, addr, 1) != VIRTIO_MEM_RESP_ACK ||
            qvirtio_mem_unplug(c->vmem, addr, 1) != VIRTIO_MEM_RESP_ACK) {
            fprintf(stderr, "bench-virtio-mem-request: request refused\n");
            return 1;
        }
    }
    us = (g_get_monotonic_time() - start) / (2.0 * count);
    printf("virtio-mem plug/unplug requests over qtest: %d, %.1f µs each "
           "(with the driver's qtest round trips)\n", 2 * count, us);
    vmem_ctx_free(c);
    return 0;
}
