import { ExtensibilityMode, scopesNeeded } from "../loginContract";
import { MANAGEMENT_SCOPES_ALLOWED, MANAGEMENT_SCOPES_PRIVILEGED, privilegedScopeRisk } from "../managementScopes";
import { CONFIG_DEFAULTS } from "./keys";
import { ConfigReader, readScopeList } from "./reader";

/**
 * The Management API v2 scopes granted to the login code's M2M application (managementApiScopes,
 * allowPrivilegedManagementScopes, managementApiScopesBeyondLoginCode): what the mode's login code
 * calls (infra/loginContract.ts) and nothing else, unless each further scope is acknowledged by
 * name; never a privileged scope unless the override says so too.
 */
export function readManagementApi({ problems, key, parseJson, bool }: ConfigReader, extensibility: ExtensibilityMode): string[] {
    const allowPrivileged = bool("allowPrivilegedManagementScopes");
    const managementKey = key("managementApiScopes");
    const beyondKey = key("managementApiScopesBeyondLoginCode");
    // Unset, it is what the mode's login code calls: a default of the mode, which Pulumi.yaml cannot state.
    const needed = scopesNeeded("managementApi", extensibility);
    const managementApiScopes = readScopeList(
        managementKey,
        parseJson<unknown>("managementApiScopes", "a JSON array of scopes") ?? needed,
        { allowEmpty: true },
        problems,
    );
    const acknowledged = readScopeList(
        beyondKey,
        parseJson<unknown>("managementApiScopesBeyondLoginCode", "a JSON array of scopes") ?? CONFIG_DEFAULTS.managementApiScopesBeyondLoginCode,
        { allowEmpty: true },
        problems,
    );
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
    return managementApiScopes;
}
