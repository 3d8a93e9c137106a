/**
 * The client secret reaches Auth0 whenever its value changes, whatever replaced it: the provider
 * PATCHes a write-only secret only when `clientSecretWoVersion` changes
 * (terraform-provider-auth0 v1.53.0 internal/auth0/client/resource_credentials.go 749-756).
 */
import * as assert from "node:assert/strict";
import { StateResource } from "../../../local/engine/deployment";
import { OperationResult, operate } from "../../../local/engine/operation";
import { explain, modeSettings, stackFileOf, stepsOf } from "./support";
import { compileCacheWarm } from "./warmCompileCache";

const STACK = "dev";

function opOf(result: OperationResult, name: string): string {
    const found = stepsOf(result).filter((s) => s.name === name && !s.replaced);
    assert.equal(found.length, 1, `one step for ${name}`);
    return found[0].op;
}

describe("the client secret's write-only version, through the engine double", function () {
    this.timeout(300_000);
    const file = stackFileOf(STACK);
    let first: OperationResult;

    before(async () => {
        await compileCacheWarm();
        first = await operate({ stack: STACK, stackFile: file, set: modeSettings("actions"), dryRun: false });
        assert.ok(first.ok, explain(first));
    });

    it("must send Auth0 a RandomPassword replaced for a reason other than a rotation (its length changed), and verify it", async () => {
        assert.ok(first.stage !== "config");
        // The state of a stack whose program declared another length: the engine replaces the
        // password (length is ForceNew, terraform-provider-random resource_password.go 585).
        const prior: StateResource[] = first.state.map((r) =>
            r.name === "login-code-green-secret" ? { ...r, inputs: { ...r.inputs, length: 48 } } : r,
        );
        const results = await Promise.all([true, false].map((dryRun) => operate({ stack: STACK, stackFile: file, set: modeSettings("actions"), dryRun, prior })));
        for (const result of results) {
            assert.ok(result.ok, explain(result));
            assert.equal(opOf(result, "login-code-green-secret"), "replace");
            assert.equal(opOf(result, "login-code-green-credentials"), "update", "the new value must reach Auth0");
            assert.equal(opOf(result, "verify-grants-check"), "replace");
            assert.equal(opOf(result, "login-code-blue-credentials"), "same", "the other slot is untouched");
        }
    });
});
