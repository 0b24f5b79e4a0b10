#!/usr/bin/env python3
"""Builds the server's /codes page from docs/finding-codes.md and docs/codes-*.md, so a
finding's code on the web page links to its documentation on the same server (no link
leaves it, nothing is tracked). Each code of a codes-*.md table gets an anchor: /codes#CODE.

usage: codes_page.py OUT.html finding-codes.md codes-X.md...

The Markdown here is the small part those files use: headings, paragraphs, lists, tables,
`code`, **bold**, [text](link). Links to the codes files become anchors on the page;
any other link is kept as its text only.
"""
import html
import os
import re
import sys

CODE = re.compile(r"^`([a-z0-9_]+(?:\.[a-z0-9_]+)+)`$")


def inline(text):
    out = []
    for i, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if i % 2:
            out.append("<code>%s</code>" % html.escape(part[1:-1]))
            continue
        s = html.escape(part, quote=False)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)

        def link(m):
            target = m.group(2)
            base = os.path.basename(target.split("#")[0])
            if re.fullmatch(r"(codes-[a-z]+|finding-codes)\.md", base):
                return '<a href="#%s">%s</a>' % (base[:-3], m.group(1))
            return m.group(1)
        s = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", link, s)
        out.append(s)
    return "".join(out)


def cells(line):
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    # A '|' inside `code` is part of the code.
    parts, cur, in_code = [], "", False
    for ch in line:
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def convert(path, seen, out):
    name = os.path.basename(path)[:-3]
    lines = open(path, encoding="utf-8").read().splitlines()
    i = 0
    first_heading = True
    para = []

    def flush():
        if para:
            out.append("<p>%s</p>" % inline(" ".join(para)))
            para.clear()
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(#{1,4}) (.*)$", line)
        if m:
            flush()
            level = min(len(m.group(1)) + 1, 4)
            anchor = ' id="%s"' % name if first_heading else ""
            first_heading = False
            out.append("<h%d%s>%s</h%d>" % (level, anchor, inline(m.group(2)), level))
            i += 1
            continue
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|$", lines[i + 1].strip()):
            flush()
            head = cells(line)
            out.append('<div class="ea-table-wrap"><table class="ea-codes">')
            out.append("<thead><tr>%s</tr></thead><tbody>" % "".join(
                '<th scope="col">%s</th>' % inline(c) for c in head))
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                row = cells(lines[i])
                # The codes a row documents (its first cell), each an anchor once.
                codes = [c for c in re.findall(r"`([^`]+)`", row[0]) if CODE.match("`%s`" % c)] if row else []
                fresh = [c for c in codes if c not in seen] if name != "finding-codes" else []
                seen.update(fresh)
                rid = ' id="%s"' % fresh[0] if fresh else ""
                extra = "".join('<span id="%s"></span>' % c for c in fresh[1:])
                tds = ['<td data-label="%s">%s</td>' % (html.escape(re.sub(r"`", "", head[k] if k < len(head) else "")),
                                                        (extra if k == 0 else "") + inline(c))
                       for k, c in enumerate(row)]
                out.append("<tr%s>%s</tr>" % (rid, "".join(tds)))
                i += 1
            out.append("</tbody></table></div>")
            continue
        if re.match(r"^\s*[-*] ", line):
            flush()
            out.append("<ul>")
            while i < len(lines) and re.match(r"^\s*[-*] ", lines[i]):
                item = re.sub(r"^\s*[-*] ", "", lines[i])
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and not re.match(r"^\s*[-*] ", lines[i]):
                    item += " " + lines[i].strip()
                    i += 1
                out.append("<li>%s</li>" % inline(item))
            out.append("</ul>")
            continue
        if line.strip() == "":
            flush()
        elif line.startswith("```"):
            flush()
            i += 1
            block = []
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            out.append("<pre><code>%s</code></pre>" % html.escape("\n".join(block)))
        else:
            para.append(line.strip())
        i += 1
    flush()


def main():
    dst, sources = sys.argv[1], sys.argv[2:]
    seen = set()
    body = []
    for path in sources:
        body.append('<section class="ea-codes-file">')
        convert(path, seen, body)
        body.append("</section>")
    page = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Finding codes &middot; emailauth</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<div class="ea-wrap">
<header>
<h1><a href="/">emailauth</a></h1>
</header>
<main id="ea-main" class="ea-codes-page">
%s
</main>
</div>
</body>
</html>
""" % "\n".join(body)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
