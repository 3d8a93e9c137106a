import * as assert from "assert";
import { DriftRow } from "../../../local/sim/driftLab";
import { costOf, formatRow, repaired } from "../../../local/sim/driftLabReport";

const cost = { seconds: 3.14159, programRuns: 2, replayed: 5 };
const held: DriftRow = {
    case: "grant-deleted",
    detectedBy: ["preview --refresh --expect-no-changes (1 changes)", "check-login-drift (1 differences)"],
    repair: "pulumi up --refresh",
    changesAfterRepair: 0,
    failedLoginsAfterRepair: 0,
    detectedAfterRepair: [],
};

describe("local/sim/driftLabReport", () => {
    it("must count a case repaired only when it was detected and nothing is left after the repair", () => {
        assert.strictEqual(repaired(held), true);
        assert.strictEqual(repaired({ ...held, detectedBy: [] }), false);
        assert.strictEqual(repaired({ ...held, changesAfterRepair: 1 }), false);
        assert.strictEqual(repaired({ ...held, failedLoginsAfterRepair: 3 }), false);
        assert.strictEqual(repaired({ ...held, detectedAfterRepair: ["check-login-drift (1 differences)"] }), false);
    });

    it("must print each case as ok or FAIL, its cost, what detected it, the repair and what the next drift run finds", () => {
        assert.strictEqual(costOf(cost), "3.1 s, 2 program runs, 5 replayed");
        assert.strictEqual(
            formatRow(held, cost),
            "ok    grant-deleted (3.1 s, 2 program runs, 5 replayed)\n" +
                "      detected by: preview --refresh --expect-no-changes (1 changes); check-login-drift (1 differences)\n" +
                "      repair: pulumi up --refresh\n" +
                "      changes after repair: 0, failed logins after repair: 0\n" +
                "      the next drift run finds: nothing",
        );
        assert.strictEqual(
            formatRow({ ...held, detectedBy: [], failedLoginsAfterRepair: 4, detectedAfterRepair: ["check-login-drift (2 differences)"] }, cost),
            "FAIL  grant-deleted (3.1 s, 2 program runs, 5 replayed)\n" +
                "      detected by: nothing\n" +
                "      repair: pulumi up --refresh\n" +
                "      changes after repair: 0, failed logins after repair: 4\n" +
                "      the next drift run finds: check-login-drift (2 differences)",
        );
    });
});
