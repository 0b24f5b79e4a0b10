// The peer: mailauth (npm) doing the scan's checks for each domain of a list, with a
// fixed number of domains in flight: SPF for the domain (check_host with a client IP),
// DMARC, and the three SES DKIM CNAMEs followed to their keys.
// usage: node mailauth-scan.js DOMAINS_FILE SERVER:PORT CONCURRENCY
'use strict';
const fs = require('fs');
const dns = require('dns');
const { spf } = require('mailauth/lib/spf');
const { dmarc } = require('mailauth/lib/dmarc');

const [file, server, concurrency] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const r = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
r.setServers([server]);
const resolver = async (name, type) => {
    switch (type) {
        case 'TXT': return r.resolveTxt(name);
        case 'CNAME': return r.resolveCname(name);
        case 'MX': return r.resolveMx(name);
        case 'A': return r.resolve4(name);
        case 'AAAA': return r.resolve6(name);
        default: return r.resolve(name, type);
    }
};

async function one(line) {
    const [domain, ...tokens] = line.split(/\s+/);
    const [s, d, ...keys] = await Promise.all([
        spf({ sender: 'bench@' + domain, ip: '192.0.2.1', helo: 'mail.' + domain, resolver }),
        dmarc({ headerFrom: domain, spfDomains: [], dkimDomains: [], resolver }),
        ...tokens.map(t => resolver(`${t}._domainkey.${domain}`, 'CNAME')
            .then(c => resolver(c[0], 'TXT')).catch(() => null))
    ]);
    return s && d && keys.length;
}

(async () => {
    const t0 = process.hrtime.bigint();
    let next = 0, done = 0;
    const worker = async () => {
        while (next < lines.length) {
            const line = lines[next++];
            try { await one(line); } catch (e) { /* counted as done: a failure is a result */ }
            done++;
        }
    };
    await Promise.all(Array.from({ length: Number(concurrency) }, worker));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(JSON.stringify({ domains: done, seconds: secs, rate: done / secs }));
})();
