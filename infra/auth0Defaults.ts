/** What Auth0 does when a setting is left out, for the program and for the offline tenant that stands in for Auth0. */

/**
 * The access token lifetime of an API that sets none, in seconds
 * (https://auth0.com/docs/secure/tokens/access-tokens/update-access-token-lifetime: "24 hours").
 * It is the stack's default too (CONFIG_DEFAULTS.apiTokenLifetime, infra/config/keys.ts), which
 * Pulumi.yaml's `apiTokenLifetime` default repeats (YAML imports nothing); a test holds them equal.
 */
export const AUTH0_DEFAULT_TOKEN_LIFETIME_S = 86_400;
