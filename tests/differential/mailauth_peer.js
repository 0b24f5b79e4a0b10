// mailauth as a differential peer: one JSON case per line on stdin, one JSON result per
// line on stdout, in order. DNS goes only to the resolver given (the test bed's unbound
// on loopback). The package's top-level require fails on Node 18/20, so the three
// modules are required directly.
//   node mailauth_peer.js RESOLVER_IP:PORT < cases.jsonl > results.jsonl
// Case lines: {"area":"spf","ip":..,"sender":..,"helo":..}
//             {"area":"dkim","file":PATH}    (the message, CRLF)
//             {"area":"dmarc","from":DOMAIN}  (no aligned identifier: fail or none)
'use strict';

const dns = require('node:dns');
const fs = require('node:fs');
const readline = require('node:readline');
const { spf } = require('mailauth/lib/spf');
const { dkimVerify } = require('mailauth/lib/dkim/verify');
const { dmarc } = require('mailauth/lib/dmarc');

const CASE_TIMEOUT_MS = 20000;

const resolverAddr = process.argv[2];
if (!resolverAddr) {
    process.stderr.write('usage: node mailauth_peer.js RESOLVER_IP:PORT\n');
    process.exit(64);
}
const r = new dns.promises.Resolver({ timeout: 3000, tries: 2 });
r.setServers([resolverAddr]);
const resolver = (name, type) => r.resolve(name, type);

// The timer is cleared when the case ends: a pending one would keep node alive.
const withTimeout = p => {
    let timer;
    const limit = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('case timed out')), CASE_TIMEOUT_MS);
    });
    return Promise.race([p, limit]).finally(() => clearTimeout(timer));
};

async function one(c) {
    if (c.area === 'spf') {
        const res = await spf({ sender: c.sender, ip: c.ip, helo: c.helo, mta: 'mx.test', resolver });
        return { result: res.status.result };
    }
    if (c.area === 'dkim') {
        const res = await dkimVerify(fs.readFileSync(c.file), { resolver });
        return { results: (res.results || []).map(x => ({ d: x.signingDomain, result: x.status.result })) };
    }
    if (c.area === 'dmarc') {
        const res = await dmarc({ headerFrom: 'u@' + c.from, spfDomains: [], dkimDomains: [], resolver });
        return { result: res.status.result, policy: res.policy || null, domain: res.domain };
    }
    return { error: 'unknown area' };
}

async function main() {
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
        if (!line.trim()) continue;
        let out;
        try {
            out = await withTimeout(one(JSON.parse(line)));
        } catch (err) {
            out = { error: String(err && err.message ? err.message : err) };
        }
        process.stdout.write(JSON.stringify(out) + '\n');
    }
}

main();
