/**
 * The declared table of the repository settings the pipeline relies on, `.github/pipeline.json`:
 * the long-lived stacks in promotion order, the GitHub environments with their protection and
 * the credential each secret stands for, the repository-level settings. The workflows read the
 * stacks from it with jq, test/tools/pipelineTrust.test.ts holds every workflow to it, and
 * `npm run check:github` compares the live repository with it (tools/githubSettings.ts).
 */
import * as fs from "fs";
import * as path from "path";

export const PIPELINE_FILE = path.resolve(__dirname, "..", ".github", "pipeline.json");

/** Which backend a secret or variable belongs to; absent: every backend. */
export type Backend = "pulumi-cloud" | "self-managed";

export interface DeclaredValue {
    readonly represents: string;
    readonly backend?: Backend;
    /** Not reported missing (e.g. the passphrase, needed only with the passphrase provider). */
    readonly optional?: boolean;
}

export interface Credentials {
    /** The Auth0 tenant the deployer belongs to: a long-lived stack's name, or `review`. */
    readonly tenant: string;
    readonly auth0: "read" | "write";
    readonly state: "read" | "write";
    /** The stacks whose state the credential reaches (`pr-*`: the review stacks). */
    readonly stacks: readonly string[];
    /** The stacks whose secrets it can decrypt. */
    readonly decrypt: readonly string[];
}

export interface Environment {
    /** `all`: any branch may deploy to it; otherwise the branches admitted. */
    readonly deploymentBranches: "all" | readonly string[];
    readonly requiredReviewers: boolean;
    readonly credentials: Credentials;
    /** The Pulumi Cloud team whose token the environment's jobs get (the OIDC issuer policy keys on the environment). */
    readonly pulumiTeam: string;
    readonly secrets: Readonly<Record<string, DeclaredValue>>;
    readonly variables: Readonly<Record<string, DeclaredValue>>;
}

export interface PipelineTable {
    readonly stacks: readonly { readonly name: string; readonly branchesMayDecrypt: boolean }[];
    readonly backend: { readonly pulumiCloudOrganization: string; readonly url: string };
    readonly reviewStacks: { readonly pattern: string; readonly environment: string; readonly auth0Domain: string; readonly apiBaseUrl: string; readonly authzExtensionUrl: string | null };
    readonly alertedWorkflows: readonly string[];
    readonly repository: {
        readonly secrets: readonly string[];
        readonly variables: Readonly<Record<string, DeclaredValue>>;
        readonly defaultWorkflowPermissions: "read" | "write";
        readonly actionsCanCreatePullRequests: boolean;
        readonly mainBranchProtection: { readonly requiredStatusChecks: readonly string[]; readonly requiredApprovingReviewCount: number };
    };
    readonly environments: Readonly<Record<string, Environment>>;
}

/** Reads and checks the table; throws naming the first field that is not of the expected form. */
export function loadPipelineTable(file: string = PIPELINE_FILE): PipelineTable {
    const table = JSON.parse(fs.readFileSync(file, "utf8")) as PipelineTable;
    const where = path.basename(file);
    const stacks: unknown = table.stacks;
    if (!Array.isArray(stacks) || stacks.some((s: { name?: unknown; branchesMayDecrypt?: unknown } | null) => typeof s?.name !== "string" || typeof s.branchesMayDecrypt !== "boolean")) {
        throw new Error(`${where}: stacks must be a list of { name, branchesMayDecrypt }`);
    }
    for (const [name, env] of Object.entries(table.environments ?? {})) {
        const branches = env.deploymentBranches;
        if (branches !== "all" && !(Array.isArray(branches) && branches.every((b) => typeof b === "string"))) {
            throw new Error(`${where}: environments.${name}.deploymentBranches must be "all" or a list of branch names`);
        }
        if (typeof env.requiredReviewers !== "boolean") throw new Error(`${where}: environments.${name}.requiredReviewers must be true or false`);
        const c = env.credentials;
        if (!c || !["read", "write"].includes(c.auth0) || !["read", "write"].includes(c.state) || !Array.isArray(c.stacks) || !Array.isArray(c.decrypt)) {
            throw new Error(`${where}: environments.${name}.credentials must be { tenant, auth0: read|write, state: read|write, stacks: [...], decrypt: [...] }`);
        }
        if (typeof env.secrets !== "object" || typeof env.variables !== "object") throw new Error(`${where}: environments.${name} needs secrets and variables objects`);
    }
    if (typeof table.backend?.pulumiCloudOrganization !== "string" || typeof table.backend.url !== "string") {
        throw new Error(`${where}: backend must be { pulumiCloudOrganization: "<org>" or "", url: "<self-managed backend URL>" }`);
    }
    const review = table.reviewStacks;
    if (typeof review?.auth0Domain !== "string" || typeof review.apiBaseUrl !== "string" || !(review.authzExtensionUrl === null || typeof review.authzExtensionUrl === "string")) {
        throw new Error(`${where}: reviewStacks must be { pattern, environment, auth0Domain: "<tenant>.auth0.com", apiBaseUrl: "https://…", authzExtensionUrl: "https://…/api" or null }`);
    }
    return table;
}

/** The backend the table declares: Pulumi Cloud when it names an organization. */
export function declaredBackend(table: PipelineTable): Backend {
    return table.backend.pulumiCloudOrganization ? "pulumi-cloud" : "self-managed";
}

/** The long-lived stacks' names, in promotion order. */
export function stackNames(table: PipelineTable): string[] {
    return table.stacks.map((s) => s.name);
}

/** Whether `stack` matches one of `patterns` (`pr-*` matches every review stack). */
export function matchesStack(patterns: readonly string[], stack: string): boolean {
    return patterns.some((p) => (p.endsWith("*") ? stack.startsWith(p.slice(0, -1)) : p === stack));
}
