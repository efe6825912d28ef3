#!/usr/bin/env python3
"""Checks that a PNG screenshot is the expected width and is not blank.

Usage: check_png.py PNG [--width 1280] [--min-colours 8] [--min-ink 0.10]
                        [--expect-colour RRGGBB ...] [--min-expected N]

Decodes the PNG with zlib alone (8-bit greyscale, grey+alpha, RGB or RGBA; not
interlaced — what Chromium writes): reads IHDR, inflates the IDAT stream and undoes
each row's filter. Then counts distinct colours, the share of pixels that differ from
the most common one (the background: "ink"), and which of the expected colours occur
(within 3 per channel; anti-aliasing leaves a bar's interior exact).

Prints one line describing the image; exits 1 on any failed check, 2 on a file that is
not a PNG this reader handles.
"""
import argparse
import struct
import sys
import zlib
from collections import Counter

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


class PNGError(Exception):
    pass


def read_chunks(data):
    if not data.startswith(SIGNATURE):
        raise PNGError("not a PNG (bad signature)")
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise PNGError("truncated %s chunk" % kind.decode("latin-1"))
        yield kind, body
        pos += 12 + length
        if kind == b"IEND":
            return
    raise PNGError("no IEND chunk")


def decode(data):
    """(width, height, samples per pixel, list of unfiltered rows, filter-type counts)."""
    header, idat = None, []
    for kind, body in read_chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    if header is None:
        raise PNGError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace != 0:
        raise PNGError("unsupported PNG: depth %d, colour type %d, interlace %d" % (depth, colour, interlace))
    bpp = CHANNELS[colour]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise PNGError("image data is %d bytes, expected %d" % (len(raw), height * (stride + 1)))
    rows, filters = [], Counter()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        filters[kind] += 1
        if kind == 0:
            pass
        elif kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        else:
            raise PNGError("row %d has unknown filter type %d" % (y, kind))
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows, filters


def rgb(pixel, bpp):
    if bpp <= 2:
        return (pixel[0],) * 3
    return tuple(pixel[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("png")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--min-colours", type=int, default=8)
    ap.add_argument("--min-ink", type=float, default=0.10)
    ap.add_argument("--expect-colour", action="append", default=[])
    ap.add_argument("--min-expected", type=int, default=0)
    args = ap.parse_args()

    try:
        with open(args.png, "rb") as f:
            data = f.read()
        width, height, bpp, rows, filters = decode(data)
    except (OSError, PNGError, zlib.error) as e:
        print("check_png: %s: %s" % (args.png, e))
        return 2

    counts = Counter()
    for row in rows:
        counts.update(row[i:i + bpp] for i in range(0, len(row), bpp))
    background, background_count = counts.most_common(1)[0]
    total = width * height
    ink = 1 - background_count / total if total else 0.0
    colours = {}
    for pixel, n in counts.items():
        key = rgb(pixel, bpp)
        colours[key] = colours.get(key, 0) + n

    found = []
    for hexcode in args.expect_colour:
        want = tuple(int(hexcode.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
        if any(all(abs(c - w) <= 3 for c, w in zip(have, want)) for have in colours):
            found.append(hexcode)

    failures = []
    if width != args.width:
        failures.append("width %d, expected %d" % (width, args.width))
    if len(colours) < args.min_colours:
        failures.append("only %d distinct colours (< %d)" % (len(colours), args.min_colours))
    if ink < args.min_ink:
        failures.append("only %.1f%% non-background pixels (< %.1f%%)" % (ink * 100, args.min_ink * 100))
    if len(found) < args.min_expected:
        failures.append("%d of the expected colours present (< %d)" % (len(found), args.min_expected))

    print("%s: %dx%d PNG, %d bytes, %d samples/pixel, filters %s; %d distinct colours, background #%s, "
          "%.1f%% non-background; expected colours present %d/%d%s" % (
              args.png, width, height, len(data), bpp,
              ",".join("%d:%d" % (k, v) for k, v in sorted(filters.items())),
              len(colours), "".join("%02x" % c for c in rgb(background, bpp)), ink * 100,
              len(found), len(args.expect_colour),
              "" if not failures else " — FAIL: " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
