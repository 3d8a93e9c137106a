/**
 * The sample application: one page, a browser-side OpenID Connect client (authorization code
 * with PKCE, as a single-page application logs in with Auth0). It logs in at the local tenant,
 * verifies the ID token's signature against the tenant's JWKS (WebCrypto), and shows the decoded
 * ID and access tokens, the claims the post-login code added first; or the refusal the
 * redirect URI received (`error`, `error_description`). Tokens stay in the page's memory; only
 * the ID token is kept in sessionStorage, as the logout's id_token_hint.
 */
import { htmlEscape } from "./providerPages";

/** The client id of the sample application (a public client: PKCE, no secret). */
export const SAMPLE_CLIENT_ID = "local-sample-app";

export interface SampleAppConfig {
    readonly issuer: string;
    readonly clientId: string;
    readonly redirectUri: string;
    /** The API the access token is requested for (Auth0's `audience`). */
    readonly audience: string;
}

const SCRIPT = String.raw`
const config = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
const decodePart = (part) => JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))));
let tokens = {};

async function discovery() {
  const response = await fetch(new URL(".well-known/openid-configuration", config.issuer));
  if (!response.ok) throw new Error("discovery answered " + response.status);
  return response.json();
}

function show(state, title, detail) {
  $("status").dataset.state = state;
  $("status-title").textContent = title;
  $("status-detail").textContent = detail || "";
  $("login").hidden = state === "signed-in";
  $("switch").hidden = state !== "signed-in";
  $("refresh").hidden = state !== "signed-in" || !tokens.refresh_token;
  $("logout").hidden = state !== "signed-in";
}

async function login(prompt) {
  const meta = await discovery();
  const verifier = random();
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const pending = { verifier, state: random(), nonce: random() };
  sessionStorage.setItem("pending", JSON.stringify(pending));
  const url = new URL(meta.authorization_endpoint);
  const params = { response_type: "code", client_id: config.clientId, redirect_uri: config.redirectUri,
    scope: "openid profile email offline_access", audience: config.audience, state: pending.state, nonce: pending.nonce,
    code_challenge: challenge, code_challenge_method: "S256" };
  // OpenID Connect Core 11: offline_access (a refresh token) is granted only with prompt=consent.
  params.prompt = prompt ? prompt + " consent" : "consent";
  Object.entries(params).forEach(([k, v]) => url.searchParams.set(k, v));
  location.assign(url);
}

async function tokenRequest(body) {
  const meta = await discovery();
  const response = await fetch(meta.token_endpoint, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error((answer.error || response.status) + ": " + (answer.error_description || ""));
  return { meta, answer };
}

async function verifyIdToken(meta, idToken, nonce) {
  const [header64, payload64, signature64] = idToken.split(".");
  const header = decodePart(header64);
  const payload = decodePart(payload64);
  const jwks = await (await fetch(meta.jwks_uri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== "RS256") throw new Error("no RS256 key " + header.kid + " in the JWKS");
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  const signature = Uint8Array.from(atob(signature64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, new TextEncoder().encode(header64 + "." + payload64));
  if (!valid) throw new Error("the ID token's signature does not verify");
  if (payload.iss !== config.issuer || payload.aud !== config.clientId) throw new Error("the ID token is for another issuer or client");
  if (nonce !== undefined && payload.nonce !== nonce) throw new Error("the ID token's nonce is not this login's");
  return "signature verified with key " + header.kid + " of " + meta.jwks_uri;
}

function render(verified) {
  const id = decodePart(tokens.id_token.split(".")[1]);
  const access = tokens.access_token.split(".").length === 3 ? decodePart(tokens.access_token.split(".")[1]) : null;
  const added = Object.entries(id).filter(([name]) => /^https?:\/\//.test(name));
  $("claims").innerHTML = "";
  for (const [name, value] of added) {
    const row = $("claims").insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = JSON.stringify(value);
    row.dataset.claim = name;
  }
  $("claims-none").hidden = added.length > 0;
  $("id-token").textContent = JSON.stringify(id, null, 2);
  $("access-token").textContent = access ? JSON.stringify(access, null, 2) : "(opaque: for /userinfo only)";
  $("tokens").hidden = false;
  show("signed-in", "Logged in as " + (id.email || id.sub), verified);
}

async function onLoad() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return show("signed-out", "Not logged in", "Log in at " + config.issuer);
  history.replaceState(null, "", location.pathname);
  const pending = JSON.parse(sessionStorage.getItem("pending") || "null");
  sessionStorage.removeItem("pending");
  if (!pending || params.get("state") !== pending.state) return show("error", "Refused: the state does not match this page's login", "");
  if (params.has("error")) {
    $("error").textContent = params.get("error");
    $("error-description").textContent = params.get("error_description") || "";
    $("refusal").hidden = false;
    return show("refused", "Login refused: " + params.get("error"), params.get("error_description") || "");
  }
  const { meta, answer } = await tokenRequest({ grant_type: "authorization_code", code: params.get("code"), redirect_uri: config.redirectUri,
    client_id: config.clientId, code_verifier: pending.verifier });
  tokens = answer;
  sessionStorage.setItem("id_token", answer.id_token);
  render(await verifyIdToken(meta, answer.id_token, pending.nonce));
}

async function refresh() {
  const { meta, answer } = await tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: config.clientId });
  tokens = { ...tokens, ...answer };
  sessionStorage.setItem("id_token", tokens.id_token);
  render(await verifyIdToken(meta, tokens.id_token) + " (refreshed)");
}

async function logout() {
  const meta = await discovery();
  const url = new URL(meta.end_session_endpoint);
  url.searchParams.set("id_token_hint", sessionStorage.getItem("id_token") || "");
  url.searchParams.set("post_logout_redirect_uri", config.redirectUri);
  sessionStorage.removeItem("id_token");
  location.assign(url);
}

const failed = (err) => show("error", "Error", err.message);
$("login").onclick = () => login().catch(failed);
$("switch").onclick = () => login("login").catch(failed);
$("refresh").onclick = () => refresh().catch(failed);
$("logout").onclick = () => logout().catch(failed);
onLoad().catch(failed);
`;

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;padding:24px;background:#f6f7f9;color:#1e212a}
main{max-width:880px;margin:0 auto}h1{font-size:1.3em;margin:0 0 12px}
#status{background:#fff;border-radius:6px;padding:14px 18px;box-shadow:0 1px 4px rgba(0,0,0,.12);margin-bottom:14px}
#status[data-state=refused],#status[data-state=error]{border-left:5px solid #c81e1e}#status[data-state=signed-in]{border-left:5px solid #0e9f6e}
#status-title{font-weight:600}#status-detail{color:#65676e;font-size:.9em;margin-top:4px}
button{padding:8px 14px;margin:0 8px 14px 0;border:0;border-radius:4px;background:#635dff;color:#fff;cursor:pointer}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:14px}td,th{border:1px solid #e4e5e9;padding:6px 8px;text-align:left;font-size:.9em}
.columns{display:flex;gap:14px}.columns section{flex:1;min-width:0}pre{background:#fff;padding:10px;border-radius:4px;font-size:.78em;overflow:auto;max-height:420px}
h2{font-size:1em;margin:10px 0 6px}`;

/** The page, with the provider's coordinates embedded as JSON (no secret: a public client). */
export function sampleAppPage(config: SampleAppConfig): string {
    const json = JSON.stringify(config).replace(/</g, "\\u003c");
    return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local sample app</title><style>${STYLE}</style></head><body><main>
<h1>Local sample app <small style="font-weight:400;color:#65676e">client ${htmlEscape(config.clientId)} at ${htmlEscape(config.issuer)}</small></h1>
<div id="status" data-state="loading"><div id="status-title">Loading…</div><div id="status-detail"></div>
<p id="refusal" hidden>error <code id="error"></code>: <span id="error-description"></span></p></div>
<button id="login" hidden>Log in</button><button id="switch" hidden>Log in as someone else</button><button id="refresh" hidden>Refresh tokens</button><button id="logout" hidden>Log out</button>
<div id="tokens" hidden><h2>Claims the post-login code added (ID token)</h2><table><thead><tr><th>claim</th><th>value</th></tr></thead><tbody id="claims"></tbody></table>
<p id="claims-none" hidden>None.</p>
<div class="columns"><section><h2>ID token (decoded)</h2><pre id="id-token"></pre></section><section><h2>Access token (decoded)</h2><pre id="access-token"></pre></section></div></div>
</main><script type="application/json" id="config">${json}</script><script>${SCRIPT}</script></body></html>`;
}
