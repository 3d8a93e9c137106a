/**
 * A tenant clicked together by hand, served on 127.0.0.1 over TLS as Auth0 serves it to a
 * Management API client: `POST /oauth/token` (client credentials for one deploying application)
 * and the list endpoints adoption reads, with Auth0's pagination (offset `page`/`per_page` with
 * `include_totals`, checkpoint `from`/`take` for client grants), `fields` filtering, and 401/403
 * answers for a missing token or scope. Records every request so tests can see what was asked.
 */
import * as crypto from "crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { LocalHttpsServer, sendJson } from "./servers/https";

export interface HandClickedTenant {
    /** The tenant's canonical domain: the Management API's identifier is `https://<domain>/api/v2/`. */
    readonly domain: string;
    readonly resourceServers: readonly { id: string; identifier: string; name: string; scopes?: { value: string; description: string }[] }[];
    /** Clients as Auth0 stores them, secrets included: the server only leaves them out when asked to. */
    readonly clients: readonly { client_id: string; name: string; app_type: string; client_secret: string; grant_types?: string[] }[];
    readonly clientGrants: readonly { id: string; client_id: string; audience: string; scope: string[] }[];
    readonly rules: readonly { id: string; name: string; script: string; order: number; enabled: boolean }[];
    /** Rule settings; the API returns their keys only. */
    readonly ruleConfigs: Readonly<Record<string, string>>;
    readonly actions: readonly { id: string; name: string; code: string }[];
}

export interface Deployer {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly scopes: readonly string[];
}

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly query: Record<string, string>;
}

const TOKEN_LIFETIME_S = 86_400;
/** Auth0's per-page cap. */
const MAX_PAGE = 100;

export class HandClickedTenantServer {
    readonly requests: RecordedRequest[] = [];
    readonly issuedTokens: string[] = [];
    private readonly tokens = new Map<string, readonly string[]>();

    private constructor(
        private readonly server: LocalHttpsServer,
        private readonly tenant: HandClickedTenant,
        private readonly deployer: Deployer,
    ) {}

    static async start(tenant: HandClickedTenant, deployer: Deployer): Promise<HandClickedTenantServer> {
        // The handler needs the instance, and the instance needs the started server.
        const ready: { self?: HandClickedTenantServer } = {};
        const server = await LocalHttpsServer.start((req, body, res) => ready.self!.handle(req, body, res));
        ready.self = new HandClickedTenantServer(server, tenant, deployer);
        return ready.self;
    }

    /** Where the Management API is reached (host:port), as a ManagementClient `domain`. */
    get address(): string {
        return `127.0.0.1:${this.server.port}`;
    }

    /** A Management API token with these scopes, as the dashboard's API Explorer hands one out. */
    issueToken(scopes: readonly string[] = this.deployer.scopes): string {
        const token = crypto.randomBytes(24).toString("base64url");
        this.tokens.set(token, [...scopes]);
        this.issuedTokens.push(token);
        return token;
    }

    stop(): Promise<void> {
        return this.server.stop();
    }

    private handle(req: IncomingMessage, body: string, res: ServerResponse): void {
        const url = new URL(req.url ?? "/", "https://local");
        this.requests.push({ method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams) });
        if (req.method === "POST" && url.pathname === "/oauth/token") return this.token(body, req, res);
        if (req.method !== "GET") return sendJson(res, 404, { statusCode: 404, error: "Not Found", message: "Not Found" });

        const list = LISTS[url.pathname];
        if (!list) return sendJson(res, 404, { statusCode: 404, error: "Not Found", message: "Not Found" });
        const scopes = this.tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
        if (!scopes) return sendJson(res, 401, { statusCode: 401, error: "Unauthorized", message: "Invalid token" });
        if (!scopes.includes(list.scope)) {
            return sendJson(res, 403, {
                statusCode: 403,
                error: "Forbidden",
                message: `Insufficient scope, expected any of: ${list.scope}`,
                errorCode: "insufficient_scope",
            });
        }
        const items = list.items(this.tenant).map((item) => pick(item, url.searchParams));
        return sendJson(res, 200, list.paginate(items, url.searchParams));
    }

    private token(raw: string, req: IncomingMessage, res: ServerResponse): void {
        const params = (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")
            ? Object.fromEntries(new URLSearchParams(raw))
            : (JSON.parse(raw || "{}") as Record<string, unknown>);
        if (params.grant_type !== "client_credentials") {
            return sendJson(res, 400, { error: "unsupported_grant_type", error_description: "Unsupported grant type" });
        }
        if (params.client_id !== this.deployer.clientId || params.client_secret !== this.deployer.clientSecret) {
            return sendJson(res, 401, { error: "access_denied", error_description: "Unauthorized" });
        }
        if (params.audience !== `https://${this.tenant.domain}/api/v2/`) {
            return sendJson(res, 403, { error: "access_denied", error_description: `Service not found: ${String(params.audience)}` });
        }
        const token = this.issueToken();
        return sendJson(res, 200, { access_token: token, token_type: "Bearer", expires_in: TOKEN_LIFETIME_S, scope: this.deployer.scopes.join(" ") });
    }
}

type Item = Record<string, unknown>;

interface ListEndpoint {
    readonly scope: string;
    readonly items: (t: HandClickedTenant) => Item[];
    readonly paginate: (items: Item[], q: URLSearchParams) => unknown;
}

/** Offset pagination as Auth0 answers it with include_totals=true (a bare array otherwise). */
function offsetPages(key: string) {
    return (items: Item[], q: URLSearchParams): unknown => {
        const perPage = Math.min(Number(q.get("per_page") ?? 50), MAX_PAGE);
        const page = Number(q.get("page") ?? 0);
        const slice = items.slice(page * perPage, (page + 1) * perPage);
        return q.get("include_totals") === "true" ? { [key]: slice, start: page * perPage, limit: perPage, total: items.length } : slice;
    };
}

/** Checkpoint pagination (client grants): `take` items after the opaque `from`, with `next`. */
function checkpointPages(key: string) {
    return (items: Item[], q: URLSearchParams): unknown => {
        const take = Math.min(Number(q.get("take") ?? 50), MAX_PAGE);
        const from = q.get("from") ? Number(Buffer.from(q.get("from")!, "base64url").toString()) : 0;
        const slice = items.slice(from, from + take);
        const next = from + take < items.length ? Buffer.from(String(from + take)).toString("base64url") : undefined;
        return { [key]: slice, ...(next ? { next } : {}) };
    };
}

const LISTS: Record<string, ListEndpoint> = {
    "/api/v2/resource-servers": { scope: "read:resource_servers", items: (t) => t.resourceServers.map((r) => ({ ...r })), paginate: offsetPages("resource_servers") },
    "/api/v2/clients": { scope: "read:clients", items: (t) => t.clients.map((c) => ({ ...c })), paginate: offsetPages("clients") },
    "/api/v2/client-grants": { scope: "read:client_grants", items: (t) => t.clientGrants.map((g) => ({ ...g })), paginate: checkpointPages("client_grants") },
    "/api/v2/rules": { scope: "read:rules", items: (t) => t.rules.map((r) => ({ ...r })), paginate: offsetPages("rules") },
    "/api/v2/rules-configs": { scope: "read:rules_configs", items: (t) => Object.keys(t.ruleConfigs).map((key) => ({ key })), paginate: (items) => items },
    "/api/v2/actions/actions": { scope: "read:actions", items: (t) => t.actions.map((a) => ({ ...a })), paginate: actionPages },
};

/** The actions list answers `{ actions, total, page, per_page }` always. */
function actionPages(items: Item[], q: URLSearchParams): unknown {
    const perPage = Math.min(Number(q.get("per_page") ?? 50), MAX_PAGE);
    const page = Number(q.get("page") ?? 0);
    return { actions: items.slice(page * perPage, (page + 1) * perPage), total: items.length, page, per_page: perPage };
}

/** `fields=a,b&include_fields=true|false`, as Auth0 applies it. */
function pick(item: Item, q: URLSearchParams): Item {
    const fields = q.get("fields");
    if (!fields) return item;
    const names = new Set(fields.split(","));
    const include = q.get("include_fields") !== "false";
    return Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k) === include));
}
