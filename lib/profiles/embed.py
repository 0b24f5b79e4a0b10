#!/usr/bin/env python3
"""Turns a data file into a C source defining one string: embed.py IN OUT SYMBOL."""
import sys

src, out, sym = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
with open(out, "w") as f:
    f.write("/* Generated from %s by lib/profiles/embed.py; do not edit. */\n" % src.split("/")[-1])
    f.write("#include <stddef.h>\n")
    f.write("extern const char %s[];\nextern const size_t %s_len;\n" % (sym, sym))
    f.write("const char %s[] = {\n" % sym)
    for i in range(0, len(data), 16):
        f.write("  " + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
    f.write("  0x00\n};\nconst size_t %s_len = %d;\n" % (sym, len(data)))
