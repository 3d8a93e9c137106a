/**
 * The repository as a team takes it: a copy whose stack files hold another tenant's values
 * (test/support/anotherTenant.ts), with a third stack and `secure:` provider secrets as
 * `pulumi config set --secret auth0:clientSecret` writes them on Pulumi Cloud (no encryptionsalt:
 * the service secrets provider) and with the passphrase provider (no passphrase in the
 * environment, as in the test job). Inside the copy, the tests that read committed repository
 * files pass, and `npm run preview` succeeds for every stack.
 *
 * test/github/workflows.test.ts is left out: it takes every stack file for a long-lived stack
 * of the workflow matrices, so a laptop stack (staging here) fails it until the workflows read the
 * long-lived stacks from one declared file.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ChildResult, runChild } from "../tools/childProcess";
import { stackFilePath } from "../tools/stack/stackFiles";
import { ANOTHER_TENANT, replaceValues } from "./support/anotherTenant";
import { copyRepository } from "./support/repositoryCopy";

/** The test files that read the repository's own files rather than fixtures. */
const REPOSITORY_TESTS = [
    "test/committedStackFiles.test.ts",
    "test/ci/fixturesOnly.test.ts",
    "test/docs/docsClaims.test.ts",
    "test/infra/pulumiYaml.test.ts",
    "test/github/workflows.test.ts",
    "test/tools/pipelineTrust.test.ts",
];

/** A `secure:` value as Pulumi Cloud's service provider writes it (base64 of the service's ciphertext). */
const SERVICE_CIPHERTEXT = "AAABAGNpcGhlcnRleHQtdGhlLXNlcnZpY2Uta2VlcHM=";
/** A `secure:` value and salt as the passphrase provider writes them (crypt.go: v1:<nonce>:<sealed>). */
const PASSPHRASE_SALT = "v1:c2FsdHNhbHQ=:v1:bm9uY2Vub25jZQ==:Y2hlY2tjaGVja2NoZWNr";
const PASSPHRASE_CIPHERTEXT = "v1:bm9uY2Vub25jZTEy:c2VhbGVkLXNlY3JldC1hbmQtaXRzLXRhZw==";

/** The environment of a user's shell in the copy: no stack-file override, no passphrase. */
function userEnv(): NodeJS.ProcessEnv {
    return { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`, HOME: process.env.HOME ?? "" };
}

describe("the repository with another tenant's values and a third stack (a copy)", function () {
    this.timeout(120_000);
    let dir: string;
    let mocha: ChildResult;
    const previews: Record<string, ChildResult> = {};

    before(async function () {
        dir = copyRepository("tenant-copy").dir;
        const devText = fs.readFileSync(stackFilePath("dev", dir), "utf8");
        for (const [stack, values] of Object.entries(ANOTHER_TENANT)) {
            const text = stack === "staging" ? devText : fs.readFileSync(stackFilePath(stack, dir), "utf8");
            fs.writeFileSync(stackFilePath(stack, dir), replaceValues(text, values));
        }
        // `pulumi config set --secret auth0:clientSecret …` on Pulumi Cloud (staging) and with the passphrase provider (dev).
        fs.appendFileSync(stackFilePath("staging", dir), `  auth0:clientSecret:\n    secure: ${SERVICE_CIPHERTEXT}\n`);
        fs.appendFileSync(stackFilePath("dev", dir), `  auth0:clientSecret:\n    secure: ${PASSPHRASE_CIPHERTEXT}\nencryptionsalt: ${PASSPHRASE_SALT}\n`);
        const mochaBin = path.join(dir, "node_modules", "mocha", "bin", "mocha.js");
        const requires = ["tsx/cjs", "test/support/fixtureStacks.ts"].flatMap((r) => ["--require", r]);
        const preview = (stack: string) => runChild("npm", ["run", "--silent", "preview", "--", "--stack", stack, "--no-policy"], { cwd: dir, env: userEnv() });
        // The copy is a new directory to ts-node's compile cache (test/support/repositoryCopy.ts):
        // the first preview type-checks the program once, alongside the tests, and the others
        // then read what it compiled instead of each type-checking it again at the same time.
        const [first, ...others] = Object.keys(ANOTHER_TENANT);
        const [tests, firstRun] = await Promise.all([
            runChild(process.execPath, [mochaBin, "--no-config", ...requires, "--extension", "ts", "--timeout", "60000", "--reporter", "dot", ...REPOSITORY_TESTS], { cwd: dir, env: userEnv() }),
            preview(first),
        ]);
        mocha = tests;
        previews[first] = firstRun;
        const runs = await Promise.all(others.map(preview));
        others.forEach((stack, i) => (previews[stack] = runs[i]));
    });

    after(function () {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("must pass the tests that read the repository's own files", () => {
        assert.equal(mocha.code, 0, mocha.stdout + mocha.stderr);
        assert.match(mocha.stdout, /\d+ passing/);
        assert.doesNotMatch(mocha.stdout, /failing|pending/);
    });

    /** The long-lived stack given a deployer's secret: CI would lose its own deployer to it. */
    const CARRIES_CREDENTIALS = "dev";

    for (const stack of Object.keys(ANOTHER_TENANT).filter((s) => s !== CARRIES_CREDENTIALS)) {
        it(`must preview stack ${stack} with npm run preview, from its own values`, () => {
            const result = previews[stack];
            assert.equal(result.code, 0, result.stdout + result.stderr);
            assert.match(result.stdout, new RegExp(`Previewing update \\(${stack}\\)`));
            assert.match(result.stdout, /Resources: \+ 0 to create, ~ 0 to update, \+- 0 to replace, - 0 to delete, \d+ unchanged/);
        });
    }

    it("must refuse, in one line, a long-lived stack file that carries the deployer's secret, whatever provider encrypted it", () => {
        const result = previews[CARRIES_CREDENTIALS];
        assert.equal(result.code, 1, result.stdout + result.stderr);
        const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
        assert.equal(errors.length, 1, result.stderr);
        assert.match(errors[0], /Pulumi\.dev\.yaml sets auth0:clientSecret, which the provider takes over AUTH0_CLIENT_ID \/ AUTH0_CLIENT_SECRET/);
    });

    it("must say, in one line, which secure: value it did not decrypt and why that is enough offline, printing no ciphertext", () => {
        const notes = (stack: string) => previews[stack].stdout.split("\n").filter((line) => line.startsWith("note: not decrypted"));
        assert.equal(notes("staging").length, 1);
        assert.match(notes("staging")[0], /auth0:clientSecret \(Pulumi Cloud's service secrets provider holds its key/);
        assert.deepEqual(notes("prod"), []);
        for (const result of Object.values(previews)) {
            for (const secret of [SERVICE_CIPHERTEXT, PASSPHRASE_CIPHERTEXT]) assert.ok(!(result.stdout + result.stderr).includes(secret), "a ciphertext in the output");
        }
    });
});
