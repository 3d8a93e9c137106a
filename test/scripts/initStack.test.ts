import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { loadProject, mergeStackConfig, readStackFile } from "../../local/engine/cliConfig";
import { ChildResult, runChild } from "../../tools/childProcess";
import { command as initCommand } from "../../scripts/init-stack";
import { readCommandLine } from "../../tools/cli";
import { copyRepository, RepositoryCopy } from "../support/repositoryCopy";

const DOMAIN = "qa-tenant.eu.auth0.com";
const EXTENSION_URL = "https://qa-tenant.eu12.webtask.run/0123456789abcdef/api";

describe("npm run init (scripts/init-stack.ts)", function () {
    this.timeout(120_000);
    let repo: RepositoryCopy;
    /** `npm run init -- <args>` in the copy, as a user types it. */
    const init = (...args: string[]): Promise<ChildResult> =>
        runChild("npm", ["run", "init", "--", ...args], { cwd: repo.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    const stackFile = (stack: string) => path.join(repo.dir, `Pulumi.${stack}.yaml`);

    before(() => {
        repo = copyRepository("init-stack");
    });
    after(() => repo.remove());

    it("must write a stack file the CLI accepts (every key without a default set), with no credentials, and refuse to overwrite it", async function () {
        const first = await init("--stack", "qa", "--domain", DOMAIN, "--api-base-url", "https://api.qa.example.org", "--authz-extension-url", EXTENSION_URL);
        assert.equal(first.code, 0, first.stdout + first.stderr);
        assert.match(first.stdout, /init: wrote Pulumi\.qa\.yaml/);
        const written = fs.readFileSync(stackFile("qa"), "utf8");
        const config = (yaml.load(written) as { config: Record<string, unknown> }).config;
        assert.equal(config["auth0:domain"], DOMAIN);
        assert.equal(config["auth0-tenant:apiIdentifier"], "urn:auth0-tenant:qa:api");
        assert.equal(config["auth0-tenant:authzExtensionUrl"], EXTENSION_URL);
        assert.equal(config["auth0-tenant:authzExtensionEnabled"], true);
        assert.deepEqual(Object.keys(config).filter((k) => k.startsWith("auth0:")), ["auth0:domain"]);
        assert.doesNotMatch(written, /secure:|clientSecret:|clientId:|apiToken:/);
        // The CLI's own merge (modelled in local/engine/cliConfig.ts) finds nothing missing or mistyped.
        const merged = mergeStackConfig(loadProject(repo.dir), "qa", readStackFile(repo.dir, "qa"), {});
        assert.equal(merged.config["auth0-tenant:claimNamespace"], "https://auth0-tenant/claims/", "Pulumi.yaml's default");

        const again = await init("--stack", "qa", "--domain", "other.eu.auth0.com", "--api-base-url", "https://api.qa.example.org", "--no-authz-extension");
        assert.equal(again.code, 1);
        assert.match(again.stderr, /init: Pulumi\.qa\.yaml exists; not overwritten/);
        assert.equal(fs.readFileSync(stackFile("qa"), "utf8"), written);
    });

    it("must refuse, through the program's own validation, a value infra/config.ts refuses, naming the key, and write nothing", async function () {
        const r = await init(
            "--stack", "qa2", "--domain", DOMAIN, "--api-base-url", "http://api.qa.example.org",
            "--authz-extension-url", "https://qa-tenant.eu12.webtask.run/0123456789abcdef", "--no-api-probe",
        );
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /auth0-tenant:apiBaseUrl: "http:\/\/api\.qa\.example\.org" must use https/);
        assert.match(r.stderr, /auth0-tenant:authzExtensionUrl: .* does not end in \/api/);
        assert.equal(fs.existsSync(stackFile("qa2")), false);
    });

    it("must write apiProbeEnabled: false for --no-api-probe, and no extension URL for --no-authz-extension", async function () {
        const r = await init("--stack", "qa3", "--domain", DOMAIN, "--api-base-url", "https://api.qa.example.org", "--no-authz-extension", "--no-api-probe");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const config = (yaml.load(fs.readFileSync(stackFile("qa3"), "utf8")) as { config: Record<string, unknown> }).config;
        assert.equal(config["auth0-tenant:apiProbeEnabled"], false);
        assert.equal(config["auth0-tenant:authzExtensionEnabled"], false);
        assert.equal("auth0-tenant:authzExtensionUrl" in config, false);
    });

    /**
     * The refusals are settled by the command line alone (tools/cli.ts readCommandLine, what
     * runCommand prints and exits with). One goes through `npm run init`, whose value npm must pass
     * as one argument, and must answer as the reader does; the reader answers the others.
     */
    const THROUGH_NPM = "a stack name with a character Pulumi refuses";
    for (const [title, args, expected] of [
        [THROUGH_NPM, ["--stack", "qa stack"], /--stack: not a stack name: character 3 is not allowed; expected a stack name \(letters, digits, hyphens, underscores or periods/],
        ["an <org>/<stack> name", ["--stack", "acme/qa"], /--stack: not a stack name: character 5 is not allowed \(the bare name, without <org>\/ or <org>\/<project>\/: the file is Pulumi\.<name>\.yaml\)/],
        ["a stack name that names a directory", ["--stack", ".."], /--stack: not a stack name: \. and \.\. name directories/],
        ["neither extension option", ["--stack", "qa4"], /expected exactly one of --authz-extension-url <URL> and --no-authz-extension/],
    ] as const) {
        it(`must refuse ${title} with exit 2 and the usage, writing nothing`, async function () {
            const argv = [...args, "--domain", DOMAIN, "--api-base-url", "https://api.qa.example.org"];
            const line = readCommandLine(initCommand, argv);
            assert.ok(!("args" in line), "parsed as arguments to run with");
            let r: { code: number | null; stdout: string; stderr: string } = { code: line.exitCode, stdout: line.stdout, stderr: line.stderr };
            if (title === THROUGH_NPM) {
                const spawned = await init(...argv);
                assert.deepEqual({ code: spawned.code, stderr: spawned.stderr }, { code: r.code, stderr: r.stderr });
                r = spawned;
            }
            assert.equal(r.code, 2, r.stdout + r.stderr);
            assert.match(r.stderr, expected);
            assert.match(r.stderr, /usage: npm run init --/);
            assert.doesNotMatch(r.stderr, /qa stack|acme/, "the value is not repeated");
            assert.deepEqual(fs.readdirSync(repo.dir).filter((f) => /^Pulumi\.(qa[ 4]|\.)/.test(f)), []);
        });
    }
});
