/**
 * Benchmark comparison only — never deployed. The approach of "How do I get an access token to
 * call Management API v2 from a rule?"
 * (https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970;
 * the bench labels it "seed 002"): tokens cached in `global` until expiry minus 60 s, but every
 * login that misses the cache requests its own token (no single-flight), so a cold container
 * stampedes the token endpoint.
 */
function cacheWithoutSingleFlight(user, context, callback) {
  const axios = require('axios@0.19.2');
  const userId = encodeURIComponent(user.user_id);
  const ns = configuration.CLAIM_NAMESPACE;
  // The stack hands rules the credential as one JSON value (M2M_CREDENTIALS).
  const credentials = JSON.parse(configuration.M2M_CREDENTIALS);

  async function getToken(audience) {
    const cacheKey = credentials.client_id + '_' + audience;
    const cachedToken = global[cacheKey];
    if (cachedToken && cachedToken.expirationDate > Date.now()) return cachedToken.accessToken;
    const response = await axios({
      method: 'POST',
      url: 'https://' + configuration.AUTH0_DOMAIN + '/oauth/token',
      timeout: 5000,
      data: { grant_type: 'client_credentials', client_id: credentials.client_id, client_secret: credentials.client_secret, audience: audience },
    });
    global[cacheKey] = { accessToken: response.data.access_token, expirationDate: Date.now() + (response.data.expires_in - 60) * 1000 };
    return response.data.access_token;
  }

  async function call(audience, request) {
    request.headers = { authorization: 'Bearer ' + (await getToken(audience)) };
    request.timeout = 5000;
    return (await axios(request)).data;
  }

  async function enrich() {
    const groups = await call('urn:auth0-authz-api', { url: configuration.AUTHZ_EXTENSION_URL + '/users/' + userId + '/groups' });
    context.idToken[ns + 'groups'] = groups.map(function (g) { return { name: g.name, description: g.description }; });
    const body = await call(configuration.API_AUDIENCE, { url: configuration.API_BASE_URL + '/users/' + userId + '/entitlements' });
    context.idToken[ns + 'entitlements'] = body.entitlements;
    const names = groups.map(function (g) { return g.name; });
    const current = user.app_metadata && user.app_metadata.groups;
    if (JSON.stringify(current) !== JSON.stringify(names)) {
      await call('https://' + configuration.AUTH0_DOMAIN + '/api/v2/', {
        method: 'PATCH',
        url: 'https://' + configuration.AUTH0_DOMAIN + '/api/v2/users/' + userId,
        data: { app_metadata: { groups: names } },
      });
    }
  }

  enrich().then(
    function () { return callback(null, user, context); },
    function () { return callback(new UnauthorizedError('enrichment failed')); }
  );
}
