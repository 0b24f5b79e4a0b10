"""known.yml: the adjudicated disagreements. A disagreement is explained when a class
matches it: the area, the peer, every feature in `when` (and, if given, one of
`when_any`) among the case's features, and
the two results among those the class lists (results compared as strings; '*' matches
any). Every class names the RFC section and who is right."""
import yaml

FIELDS = ("id", "area", "peers", "emailauth", "peer", "rfc", "right", "why")


class Rules:
    def __init__(self, classes):
        self.classes = classes

    def explain(self, area, peer, case, mine, theirs):
        feats = set(case.get("features", ()))
        for c in self.classes:
            if c["area"] != area or peer not in c["peers"]:
                continue
            if not set(c.get("when", ())) <= feats:
                continue
            if c.get("when_any") and not set(c["when_any"]) & feats:
                continue
            if not _matches(c["emailauth"], mine) or not _matches(c["peer"], theirs):
                continue
            return c["id"]
        return None


def _matches(allowed, value):
    return "*" in allowed or str(value) in [str(a) for a in allowed]


def load(path):
    with open(path, encoding="utf-8") as f:
        classes = yaml.safe_load(f) or []
    for c in classes:
        missing = [k for k in FIELDS if k not in c]
        if missing:
            raise ValueError("known.yml: class %s lacks %s" % (c.get("id"), ", ".join(missing)))
        if c["right"] not in ("emailauth", "peer", "both", "neither"):
            raise ValueError("known.yml: class %s: right must be emailauth, peer, both or neither"
                             % c["id"])
    return Rules(classes)
