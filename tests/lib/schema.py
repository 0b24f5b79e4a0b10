"""The JSON contract in the tests: every JSON document the CLI or the API writes validates
against docs/emailauth.schema.json (draft 2020-12, python3-jsonschema).

    import schema
    schema.errors(doc, "ses_report")   # [] when it validates, else the messages
    schema.check(doc, "scan_row", "scan line validates")   # one TAP test

kind is a name under $defs (report, ses_report, check_report, spf_report, dkim_report,
dmarc_report, verify_report, scan_row, reports, api_error, healthz), or None for the
document's root (any of them)."""
import functools
import json
import os

import tap

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PATH = os.path.join(SRC, "docs", "emailauth.schema.json")


@functools.lru_cache(maxsize=None)
def document():
    with open(PATH, encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def validator(kind=None):
    import jsonschema
    root = dict(document())
    if kind is not None:
        if kind not in root["$defs"]:
            raise KeyError("no $defs/%s in %s" % (kind, PATH))
        for k in ("oneOf", "title", "description"):
            root.pop(k, None)
        root["$ref"] = "#/$defs/" + kind
    jsonschema.Draft202012Validator.check_schema(root)
    return jsonschema.Draft202012Validator(root)


def errors(doc, kind=None):
    """The validation errors of doc (a parsed document, or JSON text) as short strings."""
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc)
        except ValueError as e:
            return ["not JSON: %s" % e]
    out = []
    for e in validator(kind).iter_errors(doc):
        where = "/".join(str(p) for p in e.absolute_path)
        out.append("%s: %s" % (where or "(root)", e.message[:300]))
    return out[:20]


def check(doc, kind, desc):
    """One TAP test: doc validates as kind."""
    errs = errors(doc, kind)
    return tap.ok(not errs, desc + " (schema: %s)" % (kind or "any"), "\n".join(errs))


def check_lines(text, kind, desc):
    """One TAP test: every non-empty line of text (JSONL) validates as kind."""
    errs = []
    lines = [line for line in text.splitlines() if line.strip()]
    for n, line in enumerate(lines, 1):
        errs += ["line %d: %s" % (n, e) for e in errors(line, kind)]
    return tap.ok(lines and not errs, desc + " (schema: %s, %d lines)" % (kind or "any", len(lines)),
                  "\n".join(errs[:20]) or "no lines")


KIND_OF_COMMAND = {"ses": "ses_report", "check": "check_report", "spf": "spf_report",
                   "verify": "verify_report", "scan": "scan_row", "reports": "reports"}
LEGACY = {"pass": "pass", "warn": "warn", "fail": "fail", "unknown": "error"}


def documents(text):
    """The JSON documents in text: one, one per line (JSONL), or several one after another
    (ses --watch). Raises ValueError on text that is not JSON."""
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return out
        doc, i = dec.raw_decode(text, i)
        out.append(doc)


def legacy_errors(doc):
    """status_legacy is schema 1's name of status, on the report and on every check."""
    errs = []
    for where, o in [("(root)", doc)] + [("checks/%d" % i, c) for i, c in enumerate(doc.get("checks", []))]:
        # not_checked is new in schema 2: schema 1 gave such a check the status of its findings.
        if isinstance(o, dict) and o.get("status") == "not_checked" and o.get("status_legacy") in LEGACY.values():
            continue
        if isinstance(o, dict) and "status" in o and LEGACY.get(o["status"]) != o.get("status_legacy"):
            errs.append("%s: status %r with status_legacy %r" % (where, o.get("status"), o.get("status_legacy")))
    return errs


class _Watch:
    count = 0


def watch(bed):
    """Every later bed.run(...) with --format json or jsonl has its stdout validated against
    the schema of its command (a failure is a 'not ok' line; a pass prints nothing).
    watched() says how many documents were validated."""
    run = bed.run

    def checked(*args, **kw):
        code, out, err = run(*args, **kw)
        fmt = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--format"), None)
        kind = KIND_OF_COMMAND.get(args[0]) if args else None
        if fmt in ("json", "jsonl") and kind and out.strip():
            try:
                docs = documents(out)
            except ValueError as e:
                docs, errs = [], ["not JSON: %s" % e]
            else:
                errs = []
            for n, doc in enumerate(docs):
                errs += ["document %d: %s" % (n, e) for e in errors(doc, kind) + legacy_errors(doc)]
                if kind == "reports" and isinstance(doc, dict) and isinstance(doc.get("report"), dict):
                    errs += ["report: %s" % e for e in legacy_errors(doc["report"])]
            _Watch.count += len(docs)
            if errs:
                tap.ok(False, "the JSON of '%s' validates against docs/emailauth.schema.json" % " ".join(args[:4]),
                       "\n".join(errs[:20]))
        return code, out, err

    bed.run = checked
    return bed


def watched():
    return _Watch.count
