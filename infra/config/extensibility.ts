import { ExtensibilityMode } from "../loginContract";
import { LoginCodeFile, readLoginCode } from "../loginCode";
import { CONFIG_DEFAULTS } from "./keys";
import { ConfigReader } from "./reader";

/** Every value `extensibility` may take. */
export const EXTENSIBILITY_MODES: readonly ExtensibilityMode[] = ["actions", "rules"];

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

export interface ExtensibilitySection {
    readonly extensibility: ExtensibilityMode;
    readonly loginFlowOwner: boolean;
    /** The login code files of the mode, in execution order; empty when refused. */
    readonly loginCode: LoginCodeFile[];
}

/**
 * Where the login code runs and in which order: extensibility, loginFlowOwner,
 * rulesEndOfLifeAcknowledged and loginCodeOrder (a permutation of the mode's files).
 */
export function readExtensibility({ source, problems, key, raw, bool, parseJson }: ConfigReader): ExtensibilitySection {
    const modeText = raw("extensibility") ?? CONFIG_DEFAULTS.extensibility;
    let extensibility: ExtensibilityMode = CONFIG_DEFAULTS.extensibility;
    if ((EXTENSIBILITY_MODES as readonly string[]).includes(modeText)) {
        extensibility = modeText as ExtensibilityMode;
    } else {
        problems.push(`${key("extensibility")}: ${JSON.stringify(modeText)} is not a mode; expected one of: ${EXTENSIBILITY_MODES.join(", ")}`);
    }

    const loginFlowOwner = bool("loginFlowOwner");
    if (extensibility === "rules" && !loginFlowOwner) {
        problems.push(
            `${key("extensibility")}: rules mode needs ${key("loginFlowOwner")} = true; rules and rule configs are ` +
                "tenant-wide, so only the stack that owns the tenant's login flow may deploy them",
        );
    }

    // Rules reached end of life: a deploy in rules mode must know it before anything is created.
    const rulesAcknowledged = bool("rulesEndOfLifeAcknowledged");
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
    return { extensibility, loginFlowOwner, loginCode };
}
