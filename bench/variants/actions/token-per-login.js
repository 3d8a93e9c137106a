/**
 * Benchmark comparison only — never deployed. The approach of "Call API From Rule"
 * (https://community.auth0.com/t/call-api-from-rule/106093; the bench labels it "seed 000") as
 * an Action: a fresh M2M token for every API call of every login, no cache. Same calls and
 * claims as the real file.
 */
exports.onExecutePostLogin = async (event, api) => {
  const userId = encodeURIComponent(event.user.user_id);
  const groups = await call(event, 'urn:auth0-authz-api', event.secrets.AUTHZ_EXTENSION_URL + '/users/' + userId + '/groups');
  api.idToken.setCustomClaim(event.secrets.CLAIM_NAMESPACE + 'groups', groups.map((g) => ({ name: g.name, description: g.description })));
  const body = await call(event, event.secrets.API_AUDIENCE, event.secrets.API_BASE_URL + '/users/' + userId + '/entitlements');
  api.idToken.setCustomClaim(event.secrets.CLAIM_NAMESPACE + 'entitlements', body.entitlements);
  api.user.setAppMetadata('groups', groups.map((g) => g.name));
};

async function call(event, audience, url) {
  const tokenResponse = await fetch('https://' + event.secrets.AUTH0_DOMAIN + '/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: event.secrets.M2M_CLIENT_ID, client_secret: event.secrets.M2M_CLIENT_SECRET, audience: audience }),
    signal: AbortSignal.timeout(5000),
  });
  const token = (await tokenResponse.json()).access_token;
  const response = await fetch(url, { headers: { authorization: 'Bearer ' + token }, signal: AbortSignal.timeout(5000) });
  return response.json();
}
