// The Management API scope sets the configuration checks grants against (infra/config.ts), in a
// module of their own so readers outside the program (the local tenant's servers) need not load
// the Pulumi SDK for two lists.

/**
 * Management API v2 scopes a stack may grant the login code without the privileged override. All
 * are reads or writes to user data; none lets a client change clients, grants, keys, APIs, code or
 * settings. Being listed here is not enough: a scope the mode's login code never calls
 * (infra/loginContract.ts) must also be acknowledged by name (`managementApiScopesBeyondLoginCode`).
 */
export const MANAGEMENT_SCOPES_ALLOWED: readonly string[] = [
    "read:users",
    "read:users_app_metadata",
    "update:users_app_metadata",
    "create:users_app_metadata",
    "read:roles",
    "read:role_members",
    "read:organizations",
    "read:organization_members",
    "read:organization_member_roles",
    "read:logs_users",
    "read:grants",
    "read:authentication_methods",
];

/**
 * Management API v2 scopes that let a client raise its own or others' privileges (create or
 * re-scope grants, rotate keys, create clients or APIs, replace login code, change tenant
 * settings, assign roles, edit users) or read users' credentials for other systems. Refused unless
 * `allowPrivilegedManagementScopes` is true.
 */
export const MANAGEMENT_SCOPES_PRIVILEGED: readonly string[] = [
    "*",
    // GET /api/v2/users/{id} then returns each identity's access_token and refresh_token for its
    // identity provider (Google, GitHub, Azure AD, ...): Auth0 docs, "Identity Provider Access
    // Tokens", https://auth0.com/docs/secure/tokens/access-tokens/identity-provider-access-tokens
    // ("you need an access token for the Management API that includes the read:user_idp_tokens
    // scope"). A holder can act as every user at those providers.
    "read:user_idp_tokens",
    "create:client_grants",
    "update:client_grants",
    "delete:client_grants",
    "create:clients",
    "update:clients",
    "delete:clients",
    "update:client_keys",
    "read:client_keys",
    "read:client_credentials",
    "create:client_credentials",
    "update:client_credentials",
    "delete:client_credentials",
    "create:resource_servers",
    "update:resource_servers",
    "delete:resource_servers",
    "create:rules",
    "update:rules",
    "delete:rules",
    "create:rules_configs",
    "update:rules_configs",
    "delete:rules_configs",
    "create:actions",
    "update:actions",
    "delete:actions",
    "update:triggers",
    "update:tenant_settings",
    "create:roles",
    "update:roles",
    "create:role_members",
    "delete:role_members",
    "create:users",
    "update:users",
    "delete:users",
    "create:connections",
    "update:connections",
    "update:signing_keys",
    "create:signing_keys",
    "create:organization_members",
    "create:organization_member_roles",
    "create:custom_domains",
    "update:custom_domains",
    "create:hooks",
    "update:hooks",
];

/** Why a privileged scope is refused, for the scopes whose danger is not raising privileges in Auth0. */
export const MANAGEMENT_SCOPE_RISKS: Readonly<Record<string, string>> = {
    "read:user_idp_tokens":
        "lets a client read users' identity-provider access tokens and refresh tokens (GET /api/v2/users/{id} returns them in identities[]; " +
        "https://auth0.com/docs/secure/tokens/access-tokens/identity-provider-access-tokens), so it can act as every user at Google, GitHub, Azure AD, ...",
};

/** What a privileged scope lets a client do, as refusals say it. */
export function privilegedScopeRisk(scope: string): string {
    return MANAGEMENT_SCOPE_RISKS[scope] ?? "lets a client raise its own or others' privileges";
}
