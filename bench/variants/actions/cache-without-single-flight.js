/**
 * Benchmark comparison only — never deployed. The approach of "How do I get an access token to
 * call Management API v2 from a rule?"
 * (https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970;
 * the bench labels it "seed 002") as an Action: tokens cached in module scope until expiry
 * minus 60 s, but every login that misses the cache requests its own token (no single-flight),
 * so a cold container stampedes the token endpoint.
 */
const tokens = {};

exports.onExecutePostLogin = async (event, api) => {
  const userId = encodeURIComponent(event.user.user_id);
  const groups = await call(event, 'urn:auth0-authz-api', event.secrets.AUTHZ_EXTENSION_URL + '/users/' + userId + '/groups');
  api.idToken.setCustomClaim(event.secrets.CLAIM_NAMESPACE + 'groups', groups.map((g) => ({ name: g.name, description: g.description })));
  const body = await call(event, event.secrets.API_AUDIENCE, event.secrets.API_BASE_URL + '/users/' + userId + '/entitlements');
  api.idToken.setCustomClaim(event.secrets.CLAIM_NAMESPACE + 'entitlements', body.entitlements);
  api.user.setAppMetadata('groups', groups.map((g) => g.name));
};

async function getToken(event, audience) {
  const key = event.secrets.M2M_CLIENT_ID + '_' + audience;
  const cached = tokens[key];
  if (cached && cached.expirationDate > Date.now()) return cached.accessToken;
  const response = await fetch('https://' + event.secrets.AUTH0_DOMAIN + '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: event.secrets.M2M_CLIENT_ID, client_secret: event.secrets.M2M_CLIENT_SECRET, audience: audience }),
    signal: AbortSignal.timeout(5000),
  });
  const body = await response.json();
  tokens[key] = { accessToken: body.access_token, expirationDate: Date.now() + (body.expires_in - 60) * 1000 };
  return body.access_token;
}

async function call(event, audience, url) {
  const token = await getToken(event, audience);
  const response = await fetch(url, { headers: { authorization: 'Bearer ' + token }, signal: AbortSignal.timeout(5000) });
  return response.json();
}
