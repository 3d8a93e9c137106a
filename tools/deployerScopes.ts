/**
 * Every Management API call the Auth0 provider makes for what this stack declares, and the scope
 * Auth0 documents for it: the one table the deployer's least-privilege scopes, the docs' scope
 * lists (tools/scopeDocs.ts) and the local Management API (local/tenant/) come from.
 *
 * Provider: terraform-provider-auth0 v1.53.0 (commit 7ab86e5310e6), the version @pulumi/auth0
 * 3.49.0 wraps; paths from the SDK it calls, go-auth0 v1.33.0 (commit e9bf8e5a24a1),
 * `management/*.go`. Each row names the provider file and line of the call.
 *
 * Cross-checked against the provider's own recorded traffic against a real tenant
 * (test/data/recordings/ at v1.53.0): TestAccClientCredentialsWriteOnlySecret.yaml shows, for a
 * `non_interactive` client with `client_secret_post` and `client_secret_wo`, create =
 * GET /clients/{id}?fields=client_id, PATCH /clients/{id} (auth method), PATCH /clients/{id}
 * (secret), GET /clients/{id}; every read = GET /clients/{id} only (no credentials list: the
 * client has no `client_authentication_methods`, so flatten.go:984 never runs); delete =
 * GET /clients/{id}?fields=client_id,app_type, GET /clients/{id}/credentials, PATCH /clients/{id}.
 * TestAccRuleConfig.yaml shows a rule-config read as GET /rules-configs (go-auth0's
 * RuleConfig.Read lists and filters: rule_config.go:30). Checked once (2026-12-01) over the whole
 * recordings of TestAcc{Action,ActionWithSecretsWO,TriggerActions,Rule,RuleConfig,ClientGrant,
 * ResourceServer,ResourceServerScopes,ClientCredentialsWriteOnlySecret}.yaml: they hold exactly
 * the 28 (method, path) pairs of this table, none missing either way. A ClientCredentials read lists /clients/{id}/credentials only
 * in the delete in these recordings: the code calls flatten.go:984 only for credentials the client has.
 *
 * Scopes: Auth0 Management API v2 reference, one page per endpoint
 * (https://auth0.com/docs/api/management/v2/<group>/<operation>); the field-level rules for
 * clients are quoted from the reference as the official `auth0` SDK 7.1.0 ships it
 * (node_modules/auth0/reference.md, "Update a client": "The `client_secret` and `signing_key`
 * attributes can only be updated with the `update:client_keys` scope"; "Get a client":
 * `client_secret` and `client_authentication_methods` "can only be retrieved with the
 * `read:client_keys` or `read:client_credentials` scopes").
 *
 * Auth0's endpoint pages render their Scopes section client-side, so the stored copies of them
 * lack it; where the scope is not `<verb>:<collection>` of the path, its source is:
 * - GET /clients/{id}/credentials: `read:client_credentials`, the scope auth0/auth0-bash's
 *   list-credentials script (by an Auth0 engineer) checks before calling it, and what withone.ai's
 *   Auth0 Management knowledge base gives for the credential endpoints;
 * - POST /actions/actions/{id}/deploy: `create:actions` (withone.ai, "Roll Back (Deploy) a
 *   Specific Version of an Action"; the deploy page itself says only "enforced by the API");
 * - GET / PATCH /actions/triggers/{trigger}/bindings: `read:actions` / `update:actions` (withone.ai,
 *   "List an Action Trigger's Bindings", "Update an Action Trigger's Bindings"), not
 *   `read:triggers` / `update:triggers`.
 * These three are the table's least certain rows: check them against the tenant's API Explorer.
 */
import { ExtensibilityMode } from "../infra/loginContract";
import { DATA_SOURCE_TYPES, RESOURCE_TYPES } from "../infra/resourceTypes";

export type ProviderOperation = "create" | "read" | "update" | "delete";
export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface ProviderCall {
    /** Pulumi type token of the resource (or function) the call serves. */
    readonly type: string;
    readonly operation: ProviderOperation;
    readonly method: HttpMethod;
    /** Path under https://<domain>; `{id}` etc. are path parameters. */
    readonly path: string;
    /** The scope Auth0 documents for this call (the token must carry it). */
    readonly scope: string;
    /** terraform-provider-auth0 v1.53.0 file:line of the call. */
    readonly source: string;
    /** When the provider makes the call only under a condition this stack meets, what it is. */
    readonly when?: string;
}

const TF = "internal/auth0";

const client = (operation: ProviderOperation, method: HttpMethod, path: string, scope: string, source: string, when?: string): ProviderCall =>
    ({ type: RESOURCE_TYPES.client, operation, method, path, scope, source, when });
const credentials = (operation: ProviderOperation, method: HttpMethod, path: string, scope: string, source: string, when?: string): ProviderCall =>
    ({ type: RESOURCE_TYPES.clientCredentials, operation, method, path, scope, source, when });
const grant = (operation: ProviderOperation, method: HttpMethod, path: string, scope: string, source: string): ProviderCall =>
    ({ type: RESOURCE_TYPES.clientGrant, operation, method, path, scope, source });
const server = (type: string, operation: ProviderOperation, method: HttpMethod, path: string, scope: string, source: string): ProviderCall =>
    ({ type, operation, method, path, scope, source });
const action = (type: string, operation: ProviderOperation, method: HttpMethod, path: string, scope: string, source: string, when?: string): ProviderCall =>
    ({ type, operation, method, path, scope, source, when });

/** Every call, per resource type and operation; a create or update ends with the read it returns. */
export const PROVIDER_CALLS: readonly ProviderCall[] = [
    // auth0.Client: client/resource.go
    client("create", "POST", "/api/v2/clients", "create:clients", `${TF}/client/resource.go:1800`),
    client("create", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource.go:1813`),
    client("read", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource.go:1813`),
    client("update", "PATCH", "/api/v2/clients/{id}", "update:clients", `${TF}/client/resource.go:1837`),
    client("update", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource.go:1813`),
    client("delete", "DELETE", "/api/v2/clients/{id}", "delete:clients", `${TF}/client/resource.go:1849`),

    // auth0.ClientCredentials (client_secret_post, clientSecretWo): client/resource_credentials.go
    credentials("create", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource_credentials.go:34`),
    credentials("create", "PATCH", "/api/v2/clients/{id}", "update:clients", `${TF}/client/resource_credentials.go:740`, "token_endpoint_auth_method"),
    credentials("create", "PATCH", "/api/v2/clients/{id}", "update:client_keys", `${TF}/client/resource_credentials.go:753`, "client_secret (write-only value)"),
    credentials("create", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource_credentials.go:74`),
    // With clientSecretWoVersion set the secret is never read back (flatten.go:834), so no
    // read:client_keys; a client_secret_post client has no client_authentication_methods, so
    // flatten.go:984 (GET /clients/{id}/credentials/{credential_id}) never runs.
    credentials("read", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource_credentials.go:74`),
    credentials("update", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource_credentials.go:86`),
    credentials("update", "PATCH", "/api/v2/clients/{id}", "update:clients", `${TF}/client/resource_credentials.go:740`, "token_endpoint_auth_method, when it changes"),
    credentials("update", "PATCH", "/api/v2/clients/{id}", "update:client_keys", `${TF}/client/resource_credentials.go:753`, "client_secret, when clientSecretWoVersion changes (a rotation)"),
    credentials("update", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource_credentials.go:74`),
    credentials("delete", "GET", "/api/v2/clients/{id}", "read:clients", `${TF}/client/resource_credentials.go:151`),
    credentials("delete", "GET", "/api/v2/clients/{id}/credentials", "read:client_credentials", `${TF}/client/resource_credentials.go:166`),
    credentials("delete", "PATCH", "/api/v2/clients/{id}", "update:clients", `${TF}/client/resource_credentials.go:185`, "token_endpoint_auth_method back to the app type's default"),

    // auth0.ClientGrant: client/resource_grant.go
    grant("create", "GET", "/api/v2/client-grants", "read:client_grants", `${TF}/client/resource_grant.go:122`),
    grant("create", "POST", "/api/v2/client-grants", "create:client_grants", `${TF}/client/resource_grant.go:147`),
    grant("create", "GET", "/api/v2/client-grants/{id}", "read:client_grants", `${TF}/client/resource_grant.go:169`),
    grant("read", "GET", "/api/v2/client-grants/{id}", "read:client_grants", `${TF}/client/resource_grant.go:169`),
    grant("update", "PATCH", "/api/v2/client-grants/{id}", "update:client_grants", `${TF}/client/resource_grant.go:190`),
    grant("update", "GET", "/api/v2/client-grants/{id}", "read:client_grants", `${TF}/client/resource_grant.go:169`),
    grant("delete", "DELETE", "/api/v2/client-grants/{id}", "delete:client_grants", `${TF}/client/resource_grant.go:201`),

    // auth0.ResourceServer: resourceserver/resource.go
    server(RESOURCE_TYPES.resourceServer, "create", "POST", "/api/v2/resource-servers", "create:resource_servers", `${TF}/resourceserver/resource.go:369`),
    server(RESOURCE_TYPES.resourceServer, "create", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource.go:489`),
    server(RESOURCE_TYPES.resourceServer, "read", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource.go:489`),
    server(RESOURCE_TYPES.resourceServer, "update", "PATCH", "/api/v2/resource-servers/{id}", "update:resource_servers", `${TF}/resourceserver/resource.go:383`),
    server(RESOURCE_TYPES.resourceServer, "update", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource.go:489`),
    server(RESOURCE_TYPES.resourceServer, "delete", "DELETE", "/api/v2/resource-servers/{id}", "delete:resource_servers", `${TF}/resourceserver/resource.go:508`),

    // auth0.ResourceServerScopes: resourceserver/resource_scopes.go (the id is the identifier)
    server(RESOURCE_TYPES.resourceServerScopes, "create", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource_scopes.go:63`),
    server(RESOURCE_TYPES.resourceServerScopes, "create", "PATCH", "/api/v2/resource-servers/{id}", "update:resource_servers", `${TF}/resourceserver/resource_scopes.go:81`),
    server(RESOURCE_TYPES.resourceServerScopes, "create", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource_scopes.go:93`),
    server(RESOURCE_TYPES.resourceServerScopes, "read", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource_scopes.go:93`),
    server(RESOURCE_TYPES.resourceServerScopes, "update", "PATCH", "/api/v2/resource-servers/{id}", "update:resource_servers", `${TF}/resourceserver/resource_scopes.go:110`),
    server(RESOURCE_TYPES.resourceServerScopes, "update", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/resource_scopes.go:93`),
    server(RESOURCE_TYPES.resourceServerScopes, "delete", "PATCH", "/api/v2/resource-servers/{id}", "update:resource_servers", `${TF}/resourceserver/resource_scopes.go:124`),

    // auth0.getResourceServer (the Authorization Extension's API): resourceserver/data_source.go
    server(DATA_SOURCE_TYPES.getResourceServer, "read", "GET", "/api/v2/resource-servers/{id}", "read:resource_servers", `${TF}/resourceserver/data_source.go:71`),

    // auth0.Action (deploy: true): action/resource.go, action/expand.go
    action(RESOURCE_TYPES.action, "create", "POST", "/api/v2/actions/actions", "create:actions", `${TF}/action/resource.go:215`),
    action(RESOURCE_TYPES.action, "create", "GET", "/api/v2/actions/actions/{id}", "read:actions", `${TF}/action/resource.go:279`),
    action(RESOURCE_TYPES.action, "create", "POST", "/api/v2/actions/actions/{id}/deploy", "create:actions", `${TF}/action/resource.go:302`),
    action(RESOURCE_TYPES.action, "create", "GET", "/api/v2/actions/actions/{id}", "read:actions", `${TF}/action/resource.go:231`),
    action(RESOURCE_TYPES.action, "read", "GET", "/api/v2/actions/actions/{id}", "read:actions", `${TF}/action/resource.go:231`),
    action(RESOURCE_TYPES.action, "update", "GET", "/api/v2/actions/actions/{id}", "read:actions", `${TF}/action/expand.go:158`, "secrets changed: the unmanaged-secret check"),
    action(RESOURCE_TYPES.action, "update", "PATCH", "/api/v2/actions/actions/{id}", "update:actions", `${TF}/action/resource.go:249`),
    action(RESOURCE_TYPES.action, "update", "POST", "/api/v2/actions/actions/{id}/deploy", "create:actions", `${TF}/action/resource.go:302`),
    action(RESOURCE_TYPES.action, "update", "GET", "/api/v2/actions/actions/{id}", "read:actions", `${TF}/action/resource.go:231`),
    action(RESOURCE_TYPES.action, "delete", "DELETE", "/api/v2/actions/actions/{id}", "delete:actions", `${TF}/action/resource.go:263`),

    // auth0.TriggerActions: action/resource_trigger_actions.go
    action(RESOURCE_TYPES.triggerActions, "create", "PATCH", "/api/v2/actions/triggers/{trigger}/bindings", "update:actions", `${TF}/action/resource_trigger_actions.go:80`),
    action(RESOURCE_TYPES.triggerActions, "create", "GET", "/api/v2/actions/triggers/{trigger}/bindings", "read:actions", `${TF}/action/resource_trigger_actions.go:95`),
    action(RESOURCE_TYPES.triggerActions, "read", "GET", "/api/v2/actions/triggers/{trigger}/bindings", "read:actions", `${TF}/action/resource_trigger_actions.go:95`),
    action(RESOURCE_TYPES.triggerActions, "update", "PATCH", "/api/v2/actions/triggers/{trigger}/bindings", "update:actions", `${TF}/action/resource_trigger_actions.go:122`),
    action(RESOURCE_TYPES.triggerActions, "update", "GET", "/api/v2/actions/triggers/{trigger}/bindings", "read:actions", `${TF}/action/resource_trigger_actions.go:95`),
    action(RESOURCE_TYPES.triggerActions, "delete", "PATCH", "/api/v2/actions/triggers/{trigger}/bindings", "update:actions", `${TF}/action/resource_trigger_actions.go:132`),

    // auth0.Rule: rule/resource.go
    action(RESOURCE_TYPES.rule, "create", "POST", "/api/v2/rules", "create:rules", `${TF}/rule/resource.go:73`),
    action(RESOURCE_TYPES.rule, "create", "GET", "/api/v2/rules/{id}", "read:rules", `${TF}/rule/resource.go:84`),
    action(RESOURCE_TYPES.rule, "read", "GET", "/api/v2/rules/{id}", "read:rules", `${TF}/rule/resource.go:84`),
    action(RESOURCE_TYPES.rule, "update", "PATCH", "/api/v2/rules/{id}", "update:rules", `${TF}/rule/resource.go:97`),
    action(RESOURCE_TYPES.rule, "update", "GET", "/api/v2/rules/{id}", "read:rules", `${TF}/rule/resource.go:84`),
    action(RESOURCE_TYPES.rule, "delete", "DELETE", "/api/v2/rules/{id}", "delete:rules", `${TF}/rule/resource.go:107`),

    // auth0.RuleConfig: rule/resource_config.go; a read lists every key (go-auth0 rule_config.go:30)
    action(RESOURCE_TYPES.ruleConfig, "create", "PUT", "/api/v2/rules-configs/{key}", "update:rules_configs", `${TF}/rule/resource_config.go:51`),
    action(RESOURCE_TYPES.ruleConfig, "create", "GET", "/api/v2/rules-configs", "read:rules_configs", `${TF}/rule/resource_config.go:63`),
    action(RESOURCE_TYPES.ruleConfig, "read", "GET", "/api/v2/rules-configs", "read:rules_configs", `${TF}/rule/resource_config.go:63`),
    action(RESOURCE_TYPES.ruleConfig, "update", "PUT", "/api/v2/rules-configs/{key}", "update:rules_configs", `${TF}/rule/resource_config.go:77`),
    action(RESOURCE_TYPES.ruleConfig, "update", "GET", "/api/v2/rules-configs", "read:rules_configs", `${TF}/rule/resource_config.go:63`),
    action(RESOURCE_TYPES.ruleConfig, "delete", "DELETE", "/api/v2/rules-configs/{key}", "delete:rules_configs", `${TF}/rule/resource_config.go:87`),
];

/** Auth0 types the stack declares in every mode, and per mode. */
const COMMON_TYPES = [RESOURCE_TYPES.client, RESOURCE_TYPES.clientCredentials, RESOURCE_TYPES.clientGrant, RESOURCE_TYPES.resourceServer, RESOURCE_TYPES.resourceServerScopes, DATA_SOURCE_TYPES.getResourceServer];
const MODE_TYPES: Record<ExtensibilityMode, readonly string[]> = { actions: [RESOURCE_TYPES.action, RESOURCE_TYPES.triggerActions], rules: [RESOURCE_TYPES.rule, RESOURCE_TYPES.ruleConfig] };

/** The Auth0 types a stack in `mode` declares (infra/index.ts). */
export function declaredTypes(mode: ExtensibilityMode): readonly string[] {
    return [...COMMON_TYPES, ...MODE_TYPES[mode]];
}

/**
 * The calls scripts/check-login-drift.ts makes beyond the provider's reads (its Action and binding
 * reads are the provider's own, above), with the read-only deployer drift.yml gives it:
 * - GET /api/v2/logs, `read:logs` (Management API v2 reference, "Search log events":
 *   https://auth0.com/docs/api/management/v2/logs/get-logs): the failed logins (event type `f`,
 *   https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes) are the only trace a rule
 *   config changed by hand leaves, since no API returns a rule config's value.
 */
export const DRIFT_CHECK_CALLS: readonly { readonly method: HttpMethod; readonly path: string; readonly scope: string }[] = [
    { method: "GET", path: "/api/v2/logs", scope: "read:logs" },
];

/**
 * The two deployers:
 * - `write`: runs `pulumi up` / `destroy`: every call of every operation;
 * - `preview`: runs `pulumi preview` (with `--refresh` for drift) and drift.yml's
 *   check-login-drift: reads only. A preview computes diffs without calling the provider's
 *   create/update/delete, and a refresh calls `read` (and the lookups); so it needs no write
 *   scope and no key material (`*:client_keys`, `*:client_credentials`) of any kind.
 */
export type DeployerRole = "write" | "preview";

/** The least-privilege scopes of `role` for a stack in `mode`, sorted, from the table. */
export function deployerScopes(role: DeployerRole, mode: ExtensibilityMode): string[] {
    const types = new Set(declaredTypes(mode));
    const calls = PROVIDER_CALLS.filter((c) => types.has(c.type) && (role === "write" || c.operation === "read"));
    const checks = role === "preview" ? DRIFT_CHECK_CALLS : [];
    return [...new Set([...calls, ...checks].map((c) => c.scope))].sort();
}

/**
 * The calls `npm run bootstrap` (tools/bootstrapDeployers.ts) makes with a one-off token to
 * create the two deployers, each with the scope Auth0's Management API v2 reference gives it:
 * Get clients (GET /api/v2/clients, read:clients; paged by `page`/`per_page`, recorded in
 * terraform-provider-auth0 v1.53.0 test/data/recordings/TestAccDataClients.yaml), Create a client
 * (create:clients), Get a client for its secret (read:client_keys: the field rule quoted above),
 * Get client grants and Create client grant (read:client_grants, create:client_grants).
 */
export const BOOTSTRAP_CALLS: readonly { readonly method: HttpMethod; readonly path: string; readonly scope: string }[] = [
    { method: "GET", path: "/api/v2/clients", scope: "read:clients" },
    { method: "POST", path: "/api/v2/clients", scope: "create:clients" },
    { method: "GET", path: "/api/v2/clients/{id}", scope: "read:clients" },
    { method: "GET", path: "/api/v2/client-grants", scope: "read:client_grants" },
    { method: "POST", path: "/api/v2/client-grants", scope: "create:client_grants" },
];

/** The scopes of the one-off token `npm run bootstrap` needs: its calls', and read:client_keys for the new secrets. */
export const BOOTSTRAP_TOKEN_SCOPES: readonly string[] = [...new Set([...BOOTSTRAP_CALLS.map((c) => c.scope), "read:client_keys"])].sort();

/** Scopes that hand out or change key material: never for the preview deployer. */
export const KEY_MATERIAL_SCOPE = /:(client_keys|client_credentials|signing_keys|encryption_keys)$/;

/**
 * The lists `npm run adopt` (tools/adopt.ts readTenant) reads through the official `auth0` SDK
 * 7.1.0 to match the stack with a hand-made tenant, each with the scope of its Management API v2
 * reference page (Get resource servers, Get clients, Get client grants, Get rules, Get rules
 * configs, Get actions). Only the lists of the stack's mode are read, so every scope is one the
 * stack's read-only preview deployer already holds (`deployerScopes("preview", mode)`).
 */
export const ADOPT_CALLS: readonly { readonly method: HttpMethod; readonly path: string; readonly scope: string; readonly modes: readonly ExtensibilityMode[] }[] = [
    { method: "GET", path: "/api/v2/resource-servers", scope: "read:resource_servers", modes: ["actions", "rules"] },
    { method: "GET", path: "/api/v2/clients", scope: "read:clients", modes: ["actions", "rules"] },
    { method: "GET", path: "/api/v2/client-grants", scope: "read:client_grants", modes: ["actions", "rules"] },
    { method: "GET", path: "/api/v2/rules", scope: "read:rules", modes: ["rules"] },
    { method: "GET", path: "/api/v2/rules-configs", scope: "read:rules_configs", modes: ["rules"] },
    { method: "GET", path: "/api/v2/actions/actions", scope: "read:actions", modes: ["actions"] },
];

/** The scopes `npm run adopt` needs for a stack in `mode`, sorted. */
export function adoptScopes(mode: ExtensibilityMode): string[] {
    return [...new Set(ADOPT_CALLS.filter((c) => c.modes.includes(mode)).map((c) => c.scope))].sort();
}
