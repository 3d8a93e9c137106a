/**
 * Enrich from APIs — post-login Action (Node 22, no npm dependencies: global fetch only).
 *
 * Purpose: put the user's groups (with descriptions, from the Authorization Extension API) and
 *   entitlements (from the custom API) into the ID and access tokens as namespaced claims, and
 *   record the group names in app_metadata with `api.user.setAppMetadata` (no Management API
 *   call). Both APIs are called with M2M access tokens obtained by client credentials.
 * Order: last, after require-verified-email. Network calls are the expensive part of a login, so
 *   they run only for users the cheap checks have let through (seed 000).
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
 *   - Each request times out after CALL_TIMEOUT_MS; the whole Action stays within LOGIN_BUDGET_MS
 *     (well under Auth0's 20 s limit): a request is not started when the budget is spent.
 *   - A 401 from an API drops the cached token and retries once with a fresh one.
 *   - Tokens are cached per (client, audience) until expiry minus TOKEN_EXPIRY_MARGIN_S: in module
 *     scope (one container) and in api.cache (shared across executions, best effort; a failed
 *     set is logged and ignored). Concurrent executions in one container share one token request.
 *   - Logs carry user_id and the step name; never a token, a secret, or a response body.
 */
const crypto = require('node:crypto');

const CALL_TIMEOUT_MS = 3000;
const LOGIN_BUDGET_MS = 15000;
const MIN_CALL_TIME_MS = 250;
const TOKEN_EXPIRY_MARGIN_S = 60;
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
  };

  if (!settings.authzExtensionUrl) {
    log(userId, 'groups', 'skipped: AUTHZ_EXTENSION_URL not set (extension disabled)');
  } else {
    const groupsUrl = trimSlash(settings.authzExtensionUrl) + '/users/' + encodeURIComponent(userId) + '/groups';
    try {
      const body = await callApi(login, AUTHZ_EXTENSION_AUDIENCE, groupsUrl);
      const groups = toGroups(body);
      api.idToken.setCustomClaim(settings.claimNamespace + 'groups', groups);
      api.accessToken.setCustomClaim(settings.claimNamespace + 'groups', groups);
      const names = groups.map((group) => group.name);
      if (!sameNames(event.user.app_metadata && event.user.app_metadata.groups, names)) {
        api.user.setAppMetadata('groups', names);
      }
    } catch (err) {
      log(userId, 'groups', 'failed (' + describe(err) + '), policy ' + settings.groupsPolicy);
      if (settings.groupsPolicy === 'deny') {
        return api.access.deny('Login is not available right now: group membership could not be verified.');
      }
    }
  }

  const entitlementsUrl = trimSlash(settings.apiBaseUrl) + '/users/' + encodeURIComponent(userId) + '/entitlements';
  try {
    const body = await callApi(login, settings.apiAudience, entitlementsUrl);
    const entitlements = toEntitlements(body);
    api.idToken.setCustomClaim(settings.claimNamespace + 'entitlements', entitlements);
    api.accessToken.setCustomClaim(settings.claimNamespace + 'entitlements', entitlements);
  } catch (err) {
    log(userId, 'entitlements', 'failed (' + describe(err) + '), policy ' + settings.apiPolicy);
    if (settings.apiPolicy === 'deny') {
      return api.access.deny('Login is not available right now: entitlements could not be loaded.');
    }
  }
};

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
  let response = await requestJson(login, url, { headers: { authorization: 'Bearer ' + token } });
  if (response.status === 401) {
    log(login.userId, 'token', 'API answered 401, dropping the cached token for ' + audience + ' and retrying once');
    dropToken(login, audience, token);
    const freshToken = await getToken(login, audience);
    response = await requestJson(login, url, { headers: { authorization: 'Bearer ' + freshToken } });
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
  const result = login.cache.set(key, JSON.stringify(token), { expires_at: token.refreshAt });
  if (!result || result.type !== 'success') {
    log(login.userId, 'token', 'api.cache.set failed (' + (result && result.code) + '), token kept in memory only');
  }
}

/** fetch with the per-call timeout, clipped to what is left of the login budget. */
async function requestJson(login, url, init) {
  const timeoutMs = Math.min(CALL_TIMEOUT_MS, login.deadline - Date.now());
  if (timeoutMs < MIN_CALL_TIME_MS) {
    throw new StepError('login time budget spent');
  }
  let status;
  let text;
  try {
    const response = await fetch(url, Object.assign({ redirect: 'error', signal: AbortSignal.timeout(timeoutMs) }, init));
    status = response.status;
    text = await response.text();
  } catch (err) {
    if (err && err.name === 'TimeoutError') {
      throw new StepError('no answer within ' + timeoutMs + ' ms');
    }
    throw new StepError('request failed: ' + ((err && err.cause && err.cause.code) || (err && err.name)));
  }
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
