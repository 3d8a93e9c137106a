/**
 * Keeps the tests to fixtures of their own: a test that reads a committed stack file, or asserts a
 * value one of them holds, fails as soon as a team writes its own tenant there (README.md,
 * "Deploying to a tenant"). The values looked for are taken from the committed files themselves,
 * so the guard holds for whichever tenant they name.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../tools/stack/program";
import { stackNames } from "../../tools/stack/stackFiles";
import { dependenceOnCommittedFiles, sampleValues } from "../support/committedValues";

/**
 * The files allowed to name the committed stack files or where stack files are read from: the one
 * test of them, the copy test and what it writes, the setting that points every other test at the
 * fixtures and the test of that setting, this guard, and the tests that write stack files of their
 * own into scratch directories.
 */
const ALLOWED = [
    "test/committedStackFiles.test.ts",
    "test/copy.test.ts",
    "test/support/anotherTenant.ts",
    "test/support/fixtureStacks.ts",
    "test/tools/stack/stackFiles.test.ts",
    "test/support/committedValues.ts",
    "test/ci/fixturesOnly.test.ts",
    // They write stack files into scratch repositories or copies of their own and read those back.
    "test/github/rotateSecretsWorkflow.test.ts",
    "test/scripts/initStack.test.ts",
    "test/scripts/bootstrapDeployers.test.ts",
    "test/docs/firstDeploy.test.ts",
];

function testFiles(): string[] {
    return fs
        .readdirSync(path.join(ROOT, "test"), { recursive: true })
        .map((file) => path.posix.join("test", ...String(file).split(path.sep)))
        .filter((file) => /\.(ts|cjs|js|mjs)$/.test(file) && !file.startsWith("test/fixtures/"))
        .sort();
}

describe("tests use fixtures of their own, never the committed stack files", () => {
    const stacks = stackNames(ROOT);
    const values = sampleValues(stacks.map((stack) => fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")));

    it("must find the committed files' tenant values to look for", () => {
        assert.ok(values.length >= stacks.length, `only ${values.join(", ")}`);
    });

    it("must flag a test that reads a committed stack file or asserts one of its values, and pass one that uses a fixture", () => {
        const sample = sampleValues(["config:\n  auth0:domain: dev-abc.us.auth0.com\n  auth0-tenant:authzExtensionUrl: https://dev-abc.us12.webtask.run/0123456789abcdef0123456789abcdef/api\n"]);
        assert.deepEqual(sample, ["0123456789abcdef0123456789abcdef", "dev-abc.us.auth0.com", "dev-abc.us12.webtask.run", "https://dev-abc.us12.webtask.run/0123456789abcdef0123456789abcdef/api"]);
        const flagged = (source: string) => dependenceOnCommittedFiles(source, ["dev", "staging"], sample);
        assert.deepEqual(flagged('fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"))'), ["names Pulumi.staging.yaml"]);
        assert.deepEqual(flagged("runUnderMocks({ stack, stackDir: ROOT })"), ["reads the repository's stack files (ROOT)"]);
        assert.deepEqual(flagged("assert.match(out, /AUTH0_DOMAIN=dev-abc\\.us\\.auth0\\.com$/)"), ["holds dev-abc.us.auth0.com, a value of a committed stack file"]);
        assert.deepEqual(flagged('assert.equal(config.domain, "fixture-dev.us.auth0.com"); // the dev fixture'), []);
        assert.deepEqual(flagged('assert.equal(host, "old-dev-abc.us.auth0.com.example")'), []);
    });

    it("must leave every test but the committed files' own free of them", () => {
        const offenders = testFiles()
            .filter((file) => !ALLOWED.includes(file))
            .flatMap((file) => dependenceOnCommittedFiles(fs.readFileSync(path.join(ROOT, file), "utf8"), stacks, values).map((why) => `${file}: ${why}`));
        assert.deepEqual(offenders, [], "use test/fixtures/stacks (runUnderMocks and operate read it under mocha), not the committed stack files");
    });
});
