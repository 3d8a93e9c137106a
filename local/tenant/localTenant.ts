/**
 * The tenant a model describes, served on 127.0.0.1 over HTTPS: the authorization server (token
 * endpoint, JWKS, Management API), the custom API and, when the model declares it, the
 * Authorization Extension API. This module composes the roles, each in a module of its own:
 * - signingKeys.ts, accessTokens.ts: the signing key and JWKS; issuing, verifying, revoking tokens;
 * - tokenEndpoint.ts: POST /oauth/token (client credentials), against clientsAndApis.ts;
 * - resourceApis.ts: the custom API and the Authorization Extension API of the login contract;
 * - managementEndpoint.ts: the Management API, answered by managementApi.ts (users in users.ts);
 * - faults.ts, counters.ts: injected faults and request counts.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { JSONWebKeySet } from "jose";
import { Audience, ExtensibilityMode, LoginSettingName } from "../../infra/loginContract";
import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "../../infra/auth0Defaults";
import { AccessTokens } from "./accessTokens";
import { ClientsAndApis } from "./clientsAndApis";
import { RequestCounts } from "./counters";
import { FaultPlan } from "./faults";
import { LocalHttpsServer, NetworkDistance, pathOf, sendJson } from "./https";
import { LocalManagementApi, RulesAvailability } from "./managementApi";
import { ManagementEndpoint } from "./managementEndpoint";
import { AUTHZ_EXTENSION_API, ClientModel, MANAGEMENT_API, STACK_DEFAULT_POLICIES, TenantModel, UserModel } from "./model";
import { AUTHZ_EXTENSION_PREFIX, loginRoutes, ResourceApi } from "./resourceApis";
import { SigningKeyPair, signingKeyPair, SigningKeys } from "./signingKeys";
import { TokenEndpoint, TokenRequestFields } from "./tokenEndpoint";

/** Claim namespace the local settings use. */
export const LOCAL_CLAIM_NAMESPACE = "https://tenant.local/";

export interface LocalTenantOptions {
    /** How far every server is from the login code (default: loopback, no added delay). */
    readonly distance?: NetworkDistance;
    /** Port of the authorization server, hence of the issuer (default 0: an ephemeral one). */
    readonly port?: number;
    /** Sees every request any of the tenant's servers answered: never a token, secret or query string. */
    readonly requestLog?: (entry: TenantRequest) => void;
    /** The signing key pair, when it is being made already (signingKeyPair()); default: made at start. */
    readonly signingKeys?: Promise<SigningKeyPair>;
    /** Whether the tenant still has Rules; `deprecated` answers them 403 as Auth0 does. Default: available. */
    readonly rules?: RulesAvailability;
    /**
     * The Management API's data: what a deploy left there (local/engine/localDeploy.ts), served as is.
     * Default: an empty tenant (`rules` sets its Rules availability).
     */
    readonly management?: LocalManagementApi;
}

/** One request a server of the tenant answered, as its request log shows it. */
export interface TenantRequest extends TokenRequestFields {
    readonly service: "authorization" | "api" | "authzExtension";
    readonly method: string;
    /** The path without its query string (which may carry a code or a state). */
    readonly path: string;
    readonly status: number;
    readonly elapsedMs: number;
}

/** A handler of the interactive flows (/authorize, the login pages, discovery, userinfo, logout). */
export type FlowsHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class LocalTenant {
    readonly faults = new FaultPlan();
    /** The provider's Management API endpoints (tools/deployerScopes.ts), each requiring its scope. */
    readonly management: LocalManagementApi;
    private readonly counts = new RequestCounts();
    private readonly clientsAndApis: ClientsAndApis;
    private readonly tokens: AccessTokens;
    private readonly tokenEndpoint: TokenEndpoint;
    private readonly managementEndpoint: ManagementEndpoint;
    private authorizationServer!: LocalHttpsServer;
    private apiServer!: LocalHttpsServer;
    private extensionServer: LocalHttpsServer | undefined;
    private flows: FlowsHandler | undefined;

    private constructor(
        readonly model: TenantModel,
        private readonly options: LocalTenantOptions,
        keys: SigningKeys,
    ) {
        this.management = options.management ?? new LocalManagementApi(options.rules ?? "available");
        model.users.forEach((user) => this.management.users.put(user));
        this.clientsAndApis = new ClientsAndApis(model, this.management, () => this.audience("managementApi"));
        this.tokens = new AccessTokens(keys, () => this.issuer);
        this.tokenEndpoint = new TokenEndpoint({ clientsAndApis: this.clientsAndApis, tokens: this.tokens, faults: this.faults, counts: this.counts, flows: () => this.flows });
        this.managementEndpoint = new ManagementEndpoint(this.management, () => this.audience("managementApi"), this.tokens, this.faults, this.counts);
    }

    static async start(model: TenantModel, options: LocalTenantOptions = {}): Promise<LocalTenant> {
        const tenant = new LocalTenant(model, options, await SigningKeys.of(options.signingKeys ?? signingKeyPair()));
        await tenant.listen();
        return tenant;
    }

    private async listen(): Promise<void> {
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
                    ...this.tokenEndpoint.fields.get(req),
                });
            }),
        });
        const resourceApi = (audience: Audience, identifier: string, prefix = "") =>
            new ResourceApi(identifier, loginRoutes(audience, prefix), this.model, this.tokens, this.faults, this.counts);
        this.authorizationServer = await LocalHttpsServer.start(async (req, body, res) => {
            const path = pathOf(req);
            if (req.method === "POST" && path === "/oauth/token") return this.tokenEndpoint.answer(body, req, res);
            // Public keys, readable from any origin: a browser application verifies ID tokens with them.
            if (req.method === "GET" && path === "/.well-known/jwks.json") return sendJson(res, 200, this.tokens.keys.jwks, { "access-control-allow-origin": "*" });
            if (this.managementEndpoint.serves(req.method ?? "", path)) return this.managementEndpoint.answer(req, body, res);
            return sendJson(res, 404, { statusCode: 404, error: "Not Found", message: "Not Found" });
        }, { ...serverOptions(0), port: this.options.port, takeOver: (req, res) => this.takeOverFlow(req, res) });
        const api = resourceApi("api", this.model.customApi);
        this.apiServer = await LocalHttpsServer.start((req, _body, res) => api.answer(req, res), serverOptions(1));
        if (this.model.apis.some((a) => a.identifier === AUTHZ_EXTENSION_API)) {
            const extension = resourceApi("authzExtension", AUTHZ_EXTENSION_API, AUTHZ_EXTENSION_PREFIX);
            this.extensionServer = await LocalHttpsServer.start((req, _body, res) => extension.answer(req, res), serverOptions(2));
        }
        this.clientsAndApis.validate((audience) => this.audience(audience));
    }

    /** host:port of the authorization server: what AUTH0_DOMAIN holds. */
    get domain(): string {
        return `127.0.0.1:${this.authorizationServer.port}`;
    }

    get issuer(): string {
        return `https://${this.domain}/`;
    }

    /** Every access token issued, so tests can look for them where they must not be. */
    get issuedTokens(): string[] {
        return this.tokens.issued;
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
        const secret = this.clientsAndApis.modelClientSecret(client.id);
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
        return this.tokens.keys.privateKeySet();
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
        if ((path === "/oauth/token" && method === "POST") || path === "/.well-known/jwks.json" || this.managementEndpoint.serves(method, path)) return false;
        // The Management API's prefix: its calls stay the tenant's even when a flows handler is set.
        if (path.startsWith("/api/v2/")) return false;
        this.flows(req, res);
        return true;
    }

    /** Token requests received for `audience` (an identifier), whatever their outcome. */
    tokenRequests(audience: string): number {
        return this.counts.tokenRequests(audience);
    }

    /** API requests received with `audience` (an identifier) as the endpoint's audience. */
    calls(audience: string): number {
        return this.counts.apiCalls(audience);
    }

    resetCounts(): void {
        this.counts.reset();
    }

    /**
     * Sets the secret of an existing client, as a ClientCredentials update does: token requests
     * with the old secret fail from now on; tokens already issued stay valid until they expire.
     */
    setClientSecret(clientId: string, secret: string): void {
        this.clientsAndApis.setClientSecret(clientId, secret);
    }

    /** Adds a client at runtime (its grants must already be in the model). */
    addClient(client: ClientModel): void {
        this.clientsAndApis.addClient(client);
    }

    /**
     * A Management API token carrying exactly `scopes`, as the token endpoint issues one to a
     * deployer whose grant has them (the dashboard's API Explorer hands out the same).
     */
    managementToken(scopes: readonly string[]): Promise<string> {
        return this.tokens.issue({ clientId: "local-deployer", audience: this.audience("managementApi"), scope: scopes.join(" "), lifetimeS: AUTH0_DEFAULT_TOKEN_LIFETIME_S }, false);
    }

    /** Every token the token endpoint issued so far is rejected from now on with 401 (a stale token). */
    revokeIssuedTokens(): void {
        this.tokens.revokeIssued();
    }

    /** The user as the Management API stores it now. */
    user(userId: string): UserModel {
        return this.management.users.get(userId);
    }

    /** Merges app_metadata as the Management API does (top-level keys; null deletes). */
    mergeAppMetadata(userId: string, patch: Record<string, unknown>): void {
        this.management.users.mergeAppMetadata(userId, patch);
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
}
