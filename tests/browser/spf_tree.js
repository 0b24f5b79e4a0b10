// The SPF include tree of emailauth serve's page in Chromium, at 1280 and 390 px: it is
// open when the record is over the limit, a branch opens and closes by its summary (a
// <details>, with scripts off too), nothing scrolls sideways. Prints one JSON object.
//   node spf_tree.js '{"url": "...", "shots": "DIR", "chromium": "/usr/bin/chromium"}'
"use strict";
const { chromium } = require("playwright-core");

const STEP_TIMEOUT_MS = 30000;
const WIDTHS = [1280, 390];
const BRANCH = "include:_spf.google.com";
const LEAF = "include:_netblocks.google.com";

async function state(page, width) {
	return page.evaluate(([width, branch, leaf]) => {
		const tree = document.querySelector("details.ea-tree");
		const summary = Array.from(document.querySelectorAll(".ea-tree summary"))
			.find((s) => s.querySelector("code") && s.querySelector("code").textContent === branch);
		return {
			tree: !!tree, open: !!(tree && tree.open),
			branch: !!summary, branchOpen: !!(summary && summary.parentElement.open),
			/* innerText leaves out what a closed <details> hides */
			leafVisible: !!(tree && tree.innerText.includes(leaf)),
			overflow: document.documentElement.scrollWidth - width,
			text: tree ? tree.innerText : "",
		};
	}, [width, BRANCH, LEAF]);
}

async function main() {
	const cfg = JSON.parse(process.argv[2]);
	const seen = { widths: {}, pageErrors: [] };
	const browser = await chromium.launch({
		executablePath: cfg.chromium, headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
	});
	try {
		for (const width of WIDTHS) {
			for (const js of [true, false]) {
				const phone = width < 600;
				const context = await browser.newContext({ viewport: { width, height: phone ? 844 : 900 },
				                                           isMobile: phone, hasTouch: phone, javaScriptEnabled: js });
				const page = await context.newPage();
				page.setDefaultTimeout(STEP_TIMEOUT_MS);
				page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
				await page.goto(cfg.url);
				await page.locator(".ea-verdict, .ea-notice").first().waitFor();
				const before = await state(page, width);
				await page.locator(".ea-tree summary", { hasText: BRANCH }).first().click();
				const opened = await state(page, width);
				if (js)
					await page.locator("details.ea-tree").first().screenshot({ path: cfg.shots + "/spf-tree-" + width + ".png" });
				await page.locator(".ea-tree summary", { hasText: BRANCH }).first().click();
				const closed = await state(page, width);
				seen.widths[width + (js ? "" : "-noscript")] = { before, opened, closed };
				await context.close();
			}
		}
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(seen) + "\n");
}

main().catch((e) => {
	process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + "\n");
	process.exit(1);
});
