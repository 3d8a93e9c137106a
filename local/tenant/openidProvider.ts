/**
 * The tenant a stack's deploy left (local/tenant/deployedTenant.ts), served as an OpenID Provider on
 * 127.0.0.1, with the stack's post-login code run at every login.
 *
 * The protocol is oidc-provider's (panva/node-oidc-provider, OpenID Certified): discovery,
 * /authorize with PKCE, /oauth/token for the authorization code and refresh token grants,
 * userinfo, RP-initiated logout, revocation. It is mounted on the local tenant's authorization
 * server (LocalTenant.serveFlows), so there is one issuer, `https://127.0.0.1:<port>/`, and one
 * signing key set: the provider signs with the tenant's key (LocalTenant.signingKeySet) and the
 * JWKS at /.well-known/jwks.json is the tenant's. Client credentials at /oauth/token stay the
 * tenant's own (the M2M clients the stack declares, Auth0's answers), as do the Management API
 * and the resource APIs.
 *
 * What is ours, modelled on Auth0:
 * - Paths as Auth0 names them (Authentication API): /authorize, /oauth/token, /userinfo,
 *   /oidc/logout, /oauth/revoke, /.well-known/jwks.json; and Auth0's `audience` parameter, which
 *   selects the API a JWT access token is issued for (here: the RFC 8707 resource indicator).
 * - The login page (email and password, the login directory) and, at every authorization —
 *   after the login page, or with an existing session — the post-login code the stack binds, in
 *   its order, through the faithful runtimes (local/runtime). Auth0: "Actions: post-login
 *   trigger" runs on every authentication transaction, SSO included.
 * - `api.access.deny(reason)` ends the flow at the application's redirect URI with
 *   `error=access_denied&error_description=<reason>` (Auth0 docs, "Actions: post-login api
 *   object", api.access.deny: "Mark the current login attempt as denied. This will prevent the
 *   end-user from completing the login flow. [...] the reason is returned to the application in
 *   the error_description"). An Action that throws ends it the same way, with its message.
 * - `api.idToken.setCustomClaim` / `api.accessToken.setCustomClaim` land in the tokens of that
 *   login; `api.user.setAppMetadata` is merged into the user store once the flow allows the
 *   login (as the Harness does), so the next login's event.user carries it.
 */
import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "../../infra/auth0Defaults";
import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo, Socket } from "node:net";
import { basename } from "node:path";
import type * as oidc from "oidc-provider";
import { DeployedTenant } from "./deployedTenant";
import { LoginDirectory, SAMPLE_PASSWORD } from "./loginDirectory";
import { Harness } from "../runtime/loginHarness";
import { LoginContainer, LoginResult, LoginTransaction } from "../runtime/types";
import { replay } from "./https";
import type { TenantRequest } from "./localTenant";
import { signingKeyPair } from "./signingKeys";
import { testTls } from "./tls";
import { AUTHZ_EXTENSION_API } from "./model";
import { errorPage, loggedOutPage, loginPage, logoutPage } from "./providerPages";
import { SAMPLE_CLIENT_ID, sampleAppPage } from "./sampleApp";

export { SAMPLE_CLIENT_ID } from "./sampleApp";
const SAMPLE_CLIENT_NAME = "Local sample app";
/** Auth0's defaults: ID tokens 36000 s, refresh tokens (non-rotating) 30 days. */
const ID_TOKEN_LIFETIME_S = 36000;
const REFRESH_TOKEN_LIFETIME_S = 30 * 24 * 3600;
const DEFAULT_ACCESS_TOKEN_LIFETIME_S = AUTH0_DEFAULT_TOKEN_LIFETIME_S;
const INTERACTION_LIFETIME_S = 3600;
const SESSION_LIFETIME_S = 3 * 24 * 3600;
/** Auth0's message for a failed database login. */
export const WRONG_CREDENTIALS = "Wrong email or password.";
const MAX_FORM_BYTES = 16384;

export interface OpenIdProviderOptions {
    /**
     * The stack deployed to a local tenant (deployTenant); its model's users are the directory's.
     * A promise lets the provider load its library while the deploy runs.
     */
    readonly deployed: DeployedTenant | Promise<DeployedTenant>;
    /** Who logs in; must hold the same users as `deployed.model`. Default: the sample directory. */
    readonly directory?: LoginDirectory;
    /** Port of the issuer (default 0: ephemeral). */
    readonly port?: number;
    /** Port of the sample application (default 0: ephemeral). */
    readonly appPort?: number;
    /** More redirect URIs for the sample application's client id, for one's own application. */
    readonly redirectUris?: readonly string[];
    /** Sees each request the tenant answered and each login (lines hold no token or secret). */
    readonly log?: (line: string) => void;
    /** Told as each step of the start ends: "oidc-provider loaded", "deployed", "servers listening". */
    readonly startup?: (step: string) => void;
}

/** What one login's post-login code did; what the console and the tests see. */
export interface LoginRecord {
    readonly userId: string;
    /** The application that logged in (event.client.client_id). */
    readonly clientId: string;
    /** event.transaction.protocol: "oidc-basic-profile" at /authorize, "oauth2-refresh-token" at a refresh. */
    readonly protocol: string;
    readonly outcome: LoginResult["outcome"];
    readonly reason?: string;
    /** The files that ran, in order. */
    readonly files: readonly string[];
    readonly idTokenClaims: readonly string[];
    readonly accessTokenClaims: readonly string[];
    readonly appMetadataUpdates: readonly string[];
}

interface ActionClaims {
    readonly idToken: Record<string, unknown>;
    readonly accessToken: Record<string, unknown>;
}

type OidcModule = typeof oidc;

export class OpenIdProvider {
    /** Every request the tenant's servers answered, in order. */
    readonly requests: TenantRequest[] = [];
    readonly logins: LoginRecord[] = [];
    /** The Actions' claims of each login, by the grant it created. */
    private readonly claimsByGrant = new Map<string, ActionClaims>();
    private provider!: oidc.Provider;
    private appServer!: Server;
    private readonly appSockets = new Set<Socket>();
    private appPort = 0;
    private container!: LoginContainer;
    private stopped: Promise<void> | undefined;

    private constructor(
        private readonly harness: Harness,
        private readonly deployed: DeployedTenant,
        private readonly directory: LoginDirectory,
        private readonly options: OpenIdProviderOptions,
    ) {}

    static async start(options: OpenIdProviderOptions): Promise<OpenIdProvider> {
        const directory = options.directory ?? LoginDirectory.load();
        // The library loads (before any server listens: it is ESM-only, this module CommonJS)
        // while the stack's program still runs, when it runs aside.
        const mark = <T>(step: string) => (value: T) => (options.startup?.(step), value);
        // The tenant's signing key and the servers' certificate are made meanwhile too.
        const signingKeys = signingKeyPair();
        signingKeys.catch(() => undefined);
        testTls().catch(() => undefined);
        const [library, deployed]: [OidcModule, DeployedTenant] = await Promise.all([
            import("oidc-provider").then(mark<OidcModule>("oidc-provider loaded")),
            Promise.resolve(options.deployed).then(mark<DeployedTenant>("deployed")),
        ]);
        const missing = directory.directory.users.filter((u) => !deployed.model.users.some((m) => m.user_id === u.user_id));
        if (missing.length > 0) throw new Error(`openid provider: the deployed tenant lacks the directory's users ${missing.map((u) => u.user_id).join(", ")}`);
        // The request log starts with the tenant, before the provider exists.
        const started: { provider?: OpenIdProvider } = {};
        const harness = await Harness.start(deployed.mode, deployed.model, {
            files: deployed.loginFiles,
            tenant: { ...deployed.tenantOptions(), port: options.port, requestLog: (entry) => started.provider?.record(entry), signingKeys },
        });
        const self = new OpenIdProvider(harness, deployed, directory, options);
        started.provider = self;
        try {
            await self.listen(library);
        } catch (err) {
            await self.stop();
            throw err;
        }
        options.startup?.("servers listening");
        return self;
    }

    get tenant() {
        return this.harness.tenant;
    }

    get issuer(): string {
        return this.tenant.issuer;
    }

    /** The sample application's page (also its redirect URI). */
    get appUrl(): string {
        return `http://127.0.0.1:${this.appPort}/`;
    }

    /** The files of the post-login code, in the order the stack binds them. */
    get loginFiles(): string[] {
        return this.deployed.loginFiles.map((file) => basename(file));
    }

    /** Stops the sample page's server and every server of the tenant; once, however often it is called. */
    stop(): Promise<void> {
        this.stopped ??= this.stopServers();
        return this.stopped;
    }

    private async stopServers(): Promise<void> {
        if (this.appServer?.listening) {
            const closed = new Promise<void>((resolve) => this.appServer.close(() => resolve()));
            this.appSockets.forEach((socket) => socket.destroy());
            await closed;
        }
        await this.harness.stop();
    }

    private record(entry: TenantRequest): void {
        this.requests.push(entry);
        const token = entry.grantType
            ? ` grant_type=${entry.grantType}${entry.clientId ? ` client_id=${entry.clientId}` : ""}${entry.audience ? ` audience=${entry.audience}` : ""}`
            : "";
        this.options.log?.(`[${entry.service}] ${entry.method} ${entry.path} ${entry.status} ${Math.round(entry.elapsedMs)}ms${token}`);
    }

    private async listen(library: OidcModule): Promise<void> {
        // The sample application's port first: its redirect URI is part of the client.
        this.appServer = createServer((req, res) => this.serveApp(req, res));
        this.appServer.on("connection", (socket: Socket) => {
            this.appSockets.add(socket);
            socket.on("close", () => this.appSockets.delete(socket));
        });
        await new Promise<void>((resolve, reject) => {
            this.appServer.once("error", reject);
            this.appServer.listen(this.options.appPort ?? 0, "127.0.0.1", () => resolve());
        });
        this.appPort = (this.appServer.address() as AddressInfo).port;

        this.container = this.harness.container(this.deployed.localSettings(this.tenant));
        this.provider = this.configure(library);
        const callback = this.provider.callback();
        this.tenant.serveFlows((req, res) => {
            const path = new URL(req.url ?? "/", "https://local").pathname;
            if (path.startsWith("/interaction/")) {
                this.interaction(req, res, path).catch((err: unknown) => this.fail(res, err));
                return;
            }
            if (req.method === "POST" && path === "/oauth/token") {
                this.token(req, res, callback).catch((err: unknown) => this.fail(res, err));
                return;
            }
            void callback(req, res);
        });
    }

    private configure(library: OidcModule): oidc.Provider {
        const { Provider, errors, interactionPolicy } = library;
        const apis = this.deployed.model.apis.filter((api) => api.identifier !== AUTHZ_EXTENSION_API);
        const policy = interactionPolicy.base();
        // Every authorization passes through the interaction, where the post-login code runs:
        // the login page first when there is no session, at once when there is one.
        policy.get("consent")?.checks.add(
            new interactionPolicy.Check("post_login_code", "the post-login code runs at every login", (ctx) =>
                ctx.oidc.result?.consent ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
            ),
        );
        const users = this.tenant;
        const claimsByGrant = this.claimsByGrant;
        const configuration: oidc.Configuration = {
            adapter: memoryStore(),
            jwks: this.tenant.signingKeySet(),
            cookies: { keys: [randomBytes(32).toString("base64url")] },
            clients: [
                {
                    client_id: SAMPLE_CLIENT_ID,
                    client_name: SAMPLE_CLIENT_NAME,
                    application_type: "web",
                    token_endpoint_auth_method: "none",
                    grant_types: ["authorization_code", "refresh_token"],
                    response_types: ["code"],
                    redirect_uris: [this.appUrl, ...(this.options.redirectUris ?? [])],
                    post_logout_redirect_uris: [this.appUrl, ...(this.options.redirectUris ?? [])],
                },
            ],
            clientBasedCORS: (_ctx, origin, client) => servesOrigin(client, origin),
            pkce: { required: () => true },
            // The one flow the clients here use; without this the library also lists implicit.
            responseTypes: ["code"],
            routes: {
                authorization: "/authorize",
                token: "/oauth/token",
                userinfo: "/userinfo",
                jwks: "/.well-known/jwks.json",
                end_session: "/oidc/logout",
                revocation: "/oauth/revoke",
            },
            scopes: ["openid", "profile", "email", "offline_access"],
            claims: { openid: ["sub"], profile: ["name", "nickname"], email: ["email", "email_verified"] },
            extraParams: ["audience"],
            conformIdTokenClaims: false,
            interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
            features: {
                devInteractions: { enabled: false },
                // /oauth/token serves client credentials for the M2M clients, as the tenant's own
                // (LocalTenant answers that grant before the provider sees it, with Auth0's
                // answers). Enabled here so the library, which computes grant_types_supported
                // from its grant handlers, lists it in discovery; its handler is never reached.
                clientCredentials: { enabled: true },
                revocation: { enabled: true, allowedPolicy: () => true },
                rpInitiatedLogout: {
                    enabled: true,
                    logoutSource: (ctx, form) => {
                        ctx.body = logoutPage(form, ctx.host);
                    },
                    postLogoutSuccessSource: (ctx) => {
                        ctx.body = loggedOutPage();
                    },
                },
                resourceIndicators: {
                    enabled: true,
                    // Auth0's `audience` names the API, as `resource` does in RFC 8707.
                    defaultResource: (ctx) => {
                        const audience = ctx.oidc.params?.audience;
                        return typeof audience === "string" && audience !== "" ? audience : undefined;
                    },
                    useGrantedResource: () => true,
                    getResourceServerInfo: (_ctx, indicator) => {
                        const api = apis.find((a) => a.identifier === indicator);
                        if (!api) throw new errors.InvalidTarget(`Service not found: ${indicator}`);
                        return {
                            scope: api.scopes.join(" "),
                            audience: api.identifier,
                            accessTokenTTL: api.tokenLifetimeS ?? DEFAULT_ACCESS_TOKEN_LIFETIME_S,
                            accessTokenFormat: "jwt",
                            jwt: { sign: { alg: "RS256" } },
                        };
                    },
                },
            },
            findAccount: (_ctx, sub) => {
                let user;
                try {
                    user = users.user(sub);
                } catch {
                    return undefined;
                }
                return {
                    accountId: sub,
                    claims: () => ({ sub, email: user.email, email_verified: user.email_verified, name: user.email, nickname: user.email.split("@")[0] }),
                };
            },
            extraTokenClaims: (_ctx, token) => {
                const grantId = "grantId" in token ? token.grantId : undefined;
                return grantId ? claimsByGrant.get(grantId)?.accessToken : undefined;
            },
            issueRefreshToken: (_ctx, client, code) => client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
            ttl: {
                AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_LIFETIME_S,
                IdToken: ID_TOKEN_LIFETIME_S,
                RefreshToken: REFRESH_TOKEN_LIFETIME_S,
                Interaction: INTERACTION_LIFETIME_S,
                Session: SESSION_LIFETIME_S,
                Grant: SESSION_LIFETIME_S,
            },
            renderError: (ctx, out) => {
                ctx.type = "html";
                ctx.body = errorPage({ ...out });
            },
        };
        const provider = new Provider(this.issuer, configuration);
        // oidc-provider releases an ID token claim only when `claims` maps a scope to its name;
        // an Action names its claims at run time (api.idToken.setCustomClaim), so the login's
        // claims are added the way the library adds nonce and sid: IdToken#set, before issue.
        const { issue } = provider.IdToken.prototype as { issue: (this: oidc.IdToken, context: Parameters<oidc.IdToken["issue"]>[0]) => Promise<string> };
        provider.IdToken.prototype.issue = function (this: oidc.IdToken, context) {
            const entities = this.ctx?.oidc.entities;
            const grantId = entities?.AuthorizationCode?.grantId ?? entities?.RefreshToken?.grantId ?? entities?.Grant?.jti;
            const claims = context.use === "idtoken" && grantId ? claimsByGrant.get(grantId) : undefined;
            for (const [name, value] of Object.entries(claims?.idToken ?? {})) this.set(name, value);
            return issue.call(this, context);
        };
        return provider;
    }

    /** /interaction/<uid> (GET: the login page, or the post-login code with a session) and /interaction/<uid>/login (POST). */
    private async interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
        const details = await this.provider.interactionDetails(req, res);
        const uid = details.uid;
        const action = `/interaction/${uid}/login`;
        const client = await this.provider.Client.find(String(details.params.client_id));
        const clientName = client?.clientName ?? String(details.params.client_id);
        const render = (status: number, html: string) => {
            res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
            res.end(html);
        };
        const page = (error?: string, email?: string) =>
            loginPage({
                action,
                clientName,
                error,
                email,
                sampleEmails: this.directory.sampleEmails,
                samplePassword: SAMPLE_PASSWORD,
                otherEmails: this.directory.emails.filter((e) => !this.directory.sampleEmails.includes(e)),
            });

        if (req.method === "GET" && path === `/interaction/${uid}`) {
            if (details.prompt.name === "login") return render(200, page());
            // A session exists: Auth0 skips the login page and still runs the post-login code.
            const accountId = details.session?.accountId;
            if (!accountId) return render(200, page());
            return this.finishLogin(req, res, details, accountId, false, clientName);
        }
        if (req.method === "POST" && path === action) {
            const form = new URLSearchParams(await readBody(req));
            const email = form.get("email") ?? "";
            const userId = await this.directory.authenticate(email, form.get("password") ?? "");
            if (!userId) {
                this.options.log?.(`[login] failed login at the login page (${WRONG_CREDENTIALS})`);
                return render(200, page(WRONG_CREDENTIALS, email));
            }
            return this.finishLogin(req, res, details, userId, true, clientName);
        }
        render(404, errorPage({ error: "not_found", error_description: "no such interaction route" }));
    }

    /** Runs the post-login code for `userId`; ends the interaction allowed (a grant with the login's claims) or denied. */
    private async finishLogin(
        req: IncomingMessage,
        res: ServerResponse,
        details: oidc.Interaction,
        userId: string,
        authenticated: boolean,
        clientName: string,
    ): Promise<void> {
        const params = details.params;
        const requested = (typeof params.scope === "string" ? params.scope : "").split(" ").filter(Boolean);
        // Auth0 names the authorization code flow's protocol "oidc-basic-profile".
        const result = await this.runLoginCode(userId, { client: { clientId: String(params.client_id), name: clientName }, protocol: "oidc-basic-profile", requestedScopes: requested });
        const login = authenticated ? { login: { accountId: userId } } : {};
        if (result.outcome !== "allowed") {
            // Auth0 surfaces a deny (and an Action's error) at the redirect URI as access_denied with the reason.
            await this.provider.interactionFinished(req, res, { ...login, error: "access_denied", error_description: result.reason ?? "" }, { mergeWithLastSubmission: false });
            return;
        }
        const grant = new this.provider.Grant({ accountId: userId, clientId: String(params.client_id) });
        grant.addOIDCScope(requested.filter((s) => ["openid", "profile", "email", "offline_access"].includes(s)).join(" "));
        const resource = typeof params.resource === "string" ? params.resource : typeof params.audience === "string" ? params.audience : undefined;
        const api = resource ? this.deployed.model.apis.find((a) => a.identifier === resource) : undefined;
        if (resource && api) grant.addResourceScope(resource, requested.filter((s) => api.scopes.includes(s)).join(" "));
        const grantId = await grant.save();
        this.claimsByGrant.set(grantId, { idToken: result.idTokenClaims, accessToken: result.accessTokenClaims });
        await this.provider.interactionFinished(req, res, { ...login, consent: { grantId } }, { mergeWithLastSubmission: true });
    }

    /** The post-login code for `userId` in `transaction`, recorded and logged. */
    private async runLoginCode(userId: string, transaction: LoginTransaction): Promise<LoginResult> {
        const result = await this.harness.login(this.container, userId, transaction);
        const record: LoginRecord = {
            userId,
            clientId: transaction.client.clientId,
            protocol: transaction.protocol,
            outcome: result.outcome,
            reason: result.reason,
            files: this.loginFiles,
            idTokenClaims: Object.keys(result.idTokenClaims),
            accessTokenClaims: Object.keys(result.accessTokenClaims),
            appMetadataUpdates: Object.keys(result.appMetadataUpdates),
        };
        this.logins.push(record);
        this.options.log?.(describeLogin(record));
        return result;
    }

    /**
     * POST /oauth/token for the provider's grants. A refresh token exchange runs the post-login
     * code again before the provider issues the tokens, as Auth0 does ("Login trigger": the
     * post-login trigger "is a function executed after a user logs in and when a Refresh Token is
     * exchanged"), with event.transaction.protocol "oauth2-refresh-token" (Auth0 docs, "Use
     * Refresh Tokens": `if (event.transaction.protocol === "oauth2-refresh-token")`). The new
     * tokens carry the claims of this run. A deny (or an Action's error) fails the exchange with
     * 403 access_denied and the reason as error_description: Auth0 returns 403 for a refresh
     * transaction an Action refuses ("Refresh Tokens with Actions": api.refreshToken.revoke
     * "returns a 403 HTTP status code to deny the current transaction"; the Authentication API's
     * refresh token endpoint lists 403) and the reason "in the error_description" (post-login api
     * object, api.access.deny). A token the provider would refuse anyway goes to it unchanged.
     */
    private async token(req: IncomingMessage, res: ServerResponse, callback: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<void> {
        const body = await readBody(req);
        const params = new URLSearchParams(body);
        const value = params.get("refresh_token");
        const refreshToken = params.get("grant_type") === "refresh_token" && value ? await this.provider.RefreshToken.find(value) : undefined;
        const client = refreshToken?.clientId === params.get("client_id") ? await this.provider.Client.find(refreshToken?.clientId ?? "") : undefined;
        if (refreshToken && client && refreshToken.accountId && refreshToken.grantId && !refreshToken.isExpired && !refreshToken.consumed) {
            const result = await this.runLoginCode(refreshToken.accountId, {
                client: { clientId: client.clientId, name: client.clientName ?? client.clientId },
                protocol: "oauth2-refresh-token",
                requestedScopes: [...refreshToken.scopes],
            });
            if (result.outcome !== "allowed") {
                // Readable by the application's page, as the provider's own answers are (clientBasedCORS).
                const origin = req.headers.origin;
                const cors = origin && servesOrigin(client, origin) ? { "access-control-allow-origin": origin, vary: "Origin" } : undefined;
                res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store", ...cors });
                res.end(JSON.stringify({ error: "access_denied", error_description: result.reason ?? "" }));
                return;
            }
            this.claimsByGrant.set(refreshToken.grantId, { idToken: result.idTokenClaims, accessToken: result.accessTokenClaims });
        }
        await callback(replay(req, body), res);
    }

    private fail(res: ServerResponse, err: unknown): void {
        // The message only: a stack could carry request data.
        const message = err instanceof Error ? err.message : String(err);
        this.options.log?.(`[interaction] failed: ${message}`);
        if (res.headersSent) return void res.end();
        res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
        res.end(errorPage({ error: "invalid_request", error_description: message }));
    }

    /** The sample application: one page; nothing else, nothing logged (its URL may carry a code). */
    private serveApp(req: IncomingMessage, res: ServerResponse): void {
        const path = new URL(req.url ?? "/", "http://local").pathname;
        if (req.method !== "GET" || path !== "/") {
            res.writeHead(404, { "content-type": "text/plain" });
            res.end("not found");
            return;
        }
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" });
        res.end(sampleAppPage({ issuer: this.issuer, clientId: SAMPLE_CLIENT_ID, redirectUri: this.appUrl, audience: this.deployed.model.customApi }));
    }
}

/** One line per login: the files run, the outcome, the names (not values) of what they set. */
export function describeLogin(record: LoginRecord): string {
    const outcome = record.outcome === "allowed" ? "allowed" : `${record.outcome}: ${record.reason ?? ""}`;
    const claims = record.idTokenClaims.length > 0 ? `; claims ${[...new Set([...record.idTokenClaims, ...record.accessTokenClaims])].join(", ")}` : "";
    const metadata = record.outcome === "allowed" ? `; app_metadata ${record.appMetadataUpdates.length > 0 ? `set ${record.appMetadataUpdates.join(", ")}` : "unchanged"}` : "";
    const refresh = record.protocol === "oauth2-refresh-token" ? " (refresh token exchange)" : "";
    return `[login] ${record.userId}${refresh}: ${record.files.join(" -> ")}: ${outcome}${claims}${metadata}`;
}

/** Whether a page at `origin` may read the provider's answers for `client`: one of its redirect URIs is there. */
function servesOrigin(client: { readonly redirectUris?: readonly string[] }, origin: string): boolean {
    return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_FORM_BYTES) {
                reject(new Error("form too large"));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

/**
 * oidc-provider's storage: this provider's memory, gone when it stops, which is what a local
 * tenant wants. The library's own memory adapter is meant for its quick start and says so on
 * every start; this keeps the same contract (oidc-provider's Adapter interface) without the notice.
 */
function memoryStore(): (model: string) => oidc.Adapter {
    const records = new Map<string, { payload: oidc.AdapterPayload; expiresAt: number }>();
    const byUid = new Map<string, string>();
    const byUserCode = new Map<string, string>();
    const byGrant = new Map<string, Set<string>>();
    const live = (key: string) => {
        const record = records.get(key);
        if (record && record.expiresAt <= Date.now()) records.delete(key);
        return record && record.expiresAt > Date.now() ? record : undefined;
    };
    return (model) => {
        const key = (id: string) => `${model}:${id}`;
        const find = (id: string) => Promise.resolve(structuredClone(live(key(id))?.payload));
        return {
            upsert(id, payload, expiresIn) {
                records.set(key(id), { payload: structuredClone(payload), expiresAt: Date.now() + (expiresIn ?? INTERACTION_LIFETIME_S) * 1000 });
                if (payload.uid) byUid.set(payload.uid, id);
                if (payload.userCode) byUserCode.set(payload.userCode, id);
                if (payload.grantId) byGrant.set(payload.grantId, (byGrant.get(payload.grantId) ?? new Set<string>()).add(key(id)));
                return Promise.resolve();
            },
            find,
            findByUid: (uid) => {
                const id = byUid.get(uid);
                return id ? find(id) : Promise.resolve(undefined);
            },
            findByUserCode: (userCode) => {
                const id = byUserCode.get(userCode);
                return id ? find(id) : Promise.resolve(undefined);
            },
            consume(id) {
                const record = live(key(id));
                if (record) record.payload = { ...record.payload, consumed: Math.floor(Date.now() / 1000) };
                return Promise.resolve();
            },
            destroy(id) {
                records.delete(key(id));
                return Promise.resolve();
            },
            revokeByGrantId(grantId) {
                byGrant.get(grantId)?.forEach((k) => records.delete(k));
                byGrant.delete(grantId);
                return Promise.resolve();
            },
        };
    };
}
