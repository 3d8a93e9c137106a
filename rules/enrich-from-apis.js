/**
 * Enrich from APIs — Rule.
 *
 * Purpose: put the user's groups (with descriptions, from the Authorization Extension API) and
 *   entitlements (from the custom API) into the ID and access tokens as namespaced claims, and
 *   record the group names in app_metadata through the Management API v2 (PATCH
 *   /api/v2/users/{id}, only when they changed). Every API is called with an M2M access token
 *   obtained by client credentials for that API's audience.
 * Order: last, after require-verified-email. Network calls are the expensive part of a login, so
 *   they run only for users the cheap checks have let through ("Call API From Rule":
 *   https://community.auth0.com/t/call-api-from-rule/106093).
 * Configuration (read as configuration.NAME; all required unless marked optional):
 *   AUTH0_DOMAIN              canonical tenant domain; token endpoint https://<AUTH0_DOMAIN>/oauth/token,
 *                             Management API https://<AUTH0_DOMAIN>/api/v2/
 *   M2M_CREDENTIALS           the M2M application the rule authenticates as, one JSON value
 *                             {"client_id": "...", "client_secret": "..."} (never logged, nor is
 *                             its parse error, which would quote it). One value, not two settings:
 *                             each rule config is its own API write, and a secret rotation
 *                             (infra/rotation.ts) must switch id and secret at once, or logins in
 *                             between would pair one credential's id with the other's secret.
 *   API_AUDIENCE              identifier of the custom API
 *   API_BASE_URL              https base URL of the custom API (GET /users/{id}/entitlements)
 *   AUTHZ_EXTENSION_URL       optional: https URL of the Authorization Extension API (ends in /api);
 *                             absent = extension disabled, the groups step is skipped and logged
 *   CLAIM_NAMESPACE           prefix of the custom claims, e.g. https://example.com/
 *   FAILURE_POLICY_GROUPS     deny | continue (stack default: deny)
 *   FAILURE_POLICY_API        deny | continue (stack default: continue)
 *   FAILURE_POLICY_MANAGEMENT deny | continue (stack default: continue)
 * Failure behaviour:
 *   - A missing or malformed setting ends the login with UnauthorizedError before any request;
 *     the log names the setting and what is wrong (never a value); the user sees a generic
 *     message. M2M_CREDENTIALS is malformed when it is not JSON or lacks a non-empty string
 *     client_id or client_secret.
 *   - Groups (token or call fails): deny, or continue without the groups claim and without the
 *     app_metadata update. Entitlements: deny, or continue without the claim. Management API:
 *     deny, or continue with the claims but app_metadata not updated.
 *   - The groups chain and the entitlements chain (each: token, then call) run side by side: a
 *     cold login waits two round trips, a warm one one; the app_metadata update starts as soon as
 *     the groups are known (its token alongside the others when no groups are recorded yet). A
 *     step failing under deny ends the login at once: the others' answers would be discarded, so
 *     they are not awaited (their API calls are cancelled; a token request in flight is kept,
 *     other logins may be waiting on it). An update already sent may still be applied.
 *   - Each request is bounded from connect to the last byte of its body by CALL_TIMEOUT_MS, and
 *     reads at most MAX_RESPONSE_BYTES; the whole rule stays within LOGIN_BUDGET_MS (well under
 *     Auth0's 20 s limit): a request is not started when the budget is spent.
 *   - Each claim is at most CLAIM_MAX_BYTES (half of Auth0's 100 KB custom-claim limit per
 *     token); a larger one is that step's failure, and its policy applies.
 *   - A 401 from an API drops the cached token and retries once with a fresh one.
 *   - Tokens are cached in `global` per (client, audience) until expiry minus
 *     TOKEN_EXPIRY_MARGIN_S; concurrent executions in one container share one token request.
 *   - `callback` is called exactly once on every path. Logs carry user_id and the step name;
 *     never a token, a secret, or a response body.
 */
function enrichFromApis(user, context, callback) {
  const axios = require('axios@0.19.2');

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
  // Each token gets this rule's two claims: each may use half of 100,000 bytes (the smaller
  // reading of 100 KB), so both fit together whatever the other's size.
  const CLAIM_MAX_BYTES = 50000;
  // Cancellation reasons, told apart when the request fails.
  const TIMED_OUT = 'timed out';
  const DISCARDED = 'discarded';
  const AUTHZ_EXTENSION_AUDIENCE = 'urn:auth0-authz-api';
  const FAILURE_POLICIES = ['deny', 'continue'];

  const credentials = parseCredentials(configuration.M2M_CREDENTIALS);
  const settings = {
    domain: configuration.AUTH0_DOMAIN,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    apiAudience: configuration.API_AUDIENCE,
    apiBaseUrl: configuration.API_BASE_URL,
    authzExtensionUrl: configuration.AUTHZ_EXTENSION_URL,
    claimNamespace: configuration.CLAIM_NAMESPACE,
    groupsPolicy: configuration.FAILURE_POLICY_GROUPS,
    apiPolicy: configuration.FAILURE_POLICY_API,
    managementPolicy: configuration.FAILURE_POLICY_MANAGEMENT,
  };
  const problems = settingsProblems();
  if (problems.length > 0) {
    log('settings', 'login refused, configuration incomplete: ' + problems.join(', '));
    // The user sees a generic reason; which setting is wrong is for the log, not the login page.
    return callback(new UnauthorizedError('Login is not available right now: the login service is misconfigured.'));
  }

  const deadline = Date.now() + LOGIN_BUDGET_MS;
  // The container's global outlives this execution: tokens and in-flight token requests live here.
  global.enrichFromApisTokens = global.enrichFromApisTokens || { tokens: {}, requests: {} };
  const tokenStore = global.enrichFromApisTokens;

  return enrich().then(
    function (denial) {
      if (denial) return callback(new UnauthorizedError(denial));
      return callback(null, user, context);
    },
    function (err) {
      log('pipeline', 'unexpected failure (' + describe(err) + ')');
      return callback(new UnauthorizedError('Login is not available right now.'));
    }
  );

  /** Resolves to a denial message, or to undefined when the login may continue. */
  async function enrich() {
    const groupsClaim = settings.claimNamespace + 'groups';
    const entitlementsClaim = settings.claimNamespace + 'entitlements';
    const managementAudience = 'https://' + settings.domain + '/api/v2/';
    // Cancels this login's API calls once their answers can no longer change the outcome.
    const discard = axios.CancelToken.source();
    const recordedGroups = user.app_metadata && user.app_metadata.groups;

    // The chains (token, then call) do not depend on each other: all start now, so a cold login
    // takes two round trips and a warm one one, instead of four and two; the app_metadata update
    // starts as soon as the groups are known, alongside the entitlements.
    const steps = [];
    if (!settings.authzExtensionUrl) {
      log('groups', 'skipped: AUTHZ_EXTENSION_URL not set (extension disabled)');
    } else {
      const groupsUrl = trimSlash(settings.authzExtensionUrl) + '/users/' + encodeURIComponent(user.user_id) + '/groups';
      const groupsResult = callApi(AUTHZ_EXTENSION_AUDIENCE, { method: 'GET', url: groupsUrl }, discard.token)
        .then(function (body) { return withinClaimLimit(groupsClaim, toGroups(body)); });
      // With no groups recorded yet the update is certain: its token is fetched alongside the
      // others (a failure here is met again, and handled, when the update asks for it).
      if (!Array.isArray(recordedGroups)) getToken(managementAudience).catch(function () {});
      steps.push({
        name: 'groups',
        failed: 'failed',
        policy: settings.groupsPolicy,
        denial: 'Login is not available right now: group membership could not be verified.',
        result: groupsResult,
      });
      steps.push({
        name: 'management',
        failed: 'app_metadata update failed',
        policy: settings.managementPolicy,
        denial: 'Login is not available right now: the user profile could not be updated.',
        // Without groups there is nothing to record: the groups step reports that failure.
        result: groupsResult.then(function (groups) { return updateGroups(groups, managementAudience, discard.token); }, function () {}),
      });
    }
    const entitlementsUrl = trimSlash(settings.apiBaseUrl) + '/users/' + encodeURIComponent(user.user_id) + '/entitlements';
    steps.push({
      name: 'entitlements',
      failed: 'failed',
      policy: settings.apiPolicy,
      denial: 'Login is not available right now: entitlements could not be loaded.',
      result: callApi(settings.apiAudience, { method: 'GET', url: entitlementsUrl }, discard.token)
        .then(function (body) { return withinClaimLimit(entitlementsClaim, toEntitlements(body)); }),
    });

    const outcome = await firstDenialOrAll(steps);
    if (outcome.denial) {
      discard.cancel(DISCARDED);
      return outcome.denial;
    }
    if (outcome.values.groups) {
      context.idToken[groupsClaim] = outcome.values.groups;
      context.accessToken[groupsClaim] = outcome.values.groups;
    }
    if (outcome.values.entitlements) {
      context.idToken[entitlementsClaim] = outcome.values.entitlements;
      context.accessToken[entitlementsClaim] = outcome.values.entitlements;
    }
    return undefined;
  }

  /** The Management API is the expensive, rate-limited call: only when the groups changed. */
  async function updateGroups(groups, managementAudience, discardToken) {
    const names = groups.map(function (group) { return group.name; });
    if (sameNames(user.app_metadata && user.app_metadata.groups, names)) return;
    await callApi(managementAudience, {
      method: 'PATCH',
      url: 'https://' + settings.domain + '/api/v2/users/' + encodeURIComponent(user.user_id),
      headers: { 'content-type': 'application/json' },
      data: { app_metadata: { groups: names } },
    }, discardToken);
    user.app_metadata = user.app_metadata || {};
    user.app_metadata.groups = names;
  }

  /**
   * Waits for the steps side by side. Resolves with { denial } as soon as one fails under a deny
   * policy (the others' answers would be discarded, so the login does not wait for them), else
   * with { values } once all have settled: a failed step under continue has no value. A step
   * settling after the outcome is decided is ignored, and not logged.
   */
  function firstDenialOrAll(steps) {
    return new Promise(function (resolve) {
      const values = {};
      let pending = steps.length;
      let decided = false;
      steps.forEach(function (step) {
        step.result.then(
          function (value) {
            if (decided) return;
            values[step.name] = value;
            if (--pending === 0) resolve({ values: values });
          },
          function (err) {
            if (decided) return;
            log(step.name, step.failed + ' (' + describe(err) + '), policy ' + step.policy);
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
    const claim = {};
    claim[name] = value;
    const bytes = Buffer.byteLength(JSON.stringify(claim));
    if (bytes > CLAIM_MAX_BYTES) {
      throw new StepError('claim is ' + bytes + ' bytes, more than ' + CLAIM_MAX_BYTES);
    }
    return value;
  }

  function settingsProblems() {
    const found = [];
    if (!settings.domain) found.push('AUTH0_DOMAIN missing');
    else if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(settings.domain)) found.push('AUTH0_DOMAIN must be a host name');
    if (credentials.problem) found.push(credentials.problem);
    if (!settings.apiAudience) found.push('API_AUDIENCE missing');
    if (!settings.apiBaseUrl) found.push('API_BASE_URL missing');
    else if (!/^https:\/\//.test(settings.apiBaseUrl)) found.push('API_BASE_URL must be https');
    if (settings.authzExtensionUrl && !/^https:\/\//.test(settings.authzExtensionUrl)) {
      found.push('AUTHZ_EXTENSION_URL must be https');
    }
    if (!settings.claimNamespace) found.push('CLAIM_NAMESPACE missing');
    if (FAILURE_POLICIES.indexOf(settings.groupsPolicy) < 0) found.push('FAILURE_POLICY_GROUPS must be deny or continue');
    if (FAILURE_POLICIES.indexOf(settings.apiPolicy) < 0) found.push('FAILURE_POLICY_API must be deny or continue');
    if (FAILURE_POLICIES.indexOf(settings.managementPolicy) < 0) {
      found.push('FAILURE_POLICY_MANAGEMENT must be deny or continue');
    }
    return found;
  }

  /**
   * M2M_CREDENTIALS as { clientId, clientSecret }, or { problem } naming what is wrong. Never the
   * parse error's message: JSON.parse quotes the input, i.e. the secret.
   */
  function parseCredentials(value) {
    if (!value) return { problem: 'M2M_CREDENTIALS missing' };
    let parsed;
    try {
      parsed = JSON.parse(value);
    } catch {
      // Only that it failed: the error's message quotes the value.
      return { problem: 'M2M_CREDENTIALS is not JSON' };
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { problem: 'M2M_CREDENTIALS must be a JSON object' };
    }
    const missing = ['client_id', 'client_secret'].filter(function (key) {
      return typeof parsed[key] !== 'string' || parsed[key] === '';
    });
    if (missing.length > 0) {
      return { problem: 'M2M_CREDENTIALS has no non-empty string ' + missing.join(' or ') };
    }
    return { clientId: parsed.client_id, clientSecret: parsed.client_secret };
  }

  /**
   * Calls with a bearer token for `audience`; on 401, drops that token and retries once.
   * `discardToken` cancels the call once the login is decided.
   */
  async function callApi(audience, request, discardToken) {
    const token = await getToken(audience);
    let response = await requestJson(withBearer(request, token), discardToken);
    if (response.status === 401) {
      log('token', 'API answered 401, dropping the cached token for ' + audience + ' and retrying once');
      dropToken(audience, token);
      response = await requestJson(withBearer(request, await getToken(audience)), discardToken);
    }
    if (response.status < 200 || response.status > 299) {
      throw new StepError('API answered ' + response.status);
    }
    return response.body;
  }

  function withBearer(request, token) {
    return Object.assign({}, request, {
      headers: Object.assign({}, request.headers, { authorization: 'Bearer ' + token }),
    });
  }

  async function getToken(audience) {
    const key = settings.clientId + ' ' + audience;
    const cached = tokenStore.tokens[key];
    if (cached && cached.refreshAt > Date.now()) {
      return cached.accessToken;
    }
    if (!tokenStore.requests[key]) {
      tokenStore.requests[key] = requestToken(audience, key).finally(function () {
        delete tokenStore.requests[key];
      });
    }
    return (await tokenStore.requests[key]).accessToken;
  }

  async function requestToken(audience, key) {
    const response = await requestJson({
      method: 'POST',
      url: 'https://' + settings.domain + '/oauth/token',
      headers: { 'content-type': 'application/json' },
      data: {
        grant_type: 'client_credentials',
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        audience: audience,
      },
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
    // this request, keep it out of the cache.
    if (typeof body.expires_in !== 'number' || !(body.expires_in > TOKEN_EXPIRY_MARGIN_S)) {
      log('token', 'token for ' + audience + ' has no usable expires_in: used once, not cached');
      return token;
    }
    token.refreshAt = Date.now() + (body.expires_in - TOKEN_EXPIRY_MARGIN_S) * 1000;
    tokenStore.tokens[key] = token;
    return token;
  }

  function dropToken(audience, staleToken) {
    const key = settings.clientId + ' ' + audience;
    const cached = tokenStore.tokens[key];
    if (cached && cached.accessToken === staleToken) {
      delete tokenStore.tokens[key];
    }
  }

  /**
   * axios bounded from the first byte to the last. axios 0.19's `timeout` is an idle timeout on
   * the socket (ClientRequest#setTimeout, lib/adapters/http.js), which a body dripping a byte at
   * a time never trips: one timer for the whole exchange (the per-call timeout, clipped to what
   * is left of the login budget) cancels it, connect through the last byte of the body. At most
   * MAX_RESPONSE_BYTES are read (maxContentLength, checked as the body arrives). `discardToken`
   * (optional) cancels it early: a login's own API calls take it; token requests, which other
   * logins may be awaiting, do not.
   */
  async function requestJson(request, discardToken) {
    const timeout = Math.min(CALL_TIMEOUT_MS, deadline - Date.now());
    if (timeout < MIN_CALL_TIME_MS) {
      throw new StepError('login time budget spent');
    }
    const cancel = axios.CancelToken.source();
    const timer = setTimeout(function () { cancel.cancel(TIMED_OUT); }, timeout);
    if (discardToken) discardToken.promise.then(function () { cancel.cancel(DISCARDED); });
    let response;
    try {
      response = await axios(Object.assign({}, request, {
        timeout: timeout,
        cancelToken: cancel.token,
        maxContentLength: MAX_RESPONSE_BYTES,
        maxRedirects: 0,
        validateStatus: function () { return true; },
      }));
    } catch (err) {
      if (axios.isCancel(err)) {
        throw new StepError(err.message === TIMED_OUT ? 'not finished within ' + timeout + ' ms' : 'discarded: the login was already decided');
      }
      if (err && err.code === 'ECONNABORTED') {
        throw new StepError('not finished within ' + timeout + ' ms');
      }
      if (err && typeof err.message === 'string' && err.message.indexOf('maxContentLength') === 0) {
        throw new StepError('response larger than ' + MAX_RESPONSE_BYTES + ' bytes');
      }
      throw new StepError('request failed: ' + ((err && err.code) || 'network error'));
    } finally {
      clearTimeout(timer);
    }
    // axios 0.19 leaves the body a string when it is not JSON.
    const body = response.data !== null && typeof response.data === 'object' ? response.data : undefined;
    if (response.status === 200 && body === undefined) {
      throw new StepError('answered 200 with a body that is not JSON');
    }
    return { status: response.status, body: body };
  }

  function toGroups(body) {
    if (!Array.isArray(body) || !body.every(function (group) { return group && typeof group.name === 'string'; })) {
      throw new StepError('groups response is not a list of groups');
    }
    return body.map(function (group) {
      return { name: group.name, description: typeof group.description === 'string' ? group.description : '' };
    });
  }

  function toEntitlements(body) {
    const entitlements = body && body.entitlements;
    if (!Array.isArray(entitlements) || !entitlements.every(function (item) { return typeof item === 'string'; })) {
      throw new StepError('entitlements response has no list of strings');
    }
    return entitlements;
  }

  function sameNames(current, names) {
    return Array.isArray(current) && current.length === names.length &&
      current.every(function (name, i) { return name === names[i]; });
  }

  function trimSlash(url) {
    return url.replace(/\/+$/, '');
  }

  /** A failure whose message is safe to log: status codes and error names, never payloads. */
  function StepError(message) {
    this.message = message;
  }

  function describe(err) {
    return err instanceof StepError ? err.message : 'unexpected ' + ((err && err.name) || 'error');
  }

  function log(step, message) {
    console.log('enrich-from-apis user_id=' + user.user_id + ' step=' + step + ': ' + message);
  }
}
