import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadProject } from "../../../local/engine/cliConfig";
import { runLanguageHost } from "../../../local/engine/languageHost";
import { ROOT } from "../../../local/engine/operation";

/**
 * `pulumi up` compiles the program with ts-node in the program directory (`main: infra/` makes
 * that infra/; pulumi/pulumi sdk/nodejs/cmd/run/run.ts reads PULUMI_NODEJS_TSCONFIG_PATH or
 * ./tsconfig.json there, else ts-node's own non-strict defaults). A project laid out like ours,
 * with our Pulumi.yaml, tsconfig files and a program that only strict mode refuses, must fail
 * to compile under the host's entry point.
 */
describe("engine double: the program compiled as pulumi up compiles it", function () {
    this.timeout(120_000);
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-compile-"));
        for (const file of ["Pulumi.yaml", "package.json", "tsconfig.json", "infra/tsconfig.json"]) {
            if (!fs.existsSync(path.join(ROOT, file))) continue;
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
        }
        fs.mkdirSync(path.join(dir, "infra"), { recursive: true });
        // Implicit any: an error under the project's `strict`, accepted by ts-node's defaults.
        fs.writeFileSync(path.join(dir, "infra", "index.ts"), "export const echo = (value) => value;\n");
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("must apply the project's strict compiler settings", async () => {
        const project = loadProject(dir);
        const errors: string[] = [];
        const result = await runLanguageHost(
            {
                root: dir,
                main: project.main,
                options: project.runtime.options,
                project: project.name,
                stack: "dev",
                config: {},
                configSecretKeys: [],
                dryRun: true,
                env: { TS_NODE_CACHE_DIRECTORY: path.join(dir, ".ts-node") },
            },
            {
                register: () => Promise.resolve({ urn: "urn:pulumi:dev::auth0-tenant::pulumi:pulumi:Stack::auth0-tenant-dev", outputs: {} }),
                registerOutputs: () => undefined,
                invoke: () => ({}),
                log: (severity, message) => void (severity === "error" && errors.push(message)),
            },
        );
        assert.ok(result.error || result.bail, "the program compiled without the project's strict settings");
        // The SDK reports the compile error to the engine's log, then exits with 32 (bail).
        assert.match(errors.join("\n") + result.stderr, /TS7006: Parameter 'value' implicitly has an 'any' type/);
    });
});
