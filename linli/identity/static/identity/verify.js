// The officer's verify page: check an e-ID code on this device first (Ed25519 signature with the
// public key delivered in the page, expiry against this device's clock), which needs no network,
// then ask the server for the one-use check and the audit, and show its verdict when it arrives.
// The checks mirror linli/identity/eid.py (verify_token); the server's verdict is the one that
// counts. SHA-512 comes from WebCrypto, which browsers give secure contexts only (HTTPS, or
// localhost / 127.0.0.1 in development).
import { verifyAsync } from "@noble/ed25519";

const config = JSON.parse(document.getElementById("eid-verifier").textContent);
const words = config.words;
const form = document.getElementById("verify-form");
const field = form.querySelector("textarea[name=token]");
const results = document.getElementById("eid-results");
const csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
const CLAIMS = ["exp", "iat", "id", "jti", "n", "p"];

class Refusal extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

function base64urlBytes(text) {
  // Linli writes base64url without padding; anything else is not one of its codes.
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) throw new Refusal("malformed");
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function parse(raw) {
  if (raw.length > config.max_chars) throw new Refusal("malformed");
  const token = raw.trim();
  if (!token.startsWith(config.prefix)) throw new Refusal("malformed");
  const parts = token.slice(config.prefix.length).split(".");
  if (parts.length !== 2) throw new Refusal("malformed");
  const signature = base64urlBytes(parts[1]);
  let payload;
  try {
    payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(base64urlBytes(parts[0])));
  } catch (error) {
    throw error instanceof Refusal ? error : new Refusal("malformed");
  }
  const keys = payload && typeof payload === "object" && !Array.isArray(payload) ? Object.keys(payload) : [];
  if (keys.sort().join() !== CLAIMS.join()) throw new Refusal("malformed");
  // The signature covers the ASCII text "LNLEID1." + the payload part, exactly as sent.
  return { signed: new TextEncoder().encode(config.prefix + parts[0]), signature, payload };
}

function checkClaims(payload, now) {
  const text = (v, max) => typeof v === "string" && [...v].length > 0 && [...v].length <= max;
  const ok =
    text(payload.jti, 64) && text(payload.n, 64) && text(payload.id, 64) &&
    (payload.p === null || (typeof payload.p === "string" && [...payload.p].length <= 64)) &&
    Number.isSafeInteger(payload.iat) && Number.isSafeInteger(payload.exp);
  if (!ok) throw new Refusal("malformed");
  if (payload.exp - payload.iat > config.lifetime_seconds) throw new Refusal("forged");
  if (payload.iat > now + config.clock_skew_seconds) throw new Refusal("forged");
  if (now >= payload.exp) throw new Refusal("expired");
}

let publicKey = null;

async function checkOnDevice(raw) {
  const { signed, signature, payload } = parse(raw);
  publicKey = publicKey || base64urlBytes(config.public_key);
  let genuine = false;
  try {
    // zip215: false is RFC 8032's strict reading, as OpenSSL (behind Python's cryptography) has it.
    genuine = await verifyAsync(signature, signed, publicKey, { zip215: false });
  } catch (error) {
    genuine = false;  // e.g. a signature of the wrong length
  }
  if (!genuine) throw new Refusal("forged");
  checkClaims(payload, Date.now() / 1000);
  return {
    name: payload.n, id_number: payload.id, photo: payload.p,
    issued_at: payload.iat, expires_at: payload.exp,
  };
}

// --- the result card ---------------------------------------------------------------------------

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
  node.append(...children);  // strings become text nodes: nothing in a code is parsed as HTML
  return node;
}

function clock(moment) {  // Unix seconds (from the code) or ISO 8601 (from the server)
  const date = typeof moment === "number" ? new Date(moment * 1000) : new Date(moment);
  return date.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
}

function identity(claims) {
  const photo = claims.photo
    ? element("p", {}, words.photo + ": ", element("strong", { id: "result-photo" }, claims.photo))
    : element("p", {}, words.no_photo);
  return [
    element("p", {}, element("strong", { id: "result-name" }, claims.name), element("br"),
      element("span", { id: "result-id-number" }, claims.id_number)),
    photo,
  ];
}

function times(claims) {
  return element("p", { class: "muted" },
    `${words.issued_at} ${clock(claims.issued_at)} · ${words.valid_until} ${clock(claims.expires_at)}`);
}

// The card's state: "checked-offline" (genuine on this device, the server not heard yet),
// "unchecked" (no device check possible, the server not heard yet), "confirmed" or "refused".
const LOOKS = {
  "checked-offline": { title: `✔ ${words.valid}`, look: "eid-offline", role: "status" },
  unchecked: { title: "…", look: "eid-offline", role: "status" },
  confirmed: { title: `✔ ${words.valid}`, look: "eid-valid", role: "status" },
  refused: { title: `✘ ${words.refused}`, look: "eid-refused", role: "alert" },
};

function render(card, { state, reason, claims, offline, server }) {
  const { title, look, role } = LOOKS[state];
  card.className = `card eid-result ${look}`;
  card.setAttribute("role", role);
  card.dataset.state = state;
  if (reason) card.dataset.reason = reason;
  else delete card.dataset.reason;
  const parts = [element("h2", {}, title)];
  if (state !== "refused" && claims) parts.push(...identity(claims), times(claims));
  const line = (id, { verdict, text }) => element("li", { id, "data-verdict": verdict }, text);
  const checks = element("ul", { class: "eid-checks" });
  checks.append(line("check-offline", offline), line("check-server", server));
  parts.push(checks);
  card.replaceChildren(...parts);
}

// --- asking the server -------------------------------------------------------------------------

async function askServer(token) {
  let response;
  try {
    response = await fetch(config.verify_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ token }),
    });
  } catch (error) {
    return { verdict: "unreachable" };
  }
  const body = await response.json().catch(() => ({}));
  if (response.status === 200 && body.valid) return { verdict: "ok", claims: body };
  if (response.status === 400 && body.reason) {
    return { verdict: "refused", reason: body.reason, message: body.message };
  }
  return { verdict: "error", message: body.message || String(response.status) };
}

async function deviceVerdict(token) {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {  // not a secure context: no SHA-512
    return { state: "unchecked", offline: { verdict: "unavailable", text: words.offline_unavailable } };
  }
  try {
    const claims = await checkOnDevice(token);
    return { state: "checked-offline", claims, offline: { verdict: "ok", text: `✔ ${words.offline_ok}` } };
  } catch (error) {
    const reason = error instanceof Refusal ? error.reason : "malformed";
    const text = `✘ ${words.offline_refused} ${config.reasons[reason]}`;
    return { state: "refused", reason, offline: { verdict: "refused", text } };
  }
}

function serverView(view, answer) {
  switch (answer.verdict) {
    case "ok":
      return { ...view, state: "confirmed", reason: "", claims: answer.claims,
        server: { verdict: "ok", text: `✔ ${words.server_ok}` } };
    case "refused": {
      const text = `✘ ${words.server_refused} ${config.reasons[answer.reason] || answer.message}`;
      return { ...view, state: "refused", reason: answer.reason, server: { verdict: "refused", text } };
    }
    case "unreachable":
      return { ...view, server: { verdict: "unreachable", text: words.server_unreachable } };
    default:
      return { ...view, server: { verdict: "error", text: `${words.server_error} ${answer.message}` } };
  }
}

let current = 0;  // late answers update only the card of the latest code

async function verify(token) {
  const check = ++current;
  const card = element("section", { id: "eid-result" });
  results.replaceChildren(card);
  const view = await deviceVerdict(token);
  render(card, { ...view, server: { verdict: "pending", text: words.server_pending } });
  // Every code checked here reaches the server once it can, for the one-use check and the audit,
  // even when the officer has moved on to the next person meanwhile.
  const ask = async () => {
    const answer = navigator.onLine === false ? { verdict: "unreachable" } : await askServer(token);
    if (answer.verdict === "unreachable") window.addEventListener("online", ask, { once: true });
    if (check === current) render(card, serverView(view, answer));
  };
  await ask();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = field.value;
  field.value = "";  // an empty field, ready for the next person
  verify(token);
});
form.dataset.offline = "ready";  // tells tests (and curious officers) that the device check is on
