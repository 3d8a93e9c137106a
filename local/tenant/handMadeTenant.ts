/**
 * A tenant clicked together by hand, served on 127.0.0.1 over TLS as Auth0 serves it to a
 * Management API client: `POST /oauth/token` (client credentials for one deploying application)
 * and the Management API of the local tenant (local/tenant/managementApi.ts, the one fake
 * Management API: the same lists, paging fields, `fields` filtering and 401/403 answers the
 * provider double is served by), seeded with the hand-made objects. Records every request so
 * tests can see what was asked.
 */
import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "../../infra/auth0Defaults";
import * as crypto from "crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { LocalHttpsServer, sendJson } from "./https";
import { LocalManagementApi } from "./managementApi";

export interface HandClickedTenant {
    /** The tenant's canonical domain: the Management API's identifier is `https://<domain>/api/v2/`. */
    readonly domain: string;
    readonly resourceServers: readonly { id: string; identifier: string; name: string; scopes?: { value: string; description: string }[]; [field: string]: unknown }[];
    /** Clients as Auth0 stores them, secrets included: the API only returns them to a token with read:client_keys / read:client_credentials. */
    readonly clients: readonly { client_id: string; name: string; app_type: string; client_secret: string; grant_types?: string[]; token_endpoint_auth_method?: string }[];
    /** A grant without `subject_type` is stored as Auth0 stores it: "client". */
    readonly clientGrants: readonly { id: string; client_id: string; audience: string; scope: string[]; subject_type?: "client" | "user" }[];
    readonly rules: readonly { id: string; name: string; script: string; order: number; enabled: boolean }[];
    /** Rule settings; the API returns their keys only. */
    readonly ruleConfigs: Readonly<Record<string, string>>;
    /** Actions with their secrets (values are write-only: the API returns names). */
    readonly actions: readonly { id: string; name: string; code: string; secrets?: { name: string; value: string }[] }[];
    /** Ids of the actions bound to post-login, in order. */
    readonly postLoginBindings?: readonly string[];
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

const TOKEN_LIFETIME_S = AUTH0_DEFAULT_TOKEN_LIFETIME_S;

/** The hand-made objects as the local tenant's Management API holds them. */
export function handMadeManagementApi(tenant: HandClickedTenant): LocalManagementApi {
    const api = new LocalManagementApi();
    for (const r of tenant.resourceServers) api.resourceServers.set(r.id, { scopes: [], ...structuredClone(r) });
    for (const c of tenant.clients) api.clients.set(c.client_id, { token_endpoint_auth_method: "client_secret_post", ...structuredClone(c) });
    for (const g of tenant.clientGrants) api.clientGrants.set(g.id, { ...structuredClone(g), subject_type: g.subject_type ?? "client" });
    for (const r of tenant.rules) api.rules.set(r.id, structuredClone(r));
    for (const [key, value] of Object.entries(tenant.ruleConfigs)) api.rulesConfigs.set(key, value);
    for (const a of tenant.actions) {
        api.actions.set(a.id, {
            id: a.id,
            name: a.name,
            code: a.code,
            runtime: "node22",
            supported_triggers: [{ id: "post-login", version: "v3" }],
            secrets: (a.secrets ?? []).map((s) => ({ ...s })),
        });
    }
    for (const id of tenant.postLoginBindings ?? []) api.bindByHand("post-login", id, tenant.actions.find((a) => a.id === id)?.name ?? id);
    return api;
}

export class HandClickedTenantServer {
    readonly requests: RecordedRequest[] = [];
    readonly issuedTokens: string[] = [];
    private readonly tokens = new Map<string, readonly string[]>();

    private constructor(
        private readonly server: LocalHttpsServer,
        /** The tenant's Management API: what the provider double and the login checks use in-process. */
        readonly api: LocalManagementApi,
        private readonly domain: string,
        private readonly deployer: Deployer,
    ) {}

    static async start(tenant: HandClickedTenant | LocalManagementApi, deployer: Deployer, domain = (tenant as HandClickedTenant).domain): Promise<HandClickedTenantServer> {
        const api = tenant instanceof LocalManagementApi ? tenant : handMadeManagementApi(tenant);
        // The handler needs the instance, and the instance needs the started server.
        const ready: { self?: HandClickedTenantServer } = {};
        const server = await LocalHttpsServer.start((req, body, res) => ready.self!.handle(req, body, res));
        ready.self = new HandClickedTenantServer(server, api, domain, deployer);
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
        if (!this.api.serves(req.method ?? "", url.pathname)) return sendJson(res, 404, { statusCode: 404, error: "Not Found", message: "Not Found" });
        const scopes = this.tokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
        if (!scopes) return sendJson(res, 401, { statusCode: 401, error: "Unauthorized", message: "Invalid token" });
        const reply = this.api.handle(req.method ?? "", url.pathname, url.searchParams, body ? (JSON.parse(body) as Record<string, unknown>) : {}, scopes);
        if (reply.body === undefined) {
            res.writeHead(reply.status).end();
            return;
        }
        return sendJson(res, reply.status, reply.body);
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
        if (params.audience !== `https://${this.domain}/api/v2/`) {
            return sendJson(res, 403, { error: "access_denied", error_description: `Service not found: ${String(params.audience)}` });
        }
        const token = this.issueToken();
        return sendJson(res, 200, { access_token: token, token_type: "Bearer", expires_in: TOKEN_LIFETIME_S, scope: this.deployer.scopes.join(" ") });
    }
}
