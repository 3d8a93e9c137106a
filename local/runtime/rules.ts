import { readFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { basename } from "node:path";
import { format } from "node:util";
import vm from "node:vm";
import type { AxiosStatic } from "axios-0.19.2";
import { TrustedNetwork } from "./network";
import { EXECUTION_LIMIT_MS, LOCAL_TRANSACTION, LoginContainer, LoginResult, LoginTransaction, LoginUser } from "./types";

const hostRequire = createRequire(__filename);

/** The Rules runtime's error for a refused login; Auth0 answers `error=unauthorized`. */
export class UnauthorizedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UnauthorizedError";
    }
}

type RuleCallback = (err: unknown, user?: LoginUser, context?: RuleContext) => void;
type RuleFunction = (user: LoginUser, context: RuleContext, callback: RuleCallback) => void;

interface RuleContext {
    clientID: string;
    clientName: string;
    connection: string;
    protocol: string;
    idToken: Record<string, unknown>;
    accessToken: Record<string, unknown>;
    request: { ip: string; hostname: string };
}

/** Rules runtime module names (versioned, as Auth0 documents them) and where they are installed here. */
const VERSIONED_MODULES: Record<string, string> = { "axios@0.19.2": "axios-0.19.2" };

export interface RulesRuntimeOptions {
    /** The rule files, in execution order. */
    readonly files: readonly string[];
    readonly network: TrustedNetwork;
    /** What `auth0.domain` holds (the tenant's domain). */
    readonly auth0Domain: string;
}

/**
 * Runs rule files as Auth0 does: each file's source is one function expression evaluated in a
 * sandbox whose globals are `configuration`, `global`, `auth0`, `UnauthorizedError`, `console`
 * and a `require` that knows the Rules runtime's versioned module names. A container is one
 * sandbox: `global` persists across the executions it runs, never across containers.
 */
export class RulesRuntime {
    private readonly sources: { name: string; source: string }[];
    private readonly axios: AxiosStatic;

    constructor(private readonly options: RulesRuntimeOptions) {
        this.sources = options.files.map((file) => ({ name: basename(file), source: readFileSync(file, "utf8") }));
        const axios = hostRequire("axios-0.19.2") as AxiosStatic;
        // The runtime's axios trusts the runtime's CAs; otherwise it is the library as installed.
        const instance = axios.create({ httpsAgent: options.network.httpsAgent });
        const observe = options.network.observe;
        if (observe) {
            const started = new WeakMap<object, number>();
            instance.interceptors.request.use((config) => (started.set(config, performance.now()), config));
            const record = (config: object | undefined) => {
                const at = config && started.get(config);
                if (at !== undefined) observe(performance.now() - at);
            };
            instance.interceptors.response.use(
                (response) => (record(response.config), response),
                (error: Error & { config?: object }) => (record(error.config), Promise.reject(error)),
            );
        }
        this.axios = Object.assign(instance, {
            Cancel: axios.Cancel,
            CancelToken: axios.CancelToken,
            isCancel: (value: unknown) => axios.isCancel(value),
            all: axios.all.bind(axios),
            spread: axios.spread.bind(axios),
            create: (config?: Parameters<AxiosStatic["create"]>[0]) =>
                axios.create({ httpsAgent: options.network.httpsAgent, ...config }),
        });
    }

    /** A fresh container with these rule settings (absent values are not set). */
    newContainer(configuration: Record<string, string | undefined>): RulesContainer {
        const settings: Record<string, string> = {};
        for (const [key, value] of Object.entries(configuration)) if (value !== undefined) settings[key] = value;
        return new RulesContainer(this.sources, settings, this.options.auth0Domain, this.axios);
    }
}

export class RulesContainer implements LoginContainer {
    readonly logs: string[] = [];
    readonly violations: string[] = [];
    private readonly rules: { name: string; run: RuleFunction }[];

    constructor(sources: readonly { name: string; source: string }[], configuration: Record<string, string>, auth0Domain: string, axios: AxiosStatic) {
        const capture = (...args: unknown[]) => {
            this.logs.push(format(...args));
        };
        const sandbox: Record<string, unknown> = {
            configuration: Object.freeze({ ...configuration }),
            auth0: { domain: auth0Domain },
            UnauthorizedError,
            console: { log: capture, info: capture, warn: capture, error: capture },
            require: (name: string) => {
                const installed = VERSIONED_MODULES[name];
                if (installed === "axios-0.19.2") return axios;
                if (isBuiltin(name)) return hostRequire(name) as unknown;
                throw new Error(`Cannot find module '${name}' (not available in the Rules runtime)`);
            },
            setTimeout,
            clearTimeout,
            setImmediate,
            Buffer,
            URL,
            URLSearchParams,
        };
        sandbox.global = sandbox;
        const context = vm.createContext(sandbox);
        this.rules = sources.map(({ name, source }) => ({
            name,
            run: vm.runInContext(`(${source}\n)`, context, { filename: name }) as RuleFunction,
        }));
    }

    async login(user: LoginUser, transaction: LoginTransaction = LOCAL_TRANSACTION): Promise<LoginResult> {
        const started = performance.now();
        let current = structuredClone(user) as LoginUser & { app_metadata?: Record<string, unknown> };
        let context: RuleContext = {
            clientID: transaction.client.clientId,
            clientName: transaction.client.name,
            connection: "Username-Password-Authentication",
            protocol: transaction.protocol,
            idToken: {},
            accessToken: {},
            request: { ip: "127.0.0.1", hostname: "localhost" },
        };
        const finish = (outcome: LoginResult["outcome"], reason?: string): LoginResult => ({
            outcome,
            reason,
            // Claims end up in JWTs and app_metadata in the user store: both as JSON.
            idTokenClaims: asJson(context.idToken),
            accessTokenClaims: asJson(context.accessToken),
            appMetadataUpdates: asJson(current.app_metadata ?? {}),
            durationMs: performance.now() - started,
        });
        for (const rule of this.rules) {
            const step = await this.execute(rule, current, context);
            if (step.err !== undefined && step.err !== null) {
                const err = step.err as { name?: string; message?: string };
                return finish(err instanceof UnauthorizedError ? "denied" : "error", typeof err.message === "string" ? err.message : "error");
            }
            current = step.user ?? current;
            context = step.context ?? context;
        }
        return finish("allowed");
    }

    /** One rule: resolves on its first callback; later calls are violations; Auth0's time limit applies. */
    private execute(rule: { name: string; run: RuleFunction }, user: LoginUser, context: RuleContext) {
        return new Promise<{ err: unknown; user?: LoginUser; context?: RuleContext }>((resolve) => {
            let calls = 0;
            const limit = setTimeout(() => {
                if (calls === 0) resolve({ err: new Error(`Script execution time exceeded (${rule.name})`) });
            }, EXECUTION_LIMIT_MS);
            limit.unref();
            const callback: RuleCallback = (err, nextUser, nextContext) => {
                calls += 1;
                if (calls > 1) {
                    this.violations.push(`${rule.name} called callback ${calls} times for ${user.user_id}`);
                    return;
                }
                clearTimeout(limit);
                resolve({ err, user: nextUser, context: nextContext });
            };
            try {
                rule.run(user, context, callback);
            } catch (err) {
                if (calls === 0) {
                    clearTimeout(limit);
                    resolve({ err });
                }
                calls += 1;
            }
        });
    }
}

function asJson(value: Record<string, unknown>): Record<string, unknown> {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
