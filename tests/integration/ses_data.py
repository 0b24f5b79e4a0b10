"""SES test data: realistic Easy DKIM tokens, and the amazonses.com zones that publish
their keys, built from the RSA public keys in tests/data/ (generated once with openssl)."""
import base64
import hashlib
import os

from bed import txt_rdata

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
GLOBAL_ZONE = "amazonses.com"
DKIM_DOMAIN = "dkim.amazonses.com"
KEY_TTL = 1800                 # what SES publishes its keys with


def token(seed):
    """A token shaped like SES's: 32 characters of a-z2-7, the same for the same seed."""
    return base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().lower()[:32]


def tokens(seed, n=3):
    return [token("%s/%d" % (seed, i)) for i in range(n)]


def public_key_b64(bits):
    """The base64 SubjectPublicKeyInfo of tests/data/ses-dkim-rsa<bits>.pub.pem."""
    with open(os.path.join(DATA, "ses-dkim-rsa%d.pub.pem" % bits)) as f:
        return "".join(l.strip() for l in f if not l.startswith("-----"))


def key_record(bits=2048):
    """The TXT RDATA SES publishes at <token>.dkim.amazonses.com (split in 255-byte strings)."""
    return txt_rdata("p=" + public_key_b64(bits))


class Keys:
    """Which tokens have a key published, and in which SES DKIM domain."""

    def __init__(self):
        self._keys = {}        # dkim domain -> [(token, bits)]

    def publish(self, toks, bits=2048, dkim_domain=DKIM_DOMAIN):
        self._keys.setdefault(dkim_domain, []).extend((t, bits) for t in toks)

    def zones(self):
        """zone name -> zone text: amazonses.com (the global DKIM domain lives in it) and
        one zone per regional DKIM domain used."""
        out = {GLOBAL_ZONE: ""}
        for domain, keys in sorted(self._keys.items()):
            zone = GLOBAL_ZONE if domain == DKIM_DOMAIN else domain
            lines = ["%s.%s. %d IN TXT %s" % (t, domain, KEY_TTL, key_record(bits)) for t, bits in keys]
            out[zone] = out.get(zone, "") + "\n".join(lines) + "\n"
        return out


def cnames(toks, target_domain=DKIM_DOMAIN, ttl=1800):
    """Zone-file lines of right Easy DKIM CNAMEs (relative to the zone)."""
    return "".join("%s._domainkey %d IN CNAME %s.%s.\n" % (t, ttl, t, target_domain) for t in toks)
