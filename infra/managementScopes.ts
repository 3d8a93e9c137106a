// The Management API scope sets the configuration checks grants against (infra/config.ts), in a
// module of their own so readers outside the program (the local tenant's servers) need not load
// the Pulumi SDK for two lists.

/**
 * Management API v2 scopes the login code may be granted without an override. All are reads or
 * writes to user data; none lets a client change clients, grants, keys, APIs, code or settings.
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
    "read:user_idp_tokens",
    "read:logs_users",
    "read:grants",
    "read:authentication_methods",
];

/**
 * Management API v2 scopes that let a client raise its own or others' privileges (create or
 * re-scope grants, rotate keys, create clients or APIs, replace login code, change tenant
 * settings, assign roles, edit users). Refused unless `allowPrivilegedManagementScopes` is true.
 */
export const MANAGEMENT_SCOPES_PRIVILEGED: readonly string[] = [
    "*",
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
