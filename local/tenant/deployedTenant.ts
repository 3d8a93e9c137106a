/**
 * The tenant a deploy left, as data the local servers serve.
 *
 * `deployTenant({ stack, set })` deploys the stack through the one offline path
 * (local/engine/localDeploy.ts: the real program, the engine double, the provider double, a local
 * Management API) and `deployedTenant(deploy)` reads what that Management API then holds: the
 * resource servers and their scopes and token lifetimes, every client that has credentials (with
 * the secret the provider PATCHed: the engine double's generated value, not a real secret), every
 * client grant, and the login code as the tenant runs it — the post-login binding's Actions in
 * order with their secrets as the provider sent them, or the enabled rules in order with the rule
 * configs. Nothing is read from the program under mocks: drop a scope from a grant in the program
 * and the deploy stops creating it, so the local tenant stops issuing it.
 *
 * Two things a stack does not deploy are filled in: the Authorization Extension's API (installed
 * by hand; the program only looks it up, so its scopes are those the lookup answered) and a
 * sample directory (local/tenant/sampleDirectory.ts) for logins to run against.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ExtensibilityMode, LOGIN_SETTINGS, LoginSettingName } from "../../infra/loginContract";
import { StateResource } from "../engine/deployment";
import { reveal, Secret } from "../engine/wire";
import { deployStack, LocalDeploy, StackDeployRequest, stateExport } from "../engine/localDeploy";
import { SAMPLE_DIRECTORY, SampleDirectory } from "./sampleDirectory";
import type { LocalTenant, LocalTenantOptions } from "./localTenant";
import { LocalManagementApi } from "./managementApi";
import { ApiModel, AUTHZ_EXTENSION_API, GrantModel, MANAGEMENT_API, TenantModel } from "./model";
import { ROOT } from "../../tools/stack/tokens";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";
import type { ClientToVerify } from "../../tools/verifyGrants";


/** One audience a client is granted, as the tenant holds it. */
export interface DeployedGrant {
    readonly audience: string;
    readonly scopes: readonly string[];
}

/** An M2M client the stack deployed with credentials, and its grants. */
export interface DeployedCredential {
    /** The client's Pulumi resource name without its `-client` suffix, e.g. `login-code-blue`. */
    readonly name: string;
    readonly clientId: string;
    /** The secret the tenant holds for it (the engine double's generated value); never print it. */
    readonly clientSecret: string;
    readonly authenticationMethod: "client_secret_post" | "client_secret_basic";
    readonly grants: readonly DeployedGrant[];
}

export type LoginSettings = Record<LoginSettingName, string | undefined>;

export interface DeployedTenant {
    readonly mode: ExtensibilityMode;
    /** The tenant's domain as deployed (the login code's AUTH0_DOMAIN). */
    readonly domain: string;
    /** What the local servers serve. */
    readonly model: TenantModel;
    readonly credentials: readonly DeployedCredential[];
    /** The settings the login code receives, as the tenant holds them; undefined = not provided. */
    readonly settings: LoginSettings;
    /** Repository files whose contents are byte for byte the deployed login code, in execution order. */
    readonly loginFiles: readonly string[];
    /** The deploy: the state it left and its Management API (use `tenantOptions` for a copy to serve). */
    readonly deploy: LocalDeploy;
    /** For LocalTenant.start: a copy of the deployed Management API of its own, to serve. */
    tenantOptions(): Pick<LocalTenantOptions, "management">;
    /** `settings` pointed at `tenant`: its domain, its custom API and its extension. */
    localSettings(tenant: LocalTenant): LoginSettings;
    /** `credentials` with the Management API audience of `tenant` in place of the deployed one. */
    localCredentials(tenant: LocalTenant): DeployedCredential[];
    /**
     * What `pulumi up` verifies after the deploy: the verification command's clients as the
     * state holds them (probes of the APIs the login code calls included), pointed at `tenant`'s servers.
     */
    localVerification(tenant: LocalTenant): ClientToVerify[];
    /**
     * The state as `pulumi stack export --show-secrets` prints it, the verification's domain and
     * clients pointed at `tenant` (localVerification): what the drift job reads, for the local tenant.
     */
    localExport(tenant: LocalTenant): unknown;
}

export interface ServeOptions {
    /** Users, groups and entitlements to serve. Default: SAMPLE_DIRECTORY. */
    readonly directory?: SampleDirectory;
}

/** `pulumi up` of the stack (after `set`) onto a fresh local tenant, read as the local servers serve it. */
export async function deployTenant(req: StackDeployRequest, options: ServeOptions = {}): Promise<DeployedTenant> {
    return deployedTenant(await deployStack(req), options);
}

/** Reads what `deploy` left in its Management API into the tenant the local servers serve. */
export function deployedTenant(deploy: LocalDeploy, options: ServeOptions = {}): DeployedTenant {
    const directory = options.directory ?? SAMPLE_DIRECTORY;
    const { api, state } = deploy;
    const { mode, settings, loginFiles } = loginCodeOf(api, state);
    const domain = settings.AUTH0_DOMAIN;
    if (!domain) throw new Error("deployed tenant: the login code is not given AUTH0_DOMAIN; cannot tell the tenant's domain");
    const managementAudience = `https://${domain}/api/v2/`;

    const apis: ApiModel[] = [...api.resourceServers.values()].map((server) => ({
        identifier: str(server.identifier, "a resource server's identifier"),
        scopes: ((server.scopes as { value: string }[] | undefined) ?? []).map((s) => s.value),
        tokenLifetimeS: typeof server.token_lifetime === "number" ? server.token_lifetime : undefined,
    }));

    const grantsOf = (clientId: string): DeployedGrant[] =>
        [...api.clientGrants.values()]
            .filter((g) => g.client_id === clientId)
            .map((g) => ({ audience: str(g.audience, `grant ${String(g.id)}'s audience`), scopes: [...((g.scope as string[] | undefined) ?? [])] }));
    const credentials: DeployedCredential[] = state
        .filter((r) => r.type === RESOURCE_TYPES.clientCredentials)
        .map((cred) => {
            const clientId = str(cred.id, `${cred.name}'s id`);
            const client = api.clients.get(clientId);
            if (!client) throw new Error(`deployed tenant: the state's ${cred.name} names client ${clientId}, which the tenant does not hold`);
            const method = client.token_endpoint_auth_method ?? "client_secret_post";
            if (method !== "client_secret_post" && method !== "client_secret_basic") {
                throw new Error(`deployed tenant: ${cred.name} authenticates with ${JSON.stringify(method)}; the client_credentials grant needs a secret`);
            }
            return {
                name: cred.name.replace(/-credentials$/, ""),
                clientId,
                clientSecret: str(client.client_secret, `${cred.name}'s client secret`),
                authenticationMethod: method,
                grants: grantsOf(clientId),
            };
        });

    const toModelAudience = (audience: string): string => {
        if (audience === managementAudience) return MANAGEMENT_API;
        if (/^https:\/\/[^/]+\/api\/v2\/?$/.test(audience)) {
            throw new Error(`deployed tenant: a grant names ${audience}, another tenant's Management API (this one is ${managementAudience})`);
        }
        return audience;
    };
    const grants: GrantModel[] = credentials.flatMap((c) => c.grants.map((g) => ({ clientId: c.clientId, audience: toModelAudience(g.audience), scopes: g.scopes })));
    // The extension's API exists in the tenant once installed; served locally when something is granted it.
    if (grants.some((g) => g.audience === AUTHZ_EXTENSION_API) && !apis.some((a) => a.identifier === AUTHZ_EXTENSION_API)) {
        apis.push({ identifier: AUTHZ_EXTENSION_API, scopes: [...deploy.authzExtensionScopes] });
    }

    const customApi = settings.API_AUDIENCE ?? (apis.length === 1 ? apis[0].identifier : undefined);
    if (!customApi) throw new Error("deployed tenant: the login code is not given API_AUDIENCE; cannot tell which API serves entitlements");
    const model: TenantModel = {
        clients: credentials.map((c) => ({ id: c.clientId, secret: c.clientSecret })),
        apis,
        grants,
        users: directory.users,
        groups: directory.groups,
        entitlements: directory.entitlements,
        customApi,
    };
    const snapshot = api.snapshot();

    return {
        mode,
        domain,
        model,
        credentials,
        settings,
        loginFiles,
        deploy,
        tenantOptions: () => ({ management: LocalManagementApi.restore(snapshot) }),
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
            const command = state.find((r) => r.type === RESOURCE_TYPES.localCommand && r.name.endsWith("-check"));
            const environment = reveal(command?.inputs.environment ?? {}) as Record<string, string> | undefined;
            if (!environment?.VERIFY_GRANTS_CLIENTS) throw new Error("deployed tenant: the stack deployed no grant verification");
            const local = tenant.loginSettings(mode);
            const localManagement = tenant.audience("managementApi");
            // The deployed base URLs of the APIs, and where the local tenant serves them.
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
        localExport(tenant) {
            const clients = this.localVerification(tenant);
            return stateExport(
                state.map((r) =>
                    r.type === RESOURCE_TYPES.localCommand && r.name.endsWith("-check")
                        ? { ...r, inputs: { ...r.inputs, environment: { ...(reveal(r.inputs.environment) as Record<string, string>), VERIFY_GRANTS_DOMAIN: tenant.domain, VERIFY_GRANTS_CLIENTS: new Secret(JSON.stringify(clients)) } } }
                        : r,
                ),
            );
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

/**
 * The mode, the settings the code receives and the repository files the code is, as the tenant
 * runs them: the post-login binding's Actions in order (or, for a stack that binds nothing, its
 * Actions in the order of the state), with their secrets; or the enabled rules by `order`, with
 * the rule configs.
 */
function loginCodeOf(api: LocalManagementApi, state: readonly StateResource[]): { mode: ExtensibilityMode; settings: LoginSettings; loginFiles: string[] } {
    const actionIds = state.filter((r) => r.type === RESOURCE_TYPES.action).map((r) => String(r.id));
    const ruleIds = state.filter((r) => r.type === RESOURCE_TYPES.rule).map((r) => String(r.id));
    if (actionIds.length > 0 && ruleIds.length > 0) throw new Error("deployed tenant: the stack deployed both actions and rules");
    const mode: ExtensibilityMode = ruleIds.length > 0 ? "rules" : "actions";
    const values: Record<string, string> = {};
    let ordered: { name: string; code: string }[];
    if (mode === "actions") {
        const bound = (api.bindings.get("post-login") ?? []).map((b) => b.actionId);
        const running = (state.some((r) => r.type === RESOURCE_TYPES.triggerActions) ? bound : actionIds).map((id) => {
            const action = api.actions.get(id);
            if (!action) throw new Error(`deployed tenant: post-login runs action ${id}, which the tenant does not hold`);
            return action;
        });
        for (const action of running) for (const secret of action.secrets) if (secret.value !== undefined) values[secret.name] = secret.value;
        ordered = running.map((a) => ({ name: String(a.name), code: str(a.code, `${String(a.name)}'s code`) }));
    } else {
        for (const [key, value] of api.rulesConfigs) values[key] = value;
        ordered = [...api.rules.values()]
            .filter((r) => r.enabled !== false)
            .sort((a, b) => a.order - b.order)
            .map((r) => ({ name: String(r.name), code: str(r.script, `${String(r.name)}'s script`) }));
    }
    const settings = Object.fromEntries(Object.keys(LOGIN_SETTINGS).map((name) => [name, values[name]])) as LoginSettings;
    const dir = path.join(ROOT, mode);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".js")).map((f) => path.join(dir, f));
    const loginFiles = ordered.map(({ name, code }) => {
        const file = files.find((f) => fs.readFileSync(f, "utf8") === code);
        if (!file) throw new Error(`deployed tenant: the code of ${name} is not byte for byte any file in ${mode}/`);
        return file;
    });
    return { mode, settings, loginFiles };
}

function str(value: unknown, what: string): string {
    if (typeof value !== "string" || value === "") throw new Error(`deployed tenant: ${what} is not a known string`);
    return value;
}
