#!/usr/bin/python3
"""bgen_edit.py MODE IN.bgen OUT.bgen [ARG]

Re-encodes a layout-2 BGEN that another tool (plink2 --export bgen-1.2) wrote, for the BGEN tests:
  zstd        every genotype block recompressed with zstd (flags: compression 2)
  none        every genotype block stored uncompressed (flags: compression 0)
  bad-size K  variant K (1-based) states an uncompressed size one byte larger than its data
  bad-zlib K  variant K's compressed bytes damaged in the middle
  bits B      variant 1 re-encoded with its bit-depth byte set to B (data unchanged)
  layout L    the header's layout field set to L
  no-ids      the sample identifier block dropped (flag bit 31 cleared)
  alleles MAP allele strings renamed, e.g. 1=A,2=C (same lengths: every offset, and so a .bgi
              index, stays valid; genotype blocks are copied byte for byte)
Only the byte layout is touched; the probabilities are those the other tool wrote. Needs
Debian's python3-zstandard for 'zstd'.
"""
import struct
import sys
import zlib


def blocks(b):
    """header bytes, flags, then (identifying bytes, genotype bytes uncompressed) per variant"""
    off = struct.unpack_from("<I", b, 0)[0]
    lh, m, n = struct.unpack_from("<III", b, 4)
    flags = struct.unpack_from("<I", b, 4 + lh - 4)[0]
    comp, layout = flags & 3, (flags >> 2) & 15
    assert layout == 2, "layout-2 input expected"
    p = off + 4
    out = []
    for _ in range(m):
        q = p
        for _ in range(3):
            ln = struct.unpack_from("<H", b, p)[0]
            p += 2 + ln
        p += 4
        k = struct.unpack_from("<H", b, p)[0]
        p += 2
        for _ in range(k):
            ln = struct.unpack_from("<I", b, p)[0]
            p += 4 + ln
        ident = b[q:p]
        c = struct.unpack_from("<I", b, p)[0]
        p += 4
        if comp:
            d = struct.unpack_from("<I", b, p)[0]
            data = zlib.decompress(b[p + 4:p + c])
            assert len(data) == d
        else:
            data = b[p:p + c]
        p += c
        out.append((ident, data))
    return b[:off + 4], flags, out


def write(fn, head, flags, blks, comp, encode):
    lh = struct.unpack_from("<I", head, 4)[0]
    head = bytearray(head)
    struct.pack_into("<I", head, 4 + lh - 4, (flags & ~3) | comp)
    with open(fn, "wb") as f:
        f.write(head)
        for i, (ident, data) in enumerate(blks):
            f.write(ident)
            z, stated = encode(i, data)
            if comp:
                f.write(struct.pack("<II", len(z) + 4, stated))
            else:
                f.write(struct.pack("<I", len(z)))
            f.write(z)


def main():
    mode, src, dst = sys.argv[1:4]
    arg = sys.argv[4] if len(sys.argv) > 4 else None
    b = open(src, "rb").read()
    head, flags, blks = blocks(b)
    comp = flags & 3
    zl = lambda i, d: (zlib.compress(d), len(d))
    if mode == "zstd":
        import zstandard
        cz = zstandard.ZstdCompressor(level=3)
        write(dst, head, flags, blks, 2, lambda i, d: (cz.compress(d), len(d)))
    elif mode == "none":
        write(dst, head, flags, blks, 0, lambda i, d: (d, len(d)))
    elif mode == "bad-size":
        k = int(arg) - 1
        write(dst, head, flags, blks, 1, lambda i, d: (zlib.compress(d), len(d) + (i == k)))
    elif mode == "bad-zlib":
        k = int(arg) - 1

        def enc(i, d):
            z = bytearray(zlib.compress(d))
            if i == k:
                for j in range(len(z) // 3, len(z) // 3 + 8):
                    z[j] ^= 0x5A
            return bytes(z), len(d)
        write(dst, head, flags, blks, 1, enc)
    elif mode == "bits":
        n = struct.unpack_from("<I", blks[0][1], 0)[0]
        d0 = bytearray(blks[0][1])
        d0[9 + n] = int(arg)
        blks[0] = (blks[0][0], bytes(d0))
        write(dst, head, flags, blks, 1, zl)
    elif mode == "layout":
        lh = struct.unpack_from("<I", head, 4)[0]
        out = bytearray(b)
        struct.pack_into("<I", out, 4 + lh - 4, (flags & ~(15 << 2)) | (int(arg) << 2))
        open(dst, "wb").write(out)
    elif mode == "alleles":
        mp = dict(x.split("=") for x in arg.split(","))
        assert all(len(a) == len(b) for a, b in mp.items())
        out = bytearray(b)
        off = struct.unpack_from("<I", b, 0)[0]
        p = off + 4
        for _ in range(struct.unpack_from("<I", b, 8)[0]):
            for _ in range(3):
                p += 2 + struct.unpack_from("<H", b, p)[0]
            p += 4
            k = struct.unpack_from("<H", b, p)[0]
            p += 2
            for _ in range(k):
                ln = struct.unpack_from("<I", b, p)[0]
                a = b[p + 4:p + 4 + ln].decode()
                out[p + 4:p + 4 + ln] = mp.get(a, a).encode()
                p += 4 + ln
            p += 4 + struct.unpack_from("<I", b, p)[0]
        open(dst, "wb").write(out)
    elif mode == "no-ids":
        off = struct.unpack_from("<I", b, 0)[0]
        lh = struct.unpack_from("<I", b, 4)[0]
        out = bytearray(b[:4 + lh]) + b[off + 4:]
        struct.pack_into("<I", out, 0, lh)
        struct.pack_into("<I", out, 4 + lh - 4, flags & 0x7FFFFFFF)
        open(dst, "wb").write(out)
    else:
        sys.exit("unknown mode " + mode)
    assert comp in (0, 1, 2)


if __name__ == "__main__":
    main()
