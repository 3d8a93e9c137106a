import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { parseStackName } from "../../tools/untrustedInput";
import { workflowFiles } from "../../tools/lintWorkflows";
import { loadPipelineTable, stackNames } from "../../tools/pipelineTable";
import { checkPipeline, Finding, isAlertJob, Job, Rule, Workflow, WorkflowFile } from "../../tools/pipelineTrust";

const table = loadPipelineTable();
const real: WorkflowFile[] = workflowFiles().map((f) => ({ file: path.basename(f), workflow: yaml.load(fs.readFileSync(f, "utf8")) as Workflow }));
const workflow = (file: string) => real.find((w) => w.file === file)!.workflow;

type MutableJob = { -readonly [K in keyof Job]: Job[K] } & Record<string, unknown>;
interface MutableWorkflow {
    permissions?: Record<string, string> | string;
    jobs: Record<string, MutableJob>;
}

/** The real workflows with one workflow replaced by `edit` of a deep copy of it. */
function mutated(file: string, edit: (wf: MutableWorkflow) => void): WorkflowFile[] {
    return real.map((w) => {
        if (w.file !== file) return w;
        const copy = structuredClone(w.workflow) as unknown as MutableWorkflow;
        edit(copy);
        return { file, workflow: copy as unknown as Workflow };
    });
}
const of = (findings: Finding[], rule: Rule) => findings.filter((f) => f.rule === rule);
/** What `rule` finds once `edit` has changed one real workflow. */
const findingsAfter = (file: string, rule: Rule, edit: (wf: MutableWorkflow) => void) => of(checkPipeline(mutated(file, edit), table), rule);
const describeFindings = (findings: Finding[]) => findings.map((f) => `${f.file}${f.job ? ` job ${f.job}` : ""}: ${f.message}`).join("\n");

describe("the pipeline's trust boundaries (.github/pipeline.json and every workflow)", () => {
    describe("the workflows as committed", () => {
        const findings = checkPipeline(real, table);
        const expectNone = (rule: Rule) => assert.deepEqual(of(findings, rule), [], describeFindings(of(findings, rule)));

        it("give no job reachable from a branch a long-lived write credential, state write, or prod decryption without a reviewer", () => {
            expectNone("branch-reachable-write");
        });

        it("deploy a long-lived stack only from main, through environments that admit only main (findings 2 and 3)", () => {
            expectNone("deploy-from-branch");
        });

        it("run no dependency's install scripts in a job that holds a write token (findings 1, 2 and 7)", () => {
            expectNone("install-scripts-with-write-token");
        });

        it("pin every action to a full commit SHA", () => expectNone("unpinned-action"));

        it("never expand ${{ github.event.* }} inside run:", () => expectNone("event-in-run"));

        it("alert on a failed or cancelled deploy, drift or rotation run (findings 5 and 7)", () => expectNone("missing-alert"));

        it("give previews concurrency groups of their own, apart from deploy and drift (finding 5)", () => expectNone("shared-concurrency"));

        it("use exactly the environments, secrets and variables the table declares, and no repository-level secret (finding 1)", () => expectNone("table"));

        it("serialize whole deploy runs in one workflow-level group that never cancels a running deploy (finding 4)", () => {
            const deploy = workflow("deploy.yml");
            assert.deepEqual(deploy.concurrency && typeof deploy.concurrency === "object" ? deploy.concurrency["cancel-in-progress"] : undefined, false);
            for (const [id, job] of Object.entries(deploy.jobs)) assert.equal(job.concurrency, undefined, `deploy.yml job ${id} has no group of its own: the run is the unit`);
        });

        it("raise an alert for a rotation pull request left open too long (finding 7)", () => {
            const rotate = workflow("rotate-secrets.yml");
            const texts = Object.values(rotate.jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ""));
            assert.ok(texts.some((t) => t.includes("STALE_AFTER_DAYS") && t.includes("exit 1")), "a step fails the run when a rotation pull request is older than STALE_AFTER_DAYS");
        });
    });

    describe("each rule catches a mutated copy of a real workflow", () => {
        it("branch-reachable-write: the prod preview without its reviewer gate", () => {
            const noReviewers = { ...table, environments: { ...table.environments, "prod-preview": { ...table.environments["prod-preview"], requiredReviewers: false } } };
            const found = of(checkPipeline(real, noReviewers), "branch-reachable-write");
            assert.ok(found.some((f) => f.file === "pull-request.yml" && /decryption of prod/.test(f.message)), describeFindings(found));
        });

        it("branch-reachable-write: a pull request job in the dev write environment", () => {
            const found = findingsAfter("pull-request.yml", "deploy-from-branch", (wf) => {
                wf.jobs["review-stack"].environment = "dev";
            });
            assert.ok(found.some((f) => f.job === "review-stack"), describeFindings(found));
            const admitsAny = { ...table, environments: { ...table.environments, dev: { ...table.environments.dev, deploymentBranches: "all" as const } } };
            const reachable = of(
                checkPipeline(
                    mutated("pull-request.yml", (wf) => {
                        wf.jobs["review-stack"].environment = "dev";
                    }),
                    admitsAny,
                ),
                "branch-reachable-write",
            );
            assert.ok(reachable.some((f) => f.job === "review-stack" && /write credential/.test(f.message)), describeFindings(reachable));
        });

        it("deploy-from-branch: the deploy job without its main-only guard", () => {
            const found = findingsAfter("deploy.yml", "deploy-from-branch", (wf) => {
                delete wf.jobs.deploy.if;
            });
            assert.ok(found.some((f) => f.file === "deploy.yml" && f.job === "deploy"), describeFindings(found));
        });

        it("branch-reachable-write: prod-drift admitting a release branch too, without a reviewer", () => {
            const admitsRelease = { ...table, environments: { ...table.environments, "prod-drift": { ...table.environments["prod-drift"], deploymentBranches: ["main", "release"] } } };
            const found = of(checkPipeline(real, admitsRelease), "branch-reachable-write");
            assert.ok(found.some((f) => f.file === "drift.yml" && f.job === "detect" && /decryption of prod's secrets from environment prod-drift/.test(f.message)), describeFindings(found));
        });

        it("deploy-from-branch: the deploy job guarded by a negation of the main guard", () => {
            for (const condition of ["!(github.ref == 'refs/heads/main')", "${{ !(github.ref == 'refs/heads/main') }}", "github.ref == 'refs/heads/main' || true", "!(true && github.ref == 'refs/heads/main')"]) {
                const found = findingsAfter("deploy.yml", "deploy-from-branch", (wf) => {
                    wf.jobs.deploy.if = condition;
                });
                assert.ok(found.some((f) => f.job === "deploy" && /without `if:/.test(f.message)), `${condition}: ${describeFindings(found)}`);
            }
            const narrower = findingsAfter("deploy.yml", "deploy-from-branch", (wf) => {
                wf.jobs.deploy.if = "${{ github.event_name == 'push' && (github.ref == 'refs/heads/main') }}";
            });
            assert.deepEqual(narrower, [], describeFindings(narrower));
        });

        it("deploy-from-branch: the dev environment admitting any branch", () => {
            const admitsAny = { ...table, environments: { ...table.environments, dev: { ...table.environments.dev, deploymentBranches: "all" as const } } };
            const found = of(checkPipeline(real, admitsAny), "deploy-from-branch");
            assert.ok(found.some((f) => /environment dev,/.test(f.message)), describeFindings(found));
        });

        it("install-scripts-with-write-token: npm ci with install scripts in the deploy job", () => {
            const found = findingsAfter("deploy.yml", "install-scripts-with-write-token", (wf) => {
                const steps = wf.jobs.deploy.steps as { run?: string }[];
                const install = steps.find((s) => s.run?.startsWith("npm ci"))!;
                install.run = "npm ci";
            });
            assert.ok(found.some((f) => f.job === "deploy"), describeFindings(found));
        });

        it("install-scripts-with-write-token: npm install in the job that pushes the rotation branch", () => {
            const found = findingsAfter("rotate-secrets.yml", "install-scripts-with-write-token", (wf) => {
                (wf.jobs["open-pull-request"].steps as { run?: string }[]).unshift({ run: "npm install" });
            });
            assert.ok(found.some((f) => f.job === "open-pull-request" && /contents: write/.test(f.message)), describeFindings(found));
        });

        it("install-scripts-with-write-token: npm ci in a job whose write token comes from the workflow-level permissions", () => {
            const found = findingsAfter("pull-request.yml", "install-scripts-with-write-token", (wf) => {
                wf.permissions = { contents: "write" };
                delete wf.jobs.test.permissions;
            });
            assert.ok(found.some((f) => f.job === "test" && /contents: write/.test(f.message)), describeFindings(found));
            // A job's own permissions replace the workflow's: the test job's contents: read holds no write token.
            const replaced = findingsAfter("pull-request.yml", "install-scripts-with-write-token", (wf) => {
                wf.permissions = { contents: "write" };
            });
            assert.deepEqual(replaced, [], describeFindings(replaced));
        });

        it("install-scripts-with-write-token: --ignore-scripts=false, or a second install without it, in the deploy job", () => {
            for (const run of ["npm ci --ignore-scripts=false", "npm ci --ignore-scripts && npm ci", "npm ci --ignore-scripts\nnpm install left-pad", "npm ci --ignore-scripts; yarn", "pnpm install # --ignore-scripts"]) {
                const found = findingsAfter("deploy.yml", "install-scripts-with-write-token", (wf) => {
                    const steps = wf.jobs.deploy.steps as { run?: string }[];
                    steps.find((s) => s.run?.startsWith("npm ci"))!.run = run;
                });
                assert.ok(found.some((f) => f.job === "deploy"), `${run}: ${describeFindings(found)}`);
            }
        });

        it("unpinned-action: an action by tag", () => {
            const found = findingsAfter("drift.yml", "unpinned-action", (wf) => {
                (wf.jobs.detect.steps as { uses?: string }[])[0].uses = "actions/checkout@v4";
            });
            assert.deepEqual(found.map((f) => f.message), ["actions/checkout@v4 is not pinned to a full 40-character commit SHA"]);
        });

        it("event-in-run: a pull request's title expanded into a script", () => {
            const found = findingsAfter("pull-request.yml", "event-in-run", (wf) => {
                (wf.jobs["review-stack"].steps as { run?: string }[]).push({ run: 'echo "${{ github.event.pull_request.title }}"' });
            });
            assert.equal(found.length, 1, describeFindings(found));
        });

        it("event-in-run: github.event inside a function, github.head_ref and inputs expanded into a script", () => {
            for (const expression of ["${{ format('{0}', github.event.pull_request.title) }}", "${{ toJSON(github.event) }}", "${{ github.head_ref }}", "${{ inputs.stack }}", "${{github.event.pull_request.head.ref}}"]) {
                const found = findingsAfter("pull-request.yml", "event-in-run", (wf) => {
                    (wf.jobs["review-stack"].steps as { run?: string }[]).push({ run: `echo "${expression}"` });
                });
                assert.equal(found.length, 1, `${expression}: ${describeFindings(found)}`);
            }
        });

        it("missing-alert: drift reporting only on failure(), not on cancelled()", () => {
            const found = findingsAfter("drift.yml", "missing-alert", (wf) => {
                wf.jobs.alert.if = "${{ failure() }}";
            });
            assert.deepEqual(found.map((f) => f.file), ["drift.yml"]);
        });

        it("missing-alert: an alert job that installs dependencies or holds more than issues: write", () => {
            for (const edit of [
                (job: Record<string, unknown>) => (job.steps as { run?: string }[]).unshift({ run: "npm ci --ignore-scripts" }),
                (job: Record<string, unknown>) => (job.permissions = { issues: "write", contents: "write" }),
            ]) {
                const found = of(checkPipeline(mutated("deploy.yml", (wf) => edit(wf.jobs.alert)), table), "missing-alert");
                assert.deepEqual(found.map((f) => f.file), ["deploy.yml"]);
            }
        });

        it("shared-concurrency: previews back in each stack's deploy group", () => {
            const deployGroups = mutated("deploy.yml", (wf) => {
                wf.jobs.deploy.concurrency = { group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false };
            });
            const both = deployGroups.map((w) =>
                w.file !== "pull-request.yml"
                    ? w
                    : { file: w.file, workflow: { ...w.workflow, jobs: { ...w.workflow.jobs, preview: { ...w.workflow.jobs.preview, concurrency: { group: "pulumi-${{ matrix.stack }}", "cancel-in-progress": false } } } } },
            );
            const found = of(checkPipeline(both, table), "shared-concurrency");
            assert.deepEqual(found.map((f) => f.message.split(" with ")[0]).sort(), ["preview shares concurrency group pulumi-dev", "preview shares concurrency group pulumi-prod"]);
        });

        it("table: an environment, a secret and a repository-level secret the table does not declare; a declared environment nobody uses", () => {
            const found = findingsAfter("drift.yml", "table", (wf) => {
                wf.jobs.detect.environment = "${{ matrix.stack }}-preview";
                (wf.jobs.detect.steps as { env?: Record<string, string> }[]).push({ env: { TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" } });
                (wf.jobs.alert.steps as { env?: Record<string, string> }[]).push({ env: { TOKEN: "${{ secrets.DEPLOY_KEY }}" } });
            });
            const messages = describeFindings(found);
            assert.match(messages, /reads secret PULUMI_ACCESS_TOKEN, which environment dev-preview does not hold/);
            assert.match(messages, /reads DEPLOY_KEY without an environment: that is a repository-level secret/);
            assert.match(messages, /declares environment dev-drift, which no workflow uses/);
            const unknown = findingsAfter("drift.yml", "table", (wf) => {
                wf.jobs.detect.environment = "${{ matrix.stack }}-staging";
            });
            assert.match(describeFindings(unknown), /uses environment dev-staging, which .github\/pipeline.json does not declare/);
        });
    });

    describe(".github/pipeline.json", () => {
        it("lists the long-lived stacks in promotion order, each once, each a stack name", () => {
            const names = stackNames(table);
            assert.ok(names.length > 0, "no long-lived stack");
            assert.equal(new Set(names).size, names.length, `a stack listed twice: ${names.join(", ")}`);
            for (const name of names) assert.doesNotThrow(() => parseStackName(name), name);
        });

        it("declares no repository-level secret, and a reviewer on every environment that decrypts a stack branches may not decrypt", () => {
            assert.deepEqual(table.repository.secrets, []);
            for (const [name, env] of Object.entries(table.environments)) {
                const gated = table.stacks.filter((s) => !s.branchesMayDecrypt && env.credentials.decrypt.includes(s.name));
                const admitsBranches = env.deploymentBranches === "all" || env.deploymentBranches.some((b) => b !== "main");
                if (gated.length && admitsBranches) assert.ok(env.requiredReviewers, `${name} decrypts ${gated.map((s) => s.name).join(", ")} from a branch other than main`);
            }
        });

        it("is what every workflow's stack matrix reads, with jq and no npm", () => {
            for (const { file, workflow: wf } of real) {
                for (const [id, job] of Object.entries(wf.jobs)) {
                    const matrix = job.strategy?.matrix;
                    if (matrix === undefined || (typeof matrix === "object" && !("stack" in matrix))) continue;
                    const computed = typeof matrix === "string" ? matrix : JSON.stringify(matrix);
                    assert.match(computed, /fromJSON\(needs\.stacks\.outputs\.stacks\)/, `${file} job ${id} takes its stacks from the table`);
                    const stacksJob = wf.jobs.stacks;
                    assert.ok(stacksJob?.steps?.some((s) => s.run?.includes("jq") && s.run.includes(".github/pipeline.json")), `${file} reads the table with jq`);
                    assert.ok(stacksJob?.steps?.every((s) => !/\bnpm\b/.test(s.run ?? "")));
                }
            }
        });

        it("is explained by docs/threat-model.md, whose every attack path names a test that exists", () => {
            const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "threat-model.md"), "utf8");
            const rows = doc.slice(doc.indexOf("## Attack paths")).split("\n").filter((l) => /^\| \d+ \|/.test(l));
            assert.ok(rows.length >= 12, `${rows.length} attack paths`);
            const testFiles = fs.readdirSync(path.join(__dirname, ".."), { recursive: true }).map(String).filter((f) => f.endsWith(".test.ts"));
            for (const row of rows) {
                const heldBy = row.split(" | ").at(-1) ?? "";
                const files = [...heldBy.matchAll(/`(?:test\/[\w/]+\/)?(\w+\.test\.ts)`/g)].map((m) => testFiles.find((f) => path.basename(f) === m[1]));
                for (const title of [...heldBy.matchAll(/"([^"]+)"/g)].map((m) => m[1].replace(/\\\|/g, "|"))) {
                    // "…" stands for words left out: every part must be in the title.
                    const parts = title.split("…").filter(Boolean);
                    const found = files.some((f) => f && parts.every((part) => fs.readFileSync(path.join(__dirname, "..", f), "utf8").includes(part)));
                    assert.ok(found, `${row.slice(0, 12)}: no test titled "${title}" in ${heldBy}`);
                }
            }
        });

        it("recognizes an alert job only when it needs every other job of the workflow", () => {
            const deploy = workflow("deploy.yml");
            assert.ok(isAlertJob(deploy, "alert"));
            const copy = structuredClone(deploy) as Workflow & { jobs: Record<string, { needs?: string[] }> };
            copy.jobs.alert.needs = ["stacks"];
            assert.ok(!isAlertJob(copy, "alert"));
        });
    });
});
