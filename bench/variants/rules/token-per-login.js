/**
 * Benchmark comparison only — never deployed. The approach of "Call API From Rule"
 * (https://community.auth0.com/t/call-api-from-rule/106093; the bench labels it "seed 000") as a
 * Rule, with its bugs fixed so it can be measured (it waits for its requests and calls callback
 * once): a fresh M2M token for every API call of every login, no cache.
 */
function tokenPerLogin(user, context, callback) {
  const axios = require('axios@0.19.2');
  const userId = encodeURIComponent(user.user_id);
  const ns = configuration.CLAIM_NAMESPACE;
  // The stack hands rules the credential as one JSON value (M2M_CREDENTIALS).
  const credentials = JSON.parse(configuration.M2M_CREDENTIALS);

  async function call(audience, request) {
    const tokenResponse = await axios({
      method: 'POST',
      url: 'https://' + configuration.AUTH0_DOMAIN + '/oauth/token',
      timeout: 5000,
      data: { grant_type: 'client_credentials', client_id: credentials.client_id, client_secret: credentials.client_secret, audience: audience },
    });
    request.headers = { authorization: 'Bearer ' + tokenResponse.data.access_token };
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
