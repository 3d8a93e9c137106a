/**
 * The part of Auth0's Management API v2 the provider calls for what the stack declares, and the
 * login code's own call, served by the local tenant: every (method, path) of PROVIDER_CALLS,
 * BOOTSTRAP_CALLS, DRIFT_CHECK_CALLS and ADOPT_CALLS (tools/deployerScopes.ts) and the Management
 * API call of LOGIN_CALLS (infra/loginContract.ts: the rules' app_metadata update), each requiring
 * the scope its table names, over an in-memory tenant. The one fake Management API: the local
 * tenant (local/tenant/managementEndpoint.ts), the hand-made tenant (handMadeTenant.ts) and the
 * provider double's in-process transport (local/engine/providers/auth0.ts) each establish the
 * caller's scopes their own way, then hand them to handle().
 *
 * Answers as Auth0 does where it refuses:
 * - a token without the call's scope: 403 `insufficient_scope` "Insufficient scope, expected any
 *   of: <scope>" (local/tenant/handMadeTenant.ts answers the same; clients match the "Insufficient scope"
 *   prefix: auth0-deploy-cli src/context/yaml/index.ts:178 `err.message.startsWith("Insufficient scope")`; the
 *   rest of the sentence is not in any stored recording);
 * - `client_secret` in a PATCH /clients/{id} without `update:client_keys`, and `client_secret` /
 *   `client_authentication_methods` left out of a GET /clients/{id} without `read:client_keys`
 *   or `read:client_credentials` (field rules quoted in tools/deployerScopes.ts);
 * - rules and rule configs on a tenant without Rules (created since 2023-10-16, or any tenant
 *   after end of life): 403 "Insufficient privileges to use this deprecated feature", the message
 *   auth0-deploy-cli matches (src/tools/utils.ts isDeprecatedError, its test
 *   test/tools/utils.test.js "#isDeprecatedError");
 * - a rule whose order another rule already has: 409 `rule_conflict` (the error code as users
 *   report it; the message text is not in any stored source).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { LOGIN_CALLS } from "../../infra/loginContract";
import { ADOPT_CALLS, BOOTSTRAP_CALLS, DRIFT_CHECK_CALLS, HttpMethod, PROVIDER_CALLS } from "../../tools/deployerScopes";
import { pathPattern } from "./https";
import { UserStore } from "./users";

export type Reply = { status: number; body: unknown };
type Item = Record<string, unknown>;

/** Whether the tenant still has Rules. */
export type RulesAvailability = "available" | "deprecated";

export const DEPRECATED_FEATURE_MESSAGE = "Insufficient privileges to use this deprecated feature";

interface Route {
    readonly method: HttpMethod;
    readonly pattern: RegExp;
    /** The scope PROVIDER_CALLS names for the call. */
    readonly scope: string;
    readonly template: string;
}

/** The login code's Management API calls, each with its one scope. */
const LOGIN_MANAGEMENT_CALLS = LOGIN_CALLS.filter((call) => call.audience === "managementApi").map((call) => {
    if (call.scopes.length !== 1) throw new Error(`local Management API: ${call.method} ${call.path} must name one scope, names ${call.scopes.length}`);
    return { method: call.method, path: call.path, scope: call.scopes[0] };
});

/** One route per (method, path) of the tables; a path's parameters match one segment each. */
const ROUTES: readonly Route[] = (() => {
    const seen = new Map<string, Route>();
    for (const call of [...PROVIDER_CALLS, ...BOOTSTRAP_CALLS, ...DRIFT_CHECK_CALLS, ...ADOPT_CALLS, ...LOGIN_MANAGEMENT_CALLS]) {
        const key = `${call.method} ${call.path}`;
        const previous = seen.get(key);
        // PATCH /clients/{id} is listed under update:clients and, for client_secret, update:client_keys:
        // the route keeps the first; the field rule below adds the second.
        if (previous) continue;
        seen.set(key, { method: call.method, pattern: pathPattern(call.path), scope: call.scope, template: call.path });
    }
    return [...seen.values()];
})();

const forbidden = (message: string, errorCode?: string): Reply => ({
    status: 403,
    body: { statusCode: 403, error: "Forbidden", message, ...(errorCode ? { errorCode } : {}) },
});
const insufficientScope = (scope: string) => forbidden(`Insufficient scope, expected any of: ${scope}`, "insufficient_scope");
const notFound = (message = "Not Found", errorCode?: string): Reply => ({
    status: 404,
    body: { statusCode: 404, error: "Not Found", message, ...(errorCode ? { errorCode } : {}) },
});
const badRequest = (message: string): Reply => ({ status: 400, body: { statusCode: 400, error: "Bad Request", message } });

/**
 * A tenant log event as "Search log events" returns it (https://auth0.com/docs/api/management/v2/logs/get-logs):
 * the fields the drift check reads; `type` is an event code of
 * https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes (`f`: Failed Login).
 */
export interface LogEvent {
    readonly log_id: string;
    /** ISO 8601. */
    readonly date: string;
    readonly type: string;
    readonly description: string;
    readonly client_id?: string;
    readonly client_name?: string;
}

export interface Binding {
    readonly id: string;
    readonly display_name: string;
    readonly actionId: string;
}

/** What a LocalManagementApi holds, as plain data (structured-clone and JSON safe). */
export interface ManagementSnapshot {
    readonly rulesAvailability: RulesAvailability;
    readonly clients: readonly [string, Item][];
    readonly clientGrants: readonly [string, Item][];
    readonly resourceServers: readonly [string, Item][];
    readonly actions: readonly [string, Item & { secrets: { name: string; value?: string }[] }][];
    readonly bindings: readonly [string, Binding[]][];
    readonly rules: readonly [string, Item & { order: number }][];
    readonly rulesConfigs: readonly [string, string][];
}

/** The in-memory tenant behind the Management API; tests change it "in the dashboard". */
export class LocalManagementApi {
    readonly clients = new Map<string, Item>();
    readonly clientGrants = new Map<string, Item>();
    readonly resourceServers = new Map<string, Item>();
    readonly actions = new Map<string, Item & { secrets: { name: string; value?: string }[] }>();
    readonly bindings = new Map<string, Binding[]>();
    readonly rules = new Map<string, Item & { order: number }>();
    readonly rulesConfigs = new Map<string, string>();
    /** The tenant's log, oldest first; Auth0 writes it, the Management API only reads it. */
    readonly logEvents: LogEvent[] = [];
    /** Every call answered, `METHOD path-template status`, for tests. */
    readonly log: string[] = [];
    /**
     * The tenant's users. A deploy writes none, so snapshot() leaves them out: the local tenant
     * puts its model's users here when it starts.
     */
    readonly users = new UserStore();

    constructor(public rulesAvailability: RulesAvailability = "available") {}

    /** Everything the tenant holds, copied (the call log and the users aside). */
    snapshot(): ManagementSnapshot {
        return structuredClone({
            rulesAvailability: this.rulesAvailability,
            clients: [...this.clients],
            clientGrants: [...this.clientGrants],
            resourceServers: [...this.resourceServers],
            actions: [...this.actions],
            bindings: [...this.bindings],
            rules: [...this.rules],
            rulesConfigs: [...this.rulesConfigs],
        });
    }

    /** A tenant holding a copy of what `snapshot` holds. */
    static restore(snapshot: ManagementSnapshot): LocalManagementApi {
        const copy = structuredClone(snapshot);
        const api = new LocalManagementApi(copy.rulesAvailability);
        copy.clients.forEach(([k, v]) => api.clients.set(k, v));
        copy.clientGrants.forEach(([k, v]) => api.clientGrants.set(k, v));
        copy.resourceServers.forEach(([k, v]) => api.resourceServers.set(k, v));
        copy.actions.forEach(([k, v]) => api.actions.set(k, v));
        copy.bindings.forEach(([k, v]) => api.bindings.set(k, v));
        copy.rules.forEach(([k, v]) => api.rules.set(k, v));
        copy.rulesConfigs.forEach(([k, v]) => api.rulesConfigs.set(k, v));
        return api;
    }

    /** Whether a (method, path) is one of the table's calls. */
    serves(method: string, path: string): boolean {
        return ROUTES.some((r) => r.method === method && r.pattern.test(path));
    }

    /** Answers one call for a token carrying `granted`. */
    handle(method: string, path: string, query: URLSearchParams, body: Item, granted: readonly string[]): Reply {
        const route = ROUTES.find((r) => r.method === method && r.pattern.test(path));
        if (!route) return notFound();
        const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
        const reply = this.answer(route, params, query, body, granted);
        this.log.push(`${method} ${route.template} ${reply.status}`);
        return reply;
    }

    /** A binding added in the dashboard (or by the Marketplace): appended to the trigger's flow. */
    bindByHand(trigger: string, actionId: string, displayName: string): void {
        this.bindings.set(trigger, [...(this.bindings.get(trigger) ?? []), { id: randomUUID(), display_name: displayName, actionId }]);
    }

    /** An Action secret added in the dashboard. */
    addActionSecretByHand(actionId: string, name: string, value: string): void {
        const action = this.actions.get(actionId);
        if (!action) throw new Error(`local Management API: no action ${actionId}`);
        action.secrets = [...action.secrets.filter((s) => s.name !== name), { name, value }];
    }

    /** An event Auth0 writes to the tenant's log (a login it denied, say). */
    logEvent(event: Omit<LogEvent, "log_id">): void {
        this.logEvents.push({ log_id: `${String(this.logEvents.length + 1).padStart(20, "0")}`, ...event });
    }

    /** An action created in the dashboard; returns its id. */
    createActionByHand(name: string, code = "exports.onExecutePostLogin = async () => {};"): string {
        const id = randomUUID();
        this.actions.set(id, { id, name, code, secrets: [], supported_triggers: [{ id: "post-login", version: "v3" }], runtime: "node22" });
        return id;
    }

    private answer(route: Route, params: string[], query: URLSearchParams, body: Item, granted: readonly string[]): Reply {
        const isRules = route.template.startsWith("/api/v2/rules");
        if (isRules && this.rulesAvailability === "deprecated") return forbidden(DEPRECATED_FEATURE_MESSAGE);
        if (!granted.includes(route.scope)) return insufficientScope(route.scope);
        const [id] = params;
        switch (`${route.method} ${route.template}`) {
            case "POST /api/v2/clients": {
                const clientId = randomBytes(16).toString("hex");
                const created = { ...body, client_id: clientId, client_secret: randomBytes(32).toString("base64url"), credentials: [] };
                this.clients.set(clientId, created);
                return { status: 201, body: this.clientView(created, granted) };
            }
            case "GET /api/v2/clients": {
                // Offset paging as recorded: with `page` (TestAccDataClients.yaml#10: include_totals=true&page=0&per_page=100)
                // Auth0 answers { start, limit, length, total, next, clients }, `length` 0 and `next` "" as
                // recorded; without it (TestClient_List.yaml#1) { total, start, limit, clients }.
                const all = [...this.clients.values()].map((c) => pickFields(this.clientView(c, granted), query));
                const { items: clients, start, limit } = offsetPage(all, query);
                if (query.get("include_totals") !== "true") return { status: 200, body: clients };
                if (query.has("page")) return { status: 200, body: { start, limit, length: 0, total: all.length, next: "", clients } };
                return { status: 200, body: { total: all.length, start, limit, clients } };
            }
            case "GET /api/v2/clients/{id}": {
                const found = this.clients.get(id);
                if (!found) return notFound("The client does not exist", "inexistent_client");
                return { status: 200, body: pickFields(this.clientView(found, granted), query) };
            }
            case "PATCH /api/v2/clients/{id}": {
                const found = this.clients.get(id);
                if (!found) return notFound("The client does not exist", "inexistent_client");
                if ("client_secret" in body && !granted.includes("update:client_keys")) return insufficientScope("update:client_keys");
                const others = Object.keys(body).filter((k) => k !== "client_secret");
                if (others.length > 0 && !granted.includes("update:clients")) return insufficientScope("update:clients");
                const updated = { ...found, ...body };
                this.clients.set(id, updated);
                return { status: 200, body: this.clientView(updated, granted) };
            }
            case "DELETE /api/v2/clients/{id}":
                this.clients.delete(id);
                [...this.clientGrants].filter(([, g]) => g.client_id === id).forEach(([grantId]) => this.clientGrants.delete(grantId));
                return { status: 204, body: undefined };
            case "GET /api/v2/clients/{id}/credentials": {
                const found = this.clients.get(id);
                if (!found) return notFound("The client does not exist", "inexistent_client");
                return { status: 200, body: found.credentials ?? [] };
            }
            case "GET /api/v2/client-grants": {
                const grants = [...this.clientGrants.values()].filter(
                    (g) =>
                        (!query.get("audience") || g.audience === query.get("audience")) &&
                        (!query.get("client_id") || g.client_id === query.get("client_id")) &&
                        (!query.get("subject_type") || g.subject_type === query.get("subject_type")),
                );
                // Checkpoint paging (`take`, then `from` = the last answer's `next`) answers
                // { client_grants[, next] } (TestAccDataSourceClientGrants.yaml#18); offset paging answers
                // { total, start, limit, client_grants } (TestClientGrant_IsSystem.yaml#10).
                if (query.has("take")) {
                    const take = Math.min(Number(query.get("take")) || 50, 100);
                    const from = query.get("from") ? Number(Buffer.from(query.get("from")!, "base64url").toString()) || 0 : 0;
                    const page = grants.slice(from, from + take);
                    const next = from + take < grants.length ? Buffer.from(String(from + take)).toString("base64url") : undefined;
                    return { status: 200, body: { client_grants: page, ...(next ? { next } : {}) } };
                }
                const { items, start, limit } = offsetPage(grants, query);
                return { status: 200, body: query.get("include_totals") === "true" ? { total: grants.length, start, limit, client_grants: items } : items };
            }
            case "POST /api/v2/client-grants": {
                // One grant per (client, audience, subject_type); an absent subject type is "client"
                // (terraform-provider-auth0 v1.53.0 internal/auth0/client/resource_grant.go 72-80, 131-141, 159-164).
                const subjectType = typeof body.subject_type === "string" && body.subject_type ? body.subject_type : "client";
                const duplicate = [...this.clientGrants.values()].some((g) => g.client_id === body.client_id && g.audience === body.audience && g.subject_type === subjectType);
                if (duplicate) return { status: 409, body: { statusCode: 409, error: "Conflict", message: "A client grant for this client and audience already exists.", errorCode: "client_grant_conflict" } };
                const grantId = `cgr_${randomBytes(8).toString("hex")}`;
                const created = { ...body, subject_type: subjectType, id: grantId };
                this.clientGrants.set(grantId, created);
                return { status: 201, body: created };
            }
            case "GET /api/v2/client-grants/{id}":
                return this.clientGrants.has(id) ? { status: 200, body: this.clientGrants.get(id) } : notFound("The client grant does not exist");
            case "PATCH /api/v2/client-grants/{id}":
                return this.patch(this.clientGrants, id, body);
            case "DELETE /api/v2/client-grants/{id}":
                this.clientGrants.delete(id);
                return { status: 204, body: undefined };
            case "POST /api/v2/resource-servers": {
                const rsId = randomBytes(12).toString("hex");
                const created = { scopes: [], ...body, id: rsId };
                this.resourceServers.set(rsId, created);
                return { status: 201, body: created };
            }
            case "GET /api/v2/resource-servers": {
                // { total, start, limit, resource_servers } (TestResourceServer_ExpressConfiguration.yaml#9).
                const all = [...this.resourceServers.values()].map((r) => pickFields(r, query));
                const { items, start, limit } = offsetPage(all, query);
                return { status: 200, body: query.get("include_totals") === "true" ? { total: all.length, start, limit, resource_servers: items } : items };
            }
            case "GET /api/v2/rules": {
                // { total, start, limit, rules } (TestRuleManager_List.yaml#1).
                const all = [...this.rules.values()].sort((a, b) => a.order - b.order).map((r) => pickFields(r, query));
                const { items, start, limit } = offsetPage(all, query);
                return { status: 200, body: query.get("include_totals") === "true" ? { total: all.length, start, limit, rules: items } : items };
            }
            case "GET /api/v2/actions/actions": {
                // { actions, total, per_page } (TestActionManager_List.yaml#1); an empty answer has no
                // `total` (TestAccDataSourceAction.yaml#0: { actions: [], per_page: 50 }). Secrets by name only.
                const named = query.get("actionName");
                const all = [...this.actions.keys()].map((id) => this.actionView(id)).filter((a) => !named || a.name === named);
                const { items, limit } = offsetPage(all, query);
                return { status: 200, body: { actions: items, ...(all.length ? { total: all.length } : {}), per_page: limit } };
            }
            case "GET /api/v2/resource-servers/{id}": {
                const key = this.resourceServerKey(id);
                return key ? { status: 200, body: this.resourceServers.get(key) } : notFound("The resource server does not exist");
            }
            case "PATCH /api/v2/resource-servers/{id}": {
                const key = this.resourceServerKey(id);
                return key ? this.patch(this.resourceServers, key, body) : notFound("The resource server does not exist");
            }
            case "DELETE /api/v2/resource-servers/{id}": {
                const key = this.resourceServerKey(id);
                if (key) this.resourceServers.delete(key);
                return { status: 204, body: undefined };
            }
            case "POST /api/v2/actions/actions": {
                const actionId = randomUUID();
                const secrets = Array.isArray(body.secrets) ? (body.secrets as { name: string; value?: string }[]) : [];
                this.actions.set(actionId, { ...body, id: actionId, secrets: secrets.map((s) => ({ name: s.name, value: s.value })) });
                return { status: 201, body: this.actionView(actionId) };
            }
            case "GET /api/v2/actions/actions/{id}":
                return this.actions.has(id) ? { status: 200, body: this.actionView(id) } : notFound("That action does not exist.");
            case "PATCH /api/v2/actions/actions/{id}": {
                const found = this.actions.get(id);
                if (!found) return notFound("That action does not exist.");
                const secrets = Array.isArray(body.secrets) ? (body.secrets as { name: string; value?: string }[]) : found.secrets;
                this.actions.set(id, { ...found, ...body, secrets: secrets.map((s) => ({ name: s.name, value: s.value })) });
                return { status: 200, body: this.actionView(id) };
            }
            case "POST /api/v2/actions/actions/{id}/deploy":
                return this.actions.has(id) ? { status: 200, body: { id: randomUUID(), action_id: id, deployed: true, status: "built" } } : notFound("That action does not exist.");
            case "DELETE /api/v2/actions/actions/{id}":
                this.actions.delete(id);
                return { status: 204, body: undefined };
            case "GET /api/v2/actions/triggers/{trigger}/bindings": {
                const bindings = (this.bindings.get(id) ?? []).map((b) => ({
                    id: b.id,
                    trigger_id: id,
                    display_name: b.display_name,
                    action: { id: b.actionId, name: this.actions.get(b.actionId)?.name },
                }));
                return { status: 200, body: { bindings, total: bindings.length, page: 0, per_page: bindings.length } };
            }
            case "PATCH /api/v2/actions/triggers/{trigger}/bindings": {
                const requested = Array.isArray(body.bindings) ? (body.bindings as { ref?: { type?: string; value?: string }; display_name?: string }[]) : undefined;
                if (!requested) return badRequest("Payload validation error: 'Missing required property: bindings'.");
                const unknown = requested.find((b) => !this.actions.has(b.ref?.value ?? ""));
                if (unknown) return notFound(`action ${String(unknown.ref?.value)} not found`);
                this.bindings.set(id, requested.map((b) => ({ id: randomUUID(), display_name: b.display_name ?? "", actionId: b.ref!.value! })));
                return { status: 200, body: { bindings: this.bindings.get(id) } };
            }
            case "POST /api/v2/rules": {
                const conflict = this.orderTaken(body.order, undefined);
                if (conflict) return conflict;
                const ruleId = `rul_${randomBytes(8).toString("hex")}`;
                const created = { enabled: true, ...body, id: ruleId, order: Number(body.order ?? this.rules.size + 1) };
                this.rules.set(ruleId, created);
                return { status: 201, body: created };
            }
            case "GET /api/v2/rules/{id}":
                return this.rules.has(id) ? { status: 200, body: this.rules.get(id) } : notFound("The rule does not exist.");
            case "PATCH /api/v2/rules/{id}": {
                const conflict = this.orderTaken(body.order, id);
                if (conflict) return conflict;
                return this.patch(this.rules, id, body);
            }
            case "DELETE /api/v2/rules/{id}":
                this.rules.delete(id);
                return { status: 204, body: undefined };
            case "PUT /api/v2/rules-configs/{key}":
                if (typeof body.value !== "string") return badRequest("Payload validation error: 'Missing required property: value'.");
                this.rulesConfigs.set(id, body.value);
                return { status: 200, body: { key: id, value: body.value } };
            case "GET /api/v2/rules-configs":
                // Keys only: values never leave the tenant.
                return { status: 200, body: [...this.rulesConfigs.keys()].map((key) => ({ key })) };
            case "DELETE /api/v2/rules-configs/{key}":
                this.rulesConfigs.delete(id);
                return { status: 204, body: undefined };
            case "GET /api/v2/logs":
                return this.searchLogs(query);
            case "PATCH /api/v2/users/{user_id}": {
                if (!this.users.has(id)) return notFound("The user does not exist.", "inexistent_user");
                // The login code's grant updates app_metadata only; anything else is refused rather than stored.
                const appMetadata = body.app_metadata;
                if (Object.keys(body).some((field) => field !== "app_metadata") || typeof appMetadata !== "object" || appMetadata === null) {
                    return badRequest("Only app_metadata may be updated with this grant");
                }
                this.users.mergeAppMetadata(id, appMetadata as Item);
                return { status: 200, body: this.users.get(id) };
            }
            default:
                throw new Error(`local Management API: no handler for ${route.method} ${route.template}`);
        }
    }

    /**
     * "Search log events" by criteria: `q` in the query syntax of
     * https://auth0.com/docs/deploy-monitor/logs/log-search-query-syntax (of it, the terms
     * `type:<code>` and `date:[<YYYY-MM-DD> TO <YYYY-MM-DD or *>]` joined by AND: what the drift
     * check sends; anything else is refused 400 rather than answered wrongly), `sort=date:-1` or
     * `date:1`, `per_page` at most 100; an array without totals (`include_totals` defaults to false).
     */
    private searchLogs(query: URLSearchParams): Reply {
        const filters: ((e: LogEvent) => boolean)[] = [];
        for (const term of (query.get("q") ?? "").split(" AND ").filter((t) => t.trim() !== "")) {
            const type = /^type:([a-z_]+)$/.exec(term.trim());
            const date = /^date:\[(\d{4}-\d{2}-\d{2}) TO (\d{4}-\d{2}-\d{2}|\*)\]$/.exec(term.trim());
            if (type) filters.push((e) => e.type === type[1]);
            else if (date) filters.push((e) => e.date.slice(0, 10) >= date[1] && (date[2] === "*" || e.date.slice(0, 10) <= date[2]));
            else return badRequest(`q: the local tenant's log search takes type:<code> and date:[<YYYY-MM-DD> TO <YYYY-MM-DD or *>] joined by AND; got ${JSON.stringify(term)}`);
        }
        const perPage = Math.min(Number(query.get("per_page") ?? "50") || 50, 100);
        const found = this.logEvents.filter((e) => filters.every((f) => f(e)));
        const sorted = query.get("sort") === "date:-1" ? [...found].reverse() : found;
        return { status: 200, body: sorted.slice(0, perPage) };
    }

    private clientView(client: Item, granted: readonly string[]): Item {
        const keys = granted.includes("read:client_keys") || granted.includes("read:client_credentials");
        const { client_secret, client_authentication_methods, credentials, ...rest } = client;
        void credentials;
        return keys ? { ...rest, client_secret, ...(client_authentication_methods ? { client_authentication_methods } : {}) } : rest;
    }

    private actionView(id: string): Item {
        const action = this.actions.get(id)!;
        // Secret values are never returned, only their names.
        return {
            ...action,
            secrets: action.secrets.map((s) => ({ name: s.name, updated_at: "2026-01-01T00:00:00.000Z" })),
            status: "built",
            deployed_version: { id: `${id}-v1`, deployed: true },
        };
    }

    private resourceServerKey(idOrIdentifier: string): string | undefined {
        if (this.resourceServers.has(idOrIdentifier)) return idOrIdentifier;
        return [...this.resourceServers].find(([, rs]) => rs.identifier === idOrIdentifier)?.[0];
    }

    private patch(store: Map<string, Item>, id: string, body: Item): Reply {
        const found = store.get(id);
        if (!found) return notFound();
        const updated = { ...found, ...body };
        store.set(id, updated);
        return { status: 200, body: updated };
    }

    private orderTaken(order: unknown, self: string | undefined): Reply | undefined {
        if (order === undefined) return undefined;
        const holder = [...this.rules.values()].find((r) => r.order === Number(order) && r.id !== self);
        if (!holder) return undefined;
        return { status: 409, body: { statusCode: 409, error: "Conflict", message: `A rule with order ${Number(order)} already exists`, errorCode: "rule_conflict" } };
    }
}

/** Offset paging: `page` (from 0) of `per_page` items (default 50, at most 100). */
function offsetPage<T>(all: readonly T[], query: URLSearchParams): { items: T[]; start: number; limit: number } {
    const limit = Math.min(Number(query.get("per_page") ?? "50") || 50, 100);
    const start = (Number(query.get("page") ?? "0") || 0) * limit;
    return { items: all.slice(start, start + limit), start, limit };
}

/** `fields=a,b&include_fields=true|false`, as Auth0 applies it. */
function pickFields(item: Item, query: URLSearchParams): Item {
    const fields = query.get("fields");
    if (!fields) return item;
    const names = new Set(fields.split(","));
    const include = query.get("include_fields") !== "false";
    return Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k) === include));
}
