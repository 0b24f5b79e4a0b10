'use strict';
// mailauth's SPF evaluator over a list of cases, one evaluation after the other, against
// one DNS server. Usage: node mailauth_spf.js SERVER_IP:PORT CASES_FILE COUNT REPEAT
// CASES_FILE holds one "IP SENDER HELO" per line; COUNT evaluations cycle through them.
// Prints one JSON line per repeat: {"evaluations": N, "results": {"IP SENDER": result},
// "seconds": S, "cpu_seconds": C}.
// require('mailauth') throws on Node 20 (its BIMI part): the SPF part is required alone.
const fs = require('fs');
const { Resolver } = require('dns').promises;
const { spf } = require('mailauth/lib/spf');

const DNS_TIMEOUT_MS = 5000;

async function main() {
    const [server, casesFile, countArg, repeatArg] = process.argv.slice(2);
    const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 1 });
    resolver.setServers([server]);
    const resolve = (name, rrtype) => resolver.resolve(name, rrtype);
    const cases = fs.readFileSync(casesFile, 'utf8').split('\n').filter(Boolean).map(l => l.split(' '));
    const count = Number(countArg) || cases.length;
    const repeat = Number(repeatArg) || 1;
    for (let r = 0; r < repeat; r++) {
        const results = {};
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        for (let i = 0; i < count; i++) {
            const [ip, sender, helo] = cases[i % cases.length];
            const res = await spf({ ip, sender, helo, mta: 'mx.bench.example', resolver: resolve });
            results[`${ip} ${sender}`] = res.status.result;
        }
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = process.cpuUsage(c0);
        console.log(JSON.stringify({ evaluations: count, results, seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6 }));
    }
}

main().catch(err => {
    console.error(err);
    process.exit(1);
});
