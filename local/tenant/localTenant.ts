import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "../../infra/auth0Defaults";
import { randomUUID } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { createLocalJWKSet, exportJWK, generateKeyPair, JSONWebKeySet, jwtVerify, SignJWT } from "jose";
import { Audience, ExtensibilityMode, LOGIN_CALLS, LoginCall, LoginSettingName } from "../../infra/loginContract";
import { applyFault, Endpoint, FaultPlan } from "./faults";
import { LocalHttpsServer, NetworkDistance, sendJson } from "./https";
import { LocalManagementApi, RulesAvailability } from "./managementApi";
import {
    ApiModel,
    AUTHZ_EXTENSION_API,
    ClientModel,
    GrantModel,
    MANAGEMENT_API,
    MANAGEMENT_API_SCOPES,
    STACK_DEFAULT_POLICIES,
    TenantModel,
    UserModel,
} from "./model";

/** Auth0's default access token lifetime for an API, seconds. */
const DEFAULT_TOKEN_LIFETIME_S = AUTH0_DEFAULT_TOKEN_LIFETIME_S;
/** Prefix of the Authorization Extension API's routes (its URL ends in /api). */
const AUTHZ_EXTENSION_PREFIX = "/api";
/** Claim namespace the local settings use. */
export const LOCAL_CLAIM_NAMESPACE = "https://tenant.local/";

/** Which local endpoint serves each contract call; a call without one fails the start. */
const ENDPOINT_OF: Record<string, Endpoint> = {
    "authzExtension GET": "groups",
    "api GET": "entitlements",
    "managementApi PATCH": "patchUser",
};

interface Route {
    readonly call: LoginCall;
    readonly endpoint: Endpoint;
    readonly pattern: RegExp;
}

type Reply = { status: number; body: unknown };

export interface LocalTenantOptions {
    /** How far every server is from the login code (default: loopback, no added delay). */
    readonly distance?: NetworkDistance;
    /** Port of the authorization server, hence of the issuer (default 0: an ephemeral one). */
    readonly port?: number;
    /** Sees every request any of the tenant's servers answered: never a token, secret or query string. */
    readonly requestLog?: (entry: TenantRequest) => void;
    /** The signing key pair, when it is being made already (signingKeyPair()); default: made at start. */
    readonly signingKeys?: Promise<SigningKeyPair>;
}

export type SigningKeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A new RS256 key pair, extractable, so the OpenID Provider served on a tenant signs with the same key. */
export function signingKeyPair(): Promise<SigningKeyPair> {
    return generateKeyPair("RS256", { extractable: true });
}

/** One request a server of the tenant answered, as its request log shows it. */
export interface TenantRequest {
    readonly service: "authorization" | "api" | "authzExtension";
    readonly method: string;
    /** The path without its query string (which may carry a code or a state). */
    readonly path: string;
    readonly status: number;
    readonly elapsedMs: number;
    /** For /oauth/token: grant_type, client_id and audience (identifiers only). */
    readonly grantType?: string;
    readonly clientId?: string;
    readonly audience?: string;
}

/** A handler of the interactive flows (/authorize, the login pages, discovery, userinfo, logout). */
export type FlowsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The tenant a model describes, served on 127.0.0.1 over HTTPS: the authorization server
 * (token endpoint, JWKS, Management API), the custom API and, when the model declares it, the
 * Authorization Extension API. Each resource endpoint requires exactly the scopes LOGIN_CALLS
 * lists for it. Faults can be injected per endpoint; requests are counted per audience.
 */
export interface LocalTenantOptions {
    /** Whether the tenant still has Rules; `deprecated` answers them 403 as Auth0 does. Default: available. */
    readonly rules?: RulesAvailability;
    /**
     * The Management API's data: what a deploy left there (local/engine/localDeploy.ts), served as is.
     * Default: an empty tenant (`rules` sets its Rules availability).
     */
    readonly management?: LocalManagementApi;
}

export class LocalTenant {
    readonly faults = new FaultPlan();
    /** The provider's Management API endpoints (tools/deployerScopes.ts), each requiring its scope. */
    readonly management: LocalManagementApi;
    /** Every access token issued, so tests can look for them where they must not be. */
    readonly issuedTokens: string[] = [];
    private readonly tokenCounts = new Map<string, number>();
    private readonly callCounts = new Map<string, number>();
    private readonly revokedJtis = new Set<string>();
    private readonly issuedJtis: string[] = [];
    private readonly users = new Map<string, UserModel>();
    /** Client secrets by client id: the model's, then whatever setClientSecret/addClient changed. */
    private readonly clientSecrets = new Map<string, string>();
    private authorizationServer!: LocalHttpsServer;
    private apiServer!: LocalHttpsServer;
    private extensionServer: LocalHttpsServer | undefined;
    private signingKey!: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
    private jwks!: JSONWebKeySet;
    private readonly kid = randomUUID();
    private privateJwks!: JSONWebKeySet;
    private flows: FlowsHandler | undefined;
    /** What token() read from a request's body, for the request log. */
    private readonly tokenRequestFields = new WeakMap<IncomingMessage, Pick<TenantRequest, "grantType" | "clientId" | "audience">>();

    private constructor(
        readonly model: TenantModel,
        private readonly options: LocalTenantOptions,
    ) {
        this.management = options.management ?? new LocalManagementApi(options.rules ?? "available");
        model.users.forEach((user) => this.users.set(user.user_id, structuredClone(user)));
        model.clients.forEach((client) => this.clientSecrets.set(client.id, client.secret));
    }

    static async start(model: TenantModel, options: LocalTenantOptions = {}): Promise<LocalTenant> {
        const tenant = new LocalTenant(model, options);
        await tenant.listen();
        return tenant;
    }

    private async listen(): Promise<void> {
        const { privateKey, publicKey } = await (this.options.signingKeys ?? signingKeyPair());
        this.signingKey = privateKey;
        this.jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: this.kid, alg: "RS256", use: "sig" }] };
        this.privateJwks = { keys: [{ ...(await exportJWK(privateKey)), kid: this.kid, alg: "RS256", use: "sig" }] };
        const verifyKeys = createLocalJWKSet(this.jwks);

        const routes = (audience: Audience, prefix: string): Route[] =>
            LOGIN_CALLS.filter((call) => call.audience === audience).map((call) => {
                const endpoint = ENDPOINT_OF[`${call.audience} ${call.method}`];
                if (!endpoint) throw new Error(`local tenant: no endpoint serves ${call.method} ${call.audience} ${call.path}`);
                const source = (prefix + call.path).split("{user_id}").map(escapeRegExp).join("([^/]+)");
                return { call, endpoint, pattern: new RegExp(`^${source}$`) };
            });

        const managementRoutes = routes("managementApi", "");
        // Each server draws its own jitter: one seed for all would make their delays move in step.
        const distance = this.options.distance;
        const services = ["authorization", "api", "authzExtension"] as const;
        const serverOptions = (n: number) => ({
            distance: distance && { ...distance, seed: (distance.seed ?? 1) + n },
            onResponse: this.options.requestLog && ((req: IncomingMessage, res: ServerResponse, elapsedMs: number) => {
                this.options.requestLog?.({
                    service: services[n],
                    method: req.method ?? "",
                    path: pathOf(req),
                    status: res.statusCode,
                    elapsedMs,
                    ...this.tokenRequestFields.get(req),
                });
            }),
        });
        this.authorizationServer = await LocalHttpsServer.start(async (req, body, res) => {
            const path = pathOf(req);
            if (req.method === "POST" && path === "/oauth/token") return this.token(body, req, res);
            // Public keys, readable from any origin: a browser application verifies ID tokens with them.
            if (req.method === "GET" && path === "/.well-known/jwks.json") return sendJson(res, 200, this.jwks, { "access-control-allow-origin": "*" });
            if (this.management.serves(req.method ?? "", path)) return this.managementCall(req, body, res, verifyKeys);
            return this.resource(req, body, res, managementRoutes, this.audience("managementApi"), verifyKeys);
        }, { ...serverOptions(0), port: this.options.port, takeOver: (req, res) => this.takeOverFlow(req, res) });
        const apiRoutes = routes("api", "");
        this.apiServer = await LocalHttpsServer.start((req, body, res) =>
            this.resource(req, body, res, apiRoutes, this.model.customApi, verifyKeys),
        serverOptions(1));
        if (this.model.apis.some((api) => api.identifier === AUTHZ_EXTENSION_API)) {
            const extensionRoutes = routes("authzExtension", AUTHZ_EXTENSION_PREFIX);
            this.extensionServer = await LocalHttpsServer.start((req, body, res) =>
                this.resource(req, body, res, extensionRoutes, AUTHZ_EXTENSION_API, verifyKeys),
            serverOptions(2));
        }
        this.validateModel();
    }

    /** host:port of the authorization server: what AUTH0_DOMAIN holds. */
    get domain(): string {
        return `127.0.0.1:${this.authorizationServer.port}`;
    }

    get issuer(): string {
        return `https://${this.domain}/`;
    }

    /** The identifier of a contract audience in this tenant. */
    audience(audience: Audience): string {
        if (audience === "managementApi") return MANAGEMENT_API.replace("{domain}", this.domain);
        if (audience === "authzExtension") return AUTHZ_EXTENSION_API;
        return this.model.customApi;
    }

    /**
     * The settings the login code of `mode` reads, as the stack would provide them for this
     * tenant. The credential comes in the mode's form: actions get M2M_CLIENT_ID and
     * M2M_CLIENT_SECRET, rules the one value M2M_CREDENTIALS (a rotation switches it in one write).
     */
    loginSettings(mode: ExtensibilityMode): Record<LoginSettingName, string | undefined> {
        const client = this.model.clients[0];
        if (!client) throw new Error("local tenant: the model has no client");
        const secret = this.clientSecrets.get(client.id);
        return {
            AUTH0_DOMAIN: this.domain,
            M2M_CLIENT_ID: mode === "actions" ? client.id : undefined,
            M2M_CLIENT_SECRET: mode === "actions" ? secret : undefined,
            M2M_CREDENTIALS: mode === "rules" ? JSON.stringify({ client_id: client.id, client_secret: secret }) : undefined,
            API_AUDIENCE: this.model.customApi,
            API_BASE_URL: this.apiServer.origin,
            AUTHZ_EXTENSION_URL: this.extensionServer ? this.extensionServer.origin + AUTHZ_EXTENSION_PREFIX : undefined,
            CLAIM_NAMESPACE: LOCAL_CLAIM_NAMESPACE,
            FAILURE_POLICY_GROUPS: STACK_DEFAULT_POLICIES.groups,
            FAILURE_POLICY_API: STACK_DEFAULT_POLICIES.api,
            FAILURE_POLICY_MANAGEMENT: STACK_DEFAULT_POLICIES.management,
        };
    }

    /**
     * The private signing key set (one RS256 key, the kid the JWKS publishes): for the OpenID
     * Provider served on this tenant, so ID tokens, user access tokens and M2M tokens share one
     * issuer and one key set. Never print it.
     */
    signingKeySet(): JSONWebKeySet {
        return structuredClone(this.privateJwks);
    }

    /**
     * Hands the interactive flows to `handler`: every request to the authorization server that
     * is not the tenant's own (client credentials at /oauth/token, JWKS, Management API) —
     * /authorize, the login pages, discovery, userinfo, logout, and /oauth/token for the other
     * grants. Auth0 serves all of them on the tenant's one domain; so does this.
     */
    serveFlows(handler: FlowsHandler): void {
        this.flows = handler;
    }

    /** Before the body is read: a request for the flows handler goes to it untouched. */
    private takeOverFlow(req: IncomingMessage, res: ServerResponse): boolean {
        if (!this.flows) return false;
        const path = pathOf(req);
        const method = req.method ?? "";
        // A POST to /oauth/token is the tenant's or the flows' by its grant_type, in the body.
        if ((path === "/oauth/token" && method === "POST") || path === "/.well-known/jwks.json" || this.management.serves(method, path)) return false;
        if (managementApiPath(path)) return false;
        this.flows(req, res);
        return true;
    }

    /** Token requests received for `audience` (an identifier), whatever their outcome. */
    tokenRequests(audience: string): number {
        return this.tokenCounts.get(audience) ?? 0;
    }

    /** API requests received with `audience` (an identifier) as the endpoint's audience. */
    calls(audience: string): number {
        return this.callCounts.get(audience) ?? 0;
    }

    resetCounts(): void {
        this.tokenCounts.clear();
        this.callCounts.clear();
    }

    /**
     * Sets the secret of an existing client, as a ClientCredentials update does: token requests
     * with the old secret fail from now on; tokens already issued stay valid until they expire.
     */
    setClientSecret(clientId: string, secret: string): void {
        if (!this.clientSecrets.has(clientId)) throw new Error(`local tenant: no client ${clientId}`);
        this.clientSecrets.set(clientId, secret);
    }

    /** Adds a client at runtime (its grants must already be in the model). */
    addClient(client: ClientModel): void {
        if (this.clientSecrets.has(client.id)) throw new Error(`local tenant: client ${client.id} exists`);
        this.clientSecrets.set(client.id, client.secret);
    }

    /**
     * A Management API token carrying exactly `scopes`, as the token endpoint issues one to a
     * deployer whose grant has them (the dashboard's API Explorer hands out the same).
     */
    async managementToken(scopes: readonly string[]): Promise<string> {
        const token = await new SignJWT({ scope: scopes.join(" "), gty: "client-credentials", azp: "local-deployer" })
            .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid })
            .setIssuer(this.issuer)
            .setSubject("local-deployer@clients")
            .setAudience(this.audience("managementApi"))
            .setIssuedAt()
            .setExpirationTime(`${DEFAULT_TOKEN_LIFETIME_S}s`)
            .setJti(randomUUID())
            .sign(this.signingKey);
        this.issuedTokens.push(token);
        return token;
    }

    /** Every token issued so far is rejected from now on with 401 (a stale token). */
    revokeIssuedTokens(): void {
        this.issuedJtis.forEach((jti) => this.revokedJtis.add(jti));
    }

    /** The user as the Management API stores it now. */
    user(userId: string): UserModel {
        const user = this.users.get(userId);
        if (!user) throw new Error(`local tenant: no user ${userId}`);
        return structuredClone(user);
    }

    /** Merges app_metadata as the Management API does (top-level keys; null deletes). */
    mergeAppMetadata(userId: string, patch: Record<string, unknown>): void {
        const user = this.user(userId);
        const appMetadata: Record<string, unknown> = { ...(user.app_metadata ?? {}) };
        for (const [key, value] of Object.entries(patch)) {
            if (value === null) delete appMetadata[key];
            else appMetadata[key] = value;
        }
        this.users.set(userId, { ...user, app_metadata: appMetadata });
    }

    /**
     * New connections to one service wait `ms` before their TLS handshake (0: at once): a server
     * slow to connect. "authorization" is the token endpoint's and the Management API's server.
     */
    stallConnections(service: "authorization" | "api" | "authzExtension", ms: number): void {
        const server = { authorization: this.authorizationServer, api: this.apiServer, authzExtension: this.extensionServer }[service];
        if (!server) throw new Error(`local tenant: no ${service} server`);
        server.stallHandshakes(ms);
    }

    /** Stops one service, as when it is down; its URL stays in the settings. */
    async stopService(audience: "api" | "authzExtension"): Promise<void> {
        await (audience === "api" ? this.apiServer : this.extensionServer)?.stop();
    }

    async stop(): Promise<void> {
        await Promise.all([this.authorizationServer.stop(), this.apiServer.stop(), this.extensionServer?.stop()]);
    }

    private validateModel(): void {
        for (const grant of this.model.grants) {
            const api = this.api(grant.audience);
            if (!api) throw new Error(`local tenant: grant for unknown audience ${grant.audience}`);
            const unknown = grant.scopes.filter((scope) => !api.scopes.includes(scope));
            if (unknown.length > 0) throw new Error(`local tenant: ${grant.audience} has no scopes ${unknown.join(", ")}`);
        }
        for (const call of LOGIN_CALLS) {
            const api = this.api(this.audience(call.audience));
            if (!api && call.audience !== "authzExtension") throw new Error(`local tenant: no API for ${call.audience}`);
        }
    }

    private api(identifier: string): ApiModel | undefined {
        const management = this.audience("managementApi");
        if (identifier === management || identifier === MANAGEMENT_API) {
            return { identifier: management, scopes: MANAGEMENT_API_SCOPES };
        }
        return this.model.apis.find((api) => api.identifier === identifier) ?? this.managed.api(identifier);
    }

    /**
     * What a deploy through the Management API created (clients with their secrets, APIs, client
     * grants): the token endpoint honours them beside the model's, as Auth0 issues tokens from the
     * objects its Management API holds.
     */
    private readonly managed = {
        clientSecret: (clientId: string): string | undefined => {
            const secret = this.management.clients.get(clientId)?.client_secret;
            return typeof secret === "string" ? secret : undefined;
        },
        api: (identifier: string): ApiModel | undefined => {
            const rs = [...this.management.resourceServers.values()].find((r) => r.identifier === identifier);
            if (!rs) return undefined;
            const scopes = ((rs.scopes as { value: string }[] | undefined) ?? []).map((s) => s.value);
            return { identifier, scopes, ...(typeof rs.token_lifetime === "number" ? { tokenLifetimeS: rs.token_lifetime } : {}) };
        },
        grant: (clientId: string, audience: string): GrantModel | undefined => {
            const g = [...this.management.clientGrants.values()].find((x) => x.client_id === clientId && this.grantAudience(String(x.audience)) === audience);
            return g ? { clientId, audience, scopes: (g.scope as string[] | undefined) ?? [] } : undefined;
        },
    };

    private grantAudience(audience: string): string {
        return audience === MANAGEMENT_API ? this.audience("managementApi") : audience;
    }

    /** POST /oauth/token, client credentials only, answering errors as Auth0 does. */
    private async token(rawBody: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
        const params = parseBody(rawBody, req.headers["content-type"]);
        const audience = typeof params.audience === "string" ? params.audience : "";
        const grantType = typeof params.grant_type === "string" ? params.grant_type : "";
        const clientId = typeof params.client_id === "string" ? params.client_id : "";
        this.tokenRequestFields.set(req, { grantType, clientId: clientId || undefined, audience: audience || undefined });
        // The grants of the interactive flows (authorization code, refresh token) are the OpenID Provider's.
        if (grantType !== "client_credentials" && this.flows) return this.flows(replay(req, rawBody), res);
        this.tokenCounts.set(audience, this.tokenRequests(audience) + 1);
        const fault = this.faults.take("token", audience);
        if (fault && (await applyFault(res, fault)) === "answered") return;

        if (params.grant_type !== "client_credentials") {
            return sendJson(res, 400, { error: "unsupported_grant_type", error_description: "Unsupported grant type" });
        }
        const secret = this.clientSecrets.get(clientId) ?? this.managed.clientSecret(clientId);
        const client = secret === undefined ? undefined : { id: clientId, secret };
        if (!client || client.secret !== params.client_secret) {
            return sendJson(res, 401, { error: "access_denied", error_description: "Unauthorized" });
        }
        const api = this.api(audience);
        if (!api) {
            return sendJson(res, 403, { error: "access_denied", error_description: `Service not found: ${audience}` });
        }
        const grant = this.model.grants.find((g) => g.clientId === client.id && this.grantAudience(g.audience) === api.identifier) ?? this.managed.grant(client.id, api.identifier);
        if (!grant) {
            return sendJson(res, 403, {
                error: "access_denied",
                error_description:
                    `Client is not authorized to access "${api.identifier}". You need to create a "client-grant" ` +
                    "associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants",
            });
        }
        const lifetime = api.tokenLifetimeS ?? DEFAULT_TOKEN_LIFETIME_S;
        const jti = randomUUID();
        const scope = grant.scopes.join(" ");
        const accessToken = await new SignJWT({ scope, gty: "client-credentials", azp: client.id })
            .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid })
            .setIssuer(this.issuer)
            .setSubject(`${client.id}@clients`)
            .setAudience(api.identifier)
            .setIssuedAt()
            .setExpirationTime(`${lifetime}s`)
            .setJti(jti)
            .sign(this.signingKey);
        this.issuedJtis.push(jti);
        this.issuedTokens.push(accessToken);
        const response: Record<string, unknown> = { access_token: accessToken, scope, expires_in: lifetime, token_type: "Bearer" };
        if (fault?.kind === "omit-expires-in") delete response.expires_in;
        sendJson(res, 200, response);
    }

    /** An API endpoint from the contract: bearer JWT, signature, issuer, audience, scopes, then the handler. */
    private async resource(
        req: IncomingMessage,
        rawBody: string,
        res: ServerResponse,
        routes: readonly Route[],
        audience: string,
        verifyKeys: ReturnType<typeof createLocalJWKSet>,
    ): Promise<void> {
        const path = pathOf(req);
        const match = routes.map((route) => ({ route, found: route.pattern.exec(path) })).find((m) => m.found && m.route.call.method === req.method);
        if (!match?.found) return sendJson(res, 404, { statusCode: 404, error: "Not Found", message: "Not Found" });
        this.callCounts.set(audience, this.calls(audience) + 1);
        const fault = this.faults.take(match.route.endpoint);
        if (fault && (await applyFault(res, fault)) === "answered") return;

        const granted = await this.grantedScopes(req, res, verifyKeys, audience);
        if (!granted) return;
        const missing = match.route.call.scopes.filter((scope) => !granted.includes(scope));
        if (missing.length > 0) {
            return sendJson(res, 403, { statusCode: 403, error: "Forbidden", message: `Insufficient scope, expected all of: ${match.route.call.scopes.join(" ")}` });
        }
        const userId = decodeURIComponent(match.found[1] ?? "");
        const reply = this.handle(match.route.endpoint, userId, rawBody);
        sendJson(res, reply.status, reply.body);
    }

    /**
     * The scopes of the request's bearer token, verified as Auth0 verifies an access token for
     * `audience`; or, answering 401 as Auth0 does, undefined.
     */
    private async grantedScopes(req: IncomingMessage, res: ServerResponse, verifyKeys: ReturnType<typeof createLocalJWKSet>, audience: string): Promise<string[] | undefined> {
        const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
        const unauthorized = (message: string) => {
            sendJson(res, 401, { statusCode: 401, error: "Unauthorized", message }, { "www-authenticate": 'Bearer error="invalid_token"' });
            return undefined;
        };
        if (!bearer) return unauthorized("Missing authentication");
        let claims;
        try {
            claims = (await jwtVerify(bearer, verifyKeys, { issuer: this.issuer, audience, algorithms: ["RS256"] })).payload;
        } catch {
            return unauthorized("Invalid token");
        }
        if (typeof claims.jti === "string" && this.revokedJtis.has(claims.jti)) return unauthorized("Token revoked");
        return typeof claims.scope === "string" ? claims.scope.split(" ") : [];
    }

    /** A provider call to the Management API: bearer JWT as for any endpoint, then the table's scope. */
    private async managementCall(req: IncomingMessage, rawBody: string, res: ServerResponse, verifyKeys: ReturnType<typeof createLocalJWKSet>): Promise<void> {
        const audience = this.audience("managementApi");
        this.callCounts.set(audience, this.calls(audience) + 1);
        const granted = await this.grantedScopes(req, res, verifyKeys, audience);
        if (!granted) return;
        const url = new URL(req.url ?? "/", "https://local");
        const reply = this.management.handle(req.method ?? "", url.pathname, url.searchParams, parseBody(rawBody, "application/json"), granted);
        if (reply.body === undefined) {
            res.writeHead(reply.status);
            res.end();
            return;
        }
        sendJson(res, reply.status, reply.body);
    }

    private handle(endpoint: Endpoint, userId: string, rawBody: string): Reply {
        switch (endpoint) {
            case "groups":
                return {
                    status: 200,
                    body: this.model.groups
                        .filter((group) => group.members.includes(userId))
                        .map((group) => ({ _id: group._id, name: group.name, description: group.description })),
                };
            case "entitlements":
                return { status: 200, body: { user_id: userId, entitlements: this.model.entitlements[userId] ?? [] } };
            case "patchUser": {
                if (!this.users.has(userId)) {
                    return { status: 404, body: { statusCode: 404, error: "Not Found", message: "The user does not exist.", errorCode: "inexistent_user" } };
                }
                const patch = parseBody(rawBody, "application/json");
                const fields = Object.keys(patch);
                const appMetadata = patch.app_metadata;
                if (fields.some((field) => field !== "app_metadata") || typeof appMetadata !== "object" || appMetadata === null) {
                    return { status: 400, body: { statusCode: 400, error: "Bad Request", message: "Only app_metadata may be updated with this grant" } };
                }
                this.mergeAppMetadata(userId, appMetadata as Record<string, unknown>);
                return { status: 200, body: this.user(userId) };
            }
            case "token":
                return { status: 404, body: { statusCode: 404, error: "Not Found", message: "Not Found" } };
        }
    }
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
    if ((contentType ?? "").includes("application/x-www-form-urlencoded")) {
        return Object.fromEntries(new URLSearchParams(raw));
    }
    try {
        const parsed: unknown = JSON.parse(raw);
        return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

/** The Management API's prefix: its calls stay the tenant's even when a flows handler is set. */
function managementApiPath(path: string): boolean {
    return path.startsWith("/api/v2/");
}

/**
 * A request whose body was read, with that body to read again, for a handler that reads it. A
 * stream of its own (not an IncomingMessage on the same socket, which would close the socket
 * once read), carrying the request's method, URL, headers and socket.
 */
export function replay(req: IncomingMessage, body: string): IncomingMessage {
    const copy = Readable.from([Buffer.from(body, "utf8")]);
    return Object.assign(copy, {
        method: req.method,
        url: req.url,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        httpVersion: req.httpVersion,
        httpVersionMajor: req.httpVersionMajor,
        httpVersionMinor: req.httpVersionMinor,
        socket: req.socket,
        connection: req.socket,
    }) as unknown as IncomingMessage;
}

function pathOf(req: IncomingMessage): string {
    return new URL(req.url ?? "/", "https://local").pathname;
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
