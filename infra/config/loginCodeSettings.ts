import { FAILURE_POLICIES, FailurePolicy } from "../loginContract";
import { CONFIG_DEFAULTS } from "./keys";
import { ConfigReader } from "./reader";

export interface LoginCodeSettingsSection {
    /** Undefined when refused. */
    readonly claimNamespace: string | undefined;
    readonly failurePolicy: {
        readonly groups: FailurePolicy;
        readonly api: FailurePolicy;
        readonly management: FailurePolicy;
    };
}

type FailurePolicyKey = "failurePolicyGroups" | "failurePolicyApi" | "failurePolicyManagement";

/**
 * What the login code is told besides where to call: the namespace of the claims it adds
 * (claimNamespace) and what a login does when a call fails (failurePolicyGroups, failurePolicyApi,
 * failurePolicyManagement; their defaults say why in CONFIG_DEFAULTS).
 */
export function readLoginCodeSettings({ project, problems, key, raw, httpsUrl }: ConfigReader): LoginCodeSettingsSection {
    const claimNamespace = httpsUrl(key("claimNamespace"), raw("claimNamespace") ?? CONFIG_DEFAULTS.claimNamespace(project), "https://example.com/claims/");
    if (claimNamespace && !claimNamespace.endsWith("/")) {
        problems.push(`${key("claimNamespace")}: ${JSON.stringify(claimNamespace)} must end with "/" so claim names read <namespace>groups`);
    }
    if (claimNamespace && /(^|\.)(auth0\.com|webtask\.io|webtask\.run)$/.test(new URL(claimNamespace).hostname)) {
        problems.push(`${key("claimNamespace")}: auth0.com namespaces are reserved by Auth0; expected a domain you own`);
    }

    const policy = (k: FailurePolicyKey): FailurePolicy => {
        const fallback = CONFIG_DEFAULTS[k];
        const text = raw(k) ?? fallback;
        if ((FAILURE_POLICIES as readonly string[]).includes(text)) return text as FailurePolicy;
        problems.push(`${key(k)}: ${JSON.stringify(text)} is not a policy; expected one of: ${FAILURE_POLICIES.join(", ")}`);
        return fallback;
    };
    const failurePolicy = {
        groups: policy("failurePolicyGroups"),
        api: policy("failurePolicyApi"),
        management: policy("failurePolicyManagement"),
    };
    return { claimNamespace, failurePolicy };
}
