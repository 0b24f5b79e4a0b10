"""The provider world: each provider's zones as its own setup documentation describes them
(SPF includes, DKIM CNAME targets and keys, MX hosts, return-path targets), and customer
domains set up correctly by those documents, alone and in common combinations; then one
realistic mistake per provider. Sources: docs/provider-sources.md
section 2 (each provider's docs, cited there), and Zendesk's "Digitally signing your email
with DKIM" (zendesk1/zendesk2._domainkey CNAMEs to zendesk.com, include:mail.zendesk.com).

CUSTOMERS: (domain, zone body, extra check arguments, the senders in use (names as in
data/senders.json), warning codes that are true for it). PROVIDERS: zone -> text.
MISTAKES: (domain, zone body, extra arguments, codes that must be found)."""
import ses_data
from bed import txt_rdata

KEY = ses_data.public_key_b64(2048)
KEY_TXT = txt_rdata("v=DKIM1; k=rsa; p=" + KEY)
P_TXT = txt_rdata("p=" + KEY)
K_TXT = txt_rdata("k=rsa;p=" + KEY)

SES_KEYS = ses_data.Keys()
DMARC = '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@%s"\n'


def dmarc(d):
    return DMARC % d


def spf(*incs, all_="~all"):
    return '@ IN TXT "v=spf1 %s %s"\n' % (" ".join("include:" + i for i in incs), all_)


# ---- the providers' side ---------------------------------------------------------
PROVIDERS = {
    "google.com": '_spf IN TXT "v=spf1 ip4:74.125.0.0/16 ip4:209.85.128.0/17 ~all"\n'
                  "aspmx.l IN A 192.0.2.10\nalt1.aspmx.l IN A 192.0.2.11\nalt2.aspmx.l IN A 192.0.2.12\n",
    "outlook.com": 'spf.protection IN TXT "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 -all"\n'
                   "*.mail.protection IN A 192.0.2.20\n",
    "onmicrosoft.com": "",        # keys added per customer below
    "dkim.mail.microsoft": "",
    "mx.microsoft": "*.n-v1 IN A 192.0.2.21\n",
    "sendgrid.net": '@ IN TXT "v=spf1 ip4:167.89.0.0/17 ip4:149.72.0.0/16 ~all"\nmx IN A 192.0.2.30\n',
    "mcsv.net": 'servers IN TXT "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ~all"\n'
                "dkim2 IN TXT %s\ndkim3 IN TXT %s\n" % (K_TXT, K_TXT),
    "mandrillapp.com": 'spf IN TXT "v=spf1 ip4:198.2.128.0/18 ~all"\ndkim1 IN TXT %s\ndkim2 IN TXT %s\n'
                       % (K_TXT, K_TXT),
    "mtasv.net": 'spf IN TXT "v=spf1 ip4:50.31.156.0/23 ~all"\npm IN A 192.0.2.40\n'
                 'pm IN TXT "v=spf1 ip4:50.31.156.0/23 ~all"\n',
    "mailgun.org": '@ IN TXT "v=spf1 ip4:159.135.224.0/20 ~all"\nmxa IN A 192.0.2.50\nmxb IN A 192.0.2.51\n',
    "mailgun.com": "",
    "sparkpostmail.com": '@ IN TXT "v=spf1 ip4:192.174.80.0/20 ~all"\n@ IN A 192.0.2.60\n'
                         '@ IN MX 10 mx.sparkpostmail.com.\nmx IN A 192.0.2.61\n'
                         '_spf IN TXT "v=spf1 ip4:192.174.80.0/20 ~all"\n',
    "brevo.com": 'spf IN TXT "v=spf1 ip4:185.41.28.0/22 ~all"\nbrevo17.dkim IN TXT %s\n' % K_TXT,
    "zoho.com": '@ IN TXT "v=spf1 ip4:136.143.160.0/19 ~all"\nmx IN A 192.0.2.70\nmx2 IN A 192.0.2.71\n'
                "mx3 IN A 192.0.2.72\n",
    "messagingengine.com": 'spf IN TXT "v=spf1 ip4:66.111.4.0/24 ~all"\nin1-smtp IN A 192.0.2.80\n'
                           "in2-smtp IN A 192.0.2.81\n",
    "fmhosted.com": "",
    "protonmail.ch": '_spf IN TXT "v=spf1 ip4:185.70.40.0/22 ~all"\nmail IN A 192.0.2.90\n'
                     "mailsec IN A 192.0.2.91\n",
    "proton.ch": "",
    "hubspotemail.net": "",
    "zendesk.com": 'mail IN TXT "v=spf1 ip4:192.161.144.0/20 ~all"\n'
                   "zendesk1._domainkey IN TXT %s\nzendesk2._domainkey IN TXT %s\n" % (KEY_TXT, KEY_TXT),
    "amazonaws.com": "inbound-smtp.eu-west-1 IN A 192.0.2.100\n",
}
AMAZONSES_EXTRA = ('@ IN TXT "v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 -all"\n'
                   "feedback-smtp.eu-west-1 IN A 192.0.2.101\nfeedback-smtp.us-east-1 IN A 192.0.2.102\n"
                   "feedback-smtp.eu-south-1 IN A 192.0.2.103\n")


def add(zone, text):
    PROVIDERS[zone] = PROVIDERS.get(zone, "") + text


def dashed(d):
    return d.replace(".", "-")


# ---- each provider's customer records, by its documentation ----------------------
def google(d):
    return ("@ IN MX 1 aspmx.l.google.com.\n@ IN MX 5 alt1.aspmx.l.google.com.\n"
            "@ IN MX 5 alt2.aspmx.l.google.com.\ngoogle._domainkey IN TXT %s\n" % KEY_TXT)


def m365(d, new=False):
    tenant = d.split(".")[0]
    if new:
        for s in (1, 2):
            add("dkim.mail.microsoft", "selector%d-%s._domainkey.%s.n-v%d IN TXT %s\n"
                % (s, dashed(d), tenant, s, KEY_TXT))
        mx = "%s.n-v1.mx.microsoft." % dashed(d)
        tgt = "selector%d-" + dashed(d) + "._domainkey." + tenant + ".n-v%d.dkim.mail.microsoft."
        cn = "".join("selector%d._domainkey IN CNAME %s\n" % (s, tgt % (s, s)) for s in (1, 2))
    else:
        for s in (1, 2):
            add("onmicrosoft.com", "selector%d-%s._domainkey.%s IN TXT %s\n" % (s, dashed(d), tenant, KEY_TXT))
        mx = "%s.mail.protection.outlook.com." % dashed(d)
        cn = "".join("selector%d._domainkey IN CNAME selector%d-%s._domainkey.%s.onmicrosoft.com.\n"
                     % (s, s, dashed(d), tenant) for s in (1, 2))
    return "@ IN MX 0 %s\n%s" % (mx, cn)


def ses(d, mail_from=None, region=None):
    toks = ses_data.tokens(d)
    dom = "dkim.%s.amazonses.com" % region if region else ses_data.DKIM_DOMAIN
    SES_KEYS.publish(toks, dkim_domain=dom)
    body = ses_data.cnames(toks, target_domain=dom)
    args = ["--tokens", ",".join(toks)] + (["--region", region] if region else [])
    if mail_from:
        body += ('%s IN MX 10 feedback-smtp.%s.amazonses.com.\n%s IN TXT "v=spf1 include:amazonses.com ~all"\n'
                 % (mail_from, region or "eu-west-1", mail_from))
        args += ["--mail-from", "%s.%s" % (mail_from, d)]
    return body, args


def sendgrid(d, n):
    add("sendgrid.net", "u%d.wl%d IN MX 10 mx.sendgrid.net.\nu%d.wl%d IN TXT \"v=spf1 include:sendgrid.net ~all\"\n"
        "s1.domainkey.u%d.wl%d IN TXT %s\ns2.domainkey.u%d.wl%d IN TXT %s\n"
        % (n, n % 1000, n, n % 1000, n, n % 1000, KEY_TXT, n, n % 1000, KEY_TXT))
    return ("em%d IN CNAME u%d.wl%d.sendgrid.net.\ns1._domainkey IN CNAME s1.domainkey.u%d.wl%d.sendgrid.net.\n"
            "s2._domainkey IN CNAME s2.domainkey.u%d.wl%d.sendgrid.net.\n"
            % (n % 10000, n, n % 1000, n, n % 1000, n, n % 1000))


def mailchimp(d):
    return "k2._domainkey IN CNAME dkim2.mcsv.net.\nk3._domainkey IN CNAME dkim3.mcsv.net.\n"


def mandrill(d):
    return ("mte1._domainkey IN CNAME dkim1.mandrillapp.com.\nmte2._domainkey IN CNAME dkim2.mandrillapp.com.\n"
            '@ IN TXT "mandrill_verify.abcdefghij"\n')


def postmark(d, sel="20250817055129pm"):
    return "%s._domainkey IN TXT %s\npm-bounces IN CNAME pm.mtasv.net.\n" % (sel, K_TXT)


def mailgun(d, sub):
    ident = "x" + dashed(d)[:20]
    for s in (1, 2):
        add("mailgun.com", "pdk%d._domainkey.%s.dkim1 IN TXT %s\n" % (s, ident, KEY_TXT))
    return ('%s IN TXT "v=spf1 include:mailgun.org ~all"\n%s IN MX 10 mxa.mailgun.org.\n'
            "%s IN MX 10 mxb.mailgun.org.\nemail.%s IN CNAME mailgun.org.\n"
            "pdk1._domainkey.%s IN CNAME pdk1._domainkey.%s.dkim1.mailgun.com.\n"
            "pdk2._domainkey.%s IN CNAME pdk2._domainkey.%s.dkim1.mailgun.com.\n"
            % (sub, sub, sub, sub, sub, ident, sub, ident))


def resend(d):
    return ('resend._domainkey IN TXT %s\nsend IN MX 10 feedback-smtp.us-east-1.amazonses.com.\n'
            'send IN TXT "v=spf1 include:amazonses.com ~all"\n' % P_TXT)


def brevo(d):
    for s in (1, 2):
        add("brevo.com", "b%d.%s.dkim IN CNAME brevo17.dkim.brevo.com.\n" % (s, dashed(d)))
    return ('@ IN TXT "brevo-code:0123456789abcdef"\nbrevo1._domainkey IN CNAME b1.%s.dkim.brevo.com.\n'
            "brevo2._domainkey IN CNAME b2.%s.dkim.brevo.com.\n" % (dashed(d), dashed(d)))


def zoho(d):
    return ("@ IN MX 10 mx.zoho.com.\n@ IN MX 20 mx2.zoho.com.\n@ IN MX 50 mx3.zoho.com.\n"
            "zmail._domainkey IN TXT %s\n" % KEY_TXT)


def fastmail(d):
    for s in (1, 2, 3):
        add("fmhosted.com", "fm%d.%s.dkim IN TXT %s\n" % (s, d, KEY_TXT))
    return ("@ IN MX 10 in1-smtp.messagingengine.com.\n@ IN MX 20 in2-smtp.messagingengine.com.\n"
            + "".join("fm%d._domainkey IN CNAME fm%d.%s.dkim.fmhosted.com.\n" % (s, s, d) for s in (1, 2, 3)))


def proton(d):
    ident = "d" + dashed(d).replace("-", "")[:12]
    for s in ("protonmail", "protonmail2", "protonmail3"):
        add("proton.ch", "%s.domainkey.%s.domains IN TXT %s\n" % (s, ident, KEY_TXT))
    return ('@ IN MX 10 mail.protonmail.ch.\n@ IN MX 20 mailsec.protonmail.ch.\n'
            '@ IN TXT "protonmail-verification=0123456789abcdef"\n'
            + "".join("%s._domainkey IN CNAME %s.domainkey.%s.domains.proton.ch.\n" % (s, s, ident)
                      for s in ("protonmail", "protonmail2", "protonmail3")))


def sparkpost(d):
    return "scph0725._domainkey IN TXT %s\nbounces IN CNAME sparkpostmail.com.\n" % txt_rdata(
        "v=DKIM1; k=rsa; h=sha256; p=" + KEY)


def hubspot(d, hub=4242):
    for s in "ab":
        add("hubspotemail.net", "%s.hs01%s.dkim IN TXT %s\n" % (dashed(d), s, KEY_TXT))
    add("hubspotemail.net", '%d.spf01 IN TXT "v=spf1 ip4:158.247.16.0/20 ~all"\n' % hub)
    return ("hs1-%d._domainkey IN CNAME %s.hs01a.dkim.hubspotemail.net.\n"
            "hs2-%d._domainkey IN CNAME %s.hs01b.dkim.hubspotemail.net.\n" % (hub, dashed(d), hub, dashed(d)))


def zendesk(d):
    return ("zendesk1._domainkey IN CNAME zendesk1._domainkey.zendesk.com.\n"
            "zendesk2._domainkey IN CNAME zendesk2._domainkey.zendesk.com.\n")


MX_OWN = "@ IN MX 10 mx1\nmx1 IN A 192.0.2.200\n"

# domain, body, args, senders in use, warnings true for it
CUSTOMERS = []


def customer(d, body, senders, args=(), warnings=(), zone=None):
    """zone: the zone holding the records when d is below it (d is checked)."""
    CUSTOMERS.append((d, body + dmarc(zone or d), list(args), set(senders), set(warnings), zone or d))


customer("gw-shop.com", google("gw-shop.com") + spf("_spf.google.com"), {"Google Workspace"})
customer("m365-old.com", m365("m365-old.com") + spf("spf.protection.outlook.com", all_="-all"), {"Microsoft 365"})
customer("m365-new.com", m365("m365-new.com", new=True) + spf("spf.protection.outlook.com", all_="-all"),
         {"Microsoft 365"})
_b, _a = ses("ses-plain.com")
customer("ses-plain.com", MX_OWN + _b + spf("amazonses.com", all_="-all"), {"Amazon SES"}, _a)
_b, _a = ses("ses-mf.com", mail_from="bounce")
customer("ses-mf.com", MX_OWN + _b + spf("amazonses.com", all_="-all"), {"Amazon SES"}, _a)
_b, _a = ses("ses-milan.com", mail_from="mail", region="eu-south-1")
customer("ses-milan.com", MX_OWN + _b + spf("amazonses.com", all_="-all"), {"Amazon SES"}, _a)
# The headline of issue 13: no tokens given, so only the shared include names SES.
customer("ses-notokens.com", MX_OWN + ses("ses-notokens.com")[0] + spf("amazonses.com", all_="-all"), set())
customer("sg-shop.com", MX_OWN + sendgrid("sg-shop.com", 2320378) + spf("sendgrid.net"), {"SendGrid"},
         ["--mail-from", "em378.sg-shop.com"])
customer("chimp-news.com", MX_OWN + mailchimp("chimp-news.com"), {"Mailchimp"})
customer("mandrill-tx.com", MX_OWN + mandrill("mandrill-tx.com"), {"Mailchimp Transactional (Mandrill)"})
customer("pm-app.com", MX_OWN + postmark("pm-app.com"), {"Postmark"}, ["--selector", "20250817055129pm"])
# Mailgun on a subdomain (its docs: "mg.<domain>"): the domain checked is mg.mg-sub.com.
customer("mg.mg-sub.com", MX_OWN + mailgun("mg-sub.com", "mg"), {"Mailgun"}, zone="mg-sub.com")
customer("resend-app.com", MX_OWN + resend("resend-app.com"), {"Resend"})
customer("brevo-news.com", MX_OWN + brevo("brevo-news.com"), {"Brevo"})
customer("zoho-biz.com", zoho("zoho-biz.com") + spf("zoho.com"), {"Zoho Mail"})
customer("fm-home.com", fastmail("fm-home.com") + spf("spf.messagingengine.com"), {"Fastmail"})
customer("proton-me.com", proton("proton-me.com") + spf("_spf.protonmail.ch"), {"Proton Mail"})
customer("spark-news.com", MX_OWN + sparkpost("spark-news.com") + spf("_spf.sparkpostmail.com"), {"SparkPost"},
         ["--selector", "scph0725"])
customer("hub-mkt.com", MX_OWN + hubspot("hub-mkt.com") + spf("4242.spf01.hubspotemail.net"), {"HubSpot"},
         ["--selector", "hs1-4242,hs2-4242"])
customer("zd-help.com", google("zd-help.com") + zendesk("zd-help.com") + spf("_spf.google.com", "mail.zendesk.com"),
         {"Google Workspace", "Zendesk"})
# M3AAWG parked domain: no mail in or out.
customer("parked-name.com", '@ IN MX 0 .\n@ IN TXT "v=spf1 -all"\n*._domainkey IN TXT "v=DKIM1; p="\n', set())
# Combinations.
_b, _a = ses("gw-ses.com", mail_from="bounce")
customer("gw-ses.com", google("gw-ses.com") + _b + spf("_spf.google.com", "amazonses.com"),
         {"Google Workspace", "Amazon SES"}, _a)
customer("m365-chimp.com", m365("m365-chimp.com") + mailchimp("m365-chimp.com") +
         spf("spf.protection.outlook.com", all_="-all"), {"Microsoft 365", "Mailchimp"})
customer("gw-sg-chimp.com", google("gw-sg-chimp.com") + sendgrid("gw-sg-chimp.com", 7011) +
         mailchimp("gw-sg-chimp.com") + spf("_spf.google.com", "sendgrid.net"),
         {"Google Workspace", "SendGrid", "Mailchimp"})
customer("gw-resend.com", google("gw-resend.com") + resend("gw-resend.com") + spf("_spf.google.com"),
         {"Google Workspace", "Resend"})
customer("fm-pm.com", fastmail("fm-pm.com") + postmark("fm-pm.com", "20201219171134pm") +
         spf("spf.messagingengine.com"), {"Fastmail", "Postmark"}, ["--selector", "20201219171134pm"])
customer("zoho-brevo.com", zoho("zoho-brevo.com") + brevo("zoho-brevo.com") + spf("zoho.com", "spf.brevo.com"),
         {"Zoho Mail", "Brevo"})

# ---- one realistic mistake per provider -------------------------------------------
MISTAKES = [
    ("Google Workspace: DKIM never turned on (no google._domainkey)", "gw-nodkim.com",
     google("gw-nodkim.com").split("google._domainkey")[0] + spf("_spf.google.com") + dmarc("gw-nodkim.com"),
     [], {"sender.dkim_missing"}),
    ("Microsoft 365: selector2 not published", "m365-half.com",
     m365("m365-half.com").split("selector2._domainkey")[0] + spf("spf.protection.outlook.com")
     + dmarc("m365-half.com"), [], {"sender.dkim_incomplete"}),
    ("SES: one Easy DKIM CNAME mistyped", "ses-typo.com", None, None, {"ses.dkim.target_typo"}),
    ("SendGrid: s2 CNAME missing", "sg-half.com",
     MX_OWN + sendgrid("sg-half.com", 91234).split("s2._domainkey")[0] + dmarc("sg-half.com"), [],
     {"sender.dkim_incomplete"}),
    ("SendGrid: the em<N> return path CNAME points to a name that does not exist", "sg-em.com",
     MX_OWN + sendgrid("sg-em.com", 55501).replace("em5501 IN CNAME u55501", "em5501 IN CNAME u55510")
     + dmarc("sg-em.com"), ["--mail-from", "em5501.sg-em.com"], {"mailfrom.cname_dangling"}),
    ("Mailchimp: k3 CNAME to a mistyped host", "chimp-typo.com",
     MX_OWN + "k2._domainkey IN CNAME dkim2.mcsv.net.\nk3._domainkey IN CNAME dkim3.mcsv.nt.\n"
     + dmarc("chimp-typo.com"), [], {"dkim.key.dangling"}),
    ("Postmark: the DKIM key pasted with its quotes", "pm-quotes.com",
     MX_OWN + '20250817055129pm._domainkey IN TXT "\\"k=rsa;p=%s\\""\npm-bounces IN CNAME pm.mtasv.net.\n'
     % KEY[:200] + dmarc("pm-quotes.com"), ["--selector", "20250817055129pm"], {"dkim.key.stray_quotes"}),
    ("Resend: the DKIM record at the wrong name (resend.domainkey)", "resend-typo.com",
     MX_OWN + resend("resend-typo.com").replace("resend._domainkey", "resend.domainkey")
     + dmarc("resend-typo.com"), ["--selector", "resend"], {"dkim.key.missing"}),
    ("Zoho: SPF without Zoho's include", "zoho-nospf.com",
     zoho("zoho-nospf.com") + spf("_spf.google.com") + dmarc("zoho-nospf.com"), [],
     {"sender.spf_missing"}),
    ("Proton: DKIM CNAME proxied (answers an address)", "proton-proxy.com",
     '@ IN MX 10 mail.protonmail.ch.\n' + spf("_spf.protonmail.ch") +
     "protonmail._domainkey IN A 104.16.132.229\n" + dmarc("proton-proxy.com"), [], {"dkim.key.proxied"}),
    ("Fastmail: MX to a host that does not exist", "fm-badmx.com",
     fastmail("fm-badmx.com").replace("in2-smtp.messagingengine.com", "in3-smtp.messagingengine.com")
     + spf("spf.messagingengine.com") + dmarc("fm-badmx.com"), [], {"mx.target_unresolved"}),
]
_toks = ses_data.tokens("ses-typo.com")
SES_KEYS.publish(_toks)
assert MISTAKES[2][1] == "ses-typo.com"
MISTAKES[2] = (MISTAKES[2][0], "ses-typo.com", MX_OWN + ses_data.cnames(_toks[:2]) +
               "%s._domainkey IN CNAME %s.dkim.amazonses.co.\n" % (_toks[2], _toks[2]) +
               spf("amazonses.com") + dmarc("ses-typo.com"), ["--tokens", ",".join(_toks)],
               {"ses.dkim.target_typo"})


def zones():
    z = {}
    for d, body, args, senders, warns, zone in CUSTOMERS:
        z[zone] = body
    for label, d, body, args, want in MISTAKES:
        z[d] = body
    for zone, text in PROVIDERS.items():
        z[zone] = text
    for zone, text in SES_KEYS.zones().items():
        z[zone] = z.get(zone, "") + text
    z["amazonses.com"] = z.get("amazonses.com", "") + AMAZONSES_EXTRA
    return z
