import * as assert from "node:assert/strict";
import { compileCacheWarm } from "./warmCompileCache";
import { EngineDeploys, engineDeploys, planRotations, reconcileWithEngine, RotationPlan } from "../../local/rotationSimulation";

describe("simulate:rotation's steps from the engine double's plan", function () {
    this.timeout(180_000);
    let mocked: RotationPlan;
    let deploys: EngineDeploys;
    let planned: RotationPlan;

    before(async () => {
        mocked = await planRotations(1, 2, "actions");
        await compileCacheWarm();
        deploys = await engineDeploys(mocked);
        planned = reconcileWithEngine(mocked, deploys);
    });

    it("must take the engine's steps in the engine's order: the fresh secret, its credentials and the verification before the code's settings", () => {
        for (const rotation of planned.rotations) {
            const order = rotation.steps.map((s) => s.name);
            const action = order.indexOf("login-action-enrich-from-apis");
            const fresh = rotation.to % 2 === 1 ? "blue" : "green";
            assert.ok(action > order.indexOf(`login-code-${fresh}-credentials`), order.join(" > "));
            assert.ok(action > order.indexOf("verify-grants-check"), order.join(" > "));
            assert.ok(order.indexOf(`login-code-${fresh}-secret`) < order.indexOf(`login-code-${fresh}-credentials`));
        }
    });

    it("must refuse a plan that disagrees with the program's registrations", () => {
        // One rotation: the stack deployed at 1, then at 2.
        const extra = { ...mocked, rotations: [{ ...mocked.rotations[0], steps: [...mocked.rotations[0].steps, { type: "auth0:index/client:Client", name: "login-code-blue-client", after: [], effect: { kind: "state" as const } }] }] };
        assert.throws(() => reconcileWithEngine(extra, deploys), /the engine plans \[.*\] but the program's registrations change \[.*login-code-blue-client.*\]/);
    });
});
