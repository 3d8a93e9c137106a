/**
 * The project's configuration keys and their defaults, as Pulumi.yaml declares them. Free of
 * Pulumi's SDK, so the offline tenant (local/) reads the same defaults as the program.
 */
import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "../auth0Defaults";
import type { ExtensibilityMode, FailurePolicy } from "../loginContract";

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
 * What a key takes when a stack leaves it unset, keyed by its name in Pulumi.yaml: the one home of
 * the project's defaults. loadConfig applies them; Pulumi.yaml repeats each as the key's
 * `default:`, because the CLI reads them there: it refuses a stack that leaves a key without a
 * default unset, and hands the program the default as if the stack had set it (pulumi/pulumi
 * pkg/workspace/config.go at 1b59498, mergeConfig, lines 316-341). test/infra/pulumiYaml.test.ts
 * holds the two equal; test/local/engine/pulumiYamlDefaults.test.ts shows loadConfig applies each.
 *
 * A key without an entry has no default a project file could state: apiIdentifier's is per stack
 * (`urn:<project>:<stack>:api`), managementApiScopes' is what the mode's login code calls
 * (infra/loginContract.ts), and loginCodeOrder, apiScopes and apiBaseUrl are the stack's to say.
 */
export const CONFIG_DEFAULTS = {
    /** Post-login Actions: Rules reached end of life (RULES_END_OF_LIFE). */
    extensibility: "actions" satisfies ExtensibilityMode,
    /** Rules mode is refused for a deploy until this is true. */
    rulesEndOfLifeAcknowledged: false,
    /** Auth0's own default for an API that sets none, in seconds. */
    apiTokenLifetime: AUTH0_DEFAULT_TOKEN_LIFETIME_S,
    /** The post-deploy verification calls the API unless the stack says it is not served yet. */
    apiProbeEnabled: true,
    /** Scopes that can raise privileges are refused until reviewed. */
    allowPrivilegedManagementScopes: false,
    /** No scope beyond the login code's calls is acknowledged. */
    managementApiScopesBeyondLoginCode: [] as readonly string[],
    /** The Authorization Extension is installed by hand; no grant to it unless asked. */
    authzExtensionEnabled: false,
    /** Not set: read only when the extension is enabled, and then required. */
    authzExtensionUrl: "",
    /**
     * `https://<project>/claims/`: the project's own namespace. A function of the project, as
     * loadConfig reads any project; Pulumi.yaml states it for its own name.
     */
    claimNamespace: (project: string): string => `https://${project}/claims/`,
    /** Groups feed authorization decisions downstream, so a login without them fails closed. */
    failurePolicyGroups: "deny" satisfies FailurePolicy,
    /** The custom API call is enrichment: a login goes on without it. */
    failurePolicyApi: "continue" satisfies FailurePolicy,
    /** The Management API call (rules only) is enrichment: a login goes on without it. */
    failurePolicyManagement: "continue" satisfies FailurePolicy,
    /** The first generation of the login code's M2M secret; bump by one to rotate. */
    secretGeneration: 1,
    /** Resources may be deleted; prod sets true. */
    protect: false,
    /** The stack owns the tenant's login flow; review stacks set false. */
    loginFlowOwner: true,
} as const satisfies Partial<Record<ProjectConfigKey, unknown>>;
