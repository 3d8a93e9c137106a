import { readFileSync } from "node:fs";
import * as https from "node:https";
import { createRequire, isBuiltin } from "node:module";
import { basename, resolve } from "node:path";
import { format } from "node:util";
import vm from "node:vm";
import { ActionCacheStore } from "./actionCache";
import { TrustedNetwork } from "./network";
import { EXECUTION_LIMIT_MS, LOCAL_TRANSACTION, LoginContainer, LoginResult, LoginTransaction, LoginUser } from "./types";

const hostRequire = createRequire(__filename);

type PostLoginHandler = (event: PostLoginEvent, api: PostLoginApi) => Promise<void> | void;

export interface PostLoginEvent {
    readonly user: LoginUser & { app_metadata: Record<string, unknown>; user_metadata: Record<string, unknown> };
    readonly secrets: Readonly<Record<string, string>>;
    readonly client: { readonly client_id: string; readonly name: string };
    readonly connection: { readonly name: string; readonly strategy: string };
    readonly request: { readonly ip: string; readonly hostname: string };
    readonly transaction: { readonly protocol: string; readonly requested_scopes: readonly string[] };
    readonly tenant: { readonly id: string };
    readonly stats: { readonly logins_count: number };
}

export interface PostLoginApi {
    access: { deny(reason: string): PostLoginApi };
    idToken: { setCustomClaim(name: string, value: unknown): PostLoginApi };
    accessToken: { setCustomClaim(name: string, value: unknown): PostLoginApi };
    user: {
        setAppMetadata(name: string, value: unknown): PostLoginApi;
        setUserMetadata(name: string, value: unknown): PostLoginApi;
    };
    cache: Pick<ActionCacheStore, "get" | "set" | "delete">;
}

export interface ActionsRuntimeOptions {
    /** The Action files bound to the post-login trigger, in flow order. */
    readonly files: readonly string[];
    readonly network: TrustedNetwork;
}

interface LoadedAction {
    readonly name: string;
    readonly onExecutePostLogin: PostLoginHandler;
}

/**
 * Runs post-login Action files as Auth0 (node22) does: each container loads every file once as
 * a CommonJS module (so module scope lives as long as the container), `require` resolves Node
 * built-ins only (the Actions declare no npm dependencies), and global `fetch` and
 * `require("https")` reach the network through the runtime's trusted CAs. `event` and `api` follow post-login trigger v3:
 * deny, custom claims and app_metadata are recorded, and api.cache enforces Auth0's limits.
 * Each Action has one cache store shared by all containers (api.cache outlives a container).
 */
export class ActionsRuntime {
    private readonly sources: { name: string; file: string; source: string }[];
    private readonly caches = new Map<string, ActionCacheStore>();
    /**
     * node:https as the Actions see it: the module itself, except that its global agent is the
     * runtime's trusted, kept-alive agent, which `request` and `get` use when not given another
     * (as Node's own https.globalAgent, keepAlive since Node 19, trusts the public CAs).
     */
    private readonly https: typeof https;

    constructor(private readonly options: ActionsRuntimeOptions) {
        this.sources = options.files.map((file) => ({ name: basename(file), file: resolve(file), source: readFileSync(file, "utf8") }));
        this.sources.forEach(({ name }) => this.caches.set(name, new ActionCacheStore()));
        this.https = trustedHttps(options.network);
    }

    /** The api.cache store of the Action file named `name` (e.g. "enrich-from-apis.js"). */
    cacheOf(name: string): ActionCacheStore {
        const cache = this.caches.get(name);
        if (!cache) throw new Error(`actions runtime: no action ${name}`);
        return cache;
    }

    /** A fresh container with these Action secrets (absent values are not set). */
    newContainer(secrets: Record<string, string | undefined>): ActionsContainer {
        const defined: Record<string, string> = {};
        for (const [key, value] of Object.entries(secrets)) if (value !== undefined) defined[key] = value;
        const dispatcher = this.options.network.dispatcher;
        const observe = this.options.network.observe;
        const trustedFetch: typeof fetch = async (input, init) => {
            const started = performance.now();
            try {
                return await fetch(input, { ...init, dispatcher });
            } finally {
                observe?.(performance.now() - started);
            }
        };
        return new ActionsContainer(this.sources, defined, trustedFetch, this.https, (name) => this.cacheOf(name));
    }
}

function trustedHttps(network: TrustedNetwork): typeof https {
    const agent = network.httpsAgent;
    const observe = network.observe;
    // https.request(url[, options][, callback]) or https.request(options[, callback]).
    const withAgent = (args: unknown[]): unknown[] => {
        const [first, second] = args;
        if (typeof first === "string" || first instanceof URL) {
            return second !== null && typeof second === "object" ? [first, { agent, ...second }, ...args.slice(2)] : [first, { agent }, ...args.slice(1)];
        }
        return [{ agent, ...(first as object) }, ...args.slice(1)];
    };
    const observed = (request: ReturnType<typeof https.request>) => {
        if (observe) {
            const started = performance.now();
            request.once("close", () => observe(performance.now() - started));
        }
        return request;
    };
    const call = (make: typeof https.request) => ((...args: unknown[]) => observed((make as (...a: unknown[]) => ReturnType<typeof https.request>)(...withAgent(args)))) as typeof https.request;
    return Object.freeze({ ...https, globalAgent: agent, request: call(https.request), get: call(https.get) });
}

export class ActionsContainer implements LoginContainer {
    readonly logs: string[] = [];
    readonly violations: string[] = [];
    private readonly actions: LoadedAction[];

    constructor(
        sources: readonly { name: string; file: string; source: string }[],
        private readonly secrets: Record<string, string>,
        trustedFetch: typeof fetch,
        trustedHttps: typeof https,
        private readonly cacheOf: (name: string) => ActionCacheStore,
    ) {
        const capture = (...args: unknown[]) => {
            this.logs.push(format(...args));
        };
        const console = { log: capture, info: capture, warn: capture, error: capture, debug: capture };
        this.actions = sources.map(({ name, file, source }) => {
            const module = { exports: {} as Record<string, unknown> };
            const load = vm.compileFunction(source, ["exports", "require", "module", "__filename", "__dirname", "fetch", "console"], {
                filename: file,
            }) as (...args: unknown[]) => void;
            const requireBuiltin = (id: string) => {
                if (id === "https" || id === "node:https") return trustedHttps;
                if (isBuiltin(id)) return hostRequire(id) as unknown;
                throw new Error(`Cannot find module '${id}' (${name} declares no npm dependencies)`);
            };
            load(module.exports, requireBuiltin, module, file, "/", trustedFetch, console);
            const handler = module.exports.onExecutePostLogin;
            if (typeof handler !== "function") throw new Error(`${name} does not export onExecutePostLogin`);
            return { name, onExecutePostLogin: handler as PostLoginHandler };
        });
    }

    async login(user: LoginUser, transaction: LoginTransaction = LOCAL_TRANSACTION): Promise<LoginResult> {
        const started = performance.now();
        const idTokenClaims: Record<string, unknown> = {};
        const accessTokenClaims: Record<string, unknown> = {};
        const appMetadataUpdates: Record<string, unknown> = {};
        const finish = (outcome: LoginResult["outcome"], reason?: string): LoginResult => ({
            outcome,
            reason,
            idTokenClaims,
            accessTokenClaims,
            appMetadataUpdates,
            durationMs: performance.now() - started,
        });
        for (const action of this.actions) {
            let denied: string | undefined;
            const event: PostLoginEvent = {
                user: { app_metadata: {}, user_metadata: {}, ...structuredClone(user) },
                secrets: Object.freeze({ ...this.secrets }),
                client: { client_id: transaction.client.clientId, name: transaction.client.name },
                connection: { name: "Username-Password-Authentication", strategy: "auth0" },
                request: { ip: "127.0.0.1", hostname: "localhost" },
                transaction: { protocol: transaction.protocol, requested_scopes: [...transaction.requestedScopes] },
                tenant: { id: "local" },
                stats: { logins_count: 1 },
            };
            const api: PostLoginApi = {
                access: { deny: (reason) => ((denied ??= reason), api) },
                idToken: { setCustomClaim: (name, value) => ((idTokenClaims[name] = value), api) },
                accessToken: { setCustomClaim: (name, value) => ((accessTokenClaims[name] = value), api) },
                user: {
                    setAppMetadata: (name, value) => ((appMetadataUpdates[name] = value), api),
                    setUserMetadata: () => api,
                },
                cache: this.cacheOf(action.name),
            };
            let timer: NodeJS.Timeout | undefined;
            const timeLimit = new Promise<"timeout">((resolveLimit) => {
                timer = setTimeout(() => resolveLimit("timeout"), EXECUTION_LIMIT_MS);
            });
            try {
                const ended = await Promise.race([Promise.resolve(action.onExecutePostLogin(event, api)), timeLimit]);
                if (ended === "timeout") return finish("error", `Script execution time exceeded (${action.name})`);
            } catch (err) {
                return finish("error", err instanceof Error ? err.message : String(err));
            } finally {
                clearTimeout(timer);
            }
            // After a deny the flow stops: no later Action runs.
            if (denied !== undefined) return finish("denied", denied);
        }
        return finish("allowed");
    }
}
