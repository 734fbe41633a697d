"""Writes the PDF bombs of radd's PDF tests: a 1 GiB content stream, ten million pages and
100,000 levels of nesting. Each is a few kilobytes. Run: python3 make_bombs.py OUTDIR"""
import sys, zlib

def pdf(objects, root=1):
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)

def stream(data, extra=b""):
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"

font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

def gigabyte_stream():
    # 1 GiB of text-show operators, deflated twice: deflate's output for a repeating input
    # repeats too, so the second pass shrinks it again.
    line = b"BT /F1 9 Tf 72 720 Td (Lungs are clear. No effusion. No pneumothorax.) Tj ET\n"
    total = 1 << 30
    inner = zlib.compressobj(9)
    chunk = line * (65536 // len(line))
    parts, written = [], 0
    while written < total:
        piece = chunk[: total - written]
        parts.append(inner.compress(piece))
        written += len(piece)
    parts.append(inner.flush())
    once = b"".join(parts)
    twice = zlib.compress(once, 9)
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        font,
        stream(twice, b"/Filter [/FlateDecode /FlateDecode]"),
    ])

def ten_million_pages():
    # Seven levels of Pages nodes, each with ten references to the same node below: one page
    # object, shown 10^7 times. Poppler refuses a page count above the number of objects, so a
    # cross-reference stream (deflated twice, like the stream bomb) declares ten million of
    # them, nearly all free.
    levels = 7
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = 2 + level
        child = number + 1
        kids = b" ".join(b"%d 0 R" % child for _ in range(10))
        parent = b"" if level == 0 else b"/Parent %d 0 R " % (number - 1)
        objects.append(b"<< /Type /Pages %s/Kids [%s] /Count %d >>" % (parent, kids, 10 ** (levels - level)))
    page = 2 + levels
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                   % (page - 1, page + 1, page + 2))
    objects.append(font)
    objects.append(stream(b"BT /F1 11 Tf 72 720 Td (Page of a bomb.) Tj ET"))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_number = len(objects) + 1
    offsets.append(len(out))
    size = 10 ** levels + xref_number + 1
    rows = bytearray(b"\x00\x00\x00\x00\x00\xff")
    for offset in offsets:
        rows += b"\x01" + offset.to_bytes(4, "big") + b"\x00"
    free = zlib.compressobj(9)
    body = [free.compress(bytes(rows))]
    zero = bytes(6 * 65536)
    remaining = size - 1 - len(offsets)
    while remaining > 0:
        n = min(remaining, 65536)
        body.append(free.compress(zero[: 6 * n]))
        remaining -= n
    body.append(free.flush())
    data = zlib.compress(b"".join(body), 9)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n"
            % (xref_number, size, len(data)) + data + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[-1]
    return bytes(out)

def deep_nesting():
    # The page's content is an array nested 100,000 deep, and so is its resource dictionary.
    depth = 100_000
    nested = b"[" * depth + b"]" * depth
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> /X " + nested
        + b" >> /Contents 5 0 R >>",
        font,
        stream(b"BT /F1 11 Tf 72 720 Td " + b"[" * depth + b"(deep)" + b"]" * depth + b" TJ ET"),
    ])

out = sys.argv[1]
for name, make in [("bomb_stream_1gib.pdf", gigabyte_stream), ("bomb_pages_10m.pdf", ten_million_pages),
                   ("bomb_nesting_100k.pdf", deep_nesting)]:
    data = make()
    open(f"{out}/{name}", "wb").write(data)
    print(name, len(data))
