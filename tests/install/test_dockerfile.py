#!/usr/bin/python3
"""The Dockerfile, read (no container engine runs in CI; docs/install.md says where it was
built): two stages, the second from slim Debian 12 with only runtime libraries; every
library the built program links is in a package that stage installs; a non-root user;
`serve` by default; a HEALTHCHECK on /healthz; docs/scaling.md's Kubernetes Job names it."""
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("EA_BUILD", os.path.join(SRC, "build"))
EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(BUILD, "tools", "cli", "emailauth"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

# Packages every Debian image has (Priority: required), so the runtime stage need not list them.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}


def stages(text):
    """[(FROM line, body)] with continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", text)
    parts = re.split(r"^FROM ", text, flags=re.M)[1:]
    return [(p.splitlines()[0], p) for p in parts]


def apt_packages(body):
    m = re.search(r"apt-get install[^&]*?--no-install-recommends ([^&]+)", body)
    return set(m.group(1).split()) if m else set()


def needed_packages():
    """Debian packages holding the shared libraries the program links (NEEDED, via ldd)."""
    p = subprocess.run(["ldd", EMAILAUTH], capture_output=True, text=True, timeout=60)
    direct = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                            subprocess.run(["readelf", "-d", EMAILAUTH], capture_output=True, text=True,
                                           timeout=60).stdout))
    packages = {}
    for name, path in re.findall(r"^\s*(\S+) => (\S+)", p.stdout, re.M):
        if name in direct:
            packages[name] = owner(path)
    return packages


def owner(path):
    """The package that installed path: dpkg knows a file by the name its package gave it,
    /lib/... or /usr/lib/... (merged /usr), through a symlink or not."""
    real = os.path.realpath(path)
    for candidate in (path, real, re.sub(r"^/usr/lib/", "/lib/", real), re.sub(r"^/lib/", "/usr/lib/", real)):
        q = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, timeout=60)
        if q.returncode == 0:
            return q.stdout.split(":")[0]
    return "?"


def main():
    with open(os.path.join(SRC, "Dockerfile")) as f:
        text = f.read()
    st = stages(text)
    ok(len(st) == 2 and " AS build" in st[0][0], "two stages: build, then run", [s[0] for s in st])
    if len(st) != 2:
        done()
    run_from, run = st[1]
    ok("RUN_IMAGE" in run_from and re.search(r"ARG RUN_IMAGE=debian:bookworm-slim", text),
       "the run stage is slim Debian 12 (bookworm-slim)", run_from)
    runtime = apt_packages(run)
    ok(runtime and not any(p.endswith("-dev") or p in ("build-essential", "meson") for p in runtime),
       "the run stage installs no compiler or -dev package", sorted(runtime))
    ok("COPY --from=build" in run, "the program comes from the build stage")
    user = re.search(r"^USER (\S+)", run, re.M)
    ok(user is not None and user.group(1).split(":")[0] not in ("root", "0"), "runs as a non-root user",
       user.group(0) if user else "no USER")
    cmd = re.search(r"^CMD (\[.*\])", run, re.M)
    ok(cmd is not None and json.loads(cmd.group(1))[0] == "serve", "serve by default", cmd and cmd.group(0))
    ok(re.search(r"^ENTRYPOINT \[\"/usr/bin/emailauth\"\]", run, re.M), "the entrypoint is the program")
    ok(re.search(r"^HEALTHCHECK .*CMD .*/healthz", run, re.M), "a HEALTHCHECK on /healthz")
    with open(os.path.join(BUILD, "meson-info", "intro-buildoptions.json")) as f:
        sanitize = {o["name"]: o["value"] for o in json.load(f)}.get("b_sanitize", "none")
    if sanitize != "none":
        ok(True, "runtime libraries # SKIP a sanitizer build links other libraries")
    else:
        need = needed_packages()
        missing = {lib: pkg for lib, pkg in need.items() if pkg not in runtime and pkg not in BASE_PACKAGES}
        ok(need and not missing, "every library the program links is installed in the run stage",
           "missing: %s" % missing)
    with open(os.path.join(SRC, "docs", "scaling.md")) as f:
        scaling = f.read()
    ok("Dockerfile" in scaling and "runAsUser: 10001" in scaling and "USER 10001" in run,
       "docs/scaling.md's Job uses the image (its user, 10001)")
    done()


main()
