import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { runChild } from "../../local/childProcess";
import { PROJECT, ROOT, TEST_PROVIDER_CONFIG, stackFileConfig } from "../../local/stack/program";
import { ResourceMonitor, startResourceMonitor } from "./support/resourceMonitor";

/**
 * The program run as the CLI runs it: the nodejs language host execs the SDK's launcher
 * `@pulumi/pulumi/cmd/run` with --monitor, --project, --stack, --pwd and the program directory,
 * the stack's config as JSON in PULUMI_CONFIG, PULUMI_NODEJS_TYPESCRIPT=true unless Pulumi.yaml's
 * runtime options say `typescript: false` (the default is true), PULUMI_NODEJS_TSCONFIG_PATH
 * from `tsconfig` (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go at 1b59498:
 * parseOptions lines 291-301, execRuntime lines 911-923). Without --engine the SDK's log.error writes
 * `error: [runtime] <message>` to stderr (sdk/nodejs/log/index.ts lines 86-95), the text the CLI
 * would show as the program's error diagnostic.
 */
const LAUNCHER = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run");
const RUNTIME_OPTIONS = (yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options?: { typescript?: boolean; tsconfig?: string } } })
    .runtime.options ?? {};

async function runUnderLauncher(monitor: ResourceMonitor, config: Record<string, string>) {
    return runChild(
        process.execPath,
        [LAUNCHER, `--monitor=${monitor.address}`, `--project=${PROJECT}`, "--stack=dev", `--pwd=${ROOT}`, "infra/"],
        {
            cwd: ROOT,
            env: {
                PATH: process.env.PATH,
                HOME: process.env.HOME,
                PULUMI_CONFIG: JSON.stringify(config),
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["auth0:clientSecret"]),
                // The language host's translation of Pulumi.yaml's runtime options (execRuntime, above).
                ...(RUNTIME_OPTIONS.typescript === false ? {} : { PULUMI_NODEJS_TYPESCRIPT: "true" }),
                ...(RUNTIME_OPTIONS.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: RUNTIME_OPTIONS.tsconfig } : {}),
                // Type checking changes nothing printed here and takes ~40 s; transpile only.
                PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            },
        },
    );
}

describe("the program under the SDK's launcher (what `pulumi up` prints)", function () {
    this.timeout(120_000);
    let monitor: ResourceMonitor;
    before(async () => { monitor = await startResourceMonitor(PROJECT, "dev"); });
    after(async () => { await monitor?.close(); });

    it("must print a refused configuration once, every problem listed, with no stack trace, and exit non-zero before declaring anything", async () => {
        const config = {
            ...TEST_PROVIDER_CONFIG,
            ...stackFileConfig("dev"),
            [`${PROJECT}:protec`]: "true",
            [`${PROJECT}:apiBaseUrl`]: "http://svc:hunter2-pw@api.example.com",
        };
        const result = await runUnderLauncher(monitor, config);
        assert.notStrictEqual(result.code, 0, result.stderr);
        const printed = result.stdout + result.stderr;
        assert.strictEqual(printed.split("invalid stack configuration:").length - 1, 1, `printed more than once:\n${printed}`);
        assert.match(printed, /^error: \[runtime\] invalid stack configuration:$/m);
        assert.match(printed, /^ {2}- auth0-tenant:protec: not a key of this project; did you mean `protect`\?$/m);
        assert.match(printed, /^ {2}- auth0-tenant:apiBaseUrl: "http:\/\/\*\*\*@api\.example\.com" carries credentials/m);
        assert.doesNotMatch(printed, /\n\s+at /, `stack trace printed:\n${printed}`);
        assert.doesNotMatch(printed, /unhandled exception|problems:/, printed);
        assert.ok(!printed.includes("hunter2-pw"), "the URL's password was echoed");
        assert.ok(!printed.includes(TEST_PROVIDER_CONFIG["auth0:clientSecret"]), "the deployer's secret was echoed");
        // Only the stack itself was registered: the refusal came before any resource.
        assert.deepStrictEqual(monitor.registered.map((r) => r.split(" ")[0]), ["pulumi:pulumi:Stack"]);
    });
});
