import * as auth0 from "@pulumi/auth0";
import {
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { MANAGEMENT_SCOPES_ALLOWED, MANAGEMENT_SCOPES_PRIVILEGED, privilegedScopeRisk } from "../infra/config";
import { ExtensibilityMode, LOGIN_SETTINGS, scopesNeeded } from "../infra/loginContract";
import { RESOURCE_TYPES } from "../infra/resourceTypes";

/**
 * The tenant's policies, importable without starting the analyzer server (`policy/index.ts`
 * serves them to the Pulumi CLI; `test/policy/` feeds them resources directly).
 *
 * What a policy sees: `validateResource` gets a resource's inputs with every secret already
 * decrypted to plain values (`@pulumi/policy` unwraps them before calling the policy), and during
 * a preview an input computed from another resource's output is unknown (reading it makes the
 * pack report "can't run during preview" as advisory; the check runs again, with values, during
 * the update). So a policy cannot tell whether a value was marked secret in the program; it checks
 * what it can observe: the resource options and which input carries the value.
 */

const MANAGEMENT_API_AUDIENCE_SUFFIX = "/api/v2/";
const REQUIRED_ACTION_RUNTIME = "node22";
const M2M_GRANT_TYPE = "client_credentials";

/** Names of the login settings that are credentials (infra/loginContract.ts). */
export const SECRET_SETTING_NAMES: readonly string[] = Object.entries(LOGIN_SETTINGS)
    .filter(([, setting]) => setting.secret)
    .map(([name]) => name);

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
    const match = /^urn:pulumi:([^:]+)::/.exec(urn);
    if (!match) throw new Error(`not a Pulumi URN: ${urn}`);
    return match[1];
}

/** Whether a rule's script calls out over the network: a token request or an HTTP client. */
export function callsApis(script: string): boolean {
    // Comments may mention the token endpoint ("runs before the /oauth/token call"); only code counts.
    const code = script.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    return /\/oauth\/token|\baxios\b|require\(\s*['"](request|https?|node-fetch)(@[^'"]*)?['"]\s*\)|\bfetch\s*\(/.test(code);
}

export const m2mClientCredentialsOnly: ResourceValidationPolicy = {
    name: "m2m-client-credentials-only",
    description:
        "Machine-to-machine clients (appType non_interactive) use only the client_credentials grant, and client " +
        "credentials never use token endpoint authentication method none.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: [
        validateResourceOfType(auth0.Client, (client, _args, reportViolation) => {
            if (client.appType !== "non_interactive") return;
            const grantTypes = client.grantTypes ?? [];
            if (grantTypes.length === 0) {
                reportViolation(
                    `M2M client ${JSON.stringify(client.name)} declares no grantTypes, so Auth0 picks its defaults; ` +
                        `set grantTypes: ["${M2M_GRANT_TYPE}"]`,
                );
            }
            const others = grantTypes.filter((g) => g !== M2M_GRANT_TYPE);
            if (others.length) {
                reportViolation(
                    `M2M client ${JSON.stringify(client.name)} allows ${others.join(", ")}; a machine-to-machine ` +
                        `client uses only ${M2M_GRANT_TYPE}`,
                );
            }
        }),
        validateResourceOfType(auth0.ClientCredentials, (credentials, _args, reportViolation) => {
            if (credentials.authenticationMethod === "none") {
                reportViolation(
                    "client credentials use token endpoint authentication method none: anyone who knows the client id " +
                        "could get tokens; use client_secret_post or client_secret_basic",
                );
            }
        }),
    ],
};

interface ManagementScopesConfig {
    /** Privileged scopes a reviewer has approved for this stack (mirrors allowPrivilegedManagementScopes). */
    allowPrivilegedScopes: string[];
    /** Scopes the login code never calls, approved after review (mirrors managementApiScopesBeyondLoginCode). */
    allowScopesBeyondLoginCode: string[];
}

const MODES: readonly ExtensibilityMode[] = ["actions", "rules"];

/** What the login code of some mode calls on the Management API: the most a grant needs whatever the mode. */
export const MANAGEMENT_SCOPES_ANY_MODE: readonly string[] = [...new Set(MODES.flatMap((mode) => scopesNeeded("managementApi", mode)))].sort();

const ALLOW_BEYOND_LOGIN_CODE_SCHEMA = {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
        "Scopes the login code never calls, approved after review; a privileged one also needs allowPrivilegedScopes " +
        "(management-api-least-privilege). Name them in both management-api policies' config.",
} as const;

/**
 * The part of least privilege a grant shows by itself, checked where the engine analyzes each
 * resource before its step (pulumi/pulumi pkg/resource/deploy/step_generator.go 1400-1425), so an
 * over-scoped grant is refused before it exists in the tenant. A stack policy runs only after the
 * last step (AnalyzeStack, 3500-3600), and `pulumi up` without a preview first (the Automation API
 * run deploy.yml's pulumi/actions makes) would have created the grant by then.
 */
export const managementApiLeastPrivilege: ResourceValidationPolicy = {
    name: "management-api-least-privilege",
    description:
        "Client grants to the Management API v2 (audience ending in /api/v2/) carry only scopes the login code of some mode " +
        "calls (infra/loginContract.ts), within the allowed set (infra/managementScopes.ts), checked at the grant before it " +
        "is created: a scope beyond the login code needs allowScopesBeyondLoginCode, a privileged one (raising privileges, " +
        "reading users' identity-provider tokens) needs allowPrivilegedScopes, and a privileged one beyond the login code both.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: {
        properties: {
            allowPrivilegedScopes: {
                type: "array",
                items: { type: "string" },
                default: [],
                description:
                    "Privileged scopes approved after review; each must be in MANAGEMENT_SCOPES_PRIVILEGED, and one the login code " +
                    "never calls also needs allowScopesBeyondLoginCode.",
            },
            allowScopesBeyondLoginCode: ALLOW_BEYOND_LOGIN_CODE_SCHEMA,
        },
    },
    validateResource: validateResourceOfType(auth0.ClientGrant, (grant, args, reportViolation) => {
        const { allowPrivilegedScopes = [], allowScopesBeyondLoginCode = [] } = args.getConfig<ManagementScopesConfig>();
        const audience = String(grant.audience);
        if (!audience.endsWith(MANAGEMENT_API_AUDIENCE_SUFFIX)) return;
        const any = MANAGEMENT_SCOPES_ANY_MODE.join(", ") || "none";
        for (const scope of grant.scopes ?? []) {
            const beyond = !MANAGEMENT_SCOPES_ANY_MODE.includes(scope);
            if (MANAGEMENT_SCOPES_PRIVILEGED.includes(scope)) {
                const missing = [
                    ...(allowPrivilegedScopes.includes(scope) ? [] : ["allowPrivilegedScopes"]),
                    ...(beyond && !allowScopesBeyondLoginCode.includes(scope) ? ["allowScopesBeyondLoginCode"] : []),
                ];
                if (missing.length) {
                    reportViolation(
                        `grant to ${audience} includes ${scope}, which ${privilegedScopeRisk(scope)}` +
                            (beyond ? ` and which no login code calls (it calls ${any}; infra/loginContract.ts)` : "") +
                            `; remove it, or approve it in the pack config (${missing.join(" and ")}) after review`,
                    );
                }
            } else if (!MANAGEMENT_SCOPES_ALLOWED.includes(scope)) {
                reportViolation(`grant to ${audience} includes ${scope}, outside the allowed set: ${MANAGEMENT_SCOPES_ALLOWED.join(", ")}`);
            } else if (beyond && !allowScopesBeyondLoginCode.includes(scope)) {
                reportViolation(
                    `grant to ${audience} includes ${scope}, which no login code calls (it calls ${any}; infra/loginContract.ts); ` +
                        "remove it, or approve it in the pack config (allowScopesBeyondLoginCode) after review",
                );
            }
        }
    }),
};

/**
 * The mode-dependent rest: a scope some mode's login code calls, granted on a stack whose mode
 * never calls it (the rules' scope in actions mode). A stack policy, since the mode shows only in
 * the stack's other resources (rules and rule configs are declared in rules mode alone:
 * infra/loginFlow.ts); such a scope is one the login code can use, so checking it after the steps
 * leaves nothing in the tenant that no login code may call.
 */
export const managementApiScopesFollowMode: StackValidationPolicy = {
    name: "management-api-scopes-follow-mode",
    description:
        "Client grants to the Management API v2 carry no scope that only another mode's login code calls " +
        "(rules mode when the stack declares rules, actions otherwise), unless allowScopesBeyondLoginCode names it.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { allowScopesBeyondLoginCode: ALLOW_BEYOND_LOGIN_CODE_SCHEMA } },
    validateStack: (args, reportViolation) => {
        const { allowScopesBeyondLoginCode = [] } = args.getConfig<Pick<ManagementScopesConfig, "allowScopesBeyondLoginCode">>();
        const mode: ExtensibilityMode = args.resources.some((r) => r.isType(auth0.Rule) || r.isType(auth0.RuleConfig)) ? "rules" : "actions";
        const needed = scopesNeeded("managementApi", mode);
        for (const resource of args.resources.filter((r) => r.isType(auth0.ClientGrant))) {
            const audience = String(resource.props.audience);
            if (!audience.endsWith(MANAGEMENT_API_AUDIENCE_SUFFIX)) continue;
            for (const scope of (resource.props.scopes ?? []) as string[]) {
                // Scopes no mode calls are management-api-least-privilege's, refused before the step.
                if (!MANAGEMENT_SCOPES_ANY_MODE.includes(scope) || needed.includes(scope) || allowScopesBeyondLoginCode.includes(scope)) continue;
                reportViolation(
                    `grant to ${audience} includes ${scope}, which the ${mode} login code never calls (it needs ${needed.join(", ") || "none"}; ` +
                        "infra/loginContract.ts); remove it, or approve it in the pack config (allowScopesBeyondLoginCode) after review",
                    resource.urn,
                );
            }
        }
    },
};

export const loginSecretsStaySecret: ResourceValidationPolicy = {
    name: "login-secrets-stay-secret",
    description:
        "Login settings that are credentials (secret in infra/loginContract.ts LOGIN_SETTINGS) never travel as plaintext: " +
        "Actions get them through write-only secretsWos (the provider keeps no copy; Pulumi still records the input, " +
        "encrypted: pulumi-terraform-bridge #3201), never secrets (kept in the provider's state and read back on every refresh); " +
        "RuleConfigs holding them keep their value a secret output.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: [
        validateResourceOfType(auth0.Action, (action, _args, reportViolation) => {
            for (const secret of action.secrets ?? []) {
                if (SECRET_SETTING_NAMES.includes(secret.name)) {
                    reportViolation(
                        `action ${JSON.stringify(action.name)} passes ${secret.name} in secrets, which the provider keeps in its ` +
                            "own state and reads back on every refresh; pass it in secretsWos (write-only: the provider keeps no copy, " +
                            "Pulumi records the input encrypted) with a secretsWoVersion",
                    );
                }
            }
        }),
        validateResourceOfType(auth0.RuleConfig, (ruleConfig, args, reportViolation) => {
            if (!SECRET_SETTING_NAMES.includes(ruleConfig.key)) return;
            if (!args.opts.additionalSecretOutputs.includes("value")) {
                reportViolation(
                    `rule config ${ruleConfig.key} holds a credential but its value is not a secret output; ` +
                        "declare it with auth0.RuleConfig (which marks value secret) or additionalSecretOutputs: [\"value\"]",
                );
            }
        }),
    ],
};

export const actionsRunOnNode22: ResourceValidationPolicy = {
    name: "actions-run-on-node22",
    description: `Actions run on the ${REQUIRED_ACTION_RUNTIME} runtime, the one the login code is written and tested for.`,
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfType(auth0.Action, (action, _args, reportViolation) => {
        if (action.runtime !== REQUIRED_ACTION_RUNTIME) {
            const found = action.runtime === undefined ? "no runtime (the provider's default)" : `runtime ${action.runtime}`;
            reportViolation(`action ${JSON.stringify(action.name)} declares ${found}; set runtime: "${REQUIRED_ACTION_RUNTIME}"`);
        }
    }),
};

export const apiCallingRulesRunLast: StackValidationPolicy = {
    name: "api-calling-rules-run-last",
    description:
        "Enabled rules whose script calls APIs (mentions /oauth/token, axios, request or fetch) run after every enabled " +
        "rule that does not, so cheap checks refuse a login before it costs a token request " +
        "(\"Call API From Rule\", https://community.auth0.com/t/call-api-from-rule/106093).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const rules = args.resources
            .filter((r) => r.isType(auth0.Rule) && r.props.enabled !== false)
            .map((r) => ({ resource: r, order: r.props.order as number | undefined, name: r.props.name as string, calls: callsApis(String(r.props.script ?? "")) }));
        const cheap = rules.filter((r) => !r.calls);
        for (const rule of rules.filter((r) => r.calls)) {
            if (rule.order === undefined) {
                reportViolation(`rule ${JSON.stringify(rule.name)} calls APIs but declares no order; give it an order after every cheap check`, rule.resource.urn);
                continue;
            }
            const later = cheap.filter((c) => c.order === undefined || c.order >= rule.order!);
            if (later.length) {
                reportViolation(
                    `rule ${JSON.stringify(rule.name)} (order ${rule.order}) calls APIs but runs before or with ` +
                        `${later.map(describeRule).join(", ")}; give it a higher order than every rule that does not call APIs`,
                    rule.resource.urn,
                );
            }
        }
    },
};

function describeRule(rule: { name: string; order: number | undefined }): string {
    return `${JSON.stringify(rule.name)} (order ${rule.order ?? "unset"})`;
}

interface ProtectionConfig {
    /** Stacks whose resources must be protected from deletion. */
    protectedStacks: string[];
}

/**
 * What `protect` must cover on a protected stack, and what it must not. The engine refuses to
 * replace or delete a protected resource (pulumi/pulumi pkg/resource/deploy/step_generator.go
 * 1950-1970, step.go 641-650), so protection belongs on the objects whose loss no update can undo —
 * the API (its identifier is every token's audience), the applications with their credentials
 * (a new client id breaks every consumer), and the post-login binding, which owns the whole
 * trigger (terraform-provider-auth0 v1.53.0 internal/auth0/action/resource_trigger_actions.go 80,
 * 122, 132), so its delete empties post-login; it is only ever updated in place, and its delete
 * then needs `pulumi state unprotect` (pulumi/pulumi pkg/cmd/pulumi/state/state_unprotect.go) —
 * and must stay off what routine changes replace: the
 * generated secret (replaced by each rotation, as its keepers change) and the verification
 * command (replaced when its triggers change). Grants, actions, rules and rule configs follow
 * the config and are deleted by it (a mode switch, the extension turned off); the Stack,
 * components and providers hold nothing in Auth0.
 */
export const PROTECTED_TYPES: readonly string[] = [
    RESOURCE_TYPES.resourceServer,
    RESOURCE_TYPES.resourceServerScopes,
    RESOURCE_TYPES.client,
    RESOURCE_TYPES.clientCredentials,
    RESOURCE_TYPES.triggerActions,
];
export const REPLACED_BY_ROUTINE_CHANGES: readonly string[] = [RESOURCE_TYPES.randomPassword, RESOURCE_TYPES.localCommand];

export const protectedStacksProtectResources: ResourceValidationPolicy = {
    name: "protected-stacks-protect-resources",
    description:
        "In protected stacks (prod by default), the API, the M2M applications with their credentials and the post-login " +
        "binding are protected, so a destroy or a resource dropped from the program cannot delete them or empty post-login " +
        "(set auth0-tenant:protect true in the " +
        "stack file); the generated secret and the verification command are not, since every rotation replaces them.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            protectedStacks: {
                type: "array",
                items: { type: "string" },
                default: ["prod"],
                description: "Names of the stacks whose resources must be protected.",
            },
        },
    },
    validateResource: (args, reportViolation: ReportViolation) => {
        const stack = stackOfUrn(args.urn);
        const { protectedStacks } = args.getConfig<ProtectionConfig>();
        if (PROTECTED_TYPES.includes(args.type) && (protectedStacks ?? ["prod"]).includes(stack) && !args.opts.protect) {
            reportViolation(`${args.type} ${args.name} in stack ${stack} is not protected; set auth0-tenant:protect to true for this stack`);
        }
        if (REPLACED_BY_ROUTINE_CHANGES.includes(args.type) && args.opts.protect) {
            reportViolation(
                `${args.type} ${args.name} is protected, so the engine refuses the replacement every rotation makes ` +
                    "(unable to replace resource ... as it is currently marked for protection); leave it unprotected",
            );
        }
    },
};

/** Every policy of the pack, in the order the CLI reports them. */
export const POLICIES: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    m2mClientCredentialsOnly,
    managementApiLeastPrivilege,
    managementApiScopesFollowMode,
    loginSecretsStaySecret,
    actionsRunOnNode22,
    apiCallingRulesRunLast,
    protectedStacksProtectResources,
];

export const POLICY_PACK_NAME = "auth0-tenant-policies";
