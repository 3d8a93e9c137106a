import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ROOT } from "../../local/stack/program";

interface Step {
    id?: string;
    if?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
}
interface Workflow {
    on: { schedule?: { cron: string }[]; workflow_dispatch?: { inputs?: Record<string, { options?: string[] }> } };
    permissions: Record<string, string>;
    jobs: Record<string, { permissions: Record<string, string>; strategy: { matrix: { stack: string } }; steps: Step[] }>;
}

const FILE = path.join(ROOT, ".github/workflows/rotate-secrets.yml");
const text = fs.readFileSync(FILE, "utf8");
const workflow = yaml.load(text) as Workflow;
const job = workflow.jobs["open-pull-request"];
const LONG_LIVED_STACKS = fs.readdirSync(ROOT).map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s && !s.startsWith("pr-")).sort();

describe(".github/workflows/rotate-secrets.yml", () => {
    it("must run monthly and on demand, for every long-lived stack or the one chosen", () => {
        assert.equal(workflow.on.schedule?.length, 1);
        assert.match(workflow.on.schedule?.[0].cron ?? "", /^\d+ \d+ \d+ \* \*$/, "once a month");
        assert.deepEqual(workflow.on.workflow_dispatch?.inputs?.stack.options, ["all", ...LONG_LIVED_STACKS]);
        // The matrix expression names the stacks a scheduled run covers.
        const scheduled = /\|\| '(\[[^']*\])'/.exec(job.strategy.matrix.stack)?.[1];
        assert.deepEqual(JSON.parse(scheduled ?? "null"), LONG_LIVED_STACKS);
    });

    it("must write only contents and pull requests, and reference no secret at all", () => {
        assert.deepEqual(workflow.permissions, {});
        assert.deepEqual(job.permissions, { contents: "write", "pull-requests": "write" });
        assert.doesNotMatch(text, /secrets\./);
    });

    it("must bump the generation with scripts/bump-generation.ts, then commit only that stack file to a branch of its own and open a pull request", () => {
        const bump = job.steps.find((s) => s.run?.includes("scripts/bump-generation.ts"));
        assert.ok(bump, "a step runs the bump script");
        assert.equal(bump.run, 'npx tsx scripts/bump-generation.ts "$STACK"');
        assert.equal(bump.env?.STACK, "${{ matrix.stack }}");
        const open = job.steps[job.steps.indexOf(bump) + 1];
        assert.ok(open.run?.includes('git add "Pulumi.$STACK.yaml"'));
        assert.doesNotMatch(open.run ?? "", /git add (-A|\.|--all)/);
        assert.match(open.run ?? "", /git switch -c "\$branch"/);
        assert.match(open.run ?? "", /gh pr create [^\n]*--base main/);
        // Outputs of the bump reach the script through env, never interpolated into it.
        for (const output of ["from", "to", "slot"]) assert.ok(Object.values(open.env ?? {}).includes(`\${{ steps.bump.outputs.${output} }}`), output);
        assert.doesNotMatch(open.run ?? "", /\$\{\{/);
    });

    it("must not open a second rotation pull request for a stack while one is open", () => {
        const pending = job.steps.find((s) => s.id === "pending");
        assert.ok(pending?.run?.includes("gh pr list"));
        for (const step of job.steps.filter((s) => s.run?.includes("bump-generation") || s.run?.includes("gh pr create"))) {
            assert.equal(step.if, "steps.pending.outputs.open == '0'");
        }
    });
});
