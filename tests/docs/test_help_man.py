#!/usr/bin/python3
"""`emailauth COMMAND --help`, the man pages (docs/man/*.scd) and the shell completions
name the same options: an option added to tools/cli/commands.c and not documented (or
documented and gone) fails here. The man pages built by meson render with man -l."""
import glob
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
BUILD = os.environ.get("EA_BUILD", os.path.join(SRC, "build"))
MAN = os.path.join(SRC, "docs", "man")
OPT = re.compile(r"(?<![\w-])(--?[a-zA-Z][a-z-]*)")


def run(*args):
    p = subprocess.run([EMAILAUTH] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def section(text, title):
    """The lines of a --help section ('Options:') up to the next blank-line-separated title."""
    m = re.search(r"^%s\n(.*?)(?:\n\n|\Z)" % re.escape(title), text, re.S | re.M)
    return m.group(1) if m else ""


def help_options(block):
    """Option names at the start of help lines ("  -o, --output FILE  ...")."""
    names = set()
    for line in block.splitlines():
        m = re.match(r"^  ((?:-[\w-]+,? ?)+)", line)
        if m:
            names |= set(OPT.findall(m.group(1)))
    return names


def man_section(text, title):
    m = re.search(r"^# %s\n(.*?)(?=^# |\Z)" % re.escape(title), text, re.S | re.M)
    return m.group(1) if m else ""


def man_options(block):
    """Options a man page's OPTIONS section defines: lines starting with *--name*."""
    names = set()
    lines = block.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("*-") and i + 1 < len(lines) and lines[i + 1].startswith("\t"):
            names |= set(re.findall(r"\*(--?[a-z][a-z-]*)\*", line))
    return names


code, top, err = run("--help")
ok(code == 0 and top.startswith("usage: emailauth"), "emailauth --help: the overall usage, exit 0", err)
commands = re.findall(r"^  ([a-z]+) {2,}", section(top, "Commands:"), re.M)
ok(set(commands) >= {"ses", "check", "spf", "verify", "reports", "scan", "serve"},
   "the usage lists every command", commands)
commands = [c for c in commands if c not in ("help", "version")]
global_help = help_options(section(top, "Options for every command:"))
with open(os.path.join(MAN, "emailauth.1.scd")) as f:
    main_page = f.read()
global_man = man_options(man_section(main_page, "GLOBAL OPTIONS"))
ok(global_help and global_help == global_man, "emailauth(1) GLOBAL OPTIONS = the options for every command",
   "help only: %s, man only: %s" % (sorted(global_help - global_man), sorted(global_man - global_help)))

completions = {}
for name in ("emailauth.bash", "_emailauth", "emailauth.fish"):
    with open(os.path.join(SRC, "completions", name)) as f:
        completions[name] = f.read()


def in_completion(name, text, opt):
    if name.endswith(".fish"):
        flag = "-l " + opt[2:] if opt.startswith("--") else "-s " + opt[1:]
        return flag in text
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), text) is not None


for cmd in commands:
    code, text, err = run(cmd, "--help")
    ok(code == 0 and text.startswith("usage: emailauth %s" % cmd), "%s --help: its own usage, exit 0" % cmd,
       text[:300] + err)
    code2, text2, _ = run("help", cmd)
    ok(code2 == 0 and text2 == text, "emailauth help %s = %s --help" % (cmd, cmd))
    examples = [l for l in section(text, "Examples:").splitlines() if l.strip().startswith(("emailauth", "aws", "printf"))]
    ok(len(examples) >= 2, "%s --help has real examples (%d)" % (cmd, len(examples)), text)
    own = help_options(section(text, "Options:"))
    page = os.path.join(MAN, "emailauth-%s.1.scd" % cmd)
    ok(os.path.exists(page), "emailauth-%s(1) has a source in docs/man" % cmd)
    if not os.path.exists(page):
        continue
    with open(page) as f:
        man = f.read()
    documented = man_options(man_section(man, "OPTIONS"))
    ok(own and own == documented, "emailauth-%s(1) OPTIONS = %s --help's options" % (cmd, cmd),
       "help only: %s, man only: %s" % (sorted(own - documented), sorted(documented - own)))
    synopsis = set(re.findall(r"\*(--[a-z][a-z-]*)\*", man_section(man, "SYNOPSIS")))
    ok(synopsis <= own | global_help, "emailauth-%s(1) SYNOPSIS names only its options" % cmd,
       sorted(synopsis - own - global_help))
    fm = re.search(r"--format ([a-z|]+)", text)
    formats = fm.group(1).split("|") if fm else []
    ok(formats and all("*%s*" % f in man for f in formats),
       "emailauth-%s(1) names the --format values %s" % (cmd, "|".join(formats)))
    for name, comp in completions.items():
        missing = [o for o in sorted(own | global_help) if not in_completion(name, comp, o)]
        ok(not missing, "completions/%s knows every option of %s" % (name, cmd), missing)
    ok(re.search(r"\b%s\b" % cmd, main_page) is not None, "emailauth(1) lists %s" % cmd)

# The completions parse, and complete, in each shell that is installed.
COMP = os.path.join(SRC, "completions")
BASH_COMPLETE = r"""
source /usr/share/bash-completion/bash_completion
source "$1"
comp() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"
         [[ $COMP_LINE == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1))
         COMPREPLY=(); _emailauth; echo "${COMPREPLY[*]}"; }
comp "emailauth ses --to"; comp "emailauth spf --format "; comp "emailauth chec"
"""
if os.path.exists("/usr/share/bash-completion/bash_completion"):
    p = subprocess.run(["bash", "-c", BASH_COMPLETE, "bash", os.path.join(COMP, "emailauth.bash")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    ok(p.stdout.decode().splitlines() == ["--tokens", "text json nagios", "check"],
       "bash completes commands, options and --format values", p.stdout.decode() + p.stderr.decode())
else:
    print("# bash-completion not installed: bash completion not run")
if shutil.which("zsh"):
    p = subprocess.run(["zsh", "-n", os.path.join(COMP, "_emailauth")], stderr=subprocess.PIPE, timeout=30)
    ok(p.returncode == 0, "zsh parses _emailauth", p.stderr.decode())
else:
    print("# zsh not installed: _emailauth not parsed")
if shutil.which("fish"):
    script = "source %s; complete -C 'emailauth ses --to'; complete -C 'emailauth check --format '" % \
        os.path.join(COMP, "emailauth.fish")
    p = subprocess.run(["fish", "--no-config", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30, env=dict(os.environ, HOME="/tmp"))
    words = [l.split("\t")[0] for l in p.stdout.decode().splitlines()]
    ok(words == ["--tokens", "json", "nagios", "text"], "fish completes options and --format values",
       p.stdout.decode() + p.stderr.decode())
else:
    print("# fish not installed: emailauth.fish not run")

# The pages meson built (when scdoc was there) render.
built = sorted(glob.glob(os.path.join(BUILD, "docs", "man", "*.1")))
sources = sorted(glob.glob(os.path.join(MAN, "*.1.scd")))
if not built:
    print("# no man pages in the build (scdoc missing at meson setup): rendering not tested")
else:
    ok(len(built) == len(sources), "meson built a page for every source (%d)" % len(built))
    man = shutil.which("man")
    for page in built:
        with open(page) as f:
            roff = f.read()
        ok(roff.startswith(".\\\"") or ".TH" in roff, "%s is roff" % os.path.basename(page))
        if man:
            p = subprocess.run([man, "-l", page], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80"), timeout=60)
            out = p.stdout.decode(errors="replace")
            ok(p.returncode == 0 and "NAME" in out and "SYNOPSIS" in out,
               "man -l %s renders" % os.path.basename(page), p.stderr.decode()[-500:])
done()
