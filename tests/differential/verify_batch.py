"""emailauth verify over many messages: a few processes, one DNS cache and one JSON
report (a line) per message each."""
import json
import subprocess

VERIFY_BATCH = 200   # messages per emailauth process


def reports(bed, files):
    """The verify report of each file, in order."""
    docs = []
    for s in range(0, len(files), VERIFY_BATCH):
        chunk = files[s:s + VERIFY_BATCH]
        p = subprocess.run(bed.command("verify", *chunk, "--format", "json", "--timeout", "4"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=3600)
        got = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        if len(got) != len(chunk):
            raise RuntimeError("emailauth verify: %d reports for %d messages: %s"
                               % (len(got), len(chunk), p.stderr.decode()[-2000:]))
        docs += got
    return docs
