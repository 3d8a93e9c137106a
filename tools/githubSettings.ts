/**
 * Compares a live GitHub repository with the declared table (`.github/pipeline.json`) through
 * `gh api`, GET requests only. Run by `npm run check:github` (tools/checkGithubSettings.ts).
 *
 * The answers' shapes, from GitHub's REST documentation:
 * - GET /repos/{owner}/{repo}/environments: `{ total_count, environments: [{ name,
 *   protection_rules: [{ type: "required_reviewers", prevent_self_review, reviewers: [...] } |
 *   { type: "wait_timer" } | { type: "branch_policy" }], deployment_branch_policy: null |
 *   { protected_branches, custom_branch_policies } }] }`; `prevent_self_review` says whether the
 *   user who started the run is barred from approving it, the same field "Get an environment"
 *   returns (https://docs.github.com/en/rest/deployments/environments#list-environments,
 *   https://docs.github.com/en/rest/deployments/environments#get-an-environment). A reviewer who may
 *   approve their own run is no second person: the table's `requiredReviewers` asks for both.
 * - GET …/environments/{environment_name}/deployment-branch-policies: `{ total_count,
 *   branch_policies: [{ name, type: "branch" | "tag" }] }`; a "tag" policy admits runs on matching
 *   tags, which the table's `deploymentBranches` (branch names only) never declares
 *   (https://docs.github.com/en/rest/deployments/branch-policies#list-deployment-branch-policies)
 * - GET …/environments/{environment_name}/secrets: `{ total_count, secrets: [{ name, created_at,
 *   updated_at }] }` (https://docs.github.com/en/rest/actions/secrets#list-environment-secrets)
 * - GET …/environments/{environment_name}/variables: `{ total_count, variables: [{ name, value,
 *   … }] }` (https://docs.github.com/en/rest/actions/variables#list-environment-variables)
 * - GET /repos/{owner}/{repo}/actions/secrets: `{ total_count, secrets: [...] }`
 *   (https://docs.github.com/en/rest/actions/secrets#list-repository-secrets)
 * - GET /repos/{owner}/{repo}/branches/{branch}/protection: `{ required_status_checks: { strict,
 *   contexts, checks: [{ context, app_id }] }, required_pull_request_reviews: {
 *   required_approving_review_count, … }, … }`; 404 "Branch not protected"
 *   (https://docs.github.com/en/rest/branches/branch-protection#get-branch-protection)
 * - GET /repos/{owner}/{repo}/actions/permissions/workflow: `{ default_workflow_permissions:
 *   "read" | "write", can_approve_pull_request_reviews }`, the latter being the setting "Allow
 *   GitHub Actions to create and approve pull requests"
 *   (https://docs.github.com/en/rest/actions/permissions#get-default-workflow-permissions-for-a-repository)
 */
import { execFile } from "child_process";
import { Backend, declaredBackend, PipelineTable } from "./pipelineTable";

/** GETs a path of the REST API (relative, e.g. `repos/o/r/environments`); resolves to the parsed JSON, or to NOT_FOUND on 404. */
export type GhApi = (apiPath: string) => Promise<unknown>;
export const NOT_FOUND = Symbol("404");

/** A `gh api` failure that is not a 404: the check cannot answer. */
export class GhError extends Error {}

/** `gh api <path>` through the GitHub CLI found on PATH. */
export function ghCli(executable = "gh"): GhApi {
    return (apiPath) =>
        new Promise((resolve, reject) => {
            execFile(executable, ["api", "--method", "GET", apiPath], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
                if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
                    reject(new GhError(`the GitHub CLI (${executable}) is not on PATH; install it (https://cli.github.com) and run gh auth login`));
                } else if (error) {
                    if (/HTTP 404/.test(stderr)) resolve(NOT_FOUND);
                    else reject(new GhError(`gh api ${apiPath} failed: ${stderr.trim().split("\n")[0] || `exit ${String(error.code)}`}`));
                } else {
                    try {
                        resolve(JSON.parse(stdout));
                    } catch {
                        reject(new GhError(`gh api ${apiPath}: the answer is not JSON`));
                    }
                }
            });
        });
}

interface EnvironmentAnswer {
    name: string;
    protection_rules?: { type: string; reviewers?: unknown[]; prevent_self_review?: boolean }[];
    deployment_branch_policy: null | { protected_branches: boolean; custom_branch_policies: boolean };
}

function names(answer: unknown, key: string): string[] {
    const list = (answer as Record<string, { name: string }[] | undefined>)[key];
    if (!Array.isArray(list)) throw new GhError(`unexpected answer: no ${key} list`);
    return list.map((item) => item.name).sort();
}

function expectedNames(declared: Readonly<Record<string, { backend?: Backend; optional?: boolean }>>, backend: Backend) {
    const applies = Object.entries(declared).filter(([, d]) => d.backend === undefined || d.backend === backend);
    return { required: applies.filter(([, d]) => !d.optional).map(([n]) => n), allowed: new Set(applies.map(([n]) => n)) };
}

/** Every difference between the repository and the table, one line each; empty when they match. */
export async function compareWithTable(repo: string, table: PipelineTable, gh: GhApi): Promise<string[]> {
    const differences: string[] = [];
    const base = `repos/${repo}`;
    const backend = declaredBackend(table);

    const envAnswer = await gh(`${base}/environments?per_page=100`);
    if (envAnswer === NOT_FOUND) throw new GhError(`repository ${repo} not found, or the token cannot read it`);
    const live = new Map(((envAnswer as { environments?: EnvironmentAnswer[] }).environments ?? []).map((e) => [e.name, e]));
    for (const name of [...live.keys()].filter((n) => !(n in table.environments)).sort()) {
        differences.push(`environment ${name}: exists, but .github/pipeline.json does not declare it`);
    }
    for (const [name, declared] of Object.entries(table.environments)) {
        const env = live.get(name);
        if (!env) {
            differences.push(`environment ${name}: missing`);
            continue;
        }
        const reviewerRule = (env.protection_rules ?? []).find((r) => r.type === "required_reviewers" && (r.reviewers?.length ?? 0) > 0);
        if (declared.requiredReviewers && !reviewerRule) differences.push(`environment ${name}: no required reviewers; the table requires a reviewer's approval`);
        else if (declared.requiredReviewers && reviewerRule?.prevent_self_review !== true) {
            differences.push(`environment ${name}: a required reviewer may approve a run they started (prevent_self_review is off); the table requires a reviewer's approval`);
        }
        if (!declared.requiredReviewers && reviewerRule) differences.push(`environment ${name}: has required reviewers; the table declares none`);
        const policy = env.deployment_branch_policy;
        if (declared.deploymentBranches === "all") {
            if (policy !== null) differences.push(`environment ${name}: restricts deployment branches; the table admits any branch`);
        } else if (policy === null) {
            differences.push(`environment ${name}: admits any branch; the table admits only ${declared.deploymentBranches.join(", ")}`);
        } else if (!policy.custom_branch_policies) {
            differences.push(`environment ${name}: admits protected branches; the table admits only ${declared.deploymentBranches.join(", ")} (selected branches)`);
        } else {
            const branches = await gh(`${base}/environments/${encodeURIComponent(name)}/deployment-branch-policies?per_page=100`);
            const policies = branches === NOT_FOUND ? [] : (branches as { branch_policies: { name: string; type?: string }[] }).branch_policies;
            // A policy without a type predates tag policies: a branch.
            const liveBranches = policies.filter((b) => b.type !== "tag").map((b) => b.name).sort();
            const liveTags = policies.filter((b) => b.type === "tag").map((b) => b.name).sort();
            const want = [...declared.deploymentBranches].sort();
            if (JSON.stringify(liveBranches) !== JSON.stringify(want)) differences.push(`environment ${name}: deployment branches ${JSON.stringify(liveBranches)}; the table admits ${JSON.stringify(want)}`);
            if (liveTags.length) differences.push(`environment ${name}: admits tags ${JSON.stringify(liveTags)}; the table admits no tag`);
        }
        for (const [kind, declaredValues] of [["secrets", declared.secrets], ["variables", declared.variables]] as const) {
            const answer = await gh(`${base}/environments/${encodeURIComponent(name)}/${kind}?per_page=100`);
            const present = answer === NOT_FOUND ? [] : names(answer, kind);
            const { required, allowed } = expectedNames(declaredValues, backend);
            const singular = kind === "secrets" ? "secret" : "variable";
            for (const n of required.filter((r) => !present.includes(r))) differences.push(`environment ${name}: ${singular} ${n} missing`);
            for (const n of present.filter((p) => !allowed.has(p))) differences.push(`environment ${name}: ${singular} ${n} is not in the table (for the ${backend} backend)`);
        }
    }

    const repoSecrets = await gh(`${base}/actions/secrets?per_page=100`);
    for (const n of repoSecrets === NOT_FOUND ? [] : names(repoSecrets, "secrets")) {
        if (!table.repository.secrets.includes(n)) differences.push(`repository secret ${n}: every job of any branch can read a repository secret; move it to the environment that needs it`);
    }

    const protection = await gh(`${base}/branches/main/protection`);
    const declaredProtection = table.repository.mainBranchProtection;
    if (protection === NOT_FOUND) {
        differences.push(`branch main: not protected; the table requires status checks ${JSON.stringify(declaredProtection.requiredStatusChecks)} and ${declaredProtection.requiredApprovingReviewCount} approving review(s)`);
    } else {
        const p = protection as {
            required_status_checks?: { contexts?: string[]; checks?: { context: string }[] };
            required_pull_request_reviews?: { required_approving_review_count?: number };
        };
        const checks = new Set([...(p.required_status_checks?.contexts ?? []), ...(p.required_status_checks?.checks ?? []).map((c) => c.context)]);
        for (const c of declaredProtection.requiredStatusChecks.filter((c) => !checks.has(c))) differences.push(`branch main: status check "${c}" is not required`);
        const count = p.required_pull_request_reviews?.required_approving_review_count ?? 0;
        if (count < declaredProtection.requiredApprovingReviewCount) {
            differences.push(`branch main: ${count} approving review(s) required; the table requires ${declaredProtection.requiredApprovingReviewCount}`);
        }
    }

    const workflow = (await gh(`${base}/actions/permissions/workflow`)) as { default_workflow_permissions?: string; can_approve_pull_request_reviews?: boolean } | typeof NOT_FOUND;
    if (workflow === NOT_FOUND) throw new GhError(`gh api ${base}/actions/permissions/workflow: not found`);
    if (workflow.default_workflow_permissions !== table.repository.defaultWorkflowPermissions) {
        differences.push(`actions: default GITHUB_TOKEN permissions are ${String(workflow.default_workflow_permissions)}; the table declares ${table.repository.defaultWorkflowPermissions}`);
    }
    if (workflow.can_approve_pull_request_reviews !== table.repository.actionsCanCreatePullRequests) {
        differences.push(
            `actions: "Allow GitHub Actions to create and approve pull requests" is ${workflow.can_approve_pull_request_reviews ? "on" : "off"}; the table needs it ${table.repository.actionsCanCreatePullRequests ? "on (the organization must allow it first)" : "off"}`,
        );
    }
    return differences;
}
