#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extract the uncompressed vmlinux (an ELF with the PVH note) from a
bzImage.

The setup header (x86 boot protocol >= 2.08) gives the compressed
payload's offset and length (payload_offset at 0x248, payload_length at
0x24c, relative to the protected-mode code at (setup_sects + 1) * 512).
The format is recognised by its magic and decompressed with Python's
modules (gzip, xz/lzma, bzip2) or the Debian tools (zstd, lz4, lzop).

Usage: extract_vmlinux.py BZIMAGE OUTPUT
"""
import bz2
import lzma
import struct
import subprocess
import sys
import zlib


def payload(image):
    if len(image) < 0x250 or image[0x202:0x206] != b'HdrS':
        raise ValueError('not a bzImage (no "HdrS" setup header)')
    version, = struct.unpack_from('<H', image, 0x206)
    if version < 0x208:
        raise ValueError('boot protocol %#x has no payload fields' % version)
    setup_sects = image[0x1f1] or 4
    pm_start = (setup_sects + 1) * 512
    off, length = struct.unpack_from('<II', image, 0x248)
    return image[pm_start + off:pm_start + off + length]


def run_tool(argv, data):
    return subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, check=True).stdout


def decompress(data):
    if data.startswith(b'\x1f\x8b'):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    if data.startswith(b'\xfd7zXZ\x00'):
        return lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(data)
    if data.startswith(b'\x5d\x00\x00'):
        return lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(data)
    if data.startswith(b'BZh'):
        return bz2.BZ2Decompressor().decompress(data)
    if data.startswith(b'\x28\xb5\x2f\xfd'):
        return run_tool(['zstd', '-dc'], data)
    if data.startswith(b'\x02\x21\x4c\x18'):
        return run_tool(['lz4', '-dc'], data)
    if data.startswith(b'\x89LZO'):
        return run_tool(['lzop', '-dc'], data)
    raise ValueError('unknown compression (magic %s)' % data[:4].hex())


def extract(image):
    elf = decompress(payload(image))
    if not elf.startswith(b'\x7fELF'):
        raise ValueError('the payload is not an ELF image')
    return elf


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    with open(sys.argv[1], 'rb') as f:
        elf = extract(f.read())
    with open(sys.argv[2], 'wb') as f:
        f.write(elf)


if __name__ == '__main__':
    main()
