'use strict';
// mailauth's DKIM verifier over a corpus, one message at a time, against one DNS server.
// Usage: node mailauth_verify.js SERVER_IP:PORT LIST_FILE REPEAT
// LIST_FILE names one message file per line. Prints one JSON line per repeat:
// {"messages": N, "pass": P, "seconds": S, "cpu_seconds": C} (reading the files is not timed).
// require('mailauth') throws on Node 20 (its BIMI part): the DKIM part is required alone.
const fs = require('fs');
const { Resolver } = require('dns').promises;
const { dkimVerify } = require('mailauth/lib/dkim/verify');

const DNS_TIMEOUT_MS = 5000;

async function main() {
    const [server, listFile, repeatArg] = process.argv.slice(2);
    const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 1 });
    resolver.setServers([server]);
    const resolve = (name, rrtype) => resolver.resolve(name, rrtype);
    const messages = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean).map(p => fs.readFileSync(p));
    const repeat = Number(repeatArg) || 1;
    for (let r = 0; r < repeat; r++) {
        let pass = 0;
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        for (const msg of messages) {
            const res = await dkimVerify(msg, { resolver: resolve });
            if (res.results.length && res.results.every(x => x.status && x.status.result === 'pass')) {
                pass++;
            }
        }
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = process.cpuUsage(c0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        console.log(JSON.stringify({ messages: messages.length, pass, seconds, cpu_seconds: cpuSeconds }));
    }
}

main().catch(err => {
    console.error(err);
    process.exit(1);
});
