import * as assert from "assert";
import { runChild } from "../../tools/childProcess";
import { readFigures, RotationFigures } from "../../local/sim/figures";
import { ROOT } from "../../tools/stack/program";
import { formatRotationReport } from "../../local/sim/rotationReport";
import { compileCacheWarm } from "../local/engine/warmCompileCache";
import { FIXTURE_ENV } from "../support/fixtureStacks";

describe("npm run simulate:rotation", function () {
    this.timeout(120_000);
    let figures: RotationFigures;
    let stderr: string;

    before(async () => {
        // The script's engine plan runs the program through cmd/run: after the one compile.
        await compileCacheWarm();
        const result = await runChild(process.execPath, ["--import", "tsx", "scripts/simulate-rotation.ts", "--rotations", "1", "--json"], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...FIXTURE_ENV },
        });
        assert.strictEqual(result.code, 0, result.stderr);
        figures = readFigures(result.stdout, "simulate:rotation --json") as RotationFigures;
        stderr = result.stderr;
    });

    it("must print with --json only the figures, every run with a failure count after each of its steps", () => {
        assert.strictEqual(figures.kind, "rotation");
        assert.strictEqual(figures.rotations, 1);
        assert.deepStrictEqual(
            figures.runs.map((r) => `${r.mode} ${r.tokenLifetimeS} ${r.strategy}`),
            ["actions 5 blue-green", "actions 5 in-place", "actions 61 blue-green", "actions 61 in-place", "rules 5 blue-green", "rules 5 in-place"],
        );
        for (const run of figures.runs) {
            assert.strictEqual(run.timeline.length, run.steps + 1);
            assert.strictEqual(run.timeline[0].step, "start");
            assert.strictEqual(run.timeline.reduce((n, t) => n + t.failedLogins, 0), run.failedLogins, `${run.mode} ${run.strategy}`);
        }
    });

    it("must take each mode's first rotation from the engine's plan, in its order: the fresh secret, its credentials and the verification before the login code's settings", () => {
        // Generation 1 -> 2: green is the idle slot (infra/rotation.ts); the switch is the Action, or the rule config.
        assert.deepStrictEqual(figures.firstRotationSteps, {
            actions: ["login-code-green-secret (state)", "login-code-green-credentials (client-secret)", "verify-grants-check (check)", "login-action-enrich-from-apis (deploy)"],
            rules: ["login-code-green-secret (state)", "login-code-green-credentials (client-secret)", "verify-grants-check (check)", "login-config-M2M_CREDENTIALS (deploy)"],
        });
    });

    it("must keep stderr quiet when it is not a terminal", () => {
        assert.strictEqual(stderr, "");
    });

    it("must fit its tables in 120 columns", () => {
        const lines = formatRotationReport(figures);
        assert.ok(lines.some((l) => l.startsWith("mode     token lifetime  strategy")));
        for (const line of lines) assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
    });
});
