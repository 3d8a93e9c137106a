import { CONFIG_DEFAULTS } from "../../infra/config/keys";
import { MANAGEMENT_SCOPES_ALLOWED, MANAGEMENT_SCOPES_PRIVILEGED } from "../../infra/managementScopes";
import { DRIFT_CHECK_CALLS, PROVIDER_CALLS } from "../../tools/deployerScopes";
import { Audience, AUTHZ_EXTENSION_AUDIENCE, FailurePolicy, scopesNeeded, ExtensibilityMode } from "../../infra/loginContract";
import { LoginUser } from "../runtime/types";

/** The Management API's identifier; `{domain}` becomes the local tenant's host:port at start. */
export const MANAGEMENT_API = "https://{domain}/api/v2/";
/** The Authorization Extension API's identifier, as the local servers name it. */
export const AUTHZ_EXTENSION_API = AUTHZ_EXTENSION_AUDIENCE;

/**
 * Scopes the local Management API knows; grants may only use these. The same sets the stack's
 * configuration accepts (infra/config.ts), so any stack that passes validation can be served.
 */
export const MANAGEMENT_API_SCOPES: readonly string[] = [
    ...MANAGEMENT_SCOPES_ALLOWED,
    ...MANAGEMENT_SCOPES_PRIVILEGED.filter((s) => s !== "*"),
    // What a deploying or adopting client reads (README, "Deploying to a tenant").
    ...["read:clients", "read:client_grants", "read:resource_servers", "read:rules", "read:rules_configs", "read:actions"],
    // Every scope the provider's calls need (tools/deployerScopes.ts), so a deployer can be modelled.
    ...PROVIDER_CALLS.map((call) => call.scope),
    // and the drift check's (the read-only deployer runs it).
    ...DRIFT_CHECK_CALLS.map((call) => call.scope),
].filter((scope, i, all) => all.indexOf(scope) === i);

export interface ClientModel {
    readonly id: string;
    readonly secret: string;
}

export interface ApiModel {
    readonly identifier: string;
    readonly scopes: readonly string[];
    /** Lifetime of the access tokens issued for this API, seconds. Default 86400 (Auth0's). */
    readonly tokenLifetimeS?: number;
}

export interface GrantModel {
    readonly clientId: string;
    /** An API identifier, or MANAGEMENT_API. */
    readonly audience: string;
    readonly scopes: readonly string[];
}

/** A user of the tenant: the fields the login code sees at login. */
export type UserModel = LoginUser;

export interface GroupModel {
    readonly _id: string;
    readonly name: string;
    readonly description: string;
    /** user_ids of the members. */
    readonly members: readonly string[];
}

/**
 * A tenant as data: what the local servers serve. The Management API is always there (as in
 * Auth0); the Authorization Extension API is served when `apis` declares AUTHZ_EXTENSION_API.
 */
export interface TenantModel {
    readonly clients: readonly ClientModel[];
    /** APIs other than the Management API. */
    readonly apis: readonly ApiModel[];
    readonly grants: readonly GrantModel[];
    readonly users: readonly UserModel[];
    readonly groups: readonly GroupModel[];
    /** Entitlements the custom API returns, by user_id. */
    readonly entitlements: Readonly<Record<string, readonly string[]>>;
    /** Identifier of the API that serves the contract's "api" calls (the entitlements). */
    readonly customApi: string;
}

/** The failure policies the stack sets when its config names none (CONFIG_DEFAULTS, infra/config/keys.ts). */
export const STACK_DEFAULT_POLICIES: Readonly<Record<"groups" | "api" | "management", FailurePolicy>> = {
    groups: CONFIG_DEFAULTS.failurePolicyGroups,
    api: CONFIG_DEFAULTS.failurePolicyApi,
    management: CONFIG_DEFAULTS.failurePolicyManagement,
};

/** The grants the login code of `mode` needs for `client`: exactly the contract's scopes. */
export function contractGrants(mode: ExtensibilityMode, clientId: string, customApi: string): GrantModel[] {
    const identifiers: Record<Audience, string> = {
        api: customApi,
        authzExtension: AUTHZ_EXTENSION_API,
        managementApi: MANAGEMENT_API,
    };
    return (Object.keys(identifiers) as Audience[])
        .map((audience) => ({ clientId, audience: identifiers[audience], scopes: scopesNeeded(audience, mode) }))
        .filter((grant) => grant.scopes.length > 0);
}
