/**
 * The verification inside `pulumi up` (infra/grantVerification.ts) runs only when its Command is
 * created or updated, which the Command provider does only when its inputs change
 * (pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go 33-90), and is replaced
 * when its `triggers` change (replaceOnChanges, provider/pkg/provider/common/inputs.go 10). So
 * what it depends on must be in its inputs, and nothing that depends on the checkout must be.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { OperationResult, operate } from "../../../local/engine/operation";
import { ROOT } from "../../../tools/stack/program";
import { copyRepository, RepositoryCopy } from "../../support/repositoryCopy";
import { explain, modeSettings, stackFileOf, stepsOf } from "./support";
import { compileCacheWarm } from "./warmCompileCache";

const STACK = "dev";

describe("the verification's Command, through the engine double", function () {
    this.timeout(300_000);
    const file = stackFileOf(STACK);
    const set = modeSettings("actions");
    let copy: RepositoryCopy;
    let deployed: OperationResult;

    before(async () => {
        await compileCacheWarm();
        copy = copyRepository("verification-reruns");
        // Deployed from another checkout directory (CI's), then previewed from this one (a laptop's).
        deployed = await operate({ stack: STACK, stackFile: file, set, dryRun: false, root: copy.dir });
        assert.ok(deployed.ok, explain(deployed));
    });
    after(() => copy?.remove());

    const changed = (result: OperationResult) => stepsOf(result).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name} [${s.diffs.join(",")}]`);

    it("must plan nothing for the same stack deployed from another checkout directory", async () => {
        assert.ok(deployed.stage !== "config");
        assert.notEqual(path.resolve(copy.dir), path.resolve(ROOT));
        const here = await operate({ stack: STACK, stackFile: file, set, dryRun: true, prior: deployed.state, root: ROOT });
        assert.ok(here.ok, explain(here));
        assert.deepEqual(changed(here), []);
    });

    it("must re-run when only an Action's code changes", async () => {
        assert.ok(deployed.stage !== "config");
        const code = path.join(copy.dir, "actions", "require-verified-email.js");
        fs.appendFileSync(code, "\n// a change to the login code alone\n");
        const edited = await operate({ stack: STACK, stackFile: file, set, dryRun: true, prior: deployed.state, root: copy.dir });
        assert.ok(edited.ok, explain(edited));
        const steps = stepsOf(edited);
        const op = (name: string) => steps.find((s) => s.name === name && !s.replaced)?.op;
        assert.equal(op("login-action-require-verified-email"), "update", changed(edited).join("\n"));
        assert.equal(op("verify-grants-check"), "replace", changed(edited).join("\n"));
    });
});
