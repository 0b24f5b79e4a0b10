/* The Received parser on the shapes real MTAs write (lib/verify/received.h), and the
 * choice of the receiver's own Received field in whole messages. */
#include <stdio.h>
#include <stdlib.h>

#include "verify/received.h"
#include "tap.h"

typedef struct {
	const char *what;
	const char *value;
	const char *ip, *helo, *rdns, *by;   /* NULL: "" expected */
	bool ok;
} shape;

static const shape shapes[] = {
	{"Postfix", "from mail.shop.example (mail.shop.example [192.0.2.10])\r\n\tby mx.example.net (Postfix) "
	 "with ESMTPS id 4F1C2\r\n\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:01 +0000 (UTC)",
	 "192.0.2.10", "mail.shop.example", "mail.shop.example", "mx.example.net", true},
	{"Postfix, no reverse DNS", "from helo.example (unknown [198.51.100.7]) by mx.example.net (Postfix) "
	 "with ESMTP id 1; Mon, 1 Jan 2024", "198.51.100.7", "helo.example", NULL, "mx.example.net", true},
	{"Postfix IPv6 with port logging", "from mail.shop.example (mail.shop.example [IPv6:2001:DB8:0:0::25]:41234)"
	 " by mx.example.net (Postfix) with ESMTPS id 1; d", "2001:db8::25", "mail.shop.example",
	 "mail.shop.example", "mx.example.net", true},
	{"Postfix with TLS comment before by", "from o1.mail.example (o1.mail.example [203.0.113.4])\r\n"
	 "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 "
	 "server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)\r\n"
	 "\tby mx6.messagingengine.com (Postfix) with ESMTPS id 2; d", "203.0.113.4", "o1.mail.example",
	 "o1.mail.example", "mx6.messagingengine.com", true},
	{"Postfix, HELO an address literal", "from [192.0.2.33] (host.example [192.0.2.33]) by mx.example.net "
	 "(Postfix) with ESMTP; d", "192.0.2.33", NULL, "host.example", "mx.example.net", true},
	{"Sendmail", "from helo.example (rdns.example [192.0.2.5]) by mail.example.org (8.17.1/8.17.1) with "
	 "ESMTP id 1; d", "192.0.2.5", "helo.example", "rdns.example", "mail.example.org", true},
	{"Sendmail, may be forged", "from helo.example (rdns.example [192.0.2.6] (may be forged)) by "
	 "mail.example.org (8.15.2/8.15.2) with ESMTP id 1; d", "192.0.2.6", "helo.example", "rdns.example",
	 "mail.example.org", true},
	{"Sendmail with ident", "from helo.example (root@rdns.example [192.0.2.7]) by mail.example.org "
	 "(8.17.1) id 1; d", "192.0.2.7", "helo.example", "rdns.example", "mail.example.org", true},
	{"Sendmail IPv6", "from helo.example (rdns.example [IPv6:2001:db8::7]) by mail.example.org; d",
	 "2001:db8::7", "helo.example", "rdns.example", "mail.example.org", true},
	{"Exim, HELO matches", "from mail.shop.example ([192.0.2.10]) by mx.example.org with esmtps "
	 "(TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <a@shop.example>) id 1r-0001; d",
	 "192.0.2.10", "mail.shop.example", NULL, "mx.example.org", true},
	{"Exim, HELO differs", "from rdns.example ([192.0.2.11] helo=helo.example) by mx.example.org with "
	 "esmtp (Exim 4.94.2) id 1; d", "192.0.2.11", "helo.example", NULL, "mx.example.org", true},
	{"Exim, no reverse DNS", "from [192.0.2.12] (helo=helo.example) by mx.example.org with esmtp "
	 "(Exim 4.96) id 1; d", "192.0.2.12", "helo.example", NULL, "mx.example.org", true},
	{"Exim, port logged", "from [192.0.2.13] (port=51234 helo=helo.example) by mx.example.org with "
	 "esmtp (Exim 4.96) id 1; d", "192.0.2.13", "helo.example", NULL, "mx.example.org", true},
	{"Exim, IPv6 and port", "from rdns.example ([2001:db8::13]:41000 helo=helo.example) by mx.example.org "
	 "with esmtps; d", "2001:db8::13", "helo.example", NULL, "mx.example.org", true},
	{"Exchange Online", "from mail-wr1-f54.google.com (209.85.221.54) by\r\n BN8NAM11FT045.mail.protection"
	 ".outlook.com (10.13.177.47) with Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH"
	 "_AES_256_GCM_SHA384) id 15.20.7025.12 via Frontend Transport; Mon, 1 Jan 2024",
	 "209.85.221.54", "mail-wr1-f54.google.com", NULL, "bn8nam11ft045.mail.protection.outlook.com", true},
	{"Exchange Online, internal hop", "from BN9PR03CA0123.namprd03.prod.outlook.com (2603:10b6:408:fe::8) "
	 "by MN2PR12MB4567.namprd12.prod.outlook.com (2603:10b6:208:1c0::5) with Microsoft SMTP Server; d",
	 "2603:10b6:408:fe::8", "bn9pr03ca0123.namprd03.prod.outlook.com", NULL,
	 "mn2pr12mb4567.namprd12.prod.outlook.com", true},
	{"Gmail", "from a48-30.smtp-out.amazonses.com (a48-30.smtp-out.amazonses.com. [54.240.48.30])\r\n"
	 "        by mx.google.com with ESMTPS id k3-20020a05\r\n        for <bob@gmail.com>\r\n"
	 "        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\r\n        Mon, 01 Jan 2024",
	 "54.240.48.30", "a48-30.smtp-out.amazonses.com", "a48-30.smtp-out.amazonses.com", "mx.google.com", true},
	{"Gmail IPv6", "from mail-sor-f41.google.com (mail-sor-f41.google.com. [2607:f8b0:4864:20::62a])\r\n"
	 "        by mx.google.com with SMTPS id x; d", "2607:f8b0:4864:20::62a", "mail-sor-f41.google.com",
	 "mail-sor-f41.google.com", "mx.google.com", true},
	{"Gmail internal, no from", "by 2002:a05:6358:5d8c:b0:17e:6ad3:2d1c with SMTP id ab12; Mon, 1 Jan 2024",
	 NULL, NULL, NULL, "2002:a05:6358:5d8c:b0:17e:6ad3:2d1c", false},
	{"Amazon SES inbound", "from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41])\r\n"
	 " by inbound-smtp.us-east-1.amazonaws.com with SMTP id 0a1b2c\r\n for bob@in.example.com;\r\n"
	 " Mon, 01 Jan 2024", "209.85.221.41", "mail-wr1-f41.google.com", "mail-wr1-f41.google.com",
	 "inbound-smtp.us-east-1.amazonaws.com", true},
	{"Amazon SES outbound hop", "from a48-30.smtp-out.amazonses.com ([54.240.48.30]) by mx.example.net; d",
	 "54.240.48.30", "a48-30.smtp-out.amazonses.com", NULL, "mx.example.net", true},
	{"Yahoo", "from 209.85.128.54 (EHLO mail-wm1-f54.google.com)\r\n  by 10.217.151.75 with SMTPs "
	 "(version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256);\r\n  Mon, 01 Jan 2024", "209.85.128.54",
	 "mail-wm1-f54.google.com", NULL, "10.217.151.75", true},
	{"qmail-like, no comment", "from [192.0.2.40] by mail.example.org with SMTP; d", "192.0.2.40", NULL, NULL,
	 "mail.example.org", true},
	{"IPv4-mapped IPv6", "from h.example (h.example [IPv6:::ffff:192.0.2.41]) by mx.example.net; d",
	 "192.0.2.41", "h.example", "h.example", "mx.example.net", true},
	{"lower-case keywords, extra spaces", "FROM   h.example   (  r.example   [192.0.2.42]  )  BY  mx.example.net; d",
	 "192.0.2.42", "h.example", "r.example", "mx.example.net", true},
	{"private address", "from internal.shop.example (unknown [10.0.0.5]) by mail.shop.example; d",
	 "10.0.0.5", "internal.shop.example", NULL, "mail.shop.example", true},
	{"localhost", "from localhost (localhost [127.0.0.1]) by imap.example.net (Postfix) with LMTP; d",
	 "127.0.0.1", "localhost", "localhost", "imap.example.net", true},
	{"not an address", "from h.example (r.example [999.1.2.3]) by mx.example.net; d", NULL, "h.example", NULL,
	 "mx.example.net", false},
	{"no from clause", "by mx.example.net (Postfix, from userid 0) id 1; Mon, 1 Jan 2024", NULL, NULL, NULL,
	 "mx.example.net", false},
	{"'from' only inside a comment", "(from h.example [192.0.2.9]) by mx.example.net; d", NULL, NULL, NULL,
	 "mx.example.net", false},
	{"unbalanced comment", "from h.example (r.example [192.0.2.50] by mx.example.net; d", NULL, "h.example",
	 NULL, NULL, false},
	{"a name too long", "from aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example "
	 "([192.0.2.51]) by mx.example.net; d", "192.0.2.51", NULL, NULL, "mx.example.net", true},
	{"after the date", "by mx.example.net; Mon, 1 Jan 2024 from h.example ([192.0.2.52])", NULL, NULL, NULL,
	 "mx.example.net", false},
};

static bool eq(const char *got, const char *want)
{
	return strcmp(got, want ? want : "") == 0;
}

static void shapes_test(void)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const shape *s = &shapes[i];
		ea_received r;
		bool ok = ea_received_parse(s->value, strlen(s->value), &r);
		tap_ok(ok == s->ok && eq(r.ip, s->ip) && eq(r.helo, s->helo) && eq(r.rdns, s->rdns) && eq(r.by, s->by),
		       "%s: ip '%s' helo '%s' rdns '%s' by '%s' (%s)", s->what, r.ip, r.helo, r.rdns, r.by,
		       r.problem ? r.problem : "read");
	}
}

static void hostile_test(void)
{
	ea_received r;
	size_t n = EA_RECEIVED_MAX_BYTES + 1;
	char *big = malloc(n);
	memset(big, 'a', n);
	memcpy(big, "from h ([192.0.2.1]) by x", 26);
	tap_ok(!ea_received_parse(big, n, &r) && r.problem != NULL, "a field over %d bytes is not read",
	       EA_RECEIVED_MAX_BYTES);
	char deep[200] = "from h ";
	for (int i = 0; i < EA_RECEIVED_MAX_DEPTH + 2; i++)
		strcat(deep, "(");
	strcat(deep, "[192.0.2.1]");
	for (int i = 0; i < EA_RECEIVED_MAX_DEPTH + 2; i++)
		strcat(deep, ")");
	tap_ok(!ea_received_parse(deep, strlen(deep), &r) && r.problem != NULL, "comments nested past %d: refused",
	       EA_RECEIVED_MAX_DEPTH);
	const char nul[] = "from h.example (r.example [192.0.2.1\0]) by x";
	tap_ok(!ea_received_parse(nul, sizeof(nul) - 1, &r), "a NUL inside the literal: no address");
	tap_ok(!ea_received_parse(NULL, 0, &r) && !ea_received_parse("", 0, &r), "empty input");
	free(big);
	tap_ok(ea_received_ip_public("192.0.2.1") && ea_received_ip_public("2001:db8::1") &&
	       !ea_received_ip_public("10.1.2.3") && !ea_received_ip_public("172.31.0.1") &&
	       ea_received_ip_public("172.32.0.1") && !ea_received_ip_public("100.64.0.1") &&
	       !ea_received_ip_public("fe80::1") && !ea_received_ip_public("fd00::1") &&
	       !ea_received_ip_public("::1") && !ea_received_ip_public("169.254.1.1"),
	       "private, loopback and link-local addresses are not the internet's");
	char line[64];
	const char raw[] = "Authentication-Results: mx.example.net;\r\n\tdkim=pass;\r\n\tspf=pass\r\n";
	ea_field_one_line(ea_str_make(raw, sizeof(raw) - 1), line, sizeof(line));
	TAP_STR_EQ(line, "Authentication-Results: mx.example.net; dkim=pass; spf=pass",
	           "a folded field as one line, no CR left: '%s'", line);
	ea_field_one_line(ea_str_make(raw, sizeof(raw) - 1), line, 10);
	tap_ok(strlen(line) == 9, "cut to the room given");
}

/* A message's header (LF line ends: the parser makes them CRLF). */
typedef struct {
	const char *what;
	const char *header;
	const char *ip;        /* NULL: not found */
	const char *helo;
	ea_conn_method how;
	size_t received_index;
} message_case;

static const message_case messages[] = {
	{"Postfix with a milter's A-R above its Received",
	 "Return-Path: <bounce@shop.example>\n"
	 "Received: from mx.example.net (localhost [127.0.0.1]) by imap.example.net (Postfix) with LMTP; d\n"
	 "Authentication-Results: mx.example.net; dkim=pass header.d=shop.example; spf=pass smtp.mailfrom=shop.example\n"
	 "Received: from mail.shop.example (mail.shop.example [192.0.2.10])\n\tby mx.example.net (Postfix) with ESMTPS; d\n"
	 "Received: from laptop.shop.example (unknown [198.51.100.99]) by mail.shop.example with ESMTPSA; d\n"
	 "From: a@shop.example\n",
	 "192.0.2.10", "mail.shop.example", EA_CONN_BY, 2},
	{"Gmail: A-R below its Received, the sender's Received under it",
	 "Delivered-To: bob@gmail.com\n"
	 "Received: by 2002:a05:6358:5d8c:b0:17e:6ad3:2d1c with SMTP id ab; d\n"
	 "ARC-Authentication-Results: i=1; mx.google.com; spf=pass (google.com: domain of b@shop.example designates 192.0.2.99 as permitted sender)\n"
	 "Return-Path: <b@shop.example>\n"
	 "Received: from a48-30.smtp-out.amazonses.com (a48-30.smtp-out.amazonses.com. [54.240.48.30])\n"
	 "        by mx.google.com with ESMTPS id k3\n        for <bob@gmail.com>; Mon, 01 Jan 2024\n"
	 "Received-SPF: pass (google.com: domain of b@shop.example designates 54.240.48.30 as permitted sender) client-ip=54.240.48.30;\n"
	 "Authentication-Results: mx.google.com;\n       dkim=pass header.i=@shop.example;\n"
	 "       spf=pass (google.com: domain of b@shop.example designates 54.240.48.30 as permitted sender) smtp.mailfrom=b@shop.example\n"
	 "Received: from laptop (unknown [198.51.100.99]) by email-smtp.amazonaws.com with ESMTPSA; d\n"
	 "From: b@shop.example\n",
	 "54.240.48.30", "a48-30.smtp-out.amazonses.com", EA_CONN_AR_IP, 2},
	{"Exchange Online: internal hops above, the A-R names the sender IP",
	 "Received: from MN2PR12MB4567.namprd12.prod.outlook.com (2603:10b6:208:1c0::5) by SA1PR12MB8888.namprd12.prod.outlook.com with HTTPS; d\n"
	 "Received: from BN9PR03CA0123.namprd03.prod.outlook.com (2603:10b6:408:fe::8) by MN2PR12MB4567.namprd12.prod.outlook.com (2603:10b6:208:1c0::5) with Microsoft SMTP Server; d\n"
	 "Received: from BN8NAM11FT045.eop-nam11.prod.protection.outlook.com (2603:10b6:408:fe:cafe::c2) by BN9PR03CA0123.outlook.office365.com (2603:10b6:408:fe::8) with Microsoft SMTP Server; d\n"
	 "Authentication-Results: spf=pass (sender IP is 209.85.221.54)\n smtp.mailfrom=gmail.com; dkim=pass (signature was verified)\n header.d=gmail.com;dmarc=pass action=none header.from=gmail.com;compauth=pass\n reason=100\n"
	 "Received-SPF: Pass (protection.outlook.com: domain of gmail.com designates\n 209.85.221.54 as permitted sender) receiver=protection.outlook.com;\n client-ip=209.85.221.54; helo=mail-wr1-f54.google.com; pr=C\n"
	 "Received: from mail-wr1-f54.google.com (209.85.221.54) by\n BN8NAM11FT045.mail.protection.outlook.com (10.13.177.47) with Microsoft SMTP\n Server; d\n"
	 "Received: by mail-wr1-f54.google.com with SMTP id x; d\n"
	 "From: a@gmail.com\n",
	 "209.85.221.54", "mail-wr1-f54.google.com", EA_CONN_AR_IP, 4},
	{"Amazon SES inbound: authserv-id amazonses.com, client-ip in the A-R",
	 "Return-Path: <a@shop.example>\n"
	 "Received: from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41])\n by inbound-smtp.us-east-1.amazonaws.com with SMTP id 0a1b\n for bob@in.example.com; d\n"
	 "X-SES-Spam-Verdict: PASS\n"
	 "Received-SPF: pass (spfCheck: domain of shop.example designates 209.85.221.41 as permitted sender) client-ip=209.85.221.41; envelope-from=a@shop.example; helo=mail-wr1-f41.google.com;\n"
	 "Authentication-Results: amazonses.com;\n spf=pass (spfCheck: domain of shop.example designates 209.85.221.41 as permitted sender) client-ip=209.85.221.41; envelope-from=a@shop.example; helo=mail-wr1-f41.google.com;\n dkim=pass header.i=@shop.example;\n dmarc=pass header.from=shop.example;\n"
	 "From: a@shop.example\n",
	 "209.85.221.41", "mail-wr1-f41.google.com", EA_CONN_AR_IP, 1},
	{"Exim receiver, authserv-id the domain",
	 "Authentication-Results: example.org; dkim=pass header.d=shop.example\n"
	 "Received: from rdns.shop.example ([192.0.2.20] helo=mail.shop.example) by mx2.example.org with esmtps (Exim 4.96); d\n"
	 "Received: from [198.51.100.99] (helo=laptop) by mail.shop.example with esmtpsa (Exim 4.96); d\n"
	 "From: a@shop.example\n",
	 "192.0.2.20", "mail.shop.example", EA_CONN_BY, 1},
	{"IPv6 receiver, A-R with no named host: the Received next to it",
	 "Authentication-Results: filter; dkim=pass header.d=shop.example\n"
	 "Received: from mail.shop.example (mail.shop.example [IPv6:2001:db8::25]) by mx.example.net (Postfix); d\n"
	 "Received: from internal (unknown [10.0.0.5]) by mail.shop.example; d\n"
	 "From: a@shop.example\n",
	 "2001:db8::25", "mail.shop.example", EA_CONN_NEXT, 1},
	{"no Authentication-Results: cannot tell the receiver's Received",
	 "Received: from mail.shop.example (mail.shop.example [192.0.2.10]) by mx.example.net; d\n"
	 "From: a@shop.example\n", NULL, NULL, EA_CONN_NONE, 0},
	{"no Received at all",
	 "Authentication-Results: mx.example.net; dkim=pass\nFrom: a@shop.example\n", NULL, NULL, EA_CONN_NONE, 0},
	{"two public hops next to an anonymous A-R: ambiguous, not taken",
	 "Received: from relay.example.net (relay.example.net [192.0.2.77]) by store.example.net; d\n"
	 "Authentication-Results: filter; dkim=pass\n"
	 "Received: from mail.shop.example (mail.shop.example [192.0.2.10]) by relay.example.net; d\n"
	 "From: a@shop.example\n", NULL, NULL, EA_CONN_NONE, 0},
	{"only the sender's hops below a receiver that records none",
	 "Received: by mx.example.net (Postfix, from userid 0) id 1; d\n"
	 "Authentication-Results: mx.example.net; dkim=pass\n"
	 "X-Spam: no\n"
	 "Received: by mx.example.net (Postfix, from userid 0) id 2; d\n"
	 "Received: from laptop (unknown [198.51.100.99]) by mail.shop.example with ESMTPSA; d\n"
	 "From: a@shop.example\n", NULL, NULL, EA_CONN_NONE, 0},
	{"a forged Received naming the receiver, below the real one: the top one wins",
	 "Authentication-Results: mx.example.net; dkim=pass\n"
	 "Received: from mail.shop.example (mail.shop.example [192.0.2.10]) by mx.example.net; d\n"
	 "Received: from evil (evil [203.0.113.66]) by mx.example.net; d\n"
	 "From: a@shop.example\n",
	 "192.0.2.10", "mail.shop.example", EA_CONN_BY, 1},
	{"the receiver's internal hop from localhost is passed over",
	 "Received: from mx.example.net (localhost [127.0.0.1]) by mx.example.net (Postfix) with ESMTP; d\n"
	 "Authentication-Results: mx.example.net; dkim=pass\n"
	 "Received: from mail.shop.example (mail.shop.example [192.0.2.10]) by mx.example.net (Postfix); d\n"
	 "From: a@shop.example\n",
	 "192.0.2.10", "mail.shop.example", EA_CONN_BY, 2},
	{"the A-R names an address no Received records",
	 "Authentication-Results: mx.example.net; iprev=pass policy.iprev=192.0.2.88; spf=pass\n"
	 "Received: by mx.example.net (Postfix, from userid 0) id 1; d\n"
	 "From: a@shop.example\n",
	 "192.0.2.88", "", EA_CONN_AR_ONLY, 0},
};

static void message_test(void)
{
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		const message_case *c = &messages[i];
		ea_message m;
		char text[4096];
		snprintf(text, sizeof(text), "%s\n", c->header);
		int rc = ea_message_parse(text, strlen(text), &m);
		ea_connection conn;
		bool found = rc == 0 && ea_connection_find(&m, &conn);
		bool want = c->ip != NULL;
		tap_ok(found == want && (!want || (eq(conn.ip, c->ip) && eq(conn.helo, c->helo) &&
		                                   conn.method == c->how && conn.received_index == c->received_index)),
		       "%s: ip '%s' helo '%s' method %d Received %zu of %zu, line %zu (%s)", c->what,
		       found ? conn.ip : "", found ? conn.helo : "", (int)conn.method, conn.received_index,
		       conn.received_count, conn.line, conn.reason ? conn.reason : "found");
		if (i == 0)
			tap_ok(conn.line == 4 && conn.field == 4, "the line and field number of the one used (line %zu)",
			       conn.line);
		ea_message_free(&m);
	}
}

int main(void)
{
	shapes_test();
	hostile_test();
	message_test();
	return tap_done();
}
