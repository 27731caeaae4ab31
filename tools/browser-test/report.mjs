// Open a millstone report in headless Chromium and check it as a reader would use it.
//
//   node report.mjs REPORT.html SCREENSHOT.png
//
// Checks: no console error or page error; the charts are drawn; the sample browser lists groups,
// shows a dropped document's reason after choosing its group, pages forward, and finds the hostile
// document by text; no script or handler from document text ran (window.__pwned stays unset) and
// the hostile markup is shown as text. Prints one JSON line of findings; exits 1 on any failure.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const [report, shot] = process.argv.slice(2);
if (!report || !shot) {
  console.error("usage: node report.mjs REPORT.html SCREENSHOT.png");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const failures = [];
const found = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const errors = [];
  const requests = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
  await page.goto(pathToFileURL(report).href);

  found.bars = await page.locator("table.bars .bar").count();
  found.histograms = await page.locator("figure.hist svg rect").count();
  if (found.bars === 0) failures.push("no bar chart rows");
  if (found.histograms === 0) failures.push("no histogram bars");

  const groups = await page.$$eval("#group option", (os) => os.map((o) => ({ value: o.value, text: o.textContent })));
  found.groups = groups.length;
  if (!groups.length) failures.push("the sample browser lists no group");

  // Choose the largest 'dropped' group and check the cards say its reason.
  const dropped = groups.filter((g) => g.text.startsWith("dropped · "));
  if (!dropped.length) failures.push("no dropped group");
  else {
    const total = (g) => Number((g.text.match(/\((\d+)\)$/) || [0, 0])[1]);
    const g = dropped.sort((a, b) => total(b) - total(a))[0];
    await page.selectOption("#group", g.value);
    const reason = g.text.split(" · ")[2].replace(/ \(\d+\)$/, "");
    const badges = await page.$$eval("#items .badge.drop", (bs) => bs.map((b) => b.textContent));
    found.dropped_group = g.text;
    found.dropped_cards = badges.length;
    if (!badges.length) failures.push(`group ${g.text} shows no card`);
    if (!badges.every((b) => b.endsWith("/ " + reason))) failures.push(`cards of ${g.text} show other reasons: ${badges}`);
    const before = await page.textContent("#pageinfo");
    if (total(g) > 10) {
      await page.click("#next");
      const after = await page.textContent("#pageinfo");
      found.paged = `${before} -> ${after}`;
      if (before === after || !after.startsWith("page 2")) failures.push(`next did not page: ${before} -> ${after}`);
    }
  }

  // The hostile document: find it in whichever group holds it, and check it is plain text.
  let hostileShown = false;
  for (const g of groups) {
    await page.selectOption("#group", g.value);
    await page.fill("#find", "__pwned");
    const texts = await page.$$eval("#items pre.text, #items .lines", (ps) => ps.map((p) => p.textContent));
    if (texts.some((t) => t.includes("<script>window.__pwned"))) { hostileShown = true; found.hostile_group = g.text; break; }
  }
  await page.fill("#find", "");
  if (!hostileShown) failures.push("the hostile document is not shown as text in any group");
  found.pwned = await page.evaluate(() => window.__pwned === undefined ? null : String(window.__pwned));
  if (found.pwned !== null) failures.push(`document text ran as script: window.__pwned = ${found.pwned}`);
  found.injected_elements = await page.locator("#items script, #items img, #items iframe, #items textarea").count();
  if (found.injected_elements) failures.push("document text became elements");

  found.console_errors = errors;
  if (errors.length) failures.push(`console errors: ${errors.join(" | ")}`);
  found.network_requests = requests;
  if (requests.length) failures.push(`network requests: ${requests.join(" ")}`);
  await page.selectOption("#group", groups.length ? groups[0].value : "");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: false });
} catch (e) {
  failures.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, found }));
process.exit(failures.length ? 1 : 0);
