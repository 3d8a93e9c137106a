/**
 * The pipeline's trust boundaries as rules over the workflow files and the declared table
 * (`.github/pipeline.json`, tools/pipelineTable.ts). Each rule returns findings; none means the
 * workflows keep the boundary. test/tools/pipelineTrust.test.ts runs them on the real
 * workflows and on mutated copies, one per rule, so every rule is shown to catch what it names.
 * docs/threat-model.md lists, per attack path, the rule that holds it.
 *
 * GitHub facts the rules rest on:
 * - An environment's secrets reach a job only after the environment's protection rules pass, and
 *   "deployment branches" restrict which branches may use it ("Deployments and environments",
 *   https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments).
 * - `pull_request` runs the pull request's copy of the workflow and code; `workflow_dispatch` runs
 *   on any branch the dispatcher picks ("Events that trigger workflows",
 *   https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows).
 * - `${{ }}` is expanded into a `run:` script before the shell sees it, so an attacker-chosen
 *   value (a branch name, a title) becomes code ("Security hardening for GitHub Actions", script
 *   injection, https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions).
 * - Secrets of a job live in the runner's memory for the whole job; a step's code can read them
 *   from Runner.Worker's memory, as the tj-actions/changed-files payload did
 *   (https://docs.stepsecurity.io/github-actions/harden-runner/runbooks/triaging-runner.worker-memory-read),
 *   so "secrets only on the step" is no boundary against install scripts in the same job.
 * - A concurrency group keeps one running and one pending job or run; a newly queued one replaces
 *   the pending one ("Control the concurrency of workflows and jobs",
 *   https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency).
 * - `permissions:` at the top of a workflow applies to every job; a job's own `permissions:` replace
 *   it whole (scopes it leaves out are `none`); with neither, the token has the repository's default
 *   ("Workflow syntax for GitHub Actions", `permissions` and `jobs.<job_id>.permissions`,
 *   https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#permissions).
 * - A branch an environment admits runs that branch's copy of the workflow (a push, or
 *   `workflow_dispatch` on it), so a job's `if:` is no boundary for such a branch: only the
 *   environment's deployment branches and reviewers are.
 */
import { matchesStack, PipelineTable, stackNames } from "./pipelineTable";

export interface Step {
    readonly id?: string;
    readonly name?: string;
    readonly if?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly shell?: string;
    readonly with?: Readonly<Record<string, unknown>>;
    readonly env?: Readonly<Record<string, string>>;
}
export interface Job {
    readonly name?: string;
    readonly if?: string;
    readonly needs?: string | readonly string[];
    readonly permissions?: Readonly<Record<string, string>> | string;
    readonly environment?: string | { readonly name: string; readonly url?: string };
    readonly concurrency?: string | { readonly group?: string; readonly "cancel-in-progress"?: boolean | string };
    readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> | string; readonly "max-parallel"?: number; readonly "fail-fast"?: boolean };
    readonly outputs?: Readonly<Record<string, string>>;
    readonly env?: Readonly<Record<string, string>>;
    readonly steps?: readonly Step[];
}
export interface Workflow {
    readonly name?: string;
    readonly on: unknown;
    readonly permissions?: Readonly<Record<string, string>> | string;
    readonly concurrency?: string | { readonly group?: string; readonly "cancel-in-progress"?: boolean | string };
    readonly env?: Readonly<Record<string, string>>;
    readonly jobs: Readonly<Record<string, Job>>;
}
export interface WorkflowFile {
    /** The file's name, e.g. `deploy.yml`. */
    readonly file: string;
    readonly workflow: Workflow;
}

export type Rule =
    | "branch-reachable-write"
    | "deploy-from-branch"
    | "install-scripts-with-write-token"
    | "unpinned-action"
    | "event-in-run"
    | "missing-alert"
    | "shared-concurrency"
    | "table";

export interface Finding {
    readonly rule: Rule;
    readonly file: string;
    readonly job?: string;
    readonly message: string;
}

/** The guard a job carries so that only main runs it, whatever triggered the run. */
export const MAIN_GUARD = "github.ref == 'refs/heads/main'";
const PIN = /^[\w.-]+\/[\w.\/-]+@[0-9a-f]{40}$/;
/** A command that installs dependencies (and so runs their install scripts unless told not to); `yarn` alone (or with flags only) installs. */
const INSTALL = /(^|[\s(])(npm\s+(ci|install|i|add)|pnpm\s+(install|i|add)|yarn(\s+(install|add)|(?=\s+-|\s*$)))(?=\s|$)/;
/** Shell operators that end one command and start another. */
const COMMAND_SEPARATOR = /&&|\|\||[;|&\n]/;
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
/** Values a pull request's author or a dispatcher chooses: the event's payload, the head branch, the inputs (or the whole context, as in toJSON(github)). */
const ATTACKER_CHOSEN = /\bgithub\s*(\.\s*(event|head_ref)\b|\[|\))|\binputs\b/;
const SECRET_REF = /\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g;
const VAR_REF = /\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g;
/** Secrets GitHub provides itself; they are governed by `permissions:`, not by the table. */
const GITHUB_PROVIDED = new Set(["GITHUB_TOKEN"]);

/** The events of a workflow's `on:` with their filters. */
function triggers(on: unknown): Record<string, Record<string, unknown>> {
    if (typeof on === "string") return { [on]: {} };
    if (Array.isArray(on)) return Object.fromEntries(on.map((e: string) => [e, {}]));
    return Object.fromEntries(Object.entries((on ?? {}) as Record<string, unknown>).map(([k, v]) => [k, (v ?? {}) as Record<string, unknown>]));
}

/** Events of the workflow that run code a branch chose (its own commit, or a ref the dispatcher picks). */
export function branchTriggers(wf: Workflow): string[] {
    return Object.entries(triggers(wf.on))
        .filter(([event, filter]) => {
            if (event === "schedule") return false;
            if (event === "push") {
                const branches = filter.branches as string[] | undefined;
                if (filter["branches-ignore"]) return true;
                if (!branches) return !filter.tags;
                return branches.some((b) => b !== "main");
            }
            return true;
        })
        .map(([event]) => event);
}

/**
 * Whether the job's `if:` runs it only on main: MAIN_GUARD itself, alone or `&&`-joined with other
 * conditions (each of which can only narrow it). A negation, `||`, or the guard inside a larger
 * term is no guard.
 */
function guardedToMain(job: Job): boolean {
    const unwrap = (text: string) => {
        const inner = /^\((.*)\)$/s.exec(text.trim())?.[1];
        return inner !== undefined && !/[()]/.test(inner) ? inner.trim() : text.trim();
    };
    const condition = (job.if ?? "").trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
    if (condition.includes("||")) return false;
    return condition.split("&&").some((term) => unwrap(term) === MAIN_GUARD);
}

/** Every assignment of the job's matrix that names values; the table's stacks where the matrix is computed. */
function matrixBindings(job: Job, table: PipelineTable): Record<string, string>[] {
    const matrix = job.strategy?.matrix;
    if (matrix === undefined) return [{}];
    if (typeof matrix === "string") return stackNames(table).map((stack) => ({ stack }));
    const include = matrix.include;
    if (Array.isArray(include)) return include as Record<string, string>[];
    const stacks = matrix.stack;
    if (Array.isArray(stacks)) return stacks.map((stack: string) => ({ stack }));
    // A computed list (fromJSON of the table's stacks, read by a first job).
    return stackNames(table).map((stack) => ({ stack }));
}

function substitute(text: string, binding: Record<string, string>): string {
    return text.replace(/\$\{\{\s*matrix\.([A-Za-z_-]+)\s*\}\}/g, (whole, key: string) => binding[key] ?? whole);
}

/** The environments a job runs in, one per matrix assignment (none: `[]`). */
export function jobEnvironments(job: Job, table: PipelineTable): string[] {
    if (job.environment === undefined) return [];
    const raw = typeof job.environment === "string" ? job.environment : job.environment.name;
    return [...new Set(matrixBindings(job, table).map((b) => substitute(raw, b)))];
}

function concurrencyGroups(wf: Workflow, job: Job, table: PipelineTable): string[] {
    const c = job.concurrency ?? wf.concurrency;
    if (c === undefined) return [];
    const group = typeof c === "string" ? c : (c.group ?? "");
    // Other expressions (a pull request's number, a ref) differ per run: a placeholder of their own.
    return [...new Set(matrixBindings(job, table).map((b) => substitute(group, b).replace(/\$\{\{[^}]*\}\}/g, "<run>").toLowerCase()))];
}

/** The scopes the job's GITHUB_TOKEN may write: the job's permissions, else the workflow's, else the repository's default. */
function writePermissions(wf: Workflow, job: Job, table: PipelineTable): string[] {
    const permissions = job.permissions ?? wf.permissions;
    if (permissions === undefined) return table.repository.defaultWorkflowPermissions === "write" ? ["every scope (the repository's default)"] : [];
    if (permissions === "write-all") return ["all"];
    if (typeof permissions !== "object" || permissions === null) return [];
    // id-token: write mints an OIDC token whose power is the environment's policy, judged through the environment.
    return Object.entries(permissions).filter(([scope, level]) => level === "write" && scope !== "id-token").map(([scope]) => scope);
}

/** Each install command of a run: script that does not pass --ignore-scripts itself (a comment or another command's flag does not count). */
function installsWithScripts(run: string): string[] {
    return run
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.replace(/(^|\s)#.*$/, ""))
        .join("\n")
        .split(COMMAND_SEPARATOR)
        .map((command) => command.trim())
        .filter((command) => INSTALL.test(command) && !command.split(/\s+/).some((arg) => arg === "--ignore-scripts" || arg === "--ignore-scripts=true"));
}

function pulumiCommands(job: Job): string[] {
    return (job.steps ?? []).filter((s) => s.uses?.startsWith("pulumi/actions@")).map((s) => (typeof s.with?.command === "string" ? s.with.command : ""));
}

function refs(text: string, pattern: RegExp): Set<string> {
    return new Set([...text.matchAll(pattern)].map((m) => m[1]));
}

interface JobView {
    readonly file: string;
    readonly id: string;
    readonly wf: Workflow;
    readonly job: Job;
    readonly environments: string[];
    readonly text: string;
}

function views(files: readonly WorkflowFile[], table: PipelineTable): JobView[] {
    return files.flatMap(({ file, workflow }) =>
        Object.entries(workflow.jobs ?? {}).map(([id, job]) => ({
            file,
            id,
            wf: workflow,
            job,
            environments: jobEnvironments(job, table),
            text: JSON.stringify(job) + JSON.stringify(workflow.env ?? {}),
        })),
    );
}

/** Every finding of every rule; empty when the workflows keep the pipeline's trust boundaries. */
export function checkPipeline(files: readonly WorkflowFile[], table: PipelineTable): Finding[] {
    const jobs = views(files, table);
    return [
        ...branchReachableWrite(jobs, table),
        ...deployFromBranch(jobs, table),
        ...installScriptsWithWriteToken(jobs, table),
        ...unpinnedActions(jobs),
        ...eventInRun(jobs),
        ...missingAlerts(files, table),
        ...sharedConcurrency(jobs, table),
        ...tableConsistency(jobs, table),
    ];
}

function writesLongLived(table: PipelineTable, envName: string): boolean {
    const env = table.environments[envName];
    if (!env) return false;
    const longLived = stackNames(table);
    const c = env.credentials;
    return (c.auth0 === "write" && longLived.includes(c.tenant)) || (c.state === "write" && longLived.some((s) => matchesStack(c.stacks, s)));
}

function decryptsGated(table: PipelineTable, envName: string): string[] {
    const env = table.environments[envName];
    if (!env) return [];
    return table.stacks.filter((s) => !s.branchesMayDecrypt && matchesStack(env.credentials.decrypt, s.name)).map((s) => s.name);
}

/** The branches other than main an environment admits, in words; undefined when it admits main only. */
function admittedBranches(branches: "all" | readonly string[]): string | undefined {
    if (branches === "all") return "any branch";
    const others = branches.filter((b) => b !== "main");
    return others.length ? `branch${others.length > 1 ? "es" : ""} ${others.join(", ")}` : undefined;
}

function branchReachableWrite(jobs: JobView[], table: PipelineTable): Finding[] {
    const findings: Finding[] = [];
    for (const { file, id, wf, job, environments } of jobs) {
        const events = branchTriggers(wf);
        const reachable = events.length > 0 && !guardedToMain(job);
        for (const envName of environments) {
            const env = table.environments[envName];
            const admitted = env && admittedBranches(env.deploymentBranches);
            if (!env || !admitted || env.requiredReviewers) continue;
            // A write credential: judged for this job here, and for the environment by deploy-from-branch.
            // Decryption: an admitted branch runs its own copy of the workflow, without this job's guard.
            const what = [
                ...(reachable && writesLongLived(table, envName) ? [`a write credential for a long-lived stack (${env.credentials.tenant})`] : []),
                ...decryptsGated(table, envName).map((s) => `decryption of ${s}'s secrets`),
            ];
            if (what.length) {
                const how = reachable ? `reachable from a branch (${events.join(", ")})` : `run by any branch environment ${envName} admits, from its own copy of ${file}`;
                findings.push({
                    rule: "branch-reachable-write",
                    file,
                    job: id,
                    message: `${how}, gets ${what.join(" and ")} from environment ${envName}, which admits ${admitted} and needs no reviewer`,
                });
            }
        }
    }
    return findings;
}

function deployFromBranch(jobs: JobView[], table: PipelineTable): Finding[] {
    const findings: Finding[] = [];
    for (const { file, id, job, environments } of jobs) {
        const deploysLongLived = environments.some((e) => writesLongLived(table, e));
        if (!deploysLongLived) continue;
        if (!guardedToMain(job)) findings.push({ rule: "deploy-from-branch", file, job: id, message: `deploys a long-lived stack without \`if: ${MAIN_GUARD}\`, so a run on another branch deploys it` });
        for (const e of environments) {
            const branches = table.environments[e]?.deploymentBranches;
            if (branches === "all" || (Array.isArray(branches) && branches.some((b) => b !== "main"))) {
                findings.push({ rule: "deploy-from-branch", file, job: id, message: `deploys through environment ${e}, whose deployment branches are not main only` });
            }
        }
    }
    return findings;
}

function installScriptsWithWriteToken(jobs: JobView[], table: PipelineTable): Finding[] {
    const findings: Finding[] = [];
    for (const { file, id, wf, job, environments } of jobs) {
        const writeEnvs = environments.filter((e) => {
            const c = table.environments[e]?.credentials;
            return c && (c.auth0 === "write" || c.state === "write");
        });
        const writes = [...writePermissions(wf, job, table).map((p) => `${p}: write`), ...writeEnvs.map((e) => `environment ${e}'s write credentials`)];
        if (!writes.length) continue;
        for (const step of job.steps ?? []) {
            for (const command of installsWithScripts(step.run ?? "")) {
                findings.push({
                    rule: "install-scripts-with-write-token",
                    file,
                    job: id,
                    message: `runs dependencies' install scripts (\`${command}\`) in a job holding ${writes.join(", ")}; pass --ignore-scripts to every install or move the install to a job without them`,
                });
            }
        }
    }
    return findings;
}

function unpinnedActions(jobs: JobView[]): Finding[] {
    return jobs.flatMap(({ file, id, job }) =>
        (job.steps ?? [])
            .filter((s) => s.uses !== undefined && !s.uses.startsWith("./") && !PIN.test(s.uses))
            .map((s) => ({ rule: "unpinned-action" as const, file, job: id, message: `${s.uses} is not pinned to a full 40-character commit SHA` })),
    );
}

function eventInRun(jobs: JobView[]): Finding[] {
    return jobs.flatMap(({ file, id, job }) =>
        (job.steps ?? [])
            .filter((s) => [...(s.run ?? "").matchAll(EXPRESSION)].some((m) => ATTACKER_CHOSEN.test(m[1])))
            .map((s) => ({ rule: "event-in-run" as const, file, job: id, message: `an expression of github.event, github.head_ref or inputs inside run: of step ${JSON.stringify(s.name ?? s.run?.split("\n")[0])}; pass it through env:` })),
    );
}

/** A job that reports a failed or cancelled run: after every other job, issues: write only, no install, no branch code. */
export function isAlertJob(wf: Workflow, id: string): boolean {
    const job = wf.jobs[id];
    const condition = job.if ?? "";
    const needs = typeof job.needs === "string" ? [job.needs] : (job.needs ?? []);
    const others = Object.keys(wf.jobs).filter((j) => j !== id);
    const permissions = typeof job.permissions === "object" ? job.permissions : {};
    return (
        condition.includes("failure()") &&
        condition.includes("cancelled()") &&
        others.every((j) => needs.includes(j)) &&
        JSON.stringify(permissions) === JSON.stringify({ issues: "write" }) &&
        job.environment === undefined &&
        (job.steps ?? []).every((s) => !s.uses && !/\b(npm|npx|node|tsx)\b/.test(s.run ?? ""))
    );
}

function missingAlerts(files: readonly WorkflowFile[], table: PipelineTable): Finding[] {
    return table.alertedWorkflows.flatMap((name) => {
        const wf = files.find((f) => f.file === name)?.workflow;
        if (!wf) return [{ rule: "missing-alert" as const, file: name, message: "is listed in alertedWorkflows but is not a workflow" }];
        if (Object.keys(wf.jobs).some((id) => isAlertJob(wf, id))) return [];
        return [
            {
                rule: "missing-alert" as const,
                file: name,
                message: "has no job that opens an issue when the run fails or is cancelled (if: failure() || cancelled(), needs every other job, permissions issues: write only, no install, no checked-out code)",
            },
        ];
    });
}

function sharedConcurrency(jobs: JobView[], table: PipelineTable): Finding[] {
    const isPreview = (v: JobView) => "pull_request" in triggers(v.wf.on) && pulumiCommands(v.job).includes("preview");
    const guarded = jobs.filter((v) => !("pull_request" in triggers(v.wf.on)) && pulumiCommands(v.job).some((c) => c === "up" || c === "preview" || c === "destroy"));
    const taken = new Map<string, string>();
    for (const v of guarded) for (const g of concurrencyGroups(v.wf, v.job, table)) taken.set(g, `${v.file} job ${v.id}`);
    const findings: Finding[] = [];
    for (const v of jobs.filter(isPreview)) {
        for (const g of concurrencyGroups(v.wf, v.job, table)) {
            const owner = taken.get(g);
            if (owner) findings.push({ rule: "shared-concurrency", file: v.file, job: v.id, message: `preview shares concurrency group ${g} with ${owner}: a queued preview replaces a pending deploy or drift job` });
        }
    }
    return findings;
}

function tableConsistency(jobs: JobView[], table: PipelineTable): Finding[] {
    const findings: Finding[] = [];
    const usedEnvironments = new Set<string>();
    const usedSecrets = new Map<string, Set<string>>();
    const usedVariables = new Map<string, Set<string>>();
    const usedRepoVariables = new Set<string>();
    for (const { file, id, environments, text } of jobs) {
        const secrets = [...refs(text, SECRET_REF)].filter((s) => !GITHUB_PROVIDED.has(s));
        const variables = [...refs(text, VAR_REF)];
        for (const e of environments) {
            usedEnvironments.add(e);
            if (!table.environments[e]) findings.push({ rule: "table", file, job: id, message: `uses environment ${e}, which .github/pipeline.json does not declare` });
        }
        if (!environments.length && secrets.length) {
            findings.push({ rule: "table", file, job: id, message: `reads ${secrets.join(", ")} without an environment: that is a repository-level secret, and the table declares none` });
        }
        for (const e of environments.filter((n) => table.environments[n])) {
            const declared = table.environments[e];
            for (const s of secrets) {
                if (!(s in declared.secrets)) findings.push({ rule: "table", file, job: id, message: `reads secret ${s}, which environment ${e} does not hold in .github/pipeline.json` });
                usedSecrets.set(e, (usedSecrets.get(e) ?? new Set()).add(s));
            }
            for (const v of variables) {
                if (v in declared.variables) usedVariables.set(e, (usedVariables.get(e) ?? new Set()).add(v));
            }
        }
        for (const v of variables) {
            const inEnv = environments.some((e) => v in (table.environments[e]?.variables ?? {}));
            if (v in table.repository.variables) usedRepoVariables.add(v);
            else if (!inEnv) findings.push({ rule: "table", file, job: id, message: `reads variable ${v}, which neither the repository nor the job's environment declares in .github/pipeline.json` });
        }
    }
    for (const [e, env] of Object.entries(table.environments)) {
        if (!usedEnvironments.has(e)) findings.push({ rule: "table", file: "pipeline.json", message: `declares environment ${e}, which no workflow uses` });
        for (const s of Object.keys(env.secrets)) {
            if (usedEnvironments.has(e) && !usedSecrets.get(e)?.has(s)) findings.push({ rule: "table", file: "pipeline.json", message: `declares secret ${s} in environment ${e}, which no job of that environment reads` });
        }
        for (const v of Object.keys(env.variables)) {
            if (usedEnvironments.has(e) && !usedVariables.get(e)?.has(v)) findings.push({ rule: "table", file: "pipeline.json", message: `declares variable ${v} in environment ${e}, which no job of that environment reads` });
        }
    }
    for (const v of Object.keys(table.repository.variables)) {
        if (!usedRepoVariables.has(v)) findings.push({ rule: "table", file: "pipeline.json", message: `declares repository variable ${v}, which no workflow reads` });
    }
    if (table.repository.secrets.length) findings.push({ rule: "table", file: "pipeline.json", message: `declares repository-level secrets (${table.repository.secrets.join(", ")}); every credential belongs to an environment` });
    return findings;
}
