// End-to-end test of the signature debugger in headless Chromium, driven by
// playwright-core. Usage: node debugger.mjs http://127.0.0.1:PORT/debugger/
// Prints one JSON line of measurements; exits non-zero on the first failure.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";

const url = process.argv[2];
// playwright-core is installed by make test under .tools/node (PLAYWRIGHT_NODE_MODULES).
const { chromium } = createRequire(join(process.env.PLAYWRIGHT_NODE_MODULES, "x.js"))("playwright-core");
// The Pomelo documentation's key pair and a vector of shared/testvectors.
const apiKey = "h3Ws4Cv09JcCdw7732ig+1Eq3I2b+IWOI1anUu1A4dE=";
const secret = "kLV3Jeyn7qbKfGHLDQKKuy5xzG/kbPrYEg8RvD8jb8A=";
const vector = {
  timestamp: "1700000000", endpoint: "/transactions/authorizations",
  body: '{"status":"APPROVED","message":"OK","status_detail":"APPROVED"}',
  signature: "hmac-sha256 0QIfryWi6Dq+EPnuYhh3idXrpt3iqBVVCzqn6+lDl3Y=",
};
// The test's own signer, to make broken variants; the page never signs in JS.
const mac = (ts, endpoint, body) =>
  createHmac("sha256", Buffer.from(secret, "base64")).update(ts + endpoint + body).digest();

function check(ok, what) {
  if (!ok) { console.error("FAIL: " + what); process.exit(1); }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true, // playwright gives each launch a fresh, empty profile
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
const afterReady = [];
let ready = false;
page.on("request", (r) => { if (ready) afterReady.push(r.url()); });
page.on("pageerror", (e) => check(false, "page error: " + e.message));

await page.goto(url);
await page.waitForSelector("body[data-ready='1']", { timeout: 10000 });
ready = true;

async function fill(f) {
  await page.selectOption("#scheme", "pomelo-request");
  await page.fill("#pairs", apiKey + ":" + secret);
  await page.fill("#apikey", apiKey);
  await page.fill("#timestamp", f.timestamp);
  await page.fill("#endpoint", f.endpoint);
  await page.fill("#called", "");
  await page.fill("#body", f.body);
  await page.fill("#signature", f.signature);
  await page.selectOption("#clock", "chosen");
  await page.fill("#now", "1700000010");
}

async function verdict() {
  return page.$eval("#verdict", (e) => e.dataset.code);
}

async function causes() {
  return page.$$eval("#causes li[data-code]", (ls) => ls.map((l) => l.dataset.code));
}

// 1. A valid vector, timed from navigation to the verdict on screen.
// The engine is ready readyMs after navigation; the first verdict follows
// one click later (measured inside the page, without the driver's latency).
await fill(vector);
const clickMs = await page.evaluate(() => {
  const t0 = performance.now();
  document.getElementById("verify").click();
  return performance.now() - t0;
});
check(await verdict() === "VALID", "valid vector verdict " + await verdict());
const readyMs = Number(await page.$eval("body", (b) => b.dataset.readyMs));
const firstVerdictMs = readyMs + clickMs;
check((await page.textContent("#expected")) === vector.signature, "expected signature shown");

// 2. Three broken variants, each with its diagnosis.
const variants = [
  { name: "trailing newline in the body", f: { ...vector, body: vector.body + "\n" }, want: "BODY_TRAILING_NEWLINE" },
  { name: "prefix missing", f: { ...vector, signature: vector.signature.slice("hmac-sha256 ".length) }, want: "PREFIX_MISSING" },
  { name: "timestamp in milliseconds", want: "TIMESTAMP_MILLISECONDS",
    f: { ...vector, timestamp: "1700000000000", signature: "hmac-sha256 " + mac("1700000000000", vector.endpoint, vector.body).toString("base64") } },
];
for (const v of variants) {
  await fill(v.f);
  await page.click("#diagnose");
  await page.waitForSelector("#causes li");
  const got = await causes();
  check(await verdict() !== "VALID", v.name + ": verdict valid");
  check(got.includes(v.want), v.name + ": causes " + JSON.stringify(got) + ", want " + v.want);
  if (v.want === "BODY_TRAILING_NEWLINE") {
    check((await page.textContent("#message")).endsWith("␊\n"), "the trailing newline is visible in the message");
  }
}

// 3. Paste a curl command with a one-byte mistake (a space added to the body).
const body = '{"transaction":{"id":"ctx-1","type":"PURCHASE"},"user":{"id":"u-1"}}';
const sig = mac(vector.timestamp, vector.endpoint, body).toString("base64");
const curl = `curl -X POST 'http://127.0.0.1:8080/transactions/authorizations' \\
  -H 'x-api-key: ${apiKey}' \\
  -H 'x-signature: hmac-sha256 ${sig}' \\
  -H 'x-timestamp: ${vector.timestamp}' \\
  -H 'x-endpoint: /transactions/authorizations' \\
  --data-raw '${body.replace('"user":', '"user": ')}'`;
await page.fill("#pairs", apiKey + ":" + secret);
await page.fill("#paste", curl);
await page.click("#parse");
await page.waitForSelector("#causes li[data-code]");
check((await page.inputValue("#signature")) === "hmac-sha256 " + sig, "pasted signature filled in");
check((await page.inputValue("#endpoint")) === "/transactions/authorizations", "pasted endpoint filled in");
const pasted = await causes();
check(pasted.includes("BODY_COMPACTED"), "pasted curl causes " + JSON.stringify(pasted));

// 4. Sign produces a curl command that verifies.
await fill({ ...vector, signature: "" });
await page.click("#sign");
await page.waitForSelector("#signed:not([hidden])");
check((await page.textContent("#curl")).includes("x-signature: " + vector.signature), "signed curl");
check(await verdict() === "VALID", "signed request verifies");

// 5. The shareable link carries no secret.
await page.click("#share");
const link = await page.evaluate(() => location.href);
check(!link.includes(encodeURIComponent(secret)) && !link.includes(secret), "link leaks the secret");
check(link.includes("apikeys="), "link keeps the api keys");

// 6. Palenca's and Belvo's webhooks are checked by the page's engine too.
const palencaBody = '{"webhook_action":"login.success","data":{"webhook_id":"wh-1"}}';
const palencaSig = createHmac("sha256", "palenca-secret").update(palencaBody).digest("hex");
await page.selectOption("#scheme", "palenca-webhook");
await page.fill("#palenca-secret", "palenca-secret");
await page.fill("#palenca-signature", palencaSig.toUpperCase());
await page.fill("#palenca-body", palencaBody);
await page.click("#verify");
check(await verdict() === "VALID", "palenca verdict " + await verdict());
await page.fill("#palenca-body", palencaBody + " ");
await page.click("#verify");
check(await verdict() === "SIGNATURE_MISMATCH", "tampered palenca verdict " + await verdict());
await page.selectOption("#scheme", "belvo-webhook");
await page.fill("#belvo-registered", "Bearer registered");
await page.fill("#belvo-given", "Bearer registered");
await page.click("#verify");
check(await verdict() === "VALID", "belvo verdict " + await verdict());
await page.fill("#belvo-given", "Bearer other");
await page.click("#verify");
check(await verdict() === "UNAUTHENTICATED", "wrong belvo verdict " + await verdict());

// 7. Verify time per call inside wasm.
const perCallUs = await page.evaluate((v) => {
  const a = { pairs: [{ apiKey: v.apiKey, secret: v.secret }], apiKey: v.apiKey, signature: v.signature,
    timestamp: v.timestamp, endpoint: v.endpoint, body: v.body, now: 1700000010, tolerance: 60 };
  for (let i = 0; i < 200; i++) tarjeta.diagnose(a);
  const n = 2000, t0 = performance.now();
  for (let i = 0; i < n; i++) tarjeta.diagnose(a);
  return (performance.now() - t0) * 1000 / n;
}, { ...vector, apiKey, secret });

check(afterReady.length === 0, "network requests after loading: " + JSON.stringify(afterReady));
await browser.close();
console.log(JSON.stringify({ readyMs, firstVerdictMs: Math.round(firstVerdictMs), verifyUsPerCall: Number(perCallUs.toFixed(1)) }));
