#!/usr/bin/python3
"""docs/scaling.md: the example that runs on one machine (GNU parallel with `--sshlogin :`
against a zone file) runs as written and gives one line per domain."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))


def main():
    with open(os.path.join(SRC, "docs", "scaling.md")) as f:
        blocks = re.findall(r"```sh\n(.*?)```", f.read(), re.S)
    local = [b for b in blocks if "--sshlogin :" in b]
    ok(len(local) == 1, "docs/scaling.md has one example that runs on this machine", len(local))
    if not local or shutil.which("parallel") is None:
        ok(shutil.which("parallel") is not None, "GNU parallel is installed (scripts/install-deps.sh)")
        done()
        return
    tmp = tempfile.mkdtemp(prefix="ea-scaling-")
    bindir = os.path.join(tmp, "bin")
    os.mkdir(bindir)
    os.symlink(os.path.abspath(EMAILAUTH), os.path.join(bindir, "emailauth"))
    script = local[0].replace("/tmp/", tmp + "/")
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), HOME=tmp)
    p = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, env=env, timeout=300)
    ok(p.returncode == 0, "the example runs (exit 0)", p.stdout[-500:] + p.stderr[-1000:])
    try:
        with open(os.path.join(tmp, "results.jsonl")) as f:
            lines = f.read().splitlines()
    except OSError:
        lines = []
    ok(len(lines) == 2000 and len({l.split('"domain":"')[1].split('"')[0] for l in lines}) == 2000,
       "2000 lines, one per domain", len(lines))
    ok(all('"status":"pass"' in l for l in lines), "every domain passes, as the example says",
       [l for l in lines if '"status":"pass"' not in l][:2])
    shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
