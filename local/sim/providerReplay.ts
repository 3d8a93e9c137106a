/**
 * Replays the Management API calls of tools/deployerScopes.ts (what terraform-provider-auth0
 * v1.53.0 sends for each resource type and operation) against a tenant, with one token, in the
 * order the provider makes them. A deployer's scopes are enough exactly when every call of the
 * operations it runs succeeds; a call the token's scopes do not cover comes back 403.
 */
import { Dispatcher, fetch } from "undici";
import { ExtensibilityMode } from "../../infra/loginContract";
import { DATA_SOURCE_TYPES, RESOURCE_TYPES } from "../../infra/resourceTypes";
import { declaredTypes, PROVIDER_CALLS, ProviderCall, ProviderOperation } from "../../tools/deployerScopes";

export interface ReplayedCall {
    readonly call: ProviderCall;
    readonly status: number;
    readonly body: unknown;
}

const OPERATIONS: readonly ProviderOperation[] = ["create", "read", "update", "delete"];

/**
 * Runs `operations` of every type the stack declares in `mode`. Objects another type depends on
 * (the client of a grant, the API of its scopes, the action of a binding) are made first with
 * `setupToken`. Resolves with every call and its status; never throws on a 4xx.
 */
/** The id the rest of a lifecycle addresses: a client's client_id, anything else's id. */
const idOf = (type: string, body: Record<string, unknown>): string => String(type === RESOURCE_TYPES.client ? body.client_id : body.id);

export async function replayProviderCalls(
    origin: string,
    token: string,
    setupToken: string,
    mode: ExtensibilityMode,
    operations: readonly ProviderOperation[] = OPERATIONS,
    dispatcher?: Dispatcher,
): Promise<ReplayedCall[]> {
    const send = async (t: string, method: string, path: string, body?: unknown) => {
        const response = await fetch(origin + path, {
            method,
            dispatcher,
            headers: { authorization: `Bearer ${t}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    };
    const suffix = Math.random().toString(36).slice(2, 8);
    // Fixtures for the types that act on another object.
    const fixtureClient = (await send(setupToken, "POST", "/api/v2/clients", { name: `fixture-${suffix}`, app_type: "non_interactive" })).body!;
    const fixtureApi = `https://fixture-${suffix}.test/`;
    await send(setupToken, "POST", "/api/v2/resource-servers", { identifier: fixtureApi, name: `fixture-${suffix}` });
    const fixtureAction = (await send(setupToken, "POST", "/api/v2/actions/actions", { name: `fixture-${suffix}`, code: "exports.onExecutePostLogin = async () => {};", supported_triggers: [{ id: "post-login", version: "v3" }] })).body!;

    const ids: Record<string, string> = {
        [RESOURCE_TYPES.clientCredentials]: String(fixtureClient.client_id),
        [RESOURCE_TYPES.resourceServerScopes]: fixtureApi,
        [DATA_SOURCE_TYPES.getResourceServer]: fixtureApi,
        [RESOURCE_TYPES.triggerActions]: "post-login",
        [RESOURCE_TYPES.ruleConfig]: `FIXTURE_${suffix.toUpperCase()}`,
    };
    const bodyOf = (call: ProviderCall): unknown => {
        switch (`${call.type} ${call.method}`) {
            case `${RESOURCE_TYPES.client} POST`:
                return { name: `replay-${suffix}`, app_type: "non_interactive", grant_types: ["client_credentials"] };
            case `${RESOURCE_TYPES.client} PATCH`:
                return { description: "updated by the replay" };
            case `${RESOURCE_TYPES.clientCredentials} PATCH`:
                return call.scope === "update:client_keys" ? { client_secret: `replay-secret-${suffix}-${"x".repeat(40)}` } : { token_endpoint_auth_method: "client_secret_post" };
            case `${RESOURCE_TYPES.clientGrant} POST`:
                return { client_id: fixtureClient.client_id, audience: fixtureApi, scope: [], subject_type: "client" };
            case `${RESOURCE_TYPES.clientGrant} PATCH`:
                return { scope: ["read:replay"] };
            case `${RESOURCE_TYPES.resourceServer} POST`:
                return { identifier: `https://replay-${suffix}.test/`, name: `replay-${suffix}` };
            case `${RESOURCE_TYPES.resourceServer} PATCH`:
                return { token_lifetime: 3600 };
            case `${RESOURCE_TYPES.resourceServerScopes} PATCH`:
                return { scopes: call.operation === "delete" ? [] : [{ value: "read:replay", description: "replay" }] };
            case `${RESOURCE_TYPES.action} POST`:
                return call.path.endsWith("/deploy")
                    ? undefined
                    : { name: `replay-${suffix}`, code: "exports.onExecutePostLogin = async () => {};", supported_triggers: [{ id: "post-login", version: "v3" }], runtime: "node22", secrets: [{ name: "S", value: "v" }] };
            case `${RESOURCE_TYPES.action} PATCH`:
                return { code: "exports.onExecutePostLogin = async (event) => { void event; };" };
            case `${RESOURCE_TYPES.triggerActions} PATCH`:
                return { bindings: call.operation === "delete" ? [] : [{ ref: { type: "action_id", value: fixtureAction.id }, display_name: `fixture-${suffix}` }] };
            case `${RESOURCE_TYPES.rule} POST`:
                return { name: `replay-${suffix}`, script: "function (user, context, callback) { callback(null, user, context); }", order: 900_000 + Math.floor(Math.random() * 1000), enabled: true };
            case `${RESOURCE_TYPES.rule} PATCH`:
                return { enabled: true };
            case `${RESOURCE_TYPES.ruleConfig} PUT`:
                return { value: "replayed" };
            default:
                return undefined;
        }
    };

    const replayed: ReplayedCall[] = [];
    for (const type of declaredTypes(mode)) {
        const create = PROVIDER_CALLS.find((c) => c.type === type && c.operation === "create" && c.method === "POST");
        // Without the create in this replay (a read-only deployer), the object is made by setup.
        if (!operations.includes("create") && create && !ids[type]) {
            const { body } = await send(setupToken, "POST", create.path, bodyOf(create));
            if (body) ids[type] = idOf(type, body);
        }
        for (const operation of operations) {
            for (const call of PROVIDER_CALLS.filter((c) => c.type === type && c.operation === operation)) {
                const path = call.path.replace(/\{[a-z_]+\}/, () => encodeURIComponent(ids[type] ?? "missing-id"));
                const { status, body } = await send(token, call.method, path, bodyOf(call));
                replayed.push({ call, status, body });
                // The create's POST gives the id the rest of the lifecycle works on.
                if (call.method === "POST" && status < 300 && !ids[type] && body) ids[type] = idOf(type, body);
            }
        }
    }
    return replayed;
}
