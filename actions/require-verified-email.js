/**
 * Require a verified email — post-login Action (Node 22).
 *
 * Purpose: refuse the login of a user whose email address is not verified.
 * Order: first in the post-login flow. It costs nothing (no network), so it runs before
 *   enrich-from-apis: a user who will be refused never triggers a token request or an API call.
 * Secrets: none.
 * Failure behaviour: there is no dependency to fail. An unverified (or absent) `email_verified`
 *   denies the login with `api.access.deny`; the reason names the condition, not the user.
 */
exports.onExecutePostLogin = async (event, api) => {
  if (event.user.email_verified === true) {
    return;
  }
  console.log('require-verified-email user_id=' + event.user.user_id + ' step=email: denied, email not verified');
  api.access.deny('Please verify your email address before logging in.');
};
