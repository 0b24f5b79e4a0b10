"""Shared by the conformance suites (tests/conformance/test_*_suite.py): zone-file text
for their DNS data (loaded by the drivers into the in-memory store, lib/dns:
ea_zone_store_add_text), and running a driver over the requests as a JSON file."""
import json
import os
import subprocess
import tempfile


def zone_string(data):
    """One quoted <character-string> (RFC 1035 5.1) holding data (str, encoded as UTF-8,
    or bytes): quote and backslash escaped with a backslash, every byte outside
    printable ASCII written as \\DDD."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = []
    for b in data:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\%03d" % b)
    return '"' + "".join(out) + '"'


def run_driver(driver, requests, timeout):
    """Runs `driver FILE` with requests written to FILE as JSON; the CompletedProcess
    (text output captured)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(requests, f)
        path = f.name
    try:
        return subprocess.run([driver, path], capture_output=True, text=True, timeout=timeout)
    finally:
        os.unlink(path)
