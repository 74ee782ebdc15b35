// The signature debugger's page: it moves text between the fields and the
// engine (debugger.wasm, the project's Go code) and shows what comes back.
// It computes no signature itself.
"use strict";

const $ = (id) => document.getElementById(id);

// Fields carried by the shareable link: everything but the secrets.
const shared = ["scheme", "apikey", "timestamp", "endpoint", "called", "basepath", "signature", "body",
  "tolerance", "clock", "now", "baseurl", "idemkey", "td-partner", "td-timestamp", "td-access-key", "td-sign",
  "palenca-signature", "palenca-body"];

async function start() {
  const go = new Go();
  const ready = new Promise((resolve) => addEventListener("tarjeta-ready", resolve, { once: true }));
  const res = await fetch("debugger.wasm");
  // Static hosts that do not serve .wasm as application/wasm get the slower path.
  const { instance } = res.headers.get("Content-Type") === "application/wasm"
    ? await WebAssembly.instantiateStreaming(res, go.importObject)
    : await WebAssembly.instantiate(await res.arrayBuffer(), go.importObject);
  go.run(instance);
  await ready;
  for (const id of ["verify", "diagnose", "sign"]) $(id).disabled = false;
  $("status").textContent = "Engine loaded. Nothing leaves this page from now on.";
  document.body.dataset.readyMs = String(Math.round(performance.now())); // since navigation
  document.body.dataset.ready = "1";
}

function pairs() {
  return $("pairs").value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const i = l.indexOf(":");
    return i < 0 ? { apiKey: l, secret: "" } : { apiKey: l.slice(0, i).trim(), secret: l.slice(i + 1).trim() };
  });
}

function scheme() { return $("scheme").value; }

function attempt() {
  const endpoint = $("endpoint").value;
  // Our own answers echo x-endpoint, so there is no separate path to compare with.
  const called = scheme() === "pomelo-response" ? endpoint : $("called").value;
  const now = $("clock").value === "chosen" && $("now").value ? Number($("now").value) : Math.floor(Date.now() / 1000);
  return {
    pairs: pairs(), apiKey: $("apikey").value.trim(), signature: $("signature").value.trim(),
    timestamp: $("timestamp").value.trim(), endpoint, called, basePath: $("basepath").value.trim(),
    body: $("body").value, now, tolerance: Number($("tolerance").value) || 60,
  };
}

function show(result, withCauses) {
  const v = $("verdict");
  v.textContent = result.valid ? "Valid signature" : "Invalid: " + (result.code || "ERROR");
  v.className = "verdict " + (result.valid ? "ok" : "bad");
  v.dataset.code = result.valid ? "VALID" : result.code;
  $("error").textContent = result.error || "";
  $("expected").textContent = result.expected || "";
  $("given").textContent = result.given || "";
  $("message").textContent = result.visible || "";
  const list = $("causes");
  list.replaceChildren();
  const causes = result.causes || [];
  $("diagnosis").hidden = !withCauses || result.valid;
  for (const c of causes) {
    const li = document.createElement("li");
    li.dataset.code = c.code;
    const code = document.createElement("code");
    code.textContent = c.code;
    li.append(code, " — " + c.explanation);
    list.append(li);
  }
  if (withCauses && !result.valid && causes.length === 0) {
    const li = document.createElement("li");
    li.textContent = "None of the usual mistakes reproduces this signature: check the secret, and that the body here is byte for byte what was signed.";
    list.append(li);
  }
  if (withCauses && !result.valid && causes.length > 0 && !result.reproduced) {
    const li = document.createElement("li");
    li.textContent = "Fixing these still does not reproduce the signature: something else differs too.";
    list.append(li);
  }
}

function runTD() {
  return tarjeta.verifyTD({
    partnerCode: $("td-partner").value.trim(), timestamp: $("td-timestamp").value.trim(),
    accessKey: $("td-access-key").value.trim(), accessSecret: $("td-secret").value, sign: $("td-sign").value.trim(),
  });
}

function verify(withCauses) {
  if (scheme() === "palenca-webhook") {
    const r = tarjeta.verifyPalenca({ secret: $("palenca-secret").value, signature: $("palenca-signature").value.trim(), body: $("palenca-body").value });
    show({ valid: r.valid, code: r.code, error: r.error, expected: r.expected, given: $("palenca-signature").value.trim(), visible: r.visible, causes: [] }, false);
    return;
  }
  if (scheme() === "belvo-webhook") {
    const r = tarjeta.verifyBelvo({ registered: $("belvo-registered").value, given: $("belvo-given").value });
    show({ valid: r.valid, code: r.valid ? "" : "UNAUTHENTICATED", error: r.valid ? "" : "the Authorization received is not the value registered with Belvo", causes: [] }, false);
    return;
  }
  if (scheme() === "td-push") {
    const r = runTD();
    show({
      valid: r.valid, code: r.valid ? "" : "SIGNATURE_MISMATCH", error: r.error,
      expected: "hex " + r.expectedHex + "  ·  base64 " + r.expectedBase64 + (r.valid ? "  (matched as " + r.encoding + ")" : ""),
      given: $("td-sign").value.trim(), visible: r.visible, causes: [],
    }, false);
    return;
  }
  show(tarjeta.diagnose(attempt()), withCauses);
}

function sign() {
  if (!scheme().startsWith("pomelo")) { verify(false); return; }
  const a = attempt();
  if (!a.timestamp) { a.timestamp = String(Math.floor(Date.now() / 1000)); $("timestamp").value = a.timestamp; }
  const pair = a.pairs.find((p) => p.apiKey === a.apiKey) || a.pairs[0];
  if (!pair) { $("error").textContent = "Add a key pair first."; return; }
  if (!a.apiKey) $("apikey").value = a.apiKey = pair.apiKey;
  const r = tarjeta.sign({
    secret: pair.secret, apiKey: a.apiKey, timestamp: a.timestamp, endpoint: a.endpoint, body: a.body,
    baseURL: $("baseurl").value.trim(), idempotencyKey: $("idemkey").value.trim(),
  });
  if (r.error) { $("error").textContent = r.error; return; }
  $("signature").value = r.signature;
  $("signed").hidden = false;
  $("curl").textContent = r.curl;
  show(tarjeta.diagnose(attempt()), false);
}

function parsePasted() {
  const text = $("paste").value;
  const out = $("parse-result");
  if (/^\s*https?:\/\/\S*sign=/.test(text) || /^\s*[^\s]*\?\S*partner_code=/.test(text)) {
    const q = new URL(text.trim(), "http://td.invalid").searchParams;
    $("scheme").value = "td-push";
    $("td-partner").value = q.get("partner_code") || "";
    $("td-timestamp").value = q.get("timestamp") || "";
    $("td-access-key").value = q.get("access_key") || "";
    $("td-sign").value = q.get("sign") || "";
    schemeChanged();
    out.textContent = "Read a TD push URL.";
    return;
  }
  const r = tarjeta.parse(text);
  if (r.error) { out.textContent = r.error; return; }
  const h = r.headers;
  $("apikey").value = h["x-api-key"] || "";
  $("signature").value = h["x-signature"] || "";
  $("timestamp").value = h["x-timestamp"] || "";
  $("endpoint").value = h["x-endpoint"] || r.path;
  $("called").value = r.path;
  $("body").value = r.body;
  if (h["x-idempotency-key"]) $("idemkey").value = h["x-idempotency-key"];
  if (!scheme().startsWith("pomelo")) { $("scheme").value = "pomelo-request"; schemeChanged(); }
  out.textContent = "Read " + r.method + " " + r.path + " with " + Object.keys(h).length + " headers and a body of " + new TextEncoder().encode(r.body).length + " bytes.";
  if (document.body.dataset.ready) verify(true);
}

function schemeChanged() {
  const s = scheme();
  $("td-fields").hidden = s !== "td-push";
  $("palenca-fields").hidden = s !== "palenca-webhook";
  $("belvo-fields").hidden = s !== "belvo-webhook";
  $("pomelo-fields").hidden = !s.startsWith("pomelo");
}

function share() {
  const params = new URLSearchParams();
  for (const id of shared) if ($(id).value) params.set(id, $(id).value);
  const keys = pairs().map((p) => p.apiKey).join("\n");
  if (keys) params.set("apikeys", keys);
  const url = location.href.split("#")[0] + "#" + params.toString();
  history.replaceState(null, "", url);
  $("link").textContent = "Link (no secrets): " + url;
  if (navigator.clipboard) navigator.clipboard.writeText(url).catch(() => {});
}

function restore() {
  if (location.hash.length < 2) return;
  const params = new URLSearchParams(location.hash.slice(1));
  for (const id of shared) if (params.has(id)) $(id).value = params.get(id);
  if (params.has("apikeys")) $("pairs").value = params.get("apikeys").split("\n").map((k) => k + ":").join("\n");
  schemeChanged();
}

$("verify").addEventListener("click", () => verify(false));
$("diagnose").addEventListener("click", () => verify(true));
$("sign").addEventListener("click", sign);
$("parse").addEventListener("click", parsePasted);
$("share").addEventListener("click", share);
$("scheme").addEventListener("change", schemeChanged);
restore();
start().catch((err) => { $("status").textContent = "The engine did not load: " + err; });
