#!/usr/bin/env python3
"""Makes the images examples/media.c sends: three 64x64 PNGs, each a
hexagon (a hive's cell) of one colour on white. Written for bothive; run
it again to remake them: python3 examples/assets/make-images.py"""
import os
import struct
import zlib

SIZE = 64
COLOURS = {"cell-1.png": (240, 170, 20), "cell-2.png": (200, 90, 20), "cell-3.png": (90, 60, 30)}


def inside_hexagon(x, y):
    # A flat-topped regular hexagon centred in the image.
    cx = cy = (SIZE - 1) / 2
    r = SIZE * 0.45
    dx, dy = abs(x - cx), abs(y - cy)
    return dy <= r * 0.866 and dx <= r - dy * 0.577


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(colour):
    rows = b""
    for y in range(SIZE):
        row = b"\x00"  # no filter
        for x in range(SIZE):
            row += bytes(colour if inside_hexagon(x, y) else (255, 255, 255))
        rows += row
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


here = os.path.dirname(os.path.abspath(__file__))
for name, colour in COLOURS.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(png(colour))
