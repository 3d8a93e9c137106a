import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CASES, PLAIN_UP, runDriftLab, UP_REFRESH } from "../../local/driftLab";
import { runChild } from "../../local/childProcess";
import { ROOT } from "../../local/engine/operation";
import { FIXTURE_ENV } from "../support/fixtureStacks";

const lab = (args: string[]) =>
    runChild(process.execPath, ["--import", "tsx", "scripts/drift-lab.ts", ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...FIXTURE_ENV } });

describe("npm run drift-lab (hand changes, drift.yml's checks and the runbook's repair, offline)", function () {
    this.timeout(180_000);

    it("must detect and repair a deleted grant and a secret rotated by hand on the active slot, which plain up and up --refresh leave broken", async function () {
        const rows = await runDriftLab({
            stack: "dev",
            mode: "actions",
            generation: 1,
            cases: ["grant-deleted", "secret-rotated-active", "grant-deleted/plain-up", "secret-rotated-active/up-refresh"],
            extraCases: {
                "grant-deleted/plain-up": { ...CASES["grant-deleted"], repair: PLAIN_UP },
                "secret-rotated-active/up-refresh": { ...CASES["secret-rotated-active"], repair: UP_REFRESH },
            },
        });
        const row = (name: string) => rows.find((r) => r.case === name)!;
        assert.deepEqual(row("grant-deleted"), {
            case: "grant-deleted",
            detectedBy: ["preview --refresh --expect-no-changes (4 changes)", "check-login-drift (1 differences)"],
            repair: "pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
        });
        assert.deepEqual(row("secret-rotated-active"), {
            case: "secret-rotated-active",
            // The verification's 401 on both audiences of the active slot, and the logins it denied (tenant logs).
            detectedBy: ["check-login-drift (3 differences)"],
            repair: "pulumi config set secretGeneration 3 && pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
        });
        // What the runbook used to say: `pulumi up` without a refresh leaves the grant deleted.
        assert.ok(row("grant-deleted/plain-up").changesAfterRepair > 0, JSON.stringify(row("grant-deleted/plain-up")));
        assert.equal(row("grant-deleted/plain-up").failedLoginsAfterRepair, 1);
        // A refresh never reads the secret back (flatten.go 834-838): the slot's token requests and logins stay denied.
        assert.equal(row("secret-rotated-active/up-refresh").changesAfterRepair, 0);
        assert.equal(row("secret-rotated-active/up-refresh").failedLoginsAfterRepair, 3);
    });

    it("must detect a rule config changed by hand, which neither a refresh nor the verification sees, and repair it as the runbook says, which up --refresh does not", async function () {
        const rows = await runDriftLab({
            stack: "rules",
            mode: "rules",
            generation: 1,
            cases: ["rule-config-changed", "rule-config-changed/up-refresh"],
            extraCases: { "rule-config-changed/up-refresh": { ...CASES["rule-config-changed"], repair: UP_REFRESH } },
        });
        const row = (name: string) => rows.find((r) => r.case === name)!;
        assert.deepEqual(row("rule-config-changed"), {
            case: "rule-config-changed",
            detectedBy: ["check-login-drift (1 differences)"],
            repair: "delete the stack's rule configs in the dashboard (Rules > Settings; the keys pulumi stack output loginCodeSettings names), then pulumi up --refresh",
            changesAfterRepair: 0,
            failedLoginsAfterRepair: 0,
        });
        // A refresh never reads a rule config's value: up --refresh sends nothing, logins stay denied.
        assert.equal(row("rule-config-changed/up-refresh").changesAfterRepair, 0);
        assert.equal(row("rule-config-changed/up-refresh").failedLoginsAfterRepair, 1);
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
