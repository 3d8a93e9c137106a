import * as assert from "assert";
import { DOUBLE_DEPLOYER, operate } from "../../local/engine/operation";
import { explain } from "../local/engine/support";
import { compileCacheWarm } from "../local/engine/warmCompileCache";

/**
 * The program run as the CLI runs it, through the engine double (local/engine): the CLI's config
 * merge, then the nodejs language host's exec of the SDK's launcher `@pulumi/pulumi/cmd/run` with
 * --monitor, --engine, --pwd at the program directory and the stack's config in PULUMI_CONFIG,
 * against a ResourceMonitor/Engine built from the SDK's stubs (docs/engine-double.md). With
 * --engine, the SDK reports a program's error to the engine's log (sdk/nodejs/log/index.ts), which
 * the CLI prints as the program's error diagnostic; a RunError is reported by its message alone
 * (sdk/nodejs/cmd/run/run.ts 418-420) and the launcher exits 32, "already reported".
 */
describe("the program under the SDK's launcher (what `pulumi up` prints)", function () {
    this.timeout(120_000);
    before(compileCacheWarm);

    it("must print a refused configuration once, every problem listed, with no stack trace, and exit non-zero before declaring anything", async () => {
        const result = await operate({
            stack: "dev",
            set: { protec: "true", apiBaseUrl: "http://svc:hunter2-pw@api.example.com" },
            dryRun: false,
        });
        assert.ok(result.stage === "program" && !result.ok, `the program must fail:\n${explain(result)}`);
        // Exit 32: the host adds no "Program exited with non-zero exit code" of its own.
        assert.strictEqual(result.error, undefined, result.error);
        const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
        const printed = [...errors, result.error ?? "", result.stderr].join("\n");
        assert.strictEqual(printed.split("invalid stack configuration:").length - 1, 1, `printed more than once:\n${printed}`);
        assert.strictEqual(errors.length, 1, errors.join("\n---\n"));
        assert.match(errors[0], /^invalid stack configuration:$/m);
        assert.match(errors[0], /^ {2}- auth0-tenant:protec: not a key of this project; did you mean `protect`\?$/m);
        assert.match(errors[0], /^ {2}- auth0-tenant:apiBaseUrl: "http:\/\/\*\*\*@api\.example\.com" carries credentials/m);
        assert.doesNotMatch(printed, /\n\s+at /, `stack trace printed:\n${printed}`);
        assert.doesNotMatch(printed, /unhandled exception|problems:/, printed);
        assert.ok(!printed.includes("hunter2-pw"), "the URL's password was echoed");
        assert.ok(!printed.includes(DOUBLE_DEPLOYER.AUTH0_CLIENT_SECRET), "the deployer's secret was echoed");
        // Only the stack itself was registered: the refusal came before any resource.
        assert.deepStrictEqual(result.steps.map((s) => s.type), ["pulumi:pulumi:Stack"]);
    });
});
