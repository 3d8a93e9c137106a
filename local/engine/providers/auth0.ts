/**
 * The provider double: Create, Read, Update and Delete of every type the stack declares, made the
 * way the pinned providers make them — the Management API calls of tools/deployerScopes.ts's
 * PROVIDER_CALLS (method, path, the provider file:line of each), the fields each sends, what Read
 * copies back into state and what it never reads — against the local tenant's Management API,
 * with a deployer's scopes (the API refuses a call the token's scopes do not cover).
 *
 * Sources (terraform-provider-auth0 v1.53.0, `internal/auth0/`; the lines are PROVIDER_CALLS'):
 * - what Read copies back: each type's `flatten.go`; the client secret is never read once
 *   `client_secret_wo_version` is set (client/flatten.go 834-838), so a secret rotated in the
 *   dashboard is invisible to a refresh; an Action's `secrets_wo` values are write-only and Auth0
 *   returns secret names only; a rule config's value never leaves the tenant
 *   (GET /rules-configs lists keys: go-auth0 management/rule_config.go:30);
 * - the client secret is PATCHed only when `client_secret_wo_version` changes
 *   (client/resource_credentials.go 749-756), the auth method only when it changes (740);
 * - TriggerActions PATCHes the whole trigger's bindings (action/resource_trigger_actions.go 80, 122)
 *   and empties them on delete (132);
 * - a grant's create first looks the (client, audience) pair up (client/resource_grant.go:122),
 *   with the query recorded in test/data/recordings/TestAccClientGrant.yaml.
 * random.RandomPassword and command:local:Command make no Management API call: their outputs are
 * kept as the engine double computes them (local/engine/deployment.ts computedOutput).
 */
import { ProviderOperation } from "../../../tools/deployerScopes";
import { LocalManagementApi, Reply } from "../../tenant/managementApi";
import { Props, Secret, Value, reveal } from "../wire";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

export interface ProviderCallMade {
    readonly type: string;
    readonly operation: ProviderOperation;
    readonly method: string;
    readonly path: string;
    readonly query: string;
    readonly body: unknown;
    readonly status: number;
}

/** One Management API call with the deployer's token: (method, path, query, body) → reply. */
export type ManagementTransport = (method: string, path: string, query: URLSearchParams, body: Record<string, unknown>) => Reply;

/** The local tenant's Management API, called in-process with a token carrying `scopes`. */
export function inProcessTransport(api: LocalManagementApi, scopes: readonly string[]): ManagementTransport {
    return (method, path, query, body) => api.handle(method, path, query, body, scopes);
}

export class ProviderError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

type Item = Record<string, unknown>;
const plain = (v: Value): unknown => reveal(v);
const str = (v: Value): string => String(plain(v));

/** The types the double serves. */
export const SERVED_TYPES = [
    RESOURCE_TYPES.resourceServer,
    RESOURCE_TYPES.resourceServerScopes,
    RESOURCE_TYPES.client,
    RESOURCE_TYPES.clientCredentials,
    RESOURCE_TYPES.clientGrant,
    RESOURCE_TYPES.action,
    RESOURCE_TYPES.triggerActions,
    RESOURCE_TYPES.rule,
    RESOURCE_TYPES.ruleConfig,
] as const;

export interface Created {
    readonly id: string;
    /** What the provider's read after the create puts in state (inputs and computed outputs). */
    readonly outputs: Props;
}

export class Auth0ProviderDouble {
    /** Every call made, in order, for tests and the drift lab. */
    readonly calls: ProviderCallMade[] = [];

    constructor(private readonly transport: ManagementTransport) {}

    serves(type: string): boolean {
        return (SERVED_TYPES as readonly string[]).includes(type);
    }

    private call(type: string, operation: ProviderOperation, method: string, path: string, query: Record<string, string> = {}, body: Item = {}): Reply {
        const q = new URLSearchParams(query);
        const reply = this.transport(method, path, q, body);
        this.calls.push({ type, operation, method, path, query: q.toString(), body: method === "GET" || method === "DELETE" ? null : redact(body), status: reply.status });
        if (reply.status >= 400 && reply.status !== 404) {
            throw new ProviderError(reply.status, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
        return reply;
    }

    async create(type: string, inputs: Props): Promise<Created> {
        await Promise.resolve();
        const op = "create";
        switch (type) {
            case RESOURCE_TYPES.resourceServer: {
                const created = this.call(type, op, "POST", "/api/v2/resource-servers", {}, resourceServerBody(inputs)).body as Item;
                return { id: String(created.id), outputs: this.readNow(type, String(created.id), inputs, op)! };
            }
            case RESOURCE_TYPES.resourceServerScopes: {
                const id = str(inputs.resourceServerIdentifier);
                this.call(type, op, "GET", `/api/v2/resource-servers/${encodeURIComponent(id)}`);
                this.call(type, op, "PATCH", `/api/v2/resource-servers/${encodeURIComponent(id)}`, {}, { scopes: scopesBody(inputs) });
                return { id, outputs: this.readNow(type, id, inputs, op)! };
            }
            case RESOURCE_TYPES.client: {
                const created = this.call(type, op, "POST", "/api/v2/clients", {}, clientBody(inputs)).body as Item;
                const id = String(created.client_id);
                return { id, outputs: this.readNow(type, id, inputs, op)! };
            }
            case RESOURCE_TYPES.clientCredentials: {
                const id = str(inputs.clientId);
                this.call(type, op, "GET", `/api/v2/clients/${id}`, { fields: "client_id", include_fields: "true" });
                this.call(type, op, "PATCH", `/api/v2/clients/${id}`, {}, { token_endpoint_auth_method: str(inputs.authenticationMethod) });
                this.call(type, op, "PATCH", `/api/v2/clients/${id}`, {}, { client_secret: str(inputs.clientSecretWo) });
                return { id, outputs: this.readNow(type, id, inputs, op)! };
            }
            case RESOURCE_TYPES.clientGrant: {
                // resource_grant.go:122, the query as recorded (TestAccClientGrant.yaml#7).
                const existing = this.call(type, op, "GET", "/api/v2/client-grants", { audience: str(inputs.audience), client_id: str(inputs.clientId), include_totals: "true", per_page: "50" }).body as { client_grants: Item[] };
                // resource_grant.go 131-141: an existing grant of the same subject type ("" is "client",
                // 159-164) is taken over as it is; one of another subject type is left beside the new one.
                const subjectType = (v: unknown) => (typeof v === "string" && v ? v : "client");
                const same = existing.client_grants.find((g) => subjectType(g.subject_type) === subjectType(plain(inputs.subjectType)));
                if (same) return { id: String(same.id), outputs: this.readNow(type, String(same.id), inputs, op)! };
                const created = this.call(type, op, "POST", "/api/v2/client-grants", {}, grantBody(inputs)).body as Item;
                return { id: String(created.id), outputs: this.readNow(type, String(created.id), inputs, op)! };
            }
            case RESOURCE_TYPES.action: {
                const created = this.call(type, op, "POST", "/api/v2/actions/actions", {}, actionBody(inputs)).body as Item;
                const id = String(created.id);
                this.call(type, op, "GET", `/api/v2/actions/actions/${id}`);
                if (plain(inputs.deploy) === true) this.call(type, op, "POST", `/api/v2/actions/actions/${id}/deploy`);
                return { id, outputs: this.readNow(type, id, inputs, op)! };
            }
            case RESOURCE_TYPES.triggerActions: {
                const id = str(inputs.trigger);
                this.call(type, op, "PATCH", `/api/v2/actions/triggers/${id}/bindings`, {}, bindingsBody(inputs));
                return { id, outputs: this.readNow(type, id, inputs, op)! };
            }
            case RESOURCE_TYPES.rule: {
                const created = this.call(type, op, "POST", "/api/v2/rules", {}, ruleBody(inputs)).body as Item;
                return { id: String(created.id), outputs: this.readNow(type, String(created.id), inputs, op)! };
            }
            case RESOURCE_TYPES.ruleConfig: {
                const id = str(inputs.key);
                this.call(type, op, "PUT", `/api/v2/rules-configs/${id}`, {}, { value: str(inputs.value) });
                return { id, outputs: this.readNow(type, id, inputs, op)! };
            }
        }
        throw new Error(`provider double: no create for ${type}`);
    }

    /**
     * What a refresh reads: the resource's inputs as the tenant holds them (write-only and
     * never-read values kept from `inputs`), or undefined when it is gone (404: the provider
     * removes it from state).
     */
    async read(type: string, id: string, inputs: Props): Promise<Props | undefined> {
        await Promise.resolve();
        return this.readNow(type, id, inputs, "read");
    }

    private readNow(type: string, id: string, inputs: Props, op: ProviderOperation): Props | undefined {
        switch (type) {
            case RESOURCE_TYPES.resourceServer: {
                const r = this.call(type, op, "GET", `/api/v2/resource-servers/${encodeURIComponent(id)}`);
                if (r.status === 404) return undefined;
                const rs = r.body as Item;
                return {
                    ...inputs,
                    identifier: rs.identifier as string,
                    name: rs.name as string,
                    signingAlg: rs.signing_alg as string,
                    tokenLifetime: rs.token_lifetime as number,
                    tokenDialect: rs.token_dialect as string,
                    skipConsentForVerifiableFirstPartyClients: rs.skip_consent_for_verifiable_first_party_clients as boolean,
                    allowOfflineAccess: rs.allow_offline_access as boolean,
                };
            }
            case RESOURCE_TYPES.resourceServerScopes: {
                const r = this.call(type, op, "GET", `/api/v2/resource-servers/${encodeURIComponent(id)}`);
                if (r.status === 404) return undefined;
                const scopes = ((r.body as Item).scopes as { value: string; description?: string }[]) ?? [];
                // flatten: scopes as a set of {name, description}; sorted so order is no change.
                const sorted = scopes.map((s) => ({ name: s.value, description: s.description ?? "" })).sort((a, b) => a.name.localeCompare(b.name));
                const declared = (plain(inputs.scopes) as { name: string; description?: string }[] | undefined) ?? [];
                const inDeclaredOrder = sameSet(sorted.map((s) => s.name), declared.map((s) => s.name)) ? declared.map((d) => sorted.find((s) => s.name === d.name)!) : sorted;
                return { ...inputs, resourceServerIdentifier: id, scopes: inDeclaredOrder.map((s) => ({ name: s.name, description: s.description })) };
            }
            case RESOURCE_TYPES.client: {
                const r = this.call(type, op, "GET", `/api/v2/clients/${id}`);
                if (r.status === 404) return undefined;
                const c = r.body as Item;
                return {
                    ...inputs,
                    name: c.name as string,
                    description: (c.description as string | undefined) ?? inputs.description,
                    appType: c.app_type as string,
                    grantTypes: c.grant_types as string[],
                    isFirstParty: c.is_first_party as boolean,
                    oidcConformant: c.oidc_conformant as boolean,
                    clientId: c.client_id as string,
                };
            }
            case RESOURCE_TYPES.clientCredentials: {
                const r = this.call(type, op, "GET", `/api/v2/clients/${id}`);
                if (r.status === 404) return undefined;
                const c = r.body as Item;
                // flatten.go 834-838: with client_secret_wo_version set the secret is not read back; without
                // it (an import: Read starts from the id alone) client_secret is read, and kept as a secret
                // (the schema's Sensitive) whenever the token may read it (read:client_credentials).
                const secretRead = inputs.clientSecretWoVersion === undefined && typeof c.client_secret === "string" ? { clientSecret: new Secret(c.client_secret) } : {};
                return { ...inputs, clientId: id, authenticationMethod: c.token_endpoint_auth_method as string, ...secretRead };
            }
            case RESOURCE_TYPES.clientGrant: {
                const r = this.call(type, op, "GET", `/api/v2/client-grants/${id}`);
                if (r.status === 404) return undefined;
                const g = r.body as Item;
                const scopes = [...((g.scope as string[]) ?? [])];
                const declared = (plain(inputs.scopes) as string[] | undefined) ?? [];
                // flatten.go 792: subject_type as the tenant holds it.
                const subjectType = typeof g.subject_type === "string" ? { subjectType: g.subject_type } : {};
                return { ...inputs, clientId: g.client_id as string, audience: g.audience as string, scopes: sameSet(scopes, declared) ? declared : scopes.sort(), ...subjectType };
            }
            case RESOURCE_TYPES.action: {
                const r = this.call(type, op, "GET", `/api/v2/actions/actions/${id}`);
                if (r.status === 404) return undefined;
                const a = r.body as Item;
                // Secret values are write-only (secrets_wo); Auth0 returns names only, and flatten.go 9-35
                // keeps only the configuration's secrets_wo: an import (no configuration) has none.
                const triggers = (a.supported_triggers as { id: string; version: string }[] | undefined) ?? [];
                return { ...inputs, name: a.name as string, code: a.code as string, runtime: a.runtime as string, ...(triggers.length ? { supportedTriggers: { id: triggers[0].id, version: triggers[0].version } } : {}) };
            }
            case RESOURCE_TYPES.triggerActions: {
                const r = this.call(type, op, "GET", `/api/v2/actions/triggers/${id}/bindings`);
                const bindings = ((r.body as Item).bindings as { display_name: string; action: { id: string } }[]) ?? [];
                return { ...inputs, trigger: id, actions: bindings.map((b) => ({ id: b.action.id, displayName: b.display_name })) };
            }
            case RESOURCE_TYPES.rule: {
                const r = this.call(type, op, "GET", `/api/v2/rules/${id}`);
                if (r.status === 404) return undefined;
                const rule = r.body as Item;
                return { ...inputs, name: rule.name as string, script: rule.script as string, order: rule.order as number, enabled: rule.enabled as boolean };
            }
            case RESOURCE_TYPES.ruleConfig: {
                // go-auth0 RuleConfig.Read lists and filters (rule_config.go:30); query as recorded (TestAccRuleConfig.yaml#1).
                const r = this.call(type, op, "GET", "/api/v2/rules-configs", { include_totals: "true", per_page: "50" });
                const keys = (r.body as { key: string }[]).map((k) => k.key);
                return keys.includes(id) ? { ...inputs, key: id } : undefined;
            }
        }
        throw new Error(`provider double: no read for ${type}`);
    }

    async update(type: string, id: string, olds: Props, news: Props): Promise<Props> {
        await Promise.resolve();
        const op = "update";
        switch (type) {
            case RESOURCE_TYPES.resourceServer:
                this.call(type, op, "PATCH", `/api/v2/resource-servers/${encodeURIComponent(id)}`, {}, omit(resourceServerBody(news), ["identifier"]));
                break;
            case RESOURCE_TYPES.resourceServerScopes:
                this.call(type, op, "PATCH", `/api/v2/resource-servers/${encodeURIComponent(id)}`, {}, { scopes: scopesBody(news) });
                break;
            case RESOURCE_TYPES.client:
                this.call(type, op, "PATCH", `/api/v2/clients/${id}`, {}, clientBody(news));
                break;
            case RESOURCE_TYPES.clientCredentials:
                this.call(type, op, "GET", `/api/v2/clients/${id}`);
                if (plain(olds.authenticationMethod) !== plain(news.authenticationMethod)) {
                    this.call(type, op, "PATCH", `/api/v2/clients/${id}`, {}, { token_endpoint_auth_method: str(news.authenticationMethod) });
                }
                // resource_credentials.go 749-756: the secret only when its version changes.
                if (plain(olds.clientSecretWoVersion) !== plain(news.clientSecretWoVersion)) {
                    this.call(type, op, "PATCH", `/api/v2/clients/${id}`, {}, { client_secret: str(news.clientSecretWo) });
                }
                break;
            case RESOURCE_TYPES.clientGrant:
                this.call(type, op, "PATCH", `/api/v2/client-grants/${id}`, {}, { scope: plain(news.scopes) });
                break;
            case RESOURCE_TYPES.action: {
                // terraform-provider-auth0 v1.53.0 internal/auth0/action/expand.go 154-156: the unmanaged-secret
                // check runs only when secrets_wo or secrets_wo_version changes, and 33-45 send secrets only
                // then. The secrets_wo names are kept in state (flatten.go 27-32), values are write-only, so a
                // change of secrets_wo is a change of its names, in order (a TypeList, resource.go 125).
                const namesChanged = !sameList(secretNames(olds.secretsWos), secretNames(news.secretsWos));
                const secretsChanged = namesChanged || plain(olds.secretsWoVersion) !== plain(news.secretsWoVersion);
                if (secretsChanged) {
                    // expand.go 153-247 preventErasingUnmanagedSecrets: every secret the tenant holds must be
                    // named by the old or the new secrets_wo, or the update is refused before any write.
                    const held = ((this.call(type, op, "GET", `/api/v2/actions/actions/${id}`).body as Item).secrets as { name: string }[] | undefined) ?? [];
                    const named = new Set([...secretNames(olds.secretsWos), ...secretNames(news.secretsWos)]);
                    const unmanaged = held.filter((h) => !named.has(h.name));
                    if (unmanaged.length) {
                        throw new ProviderError(
                            400,
                            unmanaged
                                .map((h) =>
                                    `Unmanaged Action Secret: Detected an action secret not managed though Terraform: ${h.name}. If you proceed, this secret will get deleted. ` +
                                    "It is required to add this secret to your action configuration to prevent unintentionally destructive results.",
                                )
                                .join("\n"),
                        );
                    }
                }
                const body = omit(actionBody(news), ["secrets"]);
                const secrets = plain(news.secretsWos) as { name: string; value: string }[] | undefined;
                // expand.go 36-44: the new list when it has entries; an empty list when every entry was removed.
                if (secretsChanged && secrets?.length) body.secrets = secrets.map((s) => ({ name: s.name, value: s.value }));
                else if (namesChanged) body.secrets = [];
                this.call(type, op, "PATCH", `/api/v2/actions/actions/${id}`, {}, body);
                if (plain(news.deploy) === true) this.call(type, op, "POST", `/api/v2/actions/actions/${id}/deploy`);
                break;
            }
            case RESOURCE_TYPES.triggerActions:
                this.call(type, op, "PATCH", `/api/v2/actions/triggers/${id}/bindings`, {}, bindingsBody(news));
                break;
            case RESOURCE_TYPES.rule:
                this.call(type, op, "PATCH", `/api/v2/rules/${id}`, {}, ruleBody(news));
                break;
            case RESOURCE_TYPES.ruleConfig:
                this.call(type, op, "PUT", `/api/v2/rules-configs/${id}`, {}, { value: str(news.value) });
                break;
            default:
                throw new Error(`provider double: no update for ${type}`);
        }
        return this.readNow(type, id, news, op) ?? news;
    }

    async delete(type: string, id: string): Promise<void> {
        await Promise.resolve();
        const op = "delete";
        switch (type) {
            case RESOURCE_TYPES.resourceServer:
                this.call(type, op, "DELETE", `/api/v2/resource-servers/${encodeURIComponent(id)}`);
                return;
            case RESOURCE_TYPES.resourceServerScopes:
                this.call(type, op, "PATCH", `/api/v2/resource-servers/${encodeURIComponent(id)}`, {}, { scopes: [] });
                return;
            case RESOURCE_TYPES.client:
                this.call(type, op, "DELETE", `/api/v2/clients/${id}`);
                return;
            case RESOURCE_TYPES.clientCredentials: {
                const found = this.call(type, op, "GET", `/api/v2/clients/${id}`, { fields: "client_id,app_type", include_fields: "true" });
                if (found.status === 404) return;
                this.call(type, op, "GET", `/api/v2/clients/${id}/credentials`);
                this.call(type, op, "PATCH", `/api/v2/clients/${id}`, {}, { token_endpoint_auth_method: "client_secret_basic" });
                return;
            }
            case RESOURCE_TYPES.clientGrant:
                this.call(type, op, "DELETE", `/api/v2/client-grants/${id}`);
                return;
            case RESOURCE_TYPES.action:
                this.call(type, op, "DELETE", `/api/v2/actions/actions/${id}`);
                return;
            case RESOURCE_TYPES.triggerActions:
                this.call(type, op, "PATCH", `/api/v2/actions/triggers/${id}/bindings`, {}, { bindings: [] });
                return;
            case RESOURCE_TYPES.rule:
                this.call(type, op, "DELETE", `/api/v2/rules/${id}`);
                return;
            case RESOURCE_TYPES.ruleConfig:
                this.call(type, op, "DELETE", `/api/v2/rules-configs/${id}`);
                return;
        }
        throw new Error(`provider double: no delete for ${type}`);
    }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((x, i) => x === b[i]);
}

function secretNames(secrets: Value): string[] {
    return ((plain(secrets) as { name: string }[] | undefined) ?? []).map((x) => x.name);
}

function resourceServerBody(i: Props): Item {
    return {
        identifier: plain(i.identifier),
        name: plain(i.name),
        signing_alg: plain(i.signingAlg),
        token_lifetime: plain(i.tokenLifetime),
        token_dialect: plain(i.tokenDialect),
        skip_consent_for_verifiable_first_party_clients: plain(i.skipConsentForVerifiableFirstPartyClients),
        allow_offline_access: plain(i.allowOfflineAccess),
    };
}

function scopesBody(i: Props): Item[] {
    return ((plain(i.scopes) as { name: string; description?: string }[]) ?? []).map((s) => ({ value: s.name, description: s.description ?? "" }));
}

function clientBody(i: Props): Item {
    const jwt = plain(i.jwtConfiguration) as { alg?: string } | undefined;
    return {
        name: plain(i.name),
        description: plain(i.description),
        app_type: plain(i.appType),
        grant_types: plain(i.grantTypes),
        is_first_party: plain(i.isFirstParty),
        oidc_conformant: plain(i.oidcConformant),
        ...(jwt ? { jwt_configuration: { alg: jwt.alg } } : {}),
    };
}

function grantBody(i: Props): Item {
    return { client_id: plain(i.clientId), audience: plain(i.audience), scope: plain(i.scopes), subject_type: plain(i.subjectType) };
}

function actionBody(i: Props): Item {
    const secrets = plain(i.secretsWos) as { name: string; value: string }[] | undefined;
    return {
        name: plain(i.name),
        code: plain(i.code),
        runtime: plain(i.runtime),
        supported_triggers: [plain(i.supportedTriggers)],
        ...(secrets ? { secrets: secrets.map((s) => ({ name: s.name, value: s.value })) } : {}),
    };
}

function bindingsBody(i: Props): Item {
    const actions = (plain(i.actions) as { id: string; displayName: string }[]) ?? [];
    return { bindings: actions.map((a) => ({ ref: { type: "action_id", value: a.id }, display_name: a.displayName })) };
}

function ruleBody(i: Props): Item {
    return { name: plain(i.name), script: plain(i.script), order: plain(i.order), enabled: plain(i.enabled) };
}

function omit(item: Item, keys: readonly string[]): Item {
    return Object.fromEntries(Object.entries(item).filter(([k]) => !keys.includes(k)));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

/** Bodies as the recorders keep them: secret values never appear in the call log. */
function redact(body: Item): Item {
    const out: Item = { ...body };
    if ("client_secret" in out) out.client_secret = "[REDACTED]";
    if (Array.isArray(out.secrets)) out.secrets = (out.secrets as Item[]).map((s) => ({ ...s, value: "[REDACTED]" }));
    if ("value" in out) out.value = "[REDACTED]";
    return out;
}
