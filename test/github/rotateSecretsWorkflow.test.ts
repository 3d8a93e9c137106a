import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ROOT } from "../../tools/stack/program";
import { stackFilePath } from "../../tools/stack/stackFiles";
import { bumpGeneration } from "../../tools/bumpGeneration";

interface Step {
    id?: string;
    if?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string | number>;
}
interface Job {
    needs?: string | string[];
    if?: string;
    permissions: Record<string, string>;
    outputs?: Record<string, string>;
    strategy?: { matrix: Record<string, string> };
    steps: Step[];
}
interface Workflow {
    on: { schedule?: { cron: string }[]; workflow_dispatch?: { inputs?: Record<string, { description?: string; type?: string; default?: string }> } };
    permissions: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
}

const FILE = path.join(ROOT, ".github/workflows/rotate-secrets.yml");
const text = fs.readFileSync(FILE, "utf8");
const workflow = yaml.load(text) as Workflow;
const plan = workflow.jobs.plan;
const push = workflow.jobs["open-pull-request"];
const bumpStep = plan.steps.find((s) => s.id === "bump")!;
const applyStep = push.steps.find((s) => s.run?.includes("base64 -d"))!;

/** Runs the push job's check of the bumped file in a scratch repository holding `original`; returns its exit code. */
function applyCheck(original: string, bumped: string, to: number): number {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotate-check-"));
    try {
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), original);
        const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
        git("init", "-q");
        git("add", ".");
        git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base");
        try {
            execFileSync("bash", ["-e", "-c", applyStep.run!], {
                cwd: dir,
                stdio: "ignore",
                env: { ...process.env, STACK: "dev", TO: String(to), FILE: Buffer.from(bumped).toString("base64") },
            });
            return 0;
        } catch (err) {
            return (err as { status?: number }).status ?? 1;
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe(".github/workflows/rotate-secrets.yml", () => {
    it("must run monthly and on demand, for every stack of .github/pipeline.json or the one chosen", () => {
        assert.equal(workflow.on.schedule?.length, 1);
        assert.match(workflow.on.schedule?.[0].cron ?? "", /^\d+ \d+ \d+ \* \*$/, "once a month");
        const input = workflow.on.workflow_dispatch?.inputs?.stack;
        assert.deepEqual([input?.type, input?.default], ["string", "all"]);
        assert.match(bumpStep.run ?? "", /stacks=\$\(jq -r '\.stacks\[\]\.name' \.github\/pipeline\.json\)/);
        assert.equal(bumpStep.env?.CHOSEN, "${{ inputs.stack || 'all' }}", "a scheduled run rotates every stack");
        assert.deepEqual(workflow.concurrency, { group: "rotate-secrets", "cancel-in-progress": false });
    });

    it("must install and run the bump only in a job with read-only tokens, and push from a job that installs nothing", () => {
        assert.deepEqual(workflow.permissions, {});
        assert.deepEqual(plan.permissions, { contents: "read", "pull-requests": "read" });
        assert.ok(plan.steps.some((s) => s.run === "npm ci --ignore-scripts"));
        assert.deepEqual(push.permissions, { contents: "write", "pull-requests": "write" });
        for (const step of push.steps) {
            assert.doesNotMatch(step.run ?? "", /\b(npm|npx|node|tsx)\b/, "the push job runs no project or dependency code");
            if (step.uses) assert.match(step.uses, /^actions\/checkout@/);
        }
        assert.doesNotMatch(text, /secrets\./, "needs no secret: GITHUB_TOKEN pushes and opens the pull request");
    });

    it("must hand the bumped file and generations from the plan to the push job as outputs, never interpolated into a script", () => {
        assert.equal(plan.outputs?.bumps, "${{ steps.bump.outputs.bumps }}");
        assert.match(bumpStep.run ?? "", /GITHUB_OUTPUT="\$result" npx tsx scripts\/bump-generation\.ts "\$stack"/);
        assert.equal(push.strategy?.matrix.bump, "${{ fromJSON(needs.plan.outputs.bumps) }}");
        assert.equal(push.if, "needs.plan.outputs.bumps != '[]'", "an empty matrix would fail the run");
        const open = push.steps.find((s) => s.run?.includes("gh pr create"))!;
        for (const output of ["from", "to", "slot", "stack"]) assert.ok(Object.values(open.env ?? {}).includes(`\${{ matrix.bump.${output} }}`), output);
        for (const step of push.steps) assert.doesNotMatch(step.run ?? "", /\$\{\{/);
        assert.ok(open.run?.includes('git add "Pulumi.$STACK.yaml"'));
        assert.doesNotMatch(open.run ?? "", /git add (-A|\.|--all)/);
        assert.match(open.run ?? "", /gh pr create [^\n]*--base main/);
    });

    it("must push a bump that changes only the secretGeneration line, and refuse any other change", () => {
        const original = fs.readFileSync(stackFilePath("dev"), "utf8");
        const bump = bumpGeneration(original);
        assert.equal(applyCheck(original, bump.text, bump.to), 0, "the real bump passes");
        assert.notEqual(applyCheck(original, bump.text.replace(/auth0:domain: .*/, "auth0:domain: attacker.example.com"), bump.to), 0, "a changed domain is refused");
        assert.notEqual(applyCheck(original, bump.text.replace(/^config:\n/m, "config:\n  auth0-tenant:protect: false\n"), bump.to), 0, "an added key is refused");
        assert.notEqual(applyCheck(original, bump.text, bump.to + 1), 0, "a generation other than the planned one is refused");
        const withoutKey = original.replace(/^\s+auth0-tenant:secretGeneration:.*\n/m, "");
        const inserted = bumpGeneration(withoutKey);
        assert.equal(applyCheck(withoutKey, inserted.text, inserted.to), 0, "a stack at the default generation gains the one line");
    });

    it("must not open a second rotation pull request for a stack while one is open, and alert on one left open 14 days", () => {
        assert.match(bumpStep.run ?? "", /gh pr list [^\n]*--state open/);
        assert.match(bumpStep.run ?? "", /startswith\(\\"rotate-secrets\/\$stack-\\"\)/);
        const stale = workflow.jobs["stale-pull-requests"];
        assert.deepEqual(stale.permissions, { "pull-requests": "read" });
        const check = stale.steps[0];
        assert.equal(check.env?.STALE_AFTER_DAYS, 14);
        assert.match(check.run ?? "", /createdAt < \\"\$cutoff\\"/);
        assert.match(check.run ?? "", /exit 1/);
        const alert = workflow.jobs.alert;
        assert.deepEqual(alert.needs, ["plan", "open-pull-request", "stale-pull-requests"]);
        assert.equal(alert.if, "failure() || cancelled()");
    });
});
