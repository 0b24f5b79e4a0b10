#!/usr/bin/python3
"""The words on every interface (issue 16, items 4 and 5):
  - sentence case: every summary, message, fix comment and note starts with a capital
    (a name, a tag such as p=none or a quoted term keeps its case), in the JSON, the text
    and the web page, whose headings are in sentence case too;
  - errors name the value, not the field ('exa mple.com' is not a domain name), without
    control characters, on the CLI, the API and the web page;
  - forgiving input: a token pasted as its record name or CNAME target is read as the
    token and the output says so (CLI, API, web); a URL or an address gives its domain on
    the web and the API too; the web form keeps everything typed (the tokens when the
    domain is wrong, the pasted headers after a check and after an error).
Answered from zone files (--zone): no network, no resolver."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402
from serve_data import Server, EMAILAUTH  # noqa: E402

T = ["aaaabbbbccccddddeeeeffffgggghhhh", "iiiijjjjkkkkllllmmmmnnnnoooopppp", "qqqqrrrrssssttttuuuuvvvvwwwwxxxx"]
ZONE = """$ORIGIN words.example.
$TTL 300
@ IN SOA ns1.words.example. hostmaster.words.example. 1 3600 600 86400 300
@ IN NS ns1.words.example.
ns1 IN A 192.0.2.53
@ IN TXT "v=spf1 include:amazonses.com -all"
@ IN TXT "v=spf1 include:_spf.google.com ip4:192.0.2.0/24 ?all"
_dmarc IN TXT "v=DMARC1; p=none; sp=none"
_dmarc IN TXT "v=DMARC1; p=reject"
@ IN MX 10 192.0.2.1
{t0}._domainkey IN CNAME {t0}.dkim.amazonses.com.
{t1}._domainkey IN TXT "{t1}.dkim.amazonses.com"
""".format(t0=T[0], t1=T[1])
# A plain word in lower case at the start: what sentence case forbids. A name, a tag, a
# quoted term or a number keeps its case.
LOWER_START = re.compile(r"^[a-z]+(?:['-][a-z]+)*(?=$|[ \n]|[,;:.)](?:$|[ \n]))")
TEXT_FIELDS = ("summary", "message", "fix", "note")


def run(*args):
    p = subprocess.run([EMAILAUTH] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def words(doc, path=""):
    """(path, text) of every summary, message, fix and note of a JSON report."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            # The SPF include tree's notes are fragments beside a node's cost, not sentences.
            if isinstance(v, str) and k in TEXT_FIELDS and "/tree" not in path:
                yield path + "/" + k, v
            else:
                yield from words(v, path + "/" + k)
    elif isinstance(doc, list):
        for v in doc:
            yield from words(v, path)


def lower_starts(doc):
    bad = []
    for path, s in words(doc):
        pieces = [s] + [ln[2:] for ln in s.split("\n") if ln.startswith("; ")] if path.endswith("/fix") else [s]
        bad += ["%s: %s" % (path, p[:90]) for p in pieces if LOWER_START.match(p)]
    return bad


tmp = tempfile.mkdtemp()
zfile = os.path.join(tmp, "words.example.zone")
with open(zfile, "w") as f:
    f.write(ZONE)
ZONES = ["--zone", zfile]
for z in ("zone-broken.com.zone", "zone-shop.com.zone", "amazonses.com.zone"):
    ZONES += ["--zone", os.path.join(SRC, "tests", "data", "zones", z)]

# 1. Sentence case, in the JSON and the text of every command that reports.
runs = [
    ("check words.example", ["check", "words.example", "--tokens", ",".join(T), "--selector", "s1"]),
    ("check zone-broken.com", ["check", "zone-broken.com"]),
    ("check zone-shop.com", ["check", "zone-shop.com"]),
    ("ses words.example", ["ses", "words.example", "--tokens", ",".join(T + ["short"]), "--region", "eu-south-1"]),
    ("spf words.example", ["spf", "words.example"]),
    ("spf --ip", ["spf", "--ip", "192.0.2.7", "--sender", "a@words.example"]),
]
for desc, args in runs:
    code, out, err = run(*args, "--format", "json", *ZONES)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    ok(doc is not None, "%s: JSON" % desc, err[-400:])
    bad = lower_starts(doc or {})
    ok(not bad, "%s: every summary, message, fix and note starts with a capital (or a name)" % desc,
       "\n".join(bad))
    code, out, err = run(*args, "--verbose", "--no-color", *ZONES)
    bad = []
    for line in out.splitlines():
        m = re.match(r"^  (?:ERROR|WARN|OK|INFO|UNKNOWN|NOTE)\s+(.*)$", line)
        if m and LOWER_START.match(m.group(1)) and ":" not in m.group(1).split(" ")[0]:
            bad.append(line)
        m = re.match(r"^      (?:; )?(In .*|in .*)$", line)
        if m and m.group(1).startswith("in "):
            bad.append(line)
    ok(not bad, "%s: the text's findings start with a capital" % desc, "\n".join(bad))

code, out, err = run("check", "zone-broken.com", "--format", "json", *ZONES)
notes = [s for p, s in words(json.loads(out)) if p.endswith("/note")]
ok(notes and all(n[0].isupper() for n in notes), "fix notes are in sentence case", notes)

# 2. and 5. on the command line: errors name the value; tokens pasted as names.
code, out, err = run("check", "exa mple.com", *ZONES)
ok(code == 64 and "'exa mple.com' is not a domain name" in err, "CLI: a bad domain is named", err)
code, out, err = run("check", "ex\x1b[31mample..com", *ZONES)
ok(code == 64 and "\x1b" not in err and "'ex[31mample..com'" in err and "is not a domain name" in err,
   "CLI: the value named without its control characters", repr(err))
code, out, err = run("ses", "words.example", "--tokens", ",".join(T), "--region", "mars-1", *ZONES)
ok(code == 64 and "'mars-1' is not an AWS region" in err, "CLI: a bad region is named", err)
code, out, err = run("check", "words.example", "--selector", "s1,b@d\x1b,s3", *ZONES)
ok(code == 64 and "'b@d' is not a selector" in err and "\x1b" not in err, "CLI: the bad selector of a list is named",
   repr(err))
code, out, err = run("ses", "words.example", "--tokens", "good,a.b.com", *ZONES)
ok(code == 64 and "'a.b.com' is not a token" in err, "CLI: a bad token is named", err)

pasted = [T[0] + "._domainkey.words.example.", T[1] + ".dkim.amazonses.com", T[2] + "._domainkey.words.example"]
code, out, err = run("ses", "words.example", "--tokens", ",".join(pasted), "--format", "json", *ZONES)
doc = json.loads(out) if out.strip() else {}
found = [f for c in doc.get("checks", []) for f in c["findings"]]
tokens_seen = sorted({f.get("token") for f in found if f.get("primary")})
ok(tokens_seen == sorted(T), "CLI: record names and CNAME targets are read as their tokens", tokens_seen)
said = [f for f in found if f["code"] == "ses.dkim.token_from_name"]
ok(len(said) == 3 and all(f["severity"] == "info" and f.get("token") in T for f in said) and
   "record name" in said[0]["message"] and "CNAME target" in said[1]["message"],
   "CLI: the report says which token each pasted name gave", said)
ok(err.count("emailauth: reading the token") == 3 and pasted[1] in err, "CLI: stderr says so too", err)
code, out2, err = run("check", "words.example", "--tokens", ",".join(pasted), "--format", "json", *ZONES)
found2 = [f for c in json.loads(out2).get("checks", []) for f in c["findings"]]
ok(len([f for f in found2 if f["code"] == "ses.dkim.token_from_name"]) == 3,
   "CLI: check says so as well", [f["code"] for f in found2][:20])
code, out, err = run("ses", "words.example", "--tokens", "%s.dkim.eu-south-1.amazonses.com,%s,%s" % tuple(T),
                     "--format", "json", *ZONES)
ok(code != 64 and "ses.dkim.token_from_name" in out, "CLI: a regional CNAME target gives its token", err)
code, out, err = run("ses", "words.example", "--tokens", "%s.example.com,%s,%s" % tuple(T), *ZONES)
ok(code == 64 and "is not a token" in err, "CLI: another name is not taken for a token", err)


# 4. What is needed is said in words by the library; each renderer says how on its own
# interface: the text the command's options, the page its form's fields.
code, out, err = run("check", "zone-shop.com", "--verbose", "--no-color", *ZONES)
ok(re.search(r"\n    how +Give the tokens with --tokens T1,T2,T3", out) is not None,
   "text: what a finding needs is given as the command's option", out[-1500:])
code, out, err = run("check", "zone-shop.com", "--format", "json", *ZONES)
ok(re.search(r"--[a-z]", out.split('"lookups"')[0]) is None, "JSON: no command-line option in the report")
needs = {f["code"]: f.get("needs") for c in json.loads(out)["checks"] for f in c["findings"] if f.get("needs")}
ok(needs.get("sender.dkim_unknown") == ["tokens"] and needs.get("dkim.key.none_found") == ["selectors"],
   "JSON: what a finding needs, as the API's parameter names", needs)


def retried(fn, *args, **kw):
    """A request again after a 429: the server lets a client make SRV_RATE_BURST_MAX checks
    at once, then one every 60/--rate s, and this test makes more than that."""
    for _ in range(20):
        st, h, body = fn(*args, **kw)
        if st != 429:
            break
        time.sleep(float(h.get("retry-after", "1")))
    return st, h, body


def q(**kw):
    return urllib.parse.urlencode(kw)


with Server(*ZONES, "--rate", "1000") as s:
    # 1. The API and the page in sentence case.
    st, h, body = retried(s.get, "/api/v1/check?" + q(domain="words.example", tokens=",".join(T)))
    doc = json.loads(body)
    ok(st == 200 and not lower_starts(doc), "API: every summary, message, fix and note starts with a capital",
       "\n".join(lower_starts(doc)))
    st, h, body = retried(s.get, "/?" + q(tab="check", domain="words.example", tokens=",".join(T)))
    page = re.sub(r'<span class="ea-icon" aria-hidden="true">[^<]*</span>', "", body.decode())
    heads = [re.sub(r"<[^>]+>", "", m).strip()
             for m in re.findall(r"<(?:h[1-4]|summary|legend|label)[^>]*>(.*?)</(?:h[1-4]|summary|legend|label)>",
                                 page, re.S)]
    bad = [x for x in heads if x and LOWER_START.match(x) and x != "emailauth"]
    ok(heads and not bad, "web: headings, summaries and labels in sentence case", bad)
    cards = [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'<p class="ea-reason">(.*?)</p>', page, re.S)]
    bad = [x for x in cards if LOWER_START.match(x)]
    ok(cards and not bad, "web: card messages start with a capital", bad)

    # 4. The page says how on the page: the form's fields, never a command-line option.
    for query in (q(tab="check", domain="zone-shop.com"), q(tab="check", domain="zone-broken.com"),
                  q(tab="ses", domain="zone-shop.com", t1=T[0]), q(tab="spf", domain="words.example")):
        st, h, body = retried(s.get, "/?" + query)
        report = body.decode().split('id="ea-report-area"')[-1]
        flags = re.findall(r"(?<![\w-])--(?!change-batch)[a-z][a-z-]*", re.sub(r"<[^>]+>", " ", report))
        ok(st == 200 and not flags, "web %s: no command-line option in the result" % query, flags)
    st, h, body = retried(s.get, "/?" + q(tab="check", domain="zone-shop.com"))
    hows = re.findall(r'<p class="ea-how">(.*?)</p>', body.decode())
    ok(any('href="#f-t1"' in x for x in hows), "web: what a finding needs points at the form's field", hows)

    # 2. Errors name the value, on the API and the page.
    for value, field in (("exa mple.com", "domain"), ("exa\x01mple.com", "domain")):
        st, h, body = retried(s.get, "/api/v1/ses?" + q(domain=value, tokens="a"))
        e = (json.loads(body) or {}).get("error", {})
        shown = value.replace("\x01", "")
        ok(st == 400 and e.get("field") == field and "'%s' is not a domain name" % shown in e.get("message", "")
           and "'domain'" not in e.get("message", ""), "API: %r named in the error" % value, body[:300])
    st, h, body = retried(s.get, "/api/v1/spf?" + q(domain="words.example", ip="999.2.3.4"))
    e = (json.loads(body) or {}).get("error", {})
    ok(st == 400 and "'999.2.3.4' is not an IPv4 or IPv6 address" in e.get("message", ""), "API: a bad IP named",
       body[:300])
    st, h, body = retried(s.get, "/api/v1/ses?" + q(domain="words.example", tokens="a.b.com"))
    e = (json.loads(body) or {}).get("error", {})
    ok(st == 400 and "'a.b.com' is not a token" in e.get("message", ""), "API: a bad token named", body[:300])
    st, h, body = retried(s.get, "/api/v1/ses?" + q(domain="words.example", tokens="a", region="mars-1"))
    e = (json.loads(body) or {}).get("error", {})
    ok(st == 400 and "'mars-1' is not an SES region" in e.get("message", ""), "API: a bad region named", body[:300])
    st, h, body = retried(s.get, "/api/v1/dkim?" + q(domain="words.example", selectors="ok,b@d"))
    e = (json.loads(body) or {}).get("error", {})
    ok(st == 400 and "'b@d' is not a selector" in e.get("message", ""), "API: a bad selector named", body[:300])
    st, h, body = retried(s.get, "/?" + q(tab="ses", domain="<b>x y", t1=T[0]))
    page = body.decode()
    ok(st == 400 and "&#39;&lt;b&gt;x y&#39; is not a domain name" in page, "web: the error names the value, escaped",
       re.findall(r'ea-field-error[^>]*>[^<]*', page))

    # 5. Forgiving input on the API and the web page.
    st, h, body = retried(s.get, "/api/v1/ses?" + q(domain="https://words.example/contact", tokens=",".join(pasted)))
    doc = json.loads(body)
    said = [f for c in doc.get("checks", []) for f in c["findings"] if f["code"] == "ses.dkim.token_from_name"]
    ok(st == 200 and doc.get("domain") == "words.example" and len(said) == 3,
       "API: a URL gives its domain, pasted names give their tokens, and it says so", body[:400])
    st, h, body = retried(s.get, "/api/v1/check?" + q(domain="postmaster@words.example"))
    ok(st == 200 and json.loads(body).get("domain") == "words.example", "API: an address gives its domain", st)
    st, h, body = retried(s.get, "/?" + q(tab="ses", domain="mailto:a@words.example", t1=pasted[0], t2=pasted[1],
                                  t3=T[2]))
    page = body.decode()
    ok(st == 200 and 'class="ea-read-as"' in page and "Checked the domain <strong>words.example</strong>" in page
       and page.count("<li>Read as the token") == 2, "web: the page says what it read the input as",
       re.findall(r'<ul class="ea-read-as">.*?</ul>', page, re.S))
    ok('value="%s"' % pasted[0] in page, "web: the token field keeps what was typed")

    # The form keeps everything typed.
    st, h, body = retried(s.get, "/?" + q(tab="ses", domain="exa mple.com", t1=T[0], t2=T[1], t3=pasted[2], region="eu-south-1"))
    page = body.decode()
    ok(st == 400 and all('value="%s"' % v in page for v in (T[0], T[1], pasted[2], "eu-south-1", "exa mple.com")),
       "web: a wrong domain keeps the tokens and the region", re.findall(r'<input[^>]*value="[^"]+"', page))
    st, h, body = retried(s.get, "/?" + q(tab="check", domain="words..example", selectors="s1,s2", mailfrom="bounce.words.example",
                                  t1=T[0]))
    page = body.decode()
    ok(st == 400 and all('value="%s"' % v in page for v in ("s1,s2", "bounce.words.example", T[0])),
       "web: the full check keeps every field after an error")
    st, h, body = retried(s.get, "/?" + q(tab="ses", domain="words.example", t1="a.b.com", aws='{"bad'))
    page = body.decode()
    ok(st == 400 and "{&quot;bad</textarea>" in page, "web: unreadable pasted JSON is kept", page.count("textarea"))
    headers = "From: <a@words.example>\r\nTo: b@words.example\r\nSubject: <x> & y\r\n"
    st, h, body = retried(s.request, "POST", "/", body=q(tab="verify", headers=headers),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    page = body.decode()
    ok(st == 200 and "Subject: &lt;x&gt; &amp; y" in page.split('id="f-headers"')[1].split("</textarea>")[0],
       "web: the pasted headers stay after a check", st)
    st, h, body = retried(s.request, "POST", "/", body=q(tab="verify", headers=headers, ip="1.2.3.999", helo="mx.words.example"),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    page = body.decode()
    ok(st == 400 and "Subject: &lt;x&gt; &amp; y" in page and 'value="mx.words.example"' in page and
       "&#39;1.2.3.999&#39; is not an IPv4 or IPv6 address" in page,
       "web: the headers and every field stay after an error, which names the value", st)
done()
