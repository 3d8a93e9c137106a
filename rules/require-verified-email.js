/**
 * Require a verified email — Rule.
 *
 * Purpose: refuse the login of a user whose email address is not verified.
 * Order: first. It costs nothing (no network), so it runs before enrich-from-apis: a user who
 *   will be refused never triggers a token request or an API call (the advice of "Call API From
 *   Rule", https://community.auth0.com/t/call-api-from-rule/106093).
 * Configuration: none.
 * Failure behaviour: there is no dependency to fail. An unverified (or absent) `email_verified`
 *   ends the login with `UnauthorizedError`; `callback` is called exactly once on every path.
 */
function requireVerifiedEmail(user, context, callback) {
  if (user.email_verified === true) {
    return callback(null, user, context);
  }
  console.log('require-verified-email user_id=' + user.user_id + ' step=email: denied, email not verified');
  return callback(new UnauthorizedError('Please verify your email address before logging in.'));
}
