// Forgiving input and the codes' documentation in a real browser (test_forgiving.py judges):
// a URL typed as the domain and tokens pasted as record names / CNAME targets are read as
// the domain and the tokens, and the page says so; the form keeps what was typed after an
// error and the pasted headers after a check; a card's code opens its entry on /codes.
//   node forgiving.js '{"base": "...", "domain": "...", "tokens": [...], "chromium": "..."}'
"use strict";
const { chromium } = require("playwright-core");

const STEP_TIMEOUT_MS = 30000;

async function submit(page) {
	await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Check" }).click()]);
	await page.locator(".ea-verdict, .ea-notice, .ea-field-error").first().waitFor();
}

async function values(page) {
	return page.evaluate(() => Object.fromEntries(
		Array.from(document.querySelectorAll("form.ea-form input[type=text], form.ea-form textarea"))
			.map((i) => [i.name, i.value])));
}

async function main() {
	const cfg = JSON.parse(process.argv[2]);
	const seen = { pageErrors: [], foreignRequests: [] };
	const browser = await chromium.launch({
		executablePath: cfg.chromium, headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
	});
	try {
		const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
		page.setDefaultTimeout(STEP_TIMEOUT_MS);
		page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
		page.on("request", (r) => { if (!r.url().startsWith(cfg.base)) seen.foreignRequests.push(r.url()); });
		const t = cfg.tokens;

		// A URL for the domain, tokens pasted as the record name and the CNAME target.
		await page.goto(cfg.base + "/?tab=ses");
		await page.fill("#f-domain", "https://" + cfg.domain + "/contact");
		await page.fill("#f-t1", t[0] + "._domainkey." + cfg.domain + ".");
		await page.fill("#f-t2", t[1] + ".dkim.amazonses.com");
		await page.fill("#f-t3", t[2]);
		await submit(page);
		seen.readAs = await page.locator(".ea-read-as").innerText().catch(() => "");
		seen.verdict = await page.locator(".ea-verdict-word").innerText().catch(() => "");
		seen.afterCheck = await values(page);

		// A card's code opens its entry on /codes.
		const link = page.locator(".ea-meta a[href^='/codes#']").first();
		seen.code = await link.innerText().catch(() => "");
		await Promise.all([page.waitForLoadState("load"), link.click()]);
		seen.codesUrl = page.url();
		await page.waitForTimeout(500);   /* the browser scrolls to the fragment once laid out */
		seen.codesTarget = await page.evaluate(() => {
			const e = document.querySelector(":target");
			const r = e ? e.getBoundingClientRect() : null;
			return e ? { id: e.id, text: (e.closest("tr") || e).innerText.slice(0, 200), top: r.top,
			             scrollY: window.scrollY,
			             visible: r.bottom > 0 && r.top < window.innerHeight } : null;
		});

		// A wrong domain: the error names it, and every field keeps what was typed.
		await page.goto(cfg.base + "/?tab=ses");
		await page.fill("#f-domain", "exa mple.com");
		await page.fill("#f-t1", t[0]);
		await page.fill("#f-t2", t[1] + ".dkim.amazonses.com");
		await page.fill("#f-t3", t[2]);
		await submit(page);
		seen.error = await page.locator(".ea-field-error").first().innerText().catch(() => "");
		seen.afterError = await values(page);

		// Pasted headers stay after the check.
		await page.goto(cfg.base + "/?tab=verify");
		await page.locator("textarea").first().fill(cfg.headers);
		await submit(page);
		seen.headersAfter = (await values(page)).headers || "";
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(seen) + "\n");
}

main().catch((e) => { process.stdout.write(JSON.stringify({ crash: String(e && e.stack || e) }) + "\n"); });
