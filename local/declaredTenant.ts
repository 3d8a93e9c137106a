/**
 * The tenant a stack declares, as data the local servers can serve.
 *
 * `declaredTenant(run)` reads what the real program (`infra/`) declared under Pulumi's mock
 * runtime (`runProgram`) and turns it into a `TenantModel`: the APIs and their scopes, every M2M
 * client that has credentials (with the secret the stack generated: a deterministic mock value,
 * not a real secret), every client grant (audience + scopes), and the login code's settings as
 * the stack hands them to the code (Action secrets or rule configs). Nothing is hand-written:
 * drop a scope from a grant in the program and the local tenant stops issuing it.
 *
 * Two things a stack does not declare are filled in: the Authorization Extension's API (installed
 * by hand; the program only looks it up, so its scopes are those the lookup answered) and a small
 * sample directory (users, their groups and entitlements) for logins to run against.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { ExtensibilityMode, LOGIN_SETTINGS, LoginSettingName } from "../infra/loginContract";
import type { DeclaredResource } from "./stack/mocks";
import type { ProgramRun, Scenario } from "./stack/program";
import { ROOT, T } from "./stack/tokens";
import type { ClientToVerify } from "../scripts/verify-grants";
import type { LocalTenant } from "./servers/localTenant";
import { ApiModel, AUTHZ_EXTENSION_API, GrantModel, GroupModel, MANAGEMENT_API, TenantModel, UserModel } from "./servers/model";

const GET_RESOURCE_SERVER = "auth0:index/getResourceServer:getResourceServer";
const COMMAND = "command:local:Command";

/** The scopes the Authorization Extension's API defines once its API access is enabled. */
export const AUTHZ_EXTENSION_SCOPES: readonly string[] = ["read:users", "read:groups", "read:roles"];

/** Sample users for the local tenant: a stack declares no users, so logins need someone. */
export interface SampleDirectory {
    readonly users: readonly UserModel[];
    /** Group memberships (Authorization Extension groups). */
    readonly groups: readonly GroupModel[];
    /** What the custom API answers for GET /users/{id}/entitlements. */
    readonly entitlements: Readonly<Record<string, readonly string[]>>;
}

export const SAMPLE_DIRECTORY: SampleDirectory = {
    users: [
        { user_id: "auth0|alice", email: "alice@example.test", email_verified: true },
        { user_id: "auth0|bob", email: "bob@example.test", email_verified: true },
        { user_id: "auth0|carol", email: "carol@example.test", email_verified: false },
    ],
    groups: [
        { _id: "g-admins", name: "admins", description: "Tenant administrators", members: ["auth0|alice"] },
        { _id: "g-readers", name: "readers", description: "Read-only access to reports", members: ["auth0|alice"] },
    ],
    entitlements: { "auth0|alice": ["reports:read", "billing:view"], "auth0|bob": ["reports:read"] },
};

/** One audience a client is granted, exactly as declared. */
export interface DeclaredGrant {
    readonly audience: string;
    readonly scopes: readonly string[];
}

/** An M2M client the stack declares with credentials, and its grants. */
export interface DeclaredCredential {
    /** The client's Pulumi resource name without its `-client` suffix, e.g. `login-code-blue`. */
    readonly name: string;
    readonly clientId: string;
    /** The secret the stack generated (a mock value under the mock runtime); never print it. */
    readonly clientSecret: string;
    readonly authenticationMethod: "client_secret_post" | "client_secret_basic";
    readonly grants: readonly DeclaredGrant[];
}

export type LoginSettings = Record<LoginSettingName, string | undefined>;

export interface DeclaredTenant {
    readonly mode: ExtensibilityMode;
    /** The tenant's domain as declared (the value of AUTH0_DOMAIN). */
    readonly domain: string;
    /** What the local servers serve. */
    readonly model: TenantModel;
    readonly credentials: readonly DeclaredCredential[];
    /** The settings the login code receives, as declared; undefined = not provided. */
    readonly settings: LoginSettings;
    /** Repository files whose contents are byte for byte the declared login code, in execution order. */
    readonly loginFiles: readonly string[];
    /** `settings` pointed at `tenant`: its domain, its custom API and its extension. */
    localSettings(tenant: LocalTenant): LoginSettings;
    /** `credentials` with the Management API audience of `tenant` in place of the declared one. */
    localCredentials(tenant: LocalTenant): DeclaredCredential[];
    /**
     * What `pulumi up` verifies after the deploy: the verification command's clients as declared
     * (probes of the APIs the login code calls included), pointed at `tenant`'s servers.
     */
    localVerification(tenant: LocalTenant): ClientToVerify[];
}

export interface DeclareOptions {
    /** Scopes the Authorization Extension's API answers the lookup with. Default: AUTHZ_EXTENSION_SCOPES. */
    readonly authzExtensionScopes?: readonly string[];
    /** Users, groups and entitlements to serve. Default: SAMPLE_DIRECTORY. */
    readonly directory?: SampleDirectory;
}

/** Runs the real program for `scenario` (the dev stack file by default) and reads what it declares. */
export async function declareTenant(scenario: Scenario = {}, options: DeclareOptions = {}): Promise<DeclaredTenant> {
    const scopes = options.authzExtensionScopes ?? AUTHZ_EXTENSION_SCOPES;
    return declaredTenant(await runDeclaringProgram(scenario, scopes), { ...options, authzExtensionScopes: scopes });
}

/** The program run declareTenant reads: the extension's API looked up with `scopes`. */
export async function runDeclaringProgram(scenario: Scenario, scopes: readonly string[]): Promise<ProgramRun> {
    // Required here, not at the top: a reader of declared tenants need not load the Pulumi SDK
    // (and require, as the program itself is loaded: tsx's require hook alone resolves it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runProgram } = require("./stack/program") as typeof import("./stack/program");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { installedAuthzExtensionApi } = require("./stack/mocks") as typeof import("./stack/mocks");
    return runProgram({ ...scenario, calls: { [GET_RESOURCE_SERVER]: installedAuthzExtensionApi(scopes), ...scenario.calls } });
}

/** What declareTenantAside asks its worker thread; the answer is the run's declared resources. */
export interface ProgramThreadRequest {
    readonly stack: string;
    /** The directory of stack files; default: stackFilesDir() (local/stack/stackFiles.ts). */
    readonly stackDir?: string;
    readonly authzExtensionScopes: readonly string[];
}

/**
 * declareTenant for a stack file, with the program run in a worker thread: the Pulumi SDK, the
 * providers and the program load and run there (about 1.5 s), while this thread does other work
 * (npm run tenant loads oidc-provider and makes its keys meanwhile). The same program run, under
 * the same mocks; only its declared resources (plain data) cross to this thread.
 */
export function declareTenantAside(stack: string, options: DeclareOptions & { readonly stackDir?: string } = {}): Promise<DeclaredTenant> {
    const scopes = options.authzExtensionScopes ?? AUTHZ_EXTENSION_SCOPES;
    const request: ProgramThreadRequest = { stack, stackDir: options.stackDir, authzExtensionScopes: scopes };
    // The worker loads TypeScript through tsx's require hook, whatever loaded this thread's.
    const worker = new Worker(path.join(__dirname, "stack", "programThread.cjs"), { workerData: request, execArgv: [], stdout: false });
    return new Promise<DeclaredTenant>((resolve, reject) => {
        worker.once("message", (answer: { declared?: DeclaredResource[]; error?: string }) => {
            void worker.terminate();
            if (answer.error !== undefined || !answer.declared) return reject(new Error(answer.error ?? "the program thread answered nothing"));
            const declared = answer.declared;
            try {
                resolve(declaredTenant({ ofType: (type) => declared.filter((r) => r.type === type) }, { ...options, authzExtensionScopes: scopes }));
            } catch (err) {
                reject(err instanceof Error ? err : new Error(String(err)));
            }
        });
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`the program thread exited ${code} before it answered`)));
    });
}

/** Turns what a program run declared into the tenant the local servers serve. */
export function declaredTenant(run: Pick<ProgramRun, "ofType">, options: DeclareOptions = {}): DeclaredTenant {
    const directory = options.directory ?? SAMPLE_DIRECTORY;
    const { mode, settings, loginFiles } = loginCodeOf(run);
    const domain = settings.AUTH0_DOMAIN;
    if (!domain) throw new Error("declared tenant: the login code is not given AUTH0_DOMAIN; cannot tell the tenant's domain");
    const managementAudience = `https://${domain}/api/v2/`;

    const apis: ApiModel[] = run.ofType(T.resourceServer).map((server) => {
        const identifier = str(server.inputs.identifier, `${server.name}.identifier`);
        const permissions = run.ofType(T.resourceServerScopes).filter((p) => p.inputs.resourceServerIdentifier === identifier);
        const scopes = permissions.flatMap((p) => (p.inputs.scopes as { name: string }[]).map((s) => s.name));
        const lifetime = server.inputs.tokenLifetime;
        return { identifier, scopes, tokenLifetimeS: typeof lifetime === "number" ? lifetime : undefined };
    });

    const grantsOf = (clientId: string): DeclaredGrant[] =>
        run
            .ofType(T.clientGrant)
            .filter((g) => g.inputs.clientId === clientId)
            .map((g) => ({ audience: str(g.inputs.audience, `${g.name}.audience`), scopes: [...(g.inputs.scopes as string[])] }));
    const credentials: DeclaredCredential[] = run.ofType(T.clientCredentials).map((cred) => {
        const clientId = str(cred.inputs.clientId, `${cred.name}.clientId`);
        const method = cred.inputs.authenticationMethod ?? "client_secret_post";
        if (method !== "client_secret_post" && method !== "client_secret_basic") {
            throw new Error(`declared tenant: ${cred.name} authenticates with ${JSON.stringify(method)}; the client_credentials grant needs a secret`);
        }
        return {
            name: cred.name.replace(/-credentials$/, ""),
            clientId,
            clientSecret: str(cred.inputs.clientSecretWo ?? cred.inputs.clientSecret, `${cred.name}.clientSecretWo`),
            authenticationMethod: method,
            grants: grantsOf(clientId),
        };
    });

    const toModelAudience = (audience: string): string => {
        if (audience === managementAudience) return MANAGEMENT_API;
        if (/^https:\/\/[^/]+\/api\/v2\/?$/.test(audience)) {
            throw new Error(`declared tenant: a grant names ${audience}, another tenant's Management API (this one is ${managementAudience})`);
        }
        return audience;
    };
    const grants: GrantModel[] = credentials.flatMap((c) =>
        c.grants.map((g) => ({ clientId: c.clientId, audience: toModelAudience(g.audience), scopes: g.scopes })),
    );
    // The extension's API exists in the tenant once installed; served locally when something is granted it.
    if (grants.some((g) => g.audience === AUTHZ_EXTENSION_API) && !apis.some((a) => a.identifier === AUTHZ_EXTENSION_API)) {
        apis.push({ identifier: AUTHZ_EXTENSION_API, scopes: [...(options.authzExtensionScopes ?? AUTHZ_EXTENSION_SCOPES)] });
    }

    const customApi = settings.API_AUDIENCE ?? (apis.length === 1 ? apis[0].identifier : undefined);
    if (!customApi) throw new Error("declared tenant: the login code is not given API_AUDIENCE; cannot tell which API serves entitlements");
    const model: TenantModel = {
        clients: credentials.map((c) => ({ id: c.clientId, secret: c.clientSecret })),
        apis,
        grants,
        users: directory.users,
        groups: directory.groups,
        entitlements: directory.entitlements,
        customApi,
    };

    return {
        mode,
        domain,
        model,
        credentials,
        settings,
        loginFiles,
        localSettings(tenant) {
            const local = tenant.loginSettings(mode);
            return {
                ...settings,
                AUTH0_DOMAIN: tenant.domain,
                // Rewritten only where the stack provides them: an absent setting stays absent.
                API_BASE_URL: settings.API_BASE_URL === undefined ? undefined : local.API_BASE_URL,
                AUTHZ_EXTENSION_URL: settings.AUTHZ_EXTENSION_URL === undefined ? undefined : local.AUTHZ_EXTENSION_URL,
            };
        },
        localVerification(tenant) {
            const command = run.ofType(COMMAND).find((c) => c.name.endsWith("-check"));
            const environment = command?.inputs.environment as Record<string, string> | undefined;
            if (!environment?.VERIFY_GRANTS_CLIENTS) throw new Error("declared tenant: the stack declares no grant verification");
            const local = tenant.loginSettings(mode);
            const localManagement = tenant.audience("managementApi");
            // The declared base URLs of the APIs, and where the local tenant serves them.
            const moves: [string | undefined, string | undefined][] = [
                [settings.API_BASE_URL, local.API_BASE_URL],
                [settings.AUTHZ_EXTENSION_URL, local.AUTHZ_EXTENSION_URL],
            ];
            const localUrl = (url: string) => {
                const move = moves.find(([from, to]) => from && to && url.startsWith(from.replace(/\/+$/, "")));
                return move ? move[1]!.replace(/\/+$/, "") + url.slice(move[0]!.replace(/\/+$/, "").length) : url;
            };
            return (JSON.parse(environment.VERIFY_GRANTS_CLIENTS) as ClientToVerify[]).map((client) => ({
                ...client,
                grants: client.grants.map((g) => ({
                    ...g,
                    audience: g.audience === managementAudience ? localManagement : g.audience,
                    ...(g.probe ? { probe: { ...g.probe, url: localUrl(g.probe.url) } } : {}),
                })),
            }));
        },
        localCredentials(tenant) {
            const localManagement = tenant.audience("managementApi");
            return credentials.map((c) => ({
                ...c,
                grants: c.grants.map((g) => ({ ...g, audience: g.audience === managementAudience ? localManagement : g.audience })),
            }));
        },
    };
}

/** The credential the login code authenticates with. */
export interface LoginCredential {
    readonly clientId: string;
    /** Never print it. */
    readonly clientSecret: string;
}

/**
 * The credential in `settings`, in whichever form the mode's code reads it: M2M_CREDENTIALS (rules,
 * one JSON value) or M2M_CLIENT_ID with M2M_CLIENT_SECRET (actions). Undefined when neither is
 * provided; throws (without the value) when M2M_CREDENTIALS is malformed.
 */
export function loginCredential(settings: Partial<LoginSettings>): LoginCredential | undefined {
    if (settings.M2M_CREDENTIALS !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(settings.M2M_CREDENTIALS);
        } catch {
            throw new Error("M2M_CREDENTIALS is not JSON");
        }
        const { client_id, client_secret } = (parsed ?? {}) as { client_id?: unknown; client_secret?: unknown };
        if (typeof client_id !== "string" || !client_id || typeof client_secret !== "string" || !client_secret) {
            throw new Error("M2M_CREDENTIALS has no non-empty string client_id and client_secret");
        }
        return { clientId: client_id, clientSecret: client_secret };
    }
    if (settings.M2M_CLIENT_ID !== undefined && settings.M2M_CLIENT_SECRET !== undefined) {
        return { clientId: settings.M2M_CLIENT_ID, clientSecret: settings.M2M_CLIENT_SECRET };
    }
    return undefined;
}

/** The mode, the settings the code receives, and the repository files the declared code is. */
function loginCodeOf(run: Pick<ProgramRun, "ofType">): { mode: ExtensibilityMode; settings: LoginSettings; loginFiles: string[] } {
    const actions = run.ofType(T.action);
    const rules = run.ofType(T.rule);
    if (actions.length > 0 && rules.length > 0) throw new Error("declared tenant: the stack declares both actions and rules");
    const mode: ExtensibilityMode = rules.length > 0 ? "rules" : "actions";
    const values: Record<string, string> = {};
    let ordered: { name: string; code: string }[];
    if (mode === "actions") {
        for (const action of actions) {
            for (const secret of (action.inputs.secretsWos as { name: string; value: string }[] | undefined) ?? []) {
                values[secret.name] = secret.value;
            }
        }
        // The post-login binding's order when this stack owns it; else the order of declaration.
        const binding = run.ofType(T.triggerActions)[0];
        const boundIds = ((binding?.inputs.actions as { id: string }[] | undefined) ?? []).map((a) => a.id);
        const sorted = binding ? boundIds.map((id) => actions.find((a) => a.id === id)!).filter(Boolean) : actions;
        ordered = sorted.map((a) => ({ name: a.name, code: str(a.inputs.code, `${a.name}.code`) }));
    } else {
        for (const config of run.ofType(T.ruleConfig)) values[str(config.inputs.key, config.name)] = str(config.inputs.value, config.name);
        ordered = [...rules]
            .sort((a, b) => Number(a.inputs.order) - Number(b.inputs.order))
            .map((r) => ({ name: r.name, code: str(r.inputs.script, `${r.name}.script`) }));
    }
    const settings = Object.fromEntries(Object.keys(LOGIN_SETTINGS).map((name) => [name, values[name]])) as LoginSettings;
    const dir = path.join(ROOT, mode);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".js")).map((f) => path.join(dir, f));
    const loginFiles = ordered.map(({ name, code }) => {
        const file = files.find((f) => fs.readFileSync(f, "utf8") === code);
        if (!file) throw new Error(`declared tenant: the code of ${name} is not byte for byte any file in ${mode}/`);
        return file;
    });
    return { mode, settings, loginFiles };
}

function str(value: unknown, what: string): string {
    if (typeof value !== "string" || value === "") throw new Error(`declared tenant: ${what} is not a known string`);
    return value;
}
