import * as fs from "fs";
import { stackFilePath } from "../../../tools/stack/stackFiles";
import { StackFile, parseStackFile } from "../../../local/engine/cliConfig";
import { ExtensibilityMode } from "../../../infra/loginContract";
import { OperationResult, modeSettings } from "../../../local/engine/operation";
import { Step } from "../../../local/engine/deployment";
import { reviewStackConfig } from "../../../tools/reviewStackConfig";

export const REVIEW_STACK = "pr-7";

/** A stack's file (of the stack files' directory) as the workflows give it to the CLI: as is, or generated for a review stack. */
export function stackFileOf(stack: string): StackFile {
    const text = stack.startsWith("pr-")
        ? reviewStackConfig(fs.readFileSync(stackFilePath("dev"), "utf8"), stack.slice(3)).text
        : fs.readFileSync(stackFilePath(stack), "utf8");
    return parseStackFile(text);
}

/** Fails with what the CLI would print when an operation did not succeed. */
export function explain(result: OperationResult): string {
    if (result.stage === "config") return `config: ${result.error}`;
    return [
        result.error ?? "",
        ...result.violations.map((v) => `violation: ${v.urn}: ${v.message}`),
        ...result.diagnostics.filter((d) => d.severity === "error").map((d) => `error: ${d.message}`),
        ...result.policy.filter((p) => p.enforcement === "mandatory").map((p) => `policy ${p.policy}: ${p.message}`),
        result.error ? result.stderr.slice(-3000) : "",
    ]
        .filter(Boolean)
        .join("\n");
}

export function stepsOf(result: OperationResult): readonly Step[] {
    if (result.stage === "config") throw new Error(explain(result));
    return result.steps;
}

/** `op type name` lines of the steps that change something. */
export function changes(result: OperationResult): string[] {
    return stepsOf(result)
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.type} ${s.name}${s.replaceReasons.length ? ` [${s.replaceReasons.map((r) => r.split(" ")[0]).join(",")}]` : ""}`);
}

export type Mode = ExtensibilityMode;
export { modeSettings };

/** A routine change: the settings applied, and (optionally) the settings the stack had before. */
export interface RoutineChange {
    readonly set: Record<string, unknown>;
    readonly from?: Record<string, unknown>;
}

/** Every routine change a stack gets (the engine matrix), as `pulumi config set` on top of the stack's base settings. */
export function routineChanges(file: StackFile, mode: Mode): Record<string, RoutineChange> {
    const changes: Record<string, RoutineChange> = Object.fromEntries(Object.entries(settingChanges(file, mode)).map(([k, set]) => [k, { set }]));
    // Turned back on: from a deployed stack with the extension off to the stack file as it is.
    changes["the extension enabled"] = { set: {}, from: { authzExtensionEnabled: false } };
    return changes;
}

function settingChanges(file: StackFile, mode: Mode): Record<string, Record<string, unknown>> {
    const c = file.config;
    const generation = Number(c["auth0-tenant:secretGeneration"] ?? 1);
    const scopes = (c["auth0-tenant:apiScopes"] as string[]) ?? [];
    const management = modeSettings(mode).managementApiScopes as string[];
    return {
        "no change": {},
        "rotation by +1": { secretGeneration: generation + 1 },
        "rotation by +2": { secretGeneration: generation + 2 },
        "an API scope added": { apiScopes: [...scopes, "read:reports Read a user's reports"] },
        "an API scope removed": { apiScopes: scopes.filter((s) => !s.startsWith("write:logins ")) },
        "the token lifetime": { apiTokenLifetime: 7200 },
        // A scope the login code never calls, granted with its acknowledgment (infra/config.ts).
        "Management API scopes": { managementApiScopes: [...management, "read:users"], managementApiScopesBeyondLoginCode: ["read:users"] },
        "the extension disabled": { authzExtensionEnabled: false },
        // A stack that owns the post-login binding gives it up (as a review stack does).
        ...(c["auth0-tenant:loginFlowOwner"] !== false && mode === "actions" ? { "the login flow given up": { loginFlowOwner: false } } : {}),
        // A stack that does not own the tenant's login flow (a review stack) never deploys rules.
        ...(c["auth0-tenant:loginFlowOwner"] === false && mode === "actions"
            ? {}
            : { [mode === "actions" ? "actions to rules" : "rules to actions"]: modeSettings(mode === "actions" ? "rules" : "actions") }),
    };
}

/**
 * Whether a change deletes the post-login binding (TriggerActions) of a stack in `mode`: it owns
 * the whole trigger (terraform-provider-auth0 v1.53.0 internal/auth0/action/resource_trigger_actions.go
 * 80, 122, 132), so deleting it empties post-login.
 */
export function emptiesPostLogin(file: StackFile, mode: Mode, change: string): boolean {
    return mode === "actions" && file.config["auth0-tenant:loginFlowOwner"] !== false && (change === "actions to rules" || change === "the login flow given up");
}

/** Whether the stack file protects its objects (`auth0-tenant:protect`). */
export function isProtected(file: StackFile): boolean {
    return file.config["auth0-tenant:protect"] === true;
}
