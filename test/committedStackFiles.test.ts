/**
 * The one test that reads the committed stack files. Their values are a team's own tenant's
 * (README.md, "Deploying to a tenant"), so nothing here asserts a value: each file, whatever it
 * holds, must be accepted by what the Pulumi CLI checks before the program runs
 * (local/engine/cliConfig.ts: declared keys, types, required keys, `secure:` values) and by the
 * program itself (infra/config.ts, run under mocks), with no plaintext secret. Every other test
 * reads test/fixtures/stacks (test/ci/fixturesOnly.test.ts keeps it so).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { loadProject, mergeStackConfig, parseStackFile } from "../local/engine/cliConfig";
import { PROJECT, ROOT, runUnderMocks, stackFileConfig } from "../tools/stack/program";
import { stackFilePath, stackNames } from "../tools/stack/stackFiles";
import { reviewStackConfig } from "../tools/reviewStackConfig";
import { loadPipelineTable, stackNames as tableStackNames } from "../tools/pipelineTable";

interface Declared { type?: string; secret?: boolean }

describe("the committed stack files (whatever tenant they name)", function () {
    this.timeout(60_000);
    const project = loadProject(ROOT);
    const declared = project.config as Record<string, Declared>;
    const stacks = stackNames(ROOT);

    it("must include a stack file", () => assert.ok(stacks.length > 0, `no Pulumi.<stack>.yaml in ${ROOT}`));

    it("must hold a stack file for every long-lived stack of .github/pipeline.json", () => {
        // Other stack files (a laptop's stack) may exist: CI previews and deploys only the table's.
        const missing = tableStackNames(loadPipelineTable()).filter((stack) => !stacks.includes(stack));
        assert.deepEqual(missing, [], "add Pulumi.<stack>.yaml for each, or take the stack out of .github/pipeline.json");
    });

    for (const stack of stacks) {
        const text = () => fs.readFileSync(stackFilePath(stack, ROOT), "utf8");

        it(`must keep Pulumi.${stack}.yaml to declared keys, typed as declared, with no plaintext secret`, () => {
            const file = yaml.load(text()) as { config?: Record<string, unknown> } | undefined;
            assert.ok(file?.config, `Pulumi.${stack}.yaml has no config: section`);
            for (const [fullKey, value] of Object.entries(file.config)) {
                const secure = typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value;
                const [ns, key] = fullKey.split(":");
                if (ns === "auth0") {
                    assert.ok(["domain", "clientId", "clientSecret"].includes(key), `unexpected provider key ${fullKey}`);
                    if (key === "clientSecret") assert.ok(secure, `${fullKey} must be a secure: value`);
                    continue;
                }
                assert.equal(ns, PROJECT, fullKey);
                const decl = declared[key];
                assert.ok(decl, `${fullKey} is not declared in Pulumi.yaml`);
                if (decl.secret) assert.ok(secure, `${fullKey} must be a secure: value`);
                if (secure) continue;
                const actual = Array.isArray(value) ? "array" : typeof value === "number" ? "integer" : typeof value;
                assert.equal(actual, decl.type, `${fullKey} is ${actual}, declared ${decl.type}`);
            }
        });

        it(`must pass the CLI's configuration checks for Pulumi.${stack}.yaml, with no passphrase in the environment`, () => {
            // As the test job runs: no PULUMI_CONFIG_PASSPHRASE, whichever secrets provider wrote the file.
            assert.doesNotThrow(() => mergeStackConfig(project, stack, parseStackFile(text()), {}));
        });

        it(`must be accepted by the program (infra/config.ts) for Pulumi.${stack}.yaml`, async () => {
            const run = await runUnderMocks({ stack, stackDir: ROOT });
            assert.ok(run.declared.length > 0, "the program declared nothing");
        });
    }

    if (stacks.includes("dev") && stacks.includes("prod")) {
        it("must give prod a tenant and an API identifier of its own, and protect it", () => {
            const dev = stackFileConfig("dev", ROOT);
            const prod = stackFileConfig("prod", ROOT);
            assert.notEqual(prod["auth0:domain"], dev["auth0:domain"]);
            assert.notEqual(prod[`${PROJECT}:apiIdentifier`], dev[`${PROJECT}:apiIdentifier`]);
            assert.equal(prod[`${PROJECT}:protect`], "true");
        });
    }

    if (stacks.includes("dev")) {
        it("must give a review stack, generated from Pulumi.dev.yaml, a configuration the CLI and the program accept", async () => {
            const review = reviewStackConfig(fs.readFileSync(stackFilePath("dev", ROOT), "utf8"), "7");
            assert.doesNotThrow(() => mergeStackConfig(project, review.stack, parseStackFile(review.text), {}));
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-stack-"));
            try {
                fs.writeFileSync(stackFilePath(review.stack, dir), review.text);
                await runUnderMocks({ stack: review.stack, stackDir: dir });
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
