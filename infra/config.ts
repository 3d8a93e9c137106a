import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "./auth0Defaults";
import * as pulumi from "@pulumi/pulumi";
import {
    ExtensibilityMode,
    FAILURE_POLICIES,
    FailurePolicy,
    scopesNeeded,
} from "./loginContract";
import { LoginCodeFile, readLoginCode } from "./loginCode";
import { AUTHZ_EXTENSION_AUDIENCE } from "./authzExtension";
import { MANAGEMENT_SCOPES_ALLOWED, MANAGEMENT_SCOPES_PRIVILEGED, privilegedScopeRisk } from "./managementScopes";

export { MANAGEMENT_SCOPES_ALLOWED, MANAGEMENT_SCOPES_PRIVILEGED, privilegedScopeRisk } from "./managementScopes";

/** A scope as Auth0 writes them: `<action>:<resource>`, e.g. `read:entitlements`. */
const SCOPE_PATTERN = /^[a-z][a-z0-9_.-]*:[a-z0-9_.:-]+$/i;
const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const TOKEN_LIFETIME_MAX_S = 2_592_000; // Auth0's ceiling for API access tokens (30 days)
const TOKEN_LIFETIME_MIN_S = 60;
const DEFAULT_TOKEN_LIFETIME_S = AUTH0_DEFAULT_TOKEN_LIFETIME_S;
const EXTENSIBILITY_MODES: readonly ExtensibilityMode[] = ["actions", "rules"];

// Auth0's bounds on an API's permissions. Scopes per API: 1000 (Auth0 docs, "Entity limits",
// https://auth0.com/docs/policies/entity-limits, the Authorization Core RBAC table). A scope's
// value is 1 to 280 characters and its description at most 500: schema ResourceServerScope of
// the Management API v2 OpenAPI document (value minLength 1, maxLength 280; description
// maxLength 500), the body of POST /api/v2/resource-servers
// (https://auth0.com/docs/api/management/v2/resource-servers/post-resource-servers).
const API_SCOPES_MAX = 1000;
const SCOPE_VALUE_MAX_CHARS = 280;
const SCOPE_DESCRIPTION_MAX_CHARS = 500;

/**
 * Every key of the project's namespace, as `Pulumi.yaml` declares them (a test keeps the two
 * equal). Kept in code rather than read from Pulumi.yaml at deploy time: the program then needs
 * no YAML parser at run time and reads the same list under the CLI, the mock runtime and the
 * offline tools, whatever their working directory.
 */
export const PROJECT_CONFIG_KEYS = [
    "extensibility",
    "rulesEndOfLifeAcknowledged",
    "loginCodeOrder",
    "apiIdentifier",
    "apiScopes",
    "apiTokenLifetime",
    "apiBaseUrl",
    "apiProbeEnabled",
    "managementApiScopes",
    "allowPrivilegedManagementScopes",
    "managementApiScopesBeyondLoginCode",
    "authzExtensionEnabled",
    "authzExtensionUrl",
    "claimNamespace",
    "failurePolicyGroups",
    "failurePolicyApi",
    "failurePolicyManagement",
    "secretGeneration",
    "protect",
    "loginFlowOwner",
] as const;
export type ProjectConfigKey = (typeof PROJECT_CONFIG_KEYS)[number];

/**
 * Why rules mode needs an acknowledgment. Auth0's wording, on every Rules page of its docs (e.g.
 * https://auth0.com/docs/customize/rules/cache-resources): "The End of Life (EOL) date of Rules
 * and Hooks will be November 18, 2026, and they are no longer available to new tenants created as
 * of October 16, 2023." A tenant without them answers the Rules endpoints with 403 "Insufficient
 * privileges to use this deprecated feature" (auth0-deploy-cli src/tools/utils.ts isDeprecatedError).
 */
export const RULES_END_OF_LIFE =
    "Auth0 Rules reached end of life on 2026-11-18 and tenants created since 2023-10-16 never had them; " +
    'such a tenant answers every rules call with 403 "Insufficient privileges to use this deprecated feature"';

export interface ApiScope {
    readonly name: string;
    readonly description: string;
}

export interface AuthzExtensionConfig {
    readonly enabled: boolean;
    /** https URL of the extension's API (ends in `/api`); set when enabled. */
    readonly url?: string;
}

/** The whole validated configuration of one stack. */
export interface TenantConfig {
    readonly project: string;
    readonly stack: string;
    /** Prefix of every Auth0 name this stack creates, e.g. `auth0-tenant-dev`. */
    readonly namePrefix: string;
    /** The tenant's canonical domain (from `auth0:domain` or AUTH0_DOMAIN). */
    readonly domain: string;
    readonly extensibility: ExtensibilityMode;
    /** The login code files of the active mode, in execution order. */
    readonly loginCode: readonly LoginCodeFile[];
    readonly api: {
        readonly identifier: string;
        readonly name: string;
        readonly scopes: readonly ApiScope[];
        readonly tokenLifetime: number;
        readonly baseUrl: string;
        /** Whether the post-deploy verification calls the API's entitlements endpoint. */
        readonly probe: boolean;
    };
    readonly managementApiScopes: readonly string[];
    readonly authzExtension: AuthzExtensionConfig;
    readonly claimNamespace: string;
    readonly failurePolicy: {
        readonly groups: FailurePolicy;
        readonly api: FailurePolicy;
        readonly management: FailurePolicy;
    };
    /** Rotation counter of the login code's M2M secret (see README, "Rotating secrets"). */
    readonly secretGeneration: number;
    readonly protect: boolean;
    /** Whether this stack owns the tenant-wide login flow (post-login binding, rules, rule configs). */
    readonly loginFlowOwner: boolean;
}

/**
 * Thrown with every problem found, each naming the key and the expected form. A RunError, so the
 * CLI prints the message once, without a stack trace: pulumi/pulumi sdk/nodejs/cmd/run/run.ts
 * lines 418-420 (commit 1b59498, v3.259.0+14; compiled the same in @pulumi/pulumi 3.270.0,
 * cmd/run/run.js lines 377-379) logs `err.message` alone for a RunError, while any other Error
 * goes through defaultErrorMessage (sdk/nodejs/cmd/run/error.ts line 33, `util.inspect(err)`):
 * the message, the stack, then the error's own properties — the problem list a second time.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(`invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** Where the program reads its configuration from; tests substitute their own. */
export interface ConfigSource {
    readonly project: string;
    readonly stack: string;
    /** Value of `<namespace>:<key>` as stored (JSON text for objects and arrays). */
    get(namespace: string, key: string): string | undefined;
    /** Every `<namespace>:<key>` the stack sets, after the CLI applied Pulumi.yaml's defaults. */
    keys(): readonly string[];
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Directory holding `rules/` and `actions/`. */
    readonly rootDir: string;
}

export function pulumiConfigSource(rootDir: string): ConfigSource {
    const configs = new Map<string, pulumi.Config>();
    return {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        get(namespace, key) {
            let config = configs.get(namespace);
            if (!config) {
                config = new pulumi.Config(namespace);
                configs.set(namespace, config);
            }
            return config.get(key);
        },
        keys: () => Object.keys(pulumi.runtime.allConfig()),
        env: process.env,
        rootDir,
    };
}

/**
 * Reads and validates the stack configuration. Throws a {@link ConfigError} listing every
 * problem before any resource is declared.
 */
export function loadConfig(source: ConfigSource): TenantConfig {
    const problems: string[] = [];
    const { project, stack } = source;
    const key = (k: ProjectConfigKey) => `${project}:${k}`;
    const raw = (k: ProjectConfigKey) => source.get(project, k);

    // A key the project does not declare is a typo or a leftover: the CLI passes it through
    // without a word (pulumi/pulumi pkg/workspace/config.go at 1b59498: validateStackConfigValues,
    // lines 83-88, and mergeConfig, lines 297-303, walk only project.Config), so the program
    // refuses it here.
    for (const fullKey of source.keys()) {
        if (!fullKey.startsWith(`${project}:`)) continue;
        const name = fullKey.slice(project.length + 1);
        if ((PROJECT_CONFIG_KEYS as readonly string[]).includes(name)) continue;
        const closest = closestKey(name, PROJECT_CONFIG_KEYS);
        problems.push(
            `${fullKey}: not a key of this project; ` +
                (closest ? `did you mean \`${closest}\`?` : `expected one of: ${PROJECT_CONFIG_KEYS.join(", ")}`),
        );
    }

    const parseJson = <T>(k: ProjectConfigKey, expected: string): T | undefined => {
        const text = raw(k);
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text) as T;
        } catch {
            problems.push(`${key(k)}: not valid JSON; expected ${expected}`);
            return undefined;
        }
    };
    const bool = (k: ProjectConfigKey, fallback: boolean): boolean => {
        const text = raw(k);
        if (text === undefined) return fallback;
        if (text === "true" || text === "false") return text === "true";
        problems.push(`${key(k)}: ${JSON.stringify(text)} is not a boolean; expected true or false`);
        return fallback;
    };
    const httpsUrl = (label: string, value: unknown, example: string): string | undefined => {
        if (typeof value !== "string" || value.length === 0) {
            problems.push(`${label}: missing; expected an https URL, e.g. ${example}`);
            return undefined;
        }
        const shown = JSON.stringify(withoutUserinfo(value));
        let url: URL;
        try {
            url = new URL(value);
        } catch {
            problems.push(`${label}: ${shown} is not a URL; expected an https URL, e.g. ${example}`);
            return undefined;
        }
        if (url.username || url.password) {
            problems.push(`${label}: ${shown} carries credentials before the host; expected a URL without user:password@, e.g. ${example}`);
            return undefined;
        }
        if (url.protocol !== "https:") {
            problems.push(`${label}: ${shown} must use https; expected e.g. ${example}`);
            return undefined;
        }
        return value;
    };

    // The tenant domain: the provider's own setting, so the program and the provider agree.
    const domain = source.get("auth0", "domain") ?? source.env.AUTH0_DOMAIN;
    if (!domain) {
        problems.push(
            "auth0:domain: missing; expected the tenant's hostname, e.g. dev-abc123.us.auth0.com " +
                "(pulumi config set auth0:domain <host>, or AUTH0_DOMAIN)",
        );
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(domain)) {
        problems.push(`auth0:domain: ${JSON.stringify(withoutUserinfo(domain))} has a scheme; expected a bare hostname, e.g. dev-abc123.us.auth0.com`);
    } else if (!HOSTNAME_PATTERN.test(domain)) {
        problems.push(`auth0:domain: ${JSON.stringify(withoutUserinfo(domain))} is not a hostname; expected e.g. dev-abc123.us.auth0.com`);
    } else if (domain !== domain.toLowerCase()) {
        // Refused, not lower-cased here: the provider reads auth0:domain itself and would go on
        // using the value as written, so the program and the provider would disagree.
        problems.push(`auth0:domain: ${JSON.stringify(domain)} has upper-case letters; expected it in lower case: ${domain.toLowerCase()}`);
    }

    // The deploying client's credentials are read by the provider itself; refuse early when
    // there are none, rather than failing on the first API call.
    const hasClientCredentials =
        (source.get("auth0", "clientId") ?? source.env.AUTH0_CLIENT_ID) !== undefined &&
        (source.get("auth0", "clientSecret") ?? source.env.AUTH0_CLIENT_SECRET) !== undefined;
    const hasApiToken = (source.get("auth0", "apiToken") ?? source.env.AUTH0_API_TOKEN) !== undefined;
    if (!hasClientCredentials && !hasApiToken) {
        problems.push(
            "auth0:clientSecret: missing; the deploying M2M application needs auth0:clientId and a secret " +
                "auth0:clientSecret (pulumi config set --secret auth0:clientSecret <secret>), " +
                "or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET in the environment",
        );
    }

    const modeText = raw("extensibility") ?? "actions";
    let extensibility: ExtensibilityMode = "actions";
    if ((EXTENSIBILITY_MODES as readonly string[]).includes(modeText)) {
        extensibility = modeText as ExtensibilityMode;
    } else {
        problems.push(`${key("extensibility")}: ${JSON.stringify(modeText)} is not a mode; expected one of: ${EXTENSIBILITY_MODES.join(", ")}`);
    }

    const loginFlowOwner = bool("loginFlowOwner", true);
    if (extensibility === "rules" && !loginFlowOwner) {
        problems.push(
            `${key("extensibility")}: rules mode needs ${key("loginFlowOwner")} = true; rules and rule configs are ` +
                "tenant-wide, so only the stack that owns the tenant's login flow may deploy them",
        );
    }

    // Rules reached end of life: a deploy in rules mode must know it before anything is created.
    const rulesAcknowledged = bool("rulesEndOfLifeAcknowledged", false);
    if (extensibility === "rules" && !rulesAcknowledged) {
        problems.push(
            `${key("extensibility")}: rules refused for a deploy: ${RULES_END_OF_LIFE}. Use extensibility: actions (the default; ` +
                `the same login code runs as post-login Actions); to deploy rules to a tenant that still runs them, set ` +
                `${key("rulesEndOfLifeAcknowledged")} to true`,
        );
    }

    // Login code order: a permutation of the files present for the active mode.
    // A login code file the stack cannot deploy is reported with the configuration's problems.
    let files: LoginCodeFile[] | undefined;
    try {
        files = readLoginCode(source.rootDir, extensibility);
    } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
    }
    const orderKey = key("loginCodeOrder");
    const present = (files ?? []).map((f) => f.name);
    const order = parseJson<unknown>("loginCodeOrder", `a JSON array of file names, e.g. ${JSON.stringify(present)}`);
    let loginCode: LoginCodeFile[] = [];
    // Nothing to order until the files can be read.
    if (files && order === undefined) {
        if (raw("loginCodeOrder") === undefined) {
            problems.push(`${orderKey}: missing; expected the ${extensibility}/ files in execution order (cheap checks first), e.g. ${JSON.stringify(present)}`);
        }
    } else if (files && (!Array.isArray(order) || order.some((n) => typeof n !== "string"))) {
        problems.push(`${orderKey}: expected a JSON array of file names, e.g. ${JSON.stringify(present)}`);
    } else if (files) {
        const names = order as string[];
        const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
        const unknown = names.filter((n) => !present.includes(n));
        const missing = present.filter((n) => !names.includes(n));
        if (duplicates.length || unknown.length || missing.length) {
            const parts = [
                duplicates.length ? `duplicated: ${duplicates.join(", ")}` : "",
                unknown.length ? `no such file in ${extensibility}/: ${unknown.join(", ")}` : "",
                missing.length ? `missing: ${missing.join(", ")}` : "",
            ].filter(Boolean);
            problems.push(`${orderKey}: not a permutation of the files in ${extensibility}/ (${parts.join("; ")}); expected an order of ${JSON.stringify(present)}`);
        } else {
            loginCode = names.map((n) => files.find((f) => f.name === n)!);
        }
    }

    // The custom API.
    const apiIdentifier = raw("apiIdentifier") ?? `urn:${project}:${stack}:api`;
    validateApiIdentifier(key("apiIdentifier"), apiIdentifier, domain, problems);
    const apiScopes = readApiScopes(key("apiScopes"), parseJson<unknown>("apiScopes", 'a list of "<scope> <description>"'), problems);
    for (const needed of scopesNeeded("api", extensibility)) {
        if (apiScopes.length && !apiScopes.some((s) => s.name === needed)) {
            problems.push(`${key("apiScopes")}: the login code calls the API with scope ${needed}, which the API does not declare; add {"name": "${needed}", ...}`);
        }
    }
    const lifetimeText = raw("apiTokenLifetime");
    let tokenLifetime = DEFAULT_TOKEN_LIFETIME_S;
    if (lifetimeText !== undefined) {
        const n = Number(lifetimeText);
        if (!Number.isInteger(n) || n < TOKEN_LIFETIME_MIN_S || n > TOKEN_LIFETIME_MAX_S) {
            problems.push(`${key("apiTokenLifetime")}: ${JSON.stringify(lifetimeText)} is not valid; expected whole seconds from ${TOKEN_LIFETIME_MIN_S} to ${TOKEN_LIFETIME_MAX_S}`);
        } else {
            tokenLifetime = n;
        }
    }
    const apiBaseUrl = httpsUrl(key("apiBaseUrl"), raw("apiBaseUrl"), "https://api.example.com");
    // A stack whose API is not served yet deploys with the probe off; its logins meanwhile get
    // what failurePolicyApi says for a failing API call.
    const apiProbe = bool("apiProbeEnabled", true);

    // Management API v2: what the mode's login code calls (infra/loginContract.ts) and nothing
    // else, unless each further scope is acknowledged by name; never a privileged scope unless the
    // override says so too.
    const allowPrivileged = bool("allowPrivilegedManagementScopes", false);
    const managementKey = key("managementApiScopes");
    const beyondKey = key("managementApiScopesBeyondLoginCode");
    const needed = scopesNeeded("managementApi", extensibility);
    const managementApiScopes = readScopeList(
        managementKey,
        parseJson<unknown>("managementApiScopes", "a JSON array of scopes") ?? needed,
        { allowEmpty: true },
        problems,
    );
    const acknowledged = readScopeList(beyondKey, parseJson<unknown>("managementApiScopesBeyondLoginCode", "a JSON array of scopes") ?? [], { allowEmpty: true }, problems);
    const unacknowledged: string[] = [];
    for (const scope of managementApiScopes) {
        if (MANAGEMENT_SCOPES_PRIVILEGED.includes(scope) && !allowPrivileged) {
            problems.push(
                `${managementKey}: ${scope} ${privilegedScopeRisk(scope)}; remove it, ` +
                    `or set ${key("allowPrivilegedManagementScopes")} to true after review` +
                    (needed.includes(scope) ? "" : ` and list it in ${beyondKey}`),
            );
        } else if (!MANAGEMENT_SCOPES_PRIVILEGED.includes(scope) && !MANAGEMENT_SCOPES_ALLOWED.includes(scope)) {
            problems.push(`${managementKey}: ${scope} is outside the allowed set; expected scopes from: ${MANAGEMENT_SCOPES_ALLOWED.join(", ")}`);
        } else if (!needed.includes(scope) && !acknowledged.includes(scope)) {
            unacknowledged.push(scope);
        }
    }
    if (unacknowledged.length) {
        const [it, them] = unacknowledged.length === 1 ? ["it", "it"] : ["them", "each"];
        // Only scopes the override let through reach here as privileged: the pack needs both of its approvals for them.
        const privileged = unacknowledged.filter((s) => MANAGEMENT_SCOPES_PRIVILEGED.includes(s));
        problems.push(
            `${managementKey}: ${unacknowledged.join(", ")}: the ${extensibility} login code never calls the Management API with ${it} ` +
                `(it needs ${needed.join(", ") || "none"}; infra/loginContract.ts); remove ${it}, or, if something outside the login code ` +
                `needs ${it}, list ${them} in ${beyondKey} after review (the policy pack refuses ${it} too unless its ` +
                `allowScopesBeyondLoginCode names ${it}` +
                (privileged.length ? `, and its allowPrivilegedScopes too (${privileged.join(", ")} ${privileged.length === 1 ? "is" : "are"} privileged)` : "") +
                `: docs/delivery.md, "Policy pack")`,
        );
    }
    for (const scope of acknowledged) {
        if (needed.includes(scope)) {
            problems.push(`${beyondKey}: ${scope} is called by the ${extensibility} login code; remove it (only scopes beyond the login code's calls are acknowledged here)`);
        } else if (!managementApiScopes.includes(scope)) {
            problems.push(`${beyondKey}: ${scope} is not in ${managementKey}; remove it, so that an acknowledgment never outlives its grant`);
        }
    }
    for (const scope of needed) {
        if (!managementApiScopes.includes(scope)) {
            problems.push(`${managementKey}: the ${extensibility} login code calls the Management API with scope ${scope}; add it`);
        }
    }

    // Authorization Extension: installed by hand; the stack only grants to its API.
    const authzEnabled = bool("authzExtensionEnabled", false);
    const authzUrl = authzEnabled
        ? httpsUrl(key("authzExtensionUrl"), raw("authzExtensionUrl"), "https://<tenant>.<region>.webtask.run/<extension id>/api (the extension's API URL)")
        : undefined;
    // The login code appends /users/{user_id}/groups to it (auth0/docs
    // articles/api/authorization-extension/_users.md, "Get User Groups"); seed 003 calls
    // <extension URL>/api/users/<id>/groups, so the API's URL is the extension's URL plus /api.
    if (authzUrl !== undefined && !/\/api$/.test(new URL(authzUrl).pathname)) {
        problems.push(
            `${key("authzExtensionUrl")}: ${JSON.stringify(authzUrl)} does not end in /api; expected the extension's API URL, ` +
                "e.g. https://<tenant>.<region>.webtask.run/<extension id>/api (the extension's dashboard, gear menu > API)",
        );
    }
    const authzExtension: AuthzExtensionConfig = authzEnabled ? { enabled: true, url: authzUrl } : { enabled: false };

    const claimNamespace = httpsUrl(key("claimNamespace"), raw("claimNamespace") ?? `https://${project}/claims/`, "https://example.com/claims/");
    if (claimNamespace && !claimNamespace.endsWith("/")) {
        problems.push(`${key("claimNamespace")}: ${JSON.stringify(claimNamespace)} must end with "/" so claim names read <namespace>groups`);
    }
    if (claimNamespace && /(^|\.)(auth0\.com|webtask\.io|webtask\.run)$/.test(new URL(claimNamespace).hostname)) {
        problems.push(`${key("claimNamespace")}: auth0.com namespaces are reserved by Auth0; expected a domain you own`);
    }

    // Groups feed authorization decisions downstream, so a login without them fails closed;
    // the custom API and Management API calls are enrichment and fail open by default.
    const policy = (k: ProjectConfigKey, fallback: FailurePolicy): FailurePolicy => {
        const text = raw(k) ?? fallback;
        if ((FAILURE_POLICIES as readonly string[]).includes(text)) return text as FailurePolicy;
        problems.push(`${key(k)}: ${JSON.stringify(text)} is not a policy; expected one of: ${FAILURE_POLICIES.join(", ")}`);
        return fallback;
    };
    const failurePolicy = {
        groups: policy("failurePolicyGroups", "deny"),
        api: policy("failurePolicyApi", "continue"),
        management: policy("failurePolicyManagement", "continue"),
    };

    const generationText = raw("secretGeneration") ?? "1";
    const secretGeneration = Number(generationText);
    if (!Number.isInteger(secretGeneration) || secretGeneration < 1) {
        problems.push(`${key("secretGeneration")}: ${JSON.stringify(generationText)} is not valid; expected a whole number from 1 (bump it by one to rotate)`);
    }

    const protect = bool("protect", false);

    if (problems.length) throw new ConfigError(problems);
    const namePrefix = `${project}-${stack}`.replace(/[^A-Za-z0-9-]+/g, "-");
    return {
        project,
        stack,
        namePrefix,
        domain: domain!,
        extensibility,
        loginCode,
        api: {
            identifier: apiIdentifier,
            name: `${namePrefix} API`,
            scopes: apiScopes,
            tokenLifetime,
            baseUrl: apiBaseUrl!,
            probe: apiProbe,
        },
        managementApiScopes,
        authzExtension,
        claimNamespace: claimNamespace!,
        failurePolicy,
        secretGeneration,
        protect,
        loginFlowOwner,
    };
}

function validateApiIdentifier(label: string, identifier: string, domain: string | undefined, problems: string[]): void {
    const expected = "an absolute URI such as https://test-api or urn:example:api, without spaces";
    if (!identifier || /\s/.test(identifier)) {
        problems.push(`${label}: ${JSON.stringify(withoutUserinfo(identifier))} is not valid; expected ${expected}`);
        return;
    }
    let url: URL;
    try {
        url = new URL(identifier);
    } catch {
        problems.push(`${label}: ${JSON.stringify(withoutUserinfo(identifier))} is not valid; expected ${expected}`);
        return;
    }
    const shown = JSON.stringify(withoutUserinfo(identifier));
    if (!["https:", "http:", "urn:"].includes(url.protocol)) {
        problems.push(`${label}: ${shown} has scheme ${url.protocol}; expected ${expected}`);
    } else if (url.username || url.password) {
        problems.push(`${label}: ${shown} carries credentials before the host; expected ${expected}`);
    } else if (domain && url.hostname === domain.toLowerCase() && url.pathname.toLowerCase().startsWith("/api/v2")) {
        // url.hostname is lower-cased by the URL parser, so the domain is compared the same way.
        problems.push(`${label}: ${shown} is the Management API's identifier; expected your own API's`);
    } else if (identifier.toLowerCase() === AUTHZ_EXTENSION_AUDIENCE) {
        problems.push(`${label}: ${shown} is the Authorization Extension API's identifier (the extension owns that API); expected your own API's`);
    }
}

function readScopeList(label: string, value: unknown, opts: { allowEmpty: boolean }, problems: string[]): string[] {
    if (!Array.isArray(value)) {
        problems.push(`${label}: expected a JSON array of scopes such as ["read:users"]`);
        return [];
    }
    if (!opts.allowEmpty && value.length === 0) {
        problems.push(`${label}: empty; expected at least one scope such as "read:entitlements"`);
    }
    const seen = new Set<string>();
    const scopes: string[] = [];
    value.forEach((scope: unknown, i) => {
        if (typeof scope !== "string" || scope.length === 0) {
            problems.push(`${label}[${i}]: empty; expected a scope such as "read:users"`);
        } else if (seen.has(scope)) {
            problems.push(`${label}[${i}]: ${scope} is listed twice; expected each scope once`);
        } else if (scope !== "*" && !SCOPE_PATTERN.test(scope)) {
            problems.push(`${label}[${i}]: ${JSON.stringify(scope)} is malformed; expected <action>:<resource>, e.g. "read:users"`);
        } else {
            seen.add(scope);
            scopes.push(scope);
        }
    });
    return scopes;
}

/** API scopes are written `"<scope> <description>"`: a scope has no spaces, so the first one splits. */
function readApiScopes(label: string, value: unknown, problems: string[]): ApiScope[] {
    const example = '["read:entitlements Read a user\'s entitlements"]';
    if (value === undefined) {
        problems.push(`${label}: missing; expected a list of "<scope> <description>", e.g. ${example}`);
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        problems.push(`${label}: expected a list of "<scope> <description>" strings, e.g. ${example}`);
        return [];
    }
    if (value.length > API_SCOPES_MAX) {
        problems.push(`${label}: ${value.length} scopes; expected at most ${API_SCOPES_MAX}, Auth0's limit of scopes per API`);
        return [];
    }
    const entries = (value as string[]).map((v) => {
        const text = v.trim();
        const space = text.search(/\s/);
        return space < 0 ? { name: text, description: "" } : { name: text.slice(0, space), description: text.slice(space).trim() };
    });
    entries.forEach((e, i) => {
        if (e.name.length > SCOPE_VALUE_MAX_CHARS) {
            problems.push(`${label}[${i}]: the scope is ${e.name.length} characters; expected at most ${SCOPE_VALUE_MAX_CHARS}, Auth0's limit`);
        }
        if (e.description.length > SCOPE_DESCRIPTION_MAX_CHARS) {
            problems.push(`${label}[${i}]: the description of ${e.name} is ${e.description.length} characters; expected at most ${SCOPE_DESCRIPTION_MAX_CHARS}, Auth0's limit`);
        }
    });
    const names = readScopeList(label, entries.map((e) => e.name), { allowEmpty: false }, problems);
    return names.map((name) => {
        const entry = entries.find((e) => e.name === name)!;
        return { name, description: entry.description || name };
    });
}

/**
 * A URL or host as it may be shown in a message: any `user:password@` before the host (with or
 * without a scheme) replaced, so no credential is echoed.
 */
function withoutUserinfo(text: string): string {
    return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i, "$1***@");
}

/**
 * The declared key nearest to a mistyped one (case-insensitive Levenshtein distance), when it is
 * near enough to be the key meant: at most a third of the longer name's letters differ.
 */
function closestKey(typed: string, declared: readonly string[]): string | undefined {
    let best: { key: string; distance: number } | undefined;
    for (const candidate of declared) {
        const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase());
        if (!best || distance < best.distance) best = { key: candidate, distance };
    }
    return best && best.distance <= Math.max(2, Math.ceil(Math.max(typed.length, best.key.length) / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}
