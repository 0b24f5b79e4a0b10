// Every tab of emailauth serve, for a broken and a correct domain, at desktop (1280 px) and
// phone (390 px) widths: a full-page screenshot each (tests/artifacts/tabs/, not in the
// repository) and what a test can judge, printed as one JSON object for test_tabs.py.
//   node tabs.js '{"base": "...", "pages": [{"name": ..., "path": ...} | {"name": ...,
//                 "verify": "headers text"}], "shots": "DIR", "chromium": "/usr/bin/chromium"}'
"use strict";
const { chromium } = require("playwright-core");

const STEP_TIMEOUT_MS = 30000;
const WIDTHS = [1280, 390];

const PART_HEIGHT = 1100;   /* the page in parts, for a person to read at full size */
const MAX_PARTS = 8;

async function look(page, width) {
	return page.evaluate((width) => ({
		title: document.title,
		overflow: document.documentElement.scrollWidth - width,
		/* What sticks out, when something does: the innermost elements past the edge. */
		wide: Array.from(document.querySelectorAll("body *"))
			.filter((e) => e.getBoundingClientRect().right > width + 1 &&
			               !Array.from(e.children).some((c) => c.getBoundingClientRect().right > width + 1))
			.slice(0, 5).map((e) => e.tagName + "." + e.className + ": " + (e.textContent || "").slice(0, 80))
			.concat(Array.from(document.querySelectorAll("body *")).filter((e) => e.scrollWidth > e.clientWidth + 1 &&
			        getComputedStyle(e).overflowX === "visible").slice(-3)
			        .map((e) => "scroll " + e.tagName + "." + e.className + " " + e.scrollWidth + ">" + e.clientWidth +
			             ": " + (e.textContent || "").slice(0, 60))),
		height: document.documentElement.scrollHeight,
		verdict: (document.querySelector(".ea-verdict-word") || {}).innerText || "",
		copyCells: document.querySelectorAll("button.ea-copy-cell").length,
		visibleCopyCells: Array.from(document.querySelectorAll("button.ea-copy-cell")).filter((b) => !b.hidden).length,
		formRows: document.querySelectorAll("table.ea-rrform tbody tr").length,
		downloads: Array.from(document.querySelectorAll(".ea-downloads a[download]")).map((a) => a.getAttribute("download")),
		firstTodo: (document.querySelector(".ea-todo li") || {}).innerText || "",
		todo: Array.from(document.querySelectorAll(".ea-todo li")).map((l) => l.innerText),
		checks: Array.from(document.querySelectorAll(".ea-check h2")).map((h) => h.innerText),
		text: document.body.innerText,
		formValues: Array.from(document.querySelectorAll("form.ea-form input, form.ea-form textarea"))
			.map((i) => [i.name, i.value]),
	}), width);
}

async function main() {
	const cfg = JSON.parse(process.argv[2]);
	const seen = { pages: {}, pageErrors: [], foreignRequests: [] };
	const browser = await chromium.launch({
		executablePath: cfg.chromium, headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
	});
	try {
		for (const width of WIDTHS) {
			const phone = width < 600;
			const context = await browser.newContext({ viewport: { width, height: phone ? 844 : 900 },
			                                           isMobile: phone, hasTouch: phone });
			const page = await context.newPage();
			page.setDefaultTimeout(STEP_TIMEOUT_MS);
			page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
			page.on("request", (r) => {
				const u = r.url();
				if (!u.startsWith(cfg.base) && !u.startsWith("data:")) seen.foreignRequests.push(u);
			});
			for (const p of cfg.pages) {
				if (p.verify !== undefined) {
					await page.goto(cfg.base + "/?tab=verify");
					await page.locator("textarea").first().fill(p.verify);
					await Promise.all([page.waitForLoadState("load"),
					                   page.getByRole("button", { name: "Check" }).click()]);
				} else {
					await page.goto(cfg.base + p.path);
				}
				await page.locator(".ea-verdict, .ea-notice").first().waitFor();
				const name = p.name + "-" + width;
				await page.screenshot({ path: cfg.shots + "/" + name + ".png", fullPage: true });
				seen.pages[name] = await look(page, width);
				const h = seen.pages[name].height;
				for (let i = 0; i * PART_HEIGHT < h && i < MAX_PARTS; i++)
					await page.screenshot({ path: cfg.shots + "/parts/" + name + "-" + i + ".png", fullPage: true,
					                        clip: { x: 0, y: i * PART_HEIGHT, width,
					                                height: Math.min(PART_HEIGHT, h - i * PART_HEIGHT) } });
			}
			await context.close();
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
