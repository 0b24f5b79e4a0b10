"""TAP output for the Python test scripts (tests/run.py counts 'ok' / 'not ok' lines)."""
import sys

_count = 0
_failed = 0


def ok(cond, desc, detail=None):
    """Records one test. detail is printed (as a comment) when it fails."""
    global _count, _failed
    _count += 1
    if not cond:
        _failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", _count, desc), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines()[-40:]:
            print("#   " + line)
    return cond


def done():
    """Prints the plan and exits 0 if everything passed."""
    print("1..%d" % _count)
    sys.exit(1 if _failed else 0)
