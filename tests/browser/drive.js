// Drives emailauth serve in a real browser (Playwright over Debian's chromium) and prints
// what it saw as one JSON object; test_browser.py judges it.
//   node drive.js '{"base": "http://127.0.0.1:PORT", "domain": ..., "tokens": [...],
//                   "shots": "DIR", "chromium": "/usr/bin/chromium"}'
"use strict";
const { chromium } = require("playwright-core");

const STEP_TIMEOUT_MS = 20000;

async function main() {
	const cfg = JSON.parse(process.argv[2]);
	const seen = { dialogs: [], pageErrors: [], foreignRequests: [], steps: [] };
	const browser = await chromium.launch({
		executablePath: cfg.chromium,
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
		       "--disable-component-update"],
	});
	try {
		const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: cfg.base });
		const page = await context.newPage();
		page.setDefaultTimeout(STEP_TIMEOUT_MS);
		page.on("dialog", async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
		page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
		page.on("request", (r) => { if (!r.url().startsWith(cfg.base)) seen.foreignRequests.push(r.url()); });

		// The form, by keyboard where a person would use it.
		await page.goto(cfg.base + "/");
		await page.keyboard.press("Tab");
		seen.firstTabStop = await page.evaluate(() => document.activeElement.className);
		await page.getByLabel("Domain").fill(cfg.domain);
		for (let i = 0; i < 3; i++)
			await page.getByLabel("Token " + (i + 1), { exact: true }).fill(cfg.tokens[i]);
		await Promise.all([page.waitForURL(/domain=/), page.getByRole("button", { name: "Check" }).click()]);
		seen.resultUrl = page.url();
		await page.locator(".ea-verdict").waitFor();
		seen.verdict = (await page.locator(".ea-verdict-word").innerText()).trim();
		seen.cards = await page.locator(".ea-card").count();
		seen.bodyText = await page.locator("body").innerText();
		seen.images = await page.locator("img").count();
		seen.scripts = await page.evaluate(() =>
			Array.from(document.scripts).map((s) => s.getAttribute("src") || "(inline)"));
		seen.scrolledToResult = await page.evaluate(() => window.scrollY > 0);
		await page.screenshot({ path: cfg.shots + "/serve-verdict.png" });
		seen.steps.push("result");

		// A copy button puts the fix on the clipboard.
		const copy = page.locator("button.ea-copy").first();
		await copy.waitFor({ state: "visible" });
		const target = await copy.getAttribute("data-copy");
		seen.fixText = await page.locator("#" + target).textContent();
		await copy.click();
		await page.waitForFunction((b) => document.querySelector("button.ea-copy").textContent === "Copied", null);
		seen.clipboard = await page.evaluate(() => navigator.clipboard.readText());
		seen.live = await page.locator("#ea-live").textContent();
		seen.steps.push("copy");

		// The live re-check replaces the result in place.
		await page.locator("#ea-recheck").click();
		await page.waitForFunction(() => /Checked again/.test(document.getElementById("ea-live").textContent));
		seen.recheck = await page.locator("#ea-live").textContent();
		seen.cardsAfterRecheck = await page.locator(".ea-card").count();
		seen.copyVisibleAfterRecheck = await page.locator("button.ea-copy").first().isVisible();
		seen.steps.push("recheck");
		await page.locator("details.ea-lookups details, .ea-lookups details").first().evaluate((d) => { d.open = true; });
		await page.screenshot({ path: cfg.shots + "/serve-result.png", fullPage: true });

		// On a phone.
		const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true,
		                                         hasTouch: true, deviceScaleFactor: 2 });
		const pp = await phone.newPage();
		pp.on("dialog", async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
		await pp.goto(seen.resultUrl);
		seen.phoneOverflow = await pp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		await pp.screenshot({ path: cfg.shots + "/serve-phone.png", fullPage: false });
		seen.steps.push("phone");

		// With JavaScript off the result is the same; only the buttons stay hidden.
		const nojs = await browser.newContext({ javaScriptEnabled: false });
		const np = await nojs.newPage();
		await np.goto(seen.resultUrl);
		seen.nojsVerdict = (await np.locator(".ea-verdict-word").innerText()).trim();
		seen.nojsCopyHidden = !(await np.locator("button.ea-copy").first().isVisible());
		seen.steps.push("nojs");
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(seen) + "\n");
}

main().catch((e) => {
	process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + "\n");
	process.exit(1);
});
