/**
 * Enrich from APIs — post-login Action (Node 22, no npm dependencies: node:https only).
 *
 * Purpose: put the user's groups (with descriptions, from the Authorization Extension API) and
 *   entitlements (from the custom API) into the ID and access tokens as namespaced claims, and
 *   record the group names in app_metadata with `api.user.setAppMetadata` (no Management API
 *   call). Both APIs are called with M2M access tokens obtained by client credentials.
 * Order: last, after require-verified-email. Network calls are the expensive part of a login, so
 *   they run only for users the cheap checks have let through ("Call API From Rule":
 *   https://community.auth0.com/t/call-api-from-rule/106093).
 * Secrets (read as event.secrets.NAME; all required unless marked optional):
 *   AUTH0_DOMAIN              canonical tenant domain; token endpoint https://<AUTH0_DOMAIN>/oauth/token
 *   M2M_CLIENT_ID             M2M application the Action authenticates as
 *   M2M_CLIENT_SECRET         its secret (never logged)
 *   API_AUDIENCE              identifier of the custom API
 *   API_BASE_URL              https base URL of the custom API (GET /users/{id}/entitlements)
 *   AUTHZ_EXTENSION_URL       optional: https URL of the Authorization Extension API (ends in /api);
 *                             absent = extension disabled, the groups step is skipped and logged
 *   CLAIM_NAMESPACE           prefix of the custom claims, e.g. https://example.com/
 *   FAILURE_POLICY_GROUPS     deny | continue (stack default: deny)
 *   FAILURE_POLICY_API        deny | continue (stack default: continue)
 * Failure behaviour:
 *   - A missing or malformed secret denies the login before any request; the log names the
 *     setting (never a value); the user sees a generic reason.
 *   - Groups (token or call fails): deny, or continue without the groups claim and without the
 *     app_metadata update. Entitlements: deny, or continue without the entitlements claim.
 *   - The groups chain and the entitlements chain (each: token, then call) run side by side: a
 *     cold login waits two round trips, a warm one one. A step failing under deny ends the login
 *     at once: the other step's answer would be discarded, so it is not awaited (its API call is
 *     aborted; a token request in flight is kept, other logins may be waiting on it).
 *   - Each request is bounded from connect to the last byte of its body by CALL_TIMEOUT_MS, and
 *     reads at most MAX_RESPONSE_BYTES; the whole Action stays within LOGIN_BUDGET_MS (well under
 *     Auth0's 20 s limit): a request is not started when the budget is spent.
 *   - Each claim is at most CLAIM_MAX_BYTES (half of Auth0's 100 KB custom-claim limit per
 *     token); a larger one is that step's failure, and its policy applies.
 *   - A 401 from an API drops the cached token and retries once with a fresh one.
 *   - Tokens are cached per (client, audience) until expiry minus TOKEN_EXPIRY_MARGIN_S: in module
 *     scope (one container) and in api.cache (shared across executions, best effort; a failed
 *     set is logged and ignored). Concurrent executions in one container share one token request.
 *   - Logs carry user_id and the step name; never a token, a secret, or a response body.
 */
const crypto = require('node:crypto');
const https = require('node:https');

const CALL_TIMEOUT_MS = 3000;
const LOGIN_BUDGET_MS = 15000;
const MIN_CALL_TIME_MS = 250;
const TOKEN_EXPIRY_MARGIN_S = 60;
// Most body bytes read from any one response (token or API): far above what a usable answer
// needs (a claim is at most CLAIM_MAX_BYTES), far below what would strain the container.
const MAX_RESPONSE_BYTES = 262144;
// Auth0 limits the custom claims of a token to 100 KB, the ID and the access token each, and
// fails the login past it ("Create Custom Claims", General restrictions:
// https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims; "Migrate Custom
// Claims", Maximum token size: https://auth0.com/docs/troubleshoot/product-lifecycle/past-migrations/custom-claims-migration).
// Each token gets this code's two claims: each may use half of 100,000 bytes (the smaller reading
// of 100 KB), so both fit together whatever the other's size.
const CLAIM_MAX_BYTES = 50000;
const AUTHZ_EXTENSION_AUDIENCE = 'urn:auth0-authz-api';
const FAILURE_POLICIES = ['deny', 'continue'];

// Module scope lives as long as the container: warm logins read tokens from here without
// touching api.cache, and concurrent logins await the same in-flight token request.
const tokenMemo = new Map();
const tokenRequests = new Map();

/** A failure whose message is safe to log: status codes and error names, never payloads. */
class StepError extends Error {}

exports.onExecutePostLogin = async (event, api) => {
  const userId = event.user.user_id;
  const settings = {
    domain: event.secrets.AUTH0_DOMAIN,
    clientId: event.secrets.M2M_CLIENT_ID,
    clientSecret: event.secrets.M2M_CLIENT_SECRET,
    apiAudience: event.secrets.API_AUDIENCE,
    apiBaseUrl: event.secrets.API_BASE_URL,
    authzExtensionUrl: event.secrets.AUTHZ_EXTENSION_URL,
    claimNamespace: event.secrets.CLAIM_NAMESPACE,
    groupsPolicy: event.secrets.FAILURE_POLICY_GROUPS,
    apiPolicy: event.secrets.FAILURE_POLICY_API,
  };
  const problems = settingsProblems(settings);
  if (problems.length > 0) {
    log(userId, 'settings', 'login refused, configuration incomplete: ' + problems.join(', '));
    // The user sees a generic reason; which setting is wrong is for the log, not the login page.
    return api.access.deny('Login is not available right now: the login service is misconfigured.');
  }

  const login = {
    settings: settings,
    cache: api.cache,
    userId: userId,
    deadline: Date.now() + LOGIN_BUDGET_MS,
    // Aborts this login's API calls once their answers can no longer change the outcome.
    discard: new AbortController(),
  };
  const groupsClaim = settings.claimNamespace + 'groups';
  const entitlementsClaim = settings.claimNamespace + 'entitlements';

  // The two chains (token, then call) do not depend on each other: both start now, so a cold
  // login takes two round trips and a warm one one, instead of four and two.
  const steps = [];
  if (!settings.authzExtensionUrl) {
    log(userId, 'groups', 'skipped: AUTHZ_EXTENSION_URL not set (extension disabled)');
  } else {
    const groupsUrl = trimSlash(settings.authzExtensionUrl) + '/users/' + encodeURIComponent(userId) + '/groups';
    steps.push({
      name: 'groups',
      policy: settings.groupsPolicy,
      denial: 'Login is not available right now: group membership could not be verified.',
      result: callApi(login, AUTHZ_EXTENSION_AUDIENCE, groupsUrl).then((body) => withinClaimLimit(groupsClaim, toGroups(body))),
    });
  }
  const entitlementsUrl = trimSlash(settings.apiBaseUrl) + '/users/' + encodeURIComponent(userId) + '/entitlements';
  steps.push({
    name: 'entitlements',
    policy: settings.apiPolicy,
    denial: 'Login is not available right now: entitlements could not be loaded.',
    result: callApi(login, settings.apiAudience, entitlementsUrl).then((body) => withinClaimLimit(entitlementsClaim, toEntitlements(body))),
  });

  const outcome = await firstDenialOrAll(login, steps);
  if (outcome.denial) {
    login.discard.abort();
    return api.access.deny(outcome.denial);
  }
  const groups = outcome.values.groups;
  if (groups) {
    api.idToken.setCustomClaim(groupsClaim, groups);
    api.accessToken.setCustomClaim(groupsClaim, groups);
    const names = groups.map((group) => group.name);
    if (!sameNames(event.user.app_metadata && event.user.app_metadata.groups, names)) {
      api.user.setAppMetadata('groups', names);
    }
  }
  const entitlements = outcome.values.entitlements;
  if (entitlements) {
    api.idToken.setCustomClaim(entitlementsClaim, entitlements);
    api.accessToken.setCustomClaim(entitlementsClaim, entitlements);
  }
};

/**
 * Waits for the steps side by side. Resolves with { denial } as soon as one fails under a deny
 * policy (the others' answers would be discarded, so the login does not wait for them), else
 * with { values } once all have settled: a failed step under continue has no value. A step
 * settling after the outcome is decided is ignored, and not logged.
 */
function firstDenialOrAll(login, steps) {
  return new Promise((resolve) => {
    const values = {};
    let pending = steps.length;
    let decided = false;
    if (pending === 0) return resolve({ values: values });
    steps.forEach((step) => {
      step.result.then(
        (value) => {
          if (decided) return;
          values[step.name] = value;
          if (--pending === 0) resolve({ values: values });
        },
        (err) => {
          if (decided) return;
          log(login.userId, step.name, 'failed (' + describe(err) + '), policy ' + step.policy);
          if (step.policy === 'deny') {
            decided = true;
            return resolve({ denial: step.denial });
          }
          if (--pending === 0) resolve({ values: values });
        }
      );
    });
  });
}

/**
 * `value` if the claim fits in its share of Auth0's custom-claim limit, measured as the JSON of
 * { name: value } in UTF-8; past it, the step fails and its policy applies.
 */
function withinClaimLimit(name, value) {
  const bytes = Buffer.byteLength(JSON.stringify({ [name]: value }));
  if (bytes > CLAIM_MAX_BYTES) {
    throw new StepError('claim is ' + bytes + ' bytes, more than ' + CLAIM_MAX_BYTES);
  }
  return value;
}

function settingsProblems(settings) {
  const problems = [];
  if (!settings.domain) problems.push('AUTH0_DOMAIN missing');
  else if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(settings.domain)) problems.push('AUTH0_DOMAIN must be a host name');
  if (!settings.clientId) problems.push('M2M_CLIENT_ID missing');
  if (!settings.clientSecret) problems.push('M2M_CLIENT_SECRET missing');
  if (!settings.apiAudience) problems.push('API_AUDIENCE missing');
  if (!settings.apiBaseUrl) problems.push('API_BASE_URL missing');
  else if (!/^https:\/\//.test(settings.apiBaseUrl)) problems.push('API_BASE_URL must be https');
  if (settings.authzExtensionUrl && !/^https:\/\//.test(settings.authzExtensionUrl)) {
    problems.push('AUTHZ_EXTENSION_URL must be https');
  }
  if (!settings.claimNamespace) problems.push('CLAIM_NAMESPACE missing');
  if (!FAILURE_POLICIES.includes(settings.groupsPolicy)) problems.push('FAILURE_POLICY_GROUPS must be deny or continue');
  if (!FAILURE_POLICIES.includes(settings.apiPolicy)) problems.push('FAILURE_POLICY_API must be deny or continue');
  return problems;
}

/** GET `url` with a bearer token for `audience`; on 401, drop that token and retry once. */
async function callApi(login, audience, url) {
  const token = await getToken(login, audience);
  let response = await requestJson(login, url, { headers: { authorization: 'Bearer ' + token } }, login.discard.signal);
  if (response.status === 401) {
    log(login.userId, 'token', 'API answered 401, dropping the cached token for ' + audience + ' and retrying once');
    dropToken(login, audience, token);
    const freshToken = await getToken(login, audience);
    response = await requestJson(login, url, { headers: { authorization: 'Bearer ' + freshToken } }, login.discard.signal);
  }
  if (response.status !== 200) {
    throw new StepError('API answered ' + response.status);
  }
  return response.body;
}

async function getToken(login, audience) {
  const key = cacheKey(login.settings.clientId, audience);
  const memo = tokenMemo.get(key);
  if (memo && memo.refreshAt > Date.now()) {
    return memo.accessToken;
  }
  const cached = readCache(login, key);
  if (cached) {
    tokenMemo.set(key, cached);
    return cached.accessToken;
  }
  let pending = tokenRequests.get(key);
  if (!pending) {
    pending = requestToken(login, audience, key).finally(() => tokenRequests.delete(key));
    tokenRequests.set(key, pending);
  }
  return (await pending).accessToken;
}

async function requestToken(login, audience, key) {
  const response = await requestJson(login, 'https://' + login.settings.domain + '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: login.settings.clientId,
      client_secret: login.settings.clientSecret,
      audience: audience,
    }),
  });
  const body = response.body;
  if (response.status !== 200) {
    const code = body && typeof body.error === 'string' ? ' ' + body.error.slice(0, 40) : '';
    throw new StepError('token endpoint answered ' + response.status + code);
  }
  if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new StepError('token endpoint answered 200 without an access_token');
  }
  const token = { accessToken: body.access_token, refreshAt: 0 };
  // Without a lifetime the token cannot be refreshed in time: use it for the logins waiting on
  // this request, keep it out of both caches.
  if (typeof body.expires_in !== 'number' || !(body.expires_in > TOKEN_EXPIRY_MARGIN_S)) {
    log(login.userId, 'token', 'token for ' + audience + ' has no usable expires_in: used once, not cached');
    return token;
  }
  token.refreshAt = Date.now() + (body.expires_in - TOKEN_EXPIRY_MARGIN_S) * 1000;
  tokenMemo.set(key, token);
  writeCache(login, key, token);
  return token;
}

function dropToken(login, audience, staleToken) {
  const key = cacheKey(login.settings.clientId, audience);
  const memo = tokenMemo.get(key);
  if (memo && memo.accessToken === staleToken) {
    tokenMemo.delete(key);
  }
  const cached = readCache(login, key);
  if (cached && cached.accessToken === staleToken) {
    login.cache.delete(key);
  }
}

// api.cache keys are limited to 64 bytes, and an audience alone can be longer.
function cacheKey(clientId, audience) {
  return 'm2m:' + crypto.createHash('sha256').update(clientId + '\n' + audience).digest('base64url');
}

function readCache(login, key) {
  const record = login.cache.get(key);
  if (!record || typeof record.value !== 'string') {
    return undefined;
  }
  try {
    const token = JSON.parse(record.value);
    if (typeof token.accessToken === 'string' && token.refreshAt > Date.now()) {
      return token;
    }
  } catch {
    // An unreadable record is treated as a miss and overwritten by the next token.
  }
  return undefined;
}

function writeCache(login, key, token) {
  let result;
  try {
    result = login.cache.set(key, JSON.stringify(token), { expires_at: token.refreshAt });
  } catch (err) {
    // A shared token request can outlive the login that started it (denied meanwhile): its
    // api.cache may be gone. The token is in module scope all the same.
    result = { type: 'error', code: (err && err.name) || 'error' };
  }
  if (!result || result.type !== 'success') {
    log(login.userId, 'token', 'api.cache.set failed (' + (result && result.code) + '), token kept in memory only');
  }
}

/**
 * One HTTPS exchange, bounded from the first byte to the last: one timer (the per-call timeout,
 * clipped to what is left of the login budget) covers connecting, the headers and the whole
 * body, and at most MAX_RESPONSE_BYTES of body are read. `discard` (optional AbortSignal) ends it
 * early: a login's own API calls take it; token requests, which other logins may be awaiting, do
 * not. node:https rather than fetch: fetch's per-request machinery (Request, Headers, a WHATWG
 * stream read chunk by chunk, AbortSignal.timeout and .any) cost about 40% more CPU per login,
 * which ten logins at once wait out in turn (docs/login-code.md, "The bench").
 * https.globalAgent keeps connections alive (Node >= 19), so a warm container reuses them.
 */
function requestJson(login, url, options, discard) {
  const timeoutMs = Math.min(CALL_TIMEOUT_MS, login.deadline - Date.now());
  if (timeoutMs < MIN_CALL_TIME_MS) {
    return Promise.reject(new StepError('login time budget spent'));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    let request;
    // The exchange ends once: its timer and listener go; a failure also closes its connection.
    const settle = (err, answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (discard) discard.removeEventListener('abort', onDiscard);
      if (err) {
        if (request) request.destroy();
        reject(err);
      } else {
        resolve(answer);
      }
    };
    const onDiscard = () => settle(new StepError('discarded: the login was already decided'));
    const timer = setTimeout(() => settle(new StepError('not finished within ' + timeoutMs + ' ms')), timeoutMs);
    try {
      request = https.request(url, { method: options.method || 'GET', headers: options.headers }, onResponse);
    } catch (err) {
      // Refused before anything is sent (a header value no request can carry, a bad URL).
      return settle(requestFailed(err));
    }
    function onResponse(response) {
      if (Number(response.headers['content-length']) > MAX_RESPONSE_BYTES) return settle(tooLarge());
      const chunks = [];
      let length = 0;
      response.on('data', (chunk) => {
        length += chunk.length;
        if (length > MAX_RESPONSE_BYTES) return settle(tooLarge());
        chunks.push(chunk);
      });
      response.on('end', () => {
        try {
          settle(null, parseAnswer(response.statusCode, Buffer.concat(chunks, length).toString('utf8')));
        } catch (err) {
          settle(err);
        }
      });
      response.on('error', (err) => settle(requestFailed(err)));
      response.on('close', () => settle(new StepError('request failed: connection closed before the end of the body')));
    }
    request.on('error', (err) => settle(requestFailed(err)));
    if (discard) {
      if (discard.aborted) return onDiscard();
      discard.addEventListener('abort', onDiscard);
    }
    request.end(options.body);
  });
}

/** { status, body }: body is the parsed JSON, or undefined; a 200 must carry JSON. */
function parseAnswer(status, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (status === 200 && body === undefined) {
    throw new StepError('answered 200 with a body that is not JSON');
  }
  return { status: status, body: body };
}

function tooLarge() {
  return new StepError('response larger than ' + MAX_RESPONSE_BYTES + ' bytes');
}

function requestFailed(err) {
  return new StepError('request failed: ' + ((err && err.code) || (err && err.name) || 'error'));
}

function toGroups(body) {
  if (!Array.isArray(body) || !body.every((group) => group && typeof group.name === 'string')) {
    throw new StepError('groups response is not a list of groups');
  }
  return body.map((group) => ({
    name: group.name,
    description: typeof group.description === 'string' ? group.description : '',
  }));
}

function toEntitlements(body) {
  const entitlements = body && body.entitlements;
  if (!Array.isArray(entitlements) || !entitlements.every((item) => typeof item === 'string')) {
    throw new StepError('entitlements response has no list of strings');
  }
  return entitlements;
}

function sameNames(current, names) {
  return Array.isArray(current) && current.length === names.length && current.every((name, i) => name === names[i]);
}

function trimSlash(url) {
  return url.replace(/\/+$/, '');
}

function describe(err) {
  return err instanceof StepError ? err.message : 'unexpected ' + ((err && err.name) || 'error');
}

function log(userId, step, message) {
  console.log('enrich-from-apis user_id=' + userId + ' step=' + step + ': ' + message);
}
