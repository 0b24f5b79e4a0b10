/* emailauth serve: the page works without this script. It only adds copy buttons
   for the fix records and a live re-check of the same result URL. No cookies, no
   storage, no requests anywhere but this server. */
(function () {
	"use strict";

	var RECHECK_EVERY_MS = 30000;   /* auto re-check interval (SES takes minutes to see a fix) */
	var RECHECK_MAX_ROUNDS = 40;    /* then stop: 20 minutes */

	function say(msg) {
		var live = document.getElementById("ea-live");
		if (live) live.textContent = msg;
	}

	function copyText(text) {
		if (navigator.clipboard && window.isSecureContext)
			return navigator.clipboard.writeText(text);
		return new Promise(function (resolve, reject) {
			var ta = document.createElement("textarea");
			ta.value = text;
			ta.setAttribute("readonly", "");
			ta.className = "ea-offscreen";
			document.body.appendChild(ta);
			ta.select();
			var done = false;
			try { done = document.execCommand("copy"); } catch (e) { done = false; }
			document.body.removeChild(ta);
			if (done) resolve(); else reject(new Error("copy failed"));
		});
	}

	function bindCopyButtons(root) {
		var buttons = root.querySelectorAll("button.ea-copy");
		Array.prototype.forEach.call(buttons, function (b) {
			b.hidden = false;
			var label = b.textContent;
			b.addEventListener("click", function () {
				var src = document.getElementById(b.getAttribute("data-copy"));
				if (!src) return;
				copyText(src.textContent).then(function () {
					b.textContent = "Copied";
					say("Copied to the clipboard.");
					setTimeout(function () { b.textContent = label; }, 2500);
				}, function () {
					say("Could not copy: select the text and copy it by hand.");
				});
			});
		});
	}

	var rounds = 0;
	var timer = null;

	function stopAuto() {
		if (timer) clearTimeout(timer);
		timer = null;
		var auto = document.getElementById("ea-auto");
		if (auto) auto.checked = false;
	}

	function recheck() {
		var button = document.getElementById("ea-recheck");
		if (button) button.disabled = true;
		say("Checking again\u2026");
		fetch(window.location.href, { credentials: "omit", cache: "no-store",
		                              headers: { "Accept": "text/html" } })
			.then(function (resp) {
				if (resp.status === 429 || resp.status === 503) {
					var wait = resp.headers.get("Retry-After") || "a few";
					stopAuto();
					throw new Error("The server is busy: try again in " + wait + " seconds.");
				}
				return resp.text();
			})
			.then(function (html) {
				var doc = new DOMParser().parseFromString(html, "text/html");
				var fresh = doc.getElementById("ea-report-area");
				var old = document.getElementById("ea-report-area");
				if (!fresh || !old) throw new Error("The answer could not be read.");
				old.replaceWith(document.importNode(fresh, true));
				bindCopyButtons(document.getElementById("ea-report-area"));
				var verdict = document.querySelector("#ea-report-area .ea-verdict-word");
				var now = new Date().toLocaleTimeString();
				say("Checked again at " + now + ": " + (verdict ? verdict.textContent.trim() : ""));
				var passed = document.querySelector("#ea-report-area .ea-verdict.ea-pass");
				if (passed) stopAuto();
			})
			.catch(function (e) { say(e.message || "The check failed."); stopAuto(); })
			.then(function () {
				if (button) button.disabled = false;
				var auto = document.getElementById("ea-auto");
				if (auto && auto.checked && rounds < RECHECK_MAX_ROUNDS) {
					rounds++;
					timer = setTimeout(recheck, RECHECK_EVERY_MS);
				}
			});
	}

	function bindRecheck() {
		var box = document.getElementById("ea-recheck-box");
		if (!box) return;
		box.hidden = false;
		document.getElementById("ea-recheck").addEventListener("click", function () {
			if (timer) clearTimeout(timer);
			recheck();
		});
		var auto = document.getElementById("ea-auto");
		auto.addEventListener("change", function () {
			if (auto.checked) {
				rounds = 0;
				timer = setTimeout(recheck, RECHECK_EVERY_MS);
				say("Re-checking every " + RECHECK_EVERY_MS / 1000 + " seconds until it passes.");
			} else {
				stopAuto();
			}
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		bindCopyButtons(document);
		bindRecheck();
	});
})();
