import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CaseCost, CASES, casesFor, DriftRow, PLAIN_UP, runDriftLab, UP_REFRESH } from "../../../local/sim/driftLab";
import { runChild } from "../../../tools/childProcess";
import { ROOT } from "../../../local/engine/operation";
import { FIXTURE_ENV } from "../../support/fixtureStacks";

const lab = (args: string[]) =>
    runChild(process.execPath, ["--import", "tsx", "scripts/drift-lab.ts", ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...FIXTURE_ENV } });

/** The lab's rows of one stack, with what the lab cost (printed, never asserted). */
async function labRun(opts: Parameters<typeof runDriftLab>[0]): Promise<(name: string) => DriftRow> {
    const started = Date.now();
    let programRuns = 0;
    let replayed = 0;
    const count = (c: CaseCost) => ((programRuns += c.programRuns), (replayed += c.replayed));
    const rows = await runDriftLab({ ...opts, onDeploy: count, onRow: (_r, c) => count(c) });
    console.log(`      drift lab, ${opts.stack}: ${rows.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, ${programRuns} program runs, ${replayed} replayed`);
    for (const row of rows) assert.deepEqual(Object.keys(row).sort(), ["case", "changesAfterRepair", "detectedAfterRepair", "detectedBy", "failedLoginsAfterRepair", "repair"]);
    return (name) => rows.find((r) => r.case === name)!;
}

const ACTIONS_VARIANTS = {
    "grant-deleted/plain-up": { ...CASES["grant-deleted"], repair: PLAIN_UP },
    "secret-rotated-active/up-refresh": { ...CASES["secret-rotated-active"], repair: UP_REFRESH },
};
const RULES_VARIANTS = { "rule-config-changed/up-refresh": { ...CASES["rule-config-changed"], repair: UP_REFRESH } };

describe("npm run drift-lab (hand changes, drift.yml's checks and the runbook's repair, offline)", function () {
    this.timeout(300_000);
    let actions: Promise<(name: string) => DriftRow>;
    let rules: Promise<(name: string) => DriftRow>;

    before(function () {
        // Every case once, each in a mode it applies to: an actions stack's, and the rules-only ones
        // on a rules stack; both labs side by side (each mostly waits on its program runs).
        actions = labRun({ stack: "dev", mode: "actions", generation: 1, cases: [...casesFor("actions"), ...Object.keys(ACTIONS_VARIANTS)], extraCases: ACTIONS_VARIANTS });
        const rulesOnly = casesFor("rules").filter((c) => !casesFor("actions").includes(c));
        rules = labRun({ stack: "rules", mode: "rules", generation: 1, cases: [...rulesOnly, ...Object.keys(RULES_VARIANTS)], extraCases: RULES_VARIANTS });
        // Awaited by the tests below; a failure is theirs, not an unhandled rejection meanwhile.
        actions.catch(() => undefined);
        rules.catch(() => undefined);
    });

    it("must detect every hand change to an actions stack and leave no change and no failed login after the runbook's repair", async function () {
        const row = await actions;
        for (const name of casesFor("actions")) {
            const r = row(name);
            assert.ok(r.detectedBy.length > 0 && r.changesAfterRepair === 0 && r.failedLoginsAfterRepair === 0 && r.detectedAfterRepair.length === 0, JSON.stringify(r));
        }
        assert.deepEqual(row("grant-deleted"), {
            case: "grant-deleted",
            detectedBy: ["preview --refresh --expect-no-changes (4 changes)", "check-login-drift (1 differences)"],
            repair: "pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
            detectedAfterRepair: [],
        });
        assert.deepEqual(row("secret-rotated-active"), {
            case: "secret-rotated-active",
            // The verification's 401 on both audiences of the active slot, and the logins it denied (tenant logs).
            detectedBy: ["check-login-drift (3 differences)"],
            repair: "pulumi config set secretGeneration 3 && pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
            detectedAfterRepair: [],
        });
    });

    it("must leave a deleted grant to plain up and a hand-rotated active secret to up --refresh broken", async function () {
        const row = await actions;
        // Without a refresh, up diffs the program against the saved state: the grant stays deleted.
        assert.ok(row("grant-deleted/plain-up").changesAfterRepair > 0, JSON.stringify(row("grant-deleted/plain-up")));
        assert.equal(row("grant-deleted/plain-up").failedLoginsAfterRepair, 1);
        // A refresh never reads the secret back (flatten.go 834-838): the slot's token requests and logins stay denied.
        assert.equal(row("secret-rotated-active/up-refresh").changesAfterRepair, 0);
        assert.equal(row("secret-rotated-active/up-refresh").failedLoginsAfterRepair, 3);
        // The next drift run still alarms: the verification's 401s and the logins denied after the up.
        assert.deepEqual(row("secret-rotated-active/up-refresh").detectedAfterRepair, ["check-login-drift (3 differences)"]);
    });

    it("must detect a rule config changed by hand, which neither a refresh nor the verification sees, and repair it as the runbook says, which up --refresh does not", async function () {
        const row = await rules;
        assert.deepEqual(row("rule-config-changed"), {
            case: "rule-config-changed",
            detectedBy: ["check-login-drift (1 differences)"],
            repair: "delete the stack's rule configs in the dashboard (Rules > Settings; the keys pulumi stack output loginCodeSettings names), then pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
            detectedAfterRepair: [],
        });
        // A refresh never reads a rule config's value: up --refresh sends nothing, logins stay denied.
        assert.equal(row("rule-config-changed/up-refresh").changesAfterRepair, 0);
        assert.equal(row("rule-config-changed/up-refresh").failedLoginsAfterRepair, 1);
        // The logins denied after that up are what the next drift run counts; the earlier ones are not.
        assert.deepEqual(row("rule-config-changed/up-refresh").detectedAfterRepair, ["check-login-drift (1 differences)"]);
        assert.deepEqual(row("rule-disabled"), {
            case: "rule-disabled",
            detectedBy: ["preview --refresh --expect-no-changes (1 changes)"],
            repair: "pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
            detectedAfterRepair: [],
        });
    });

    it("must run the runbook's repairs as docs/delivery.md types them", function () {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "delivery.md"), "utf8");
        const section = doc.slice(doc.indexOf("### Repairing drift"), doc.indexOf("## Policy pack"));
        assert.ok(section.length > 100, "docs/delivery.md has its Repairing drift section");
        assert.doesNotMatch(section, /run `pulumi up` on the stack/);
        for (const [name, c] of Object.entries(CASES)) {
            const typed = c.repair.command({ state: [], generation: 1 }).replace("secretGeneration 3", "secretGeneration N+2");
            assert.ok(section.includes(typed), `${name}: the runbook does not say ${typed}`);
        }
    });

    it("must refuse an unknown stack or case, listing the valid ones, with exit code 2", async function () {
        const [stack, kase] = await Promise.all([
            lab(["--stack", "nope"]),
            lab(["--stack", "dev", "--case", "rule-disabled"]),
        ]);
        assert.equal(stack.code, 2, stack.stderr);
        assert.match(stack.stderr, /--stack nope: no Pulumi\.nope\.yaml; expected one of: dev, prod, rules/);
        assert.equal(kase.code, 2, kase.stderr);
        assert.match(kase.stderr, /--case rule-disabled: not a case of the actions stack dev; expected one of: grant-deleted, .*extension-api-deleted/);
    });
});
