/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MP table (hw/i386/mptable.c) read back by a small parser written
 * here from the MultiProcessor Specification 1.4: the floating pointer
 * found by scanning 16-byte boundaries as Linux does, both checksums,
 * the header's length and entry count against the entries walked, the
 * processors, buses, the I/O APIC, and the interrupt routing of ISA
 * IRQs and of q35's PCI slots (slot 1 INTA at GSI 21, slot 2 at 22, as
 * pci-intx-test observes on the wiring).
 */
#include "qemu/osdep.h"
#include "hw/i386/mptable.h"

typedef struct Parsed {
    unsigned cpus, boot_cpus, buses, ioapics, lints;
    int cpu_apic[8];
    char bus_type[4][7];
    uint8_t ioapic_id;
    uint32_t ioapic_addr;
    int isa_pin[16];            /* -1: no entry */
    int pci_pin[32][4];
    uint16_t pci_flags;
    bool extint_pin0;
} Parsed;

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;

    while (n--) {
        s += *p++;
    }
    return s;
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

/* Parse the table in @mem (a copy of guest memory from @base). */
static void parse(const uint8_t *mem, uint32_t base, size_t len, Parsed *r)
{
    const uint8_t *fp = NULL, *t, *e, *end;
    unsigned count;

    memset(r, 0, sizeof(*r));
    memset(r->isa_pin, -1, sizeof(r->isa_pin));
    memset(r->pci_pin, -1, sizeof(r->pci_pin));
    for (size_t off = 0; off + 16 <= len; off += 16) {
        if (!memcmp(mem + off, "_MP_", 4) && mem[off + 8] == 1 &&
            sum(mem + off, 16) == 0) {
            fp = mem + off;
            break;
        }
    }
    g_assert_nonnull(fp);
    g_assert_cmpuint(fp[9], ==, 4);             /* revision 1.4 */
    g_assert_cmpuint(fp[11], ==, 0);            /* a table, no default */
    g_assert_cmphex(le32(fp + 4), >=, base);
    t = mem + (le32(fp + 4) - base);
    g_assert_cmpmem(t, 4, "PCMP", 4);
    g_assert_cmpuint(sum(t, le16(t + 4)), ==, 0);
    g_assert_cmpuint(t[6], ==, 4);
    g_assert_cmphex(le32(t + 36), ==, 0xfee00000);
    count = le16(t + 34);
    end = t + le16(t + 4);
    e = t + 44;
    for (unsigned i = 0; i < count; i++) {
        g_assert_true(e < end);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(r->cpus, <, 8);
            r->cpu_apic[r->cpus++] = e[1];
            g_assert_true(e[3] & 1);
            r->boot_cpus += !!(e[3] & 2);
            e += 20;
            break;
        case 1:
            g_assert_cmpuint(e[1], <, 4);
            memcpy(r->bus_type[e[1]], e + 2, 6);
            r->buses++;
            e += 8;
            break;
        case 2:
            r->ioapics++;
            r->ioapic_id = e[1];
            g_assert_true(e[3] & 1);
            r->ioapic_addr = le32(e + 4);
            e += 8;
            break;
        case 3:
            g_assert_cmpuint(e[6], ==, r->ioapic_id);
            if (e[1] == 3) {
                r->extint_pin0 = e[7] == 0;
            } else if (!strcmp(r->bus_type[e[4]], "ISA   ")) {
                g_assert_cmpuint(e[5], <, 16);
                r->isa_pin[e[5]] = e[7];
            } else {
                g_assert_cmpstr(r->bus_type[e[4]], ==, "PCI   ");
                r->pci_pin[e[5] >> 2][e[5] & 3] = e[7];
                r->pci_flags = le16(e + 2);
            }
            e += 8;
            break;
        case 4:
            r->lints++;
            e += 8;
            break;
        default:
            g_error("unknown MP entry type %u", e[0]);
        }
    }
    g_assert_true(e == end);
}

static void test_two_cpus(void)
{
    g_autofree uint8_t *buf = g_malloc(MPTABLE_MAX_SIZE);
    size_t len = mptable_build(buf, 2);
    Parsed r;

    g_assert_cmpuint(len, <=, MPTABLE_MAX_SIZE);
    parse(buf, MPTABLE_ADDR, MPTABLE_MAX_SIZE, &r);
    g_assert_cmpuint(r.cpus, ==, 2);
    g_assert_cmpuint(r.boot_cpus, ==, 1);
    g_assert_cmpint(r.cpu_apic[0], ==, 0);
    g_assert_cmpint(r.cpu_apic[1], ==, 1);
    g_assert_cmpuint(r.buses, ==, 2);
    g_assert_cmpuint(r.ioapics, ==, 1);
    g_assert_cmpuint(r.ioapic_id, ==, 2);
    g_assert_cmphex(r.ioapic_addr, ==, 0xfec00000);
    g_assert_true(r.extint_pin0);
    g_assert_cmpint(r.isa_pin[0], ==, 2);       /* the timer */
    g_assert_cmpint(r.isa_pin[2], ==, -1);      /* the cascade */
    g_assert_cmpint(r.isa_pin[4], ==, 4);       /* COM1 */
    for (int irq = 3; irq < 16; irq++) {
        g_assert_cmpint(r.isa_pin[irq], ==, irq);
    }
    g_assert_cmpint(r.pci_pin[1][0], ==, 21);
    g_assert_cmpint(r.pci_pin[2][0], ==, 22);
    g_assert_cmpint(r.pci_pin[3][0], ==, 23);
    g_assert_cmpint(r.pci_pin[4][0], ==, 20);
    g_assert_cmpint(r.pci_pin[1][1], ==, 22);   /* INTB */
    g_assert_cmpint(r.pci_pin[31][0], ==, 16);  /* slots 25..31: PIRQ A.. */
    g_assert_cmpint(r.pci_pin[31][3], ==, 19);
    for (int s = 0; s < 32; s++) {
        for (int p = 0; p < 4; p++) {
            g_assert_cmpint(r.pci_pin[s][p], >=, 16);
            g_assert_cmpint(r.pci_pin[s][p], <=, 23);
        }
    }
    g_assert_cmphex(r.pci_flags, ==, 0x0f);     /* active low, level */
    g_assert_cmpuint(r.lints, ==, 2);
}

static void test_checksums_detect_damage(void)
{
    g_autofree uint8_t *buf = g_malloc(MPTABLE_MAX_SIZE);
    size_t len = mptable_build(buf, 1);

    g_assert_cmpuint(sum(buf, 16), ==, 0);
    g_assert_cmpuint(sum(buf + 16, len - 16), ==, 0);
    buf[100]++;
    g_assert_cmpuint(sum(buf + 16, len - 16), !=, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mptable/two-cpus", test_two_cpus);
    g_test_add_func("/mptable/checksums", test_checksums_detect_damage);
    return g_test_run();
}
