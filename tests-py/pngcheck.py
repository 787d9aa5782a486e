"""Checks that bytes are a well-formed PNG with real content, using only the standard library."""
import struct
import zlib


def png_info(data):
    """Returns (width, height, distinct_scanline_bytes) or raises ValueError naming what is wrong."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG: bad signature")
    pos, width, height, idat, seen_end = 8, 0, 0, b"", False
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError(f"truncated chunk header at byte {pos}")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise ValueError(f"truncated {kind!r} chunk at byte {pos}")
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r} chunk at byte {pos}")
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            seen_end = True
            break
        pos += 12 + length
    if not seen_end or not width or not height:
        raise ValueError("PNG without IHDR or IEND")
    pixels = zlib.decompress(idat)
    return width, height, len(set(pixels[: 1 << 20]))
