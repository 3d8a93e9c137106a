/**
 * The only reader of the stack's configuration: loadConfig runs each section's reader
 * (infra/config/) over one shared list of problems, and refuses the stack with all of them at
 * once, before any resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { ExtensibilityMode, FailurePolicy } from "./loginContract";
import { LoginCodeFile } from "./loginCode";
import { readApi } from "./config/api";
import type { ApiScope } from "./config/api";
import { readAuthzExtension } from "./config/authzExtension";
import type { AuthzExtensionConfig } from "./config/authzExtension";
import { readExtensibility } from "./config/extensibility";
import { readLifecycle } from "./config/lifecycle";
import { readLoginCodeSettings } from "./config/loginCodeSettings";
import { readManagementApi } from "./config/managementApi";
import { readProvider } from "./config/provider";
import { configReader } from "./config/reader";
import type { ConfigSource } from "./config/reader";
import { readUndeclaredKeys } from "./config/undeclaredKeys";

export { MANAGEMENT_SCOPES_ALLOWED, MANAGEMENT_SCOPES_PRIVILEGED, privilegedScopeRisk } from "./managementScopes";
export { CONFIG_DEFAULTS, PROJECT_CONFIG_KEYS } from "./config/keys";
export type { ProjectConfigKey } from "./config/keys";
export { RULES_END_OF_LIFE } from "./config/extensibility";
export type { ApiScope } from "./config/api";
export type { AuthzExtensionConfig } from "./config/authzExtension";
export type { ConfigSource } from "./config/reader";

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
    // Each section adds what it finds to the reader's one list and goes on, so that a stack with
    // several mistakes hears of all of them in one run.
    const reader = configReader(source);
    readUndeclaredKeys(reader);
    const domain = readProvider(reader);
    const { extensibility, loginFlowOwner, loginCode } = readExtensibility(reader);
    const api = readApi(reader, extensibility, domain);
    const managementApiScopes = readManagementApi(reader, extensibility);
    const authzExtension = readAuthzExtension(reader);
    const { claimNamespace, failurePolicy } = readLoginCodeSettings(reader);
    const { secretGeneration, protect } = readLifecycle(reader);

    if (reader.problems.length) throw new ConfigError(reader.problems);
    const { project, stack } = source;
    const namePrefix = `${project}-${stack}`.replace(/[^A-Za-z0-9-]+/g, "-");
    return {
        project,
        stack,
        namePrefix,
        domain: domain!,
        extensibility,
        loginCode,
        api: {
            identifier: api.identifier,
            name: `${namePrefix} API`,
            scopes: api.scopes,
            tokenLifetime: api.tokenLifetime,
            baseUrl: api.baseUrl!,
            probe: api.probe,
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
