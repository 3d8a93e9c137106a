import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deployTenant } from "../../../local/tenant/deployedTenant";
import { operate } from "../../../local/engine/operation";
import { ROOT, runUnderMocks } from "../../../tools/stack/program";
import { STACK_FILES_ENV, stackFilePath, stackFilesDir, stackNames } from "../../../tools/stack/stackFiles";
import { FIXTURE_STACKS } from "../../support/fixtureStacks";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

/** The dev fixture with another domain and, optionally, a key left out. */
function writeStackFile(dir: string, stack: string, domain: string, without?: string): void {
    const lines = fs.readFileSync(stackFilePath("dev", FIXTURE_STACKS), "utf8").split("\n");
    const text = lines
        .filter((line) => !(without && line.startsWith(`  ${without}:`)))
        .map((line) => (line.startsWith("  auth0:domain:") ? `  auth0:domain: ${domain}` : line))
        .join("\n");
    fs.writeFileSync(stackFilePath(stack, dir), text);
}

describe("tools/stack/stackFiles: one way for every offline reader to take stack files from elsewhere", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        writeStackFile(dir, "dev", "elsewhere-dev.eu.auth0.com");
        writeStackFile(dir, "partial", "elsewhere-partial.eu.auth0.com", "auth0-tenant:apiIdentifier");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it(`must read the repository's stack files unless ${STACK_FILES_ENV} names a directory`, () => {
        assert.equal(stackFilesDir({}), ROOT);
        assert.equal(stackFilesDir({ [STACK_FILES_ENV]: dir }), dir);
        assert.equal(stackFilesDir(), FIXTURE_STACKS, "mocha's require points every test at the fixtures");
        assert.deepEqual(stackNames(dir), ["dev", "partial"]);
    });

    it("must run the program under mocks on the stack file of the directory it is given", async () => {
        const run = await runUnderMocks({ stack: "dev", stackDir: dir });
        const check = run.one(RESOURCE_TYPES.localCommand, "verify-grants-check");
        assert.equal((check.inputs.environment as Record<string, string>).VERIFY_GRANTS_DOMAIN, "elsewhere-dev.eu.auth0.com");
    });

    it("must give the engine double's CLI checks the stack file of the directory it is given", async () => {
        const result = await operate({ stack: "partial", stackDir: dir, dryRun: true });
        assert.equal(result.stage, "config");
        assert.equal(result.stage === "config" && result.error, "Stack 'partial' is missing configuration value 'apiIdentifier'");
    });

    it("must deploy, as the local tenant, the stack file of the directory it is given", async function () {
        this.timeout(120_000);
        const deployed = await deployTenant({ stack: "dev", stackDir: dir });
        assert.equal(deployed.settings.AUTH0_DOMAIN, "elsewhere-dev.eu.auth0.com");
    });
});
