import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ChildResult, runChild } from "../../../tools/childProcess";
import { credentialCheck } from "../../../local/engine/preview";
import { loadPipelineTable, stackNames } from "../../../tools/pipelineTable";
import { fixtureStacksWith, scratchFixtureStacks, ScratchStacks } from "../../support/fixtureStacks";
import { ROOT } from "../../../tools/stack/program";
import { compileCacheWarm } from "./warmCompileCache";

/**
 * The first deploy of a stack that `npm run init` wrote (actions mode, both action files, the
 * extension enabled): the stack, 4 components (Api, RotatingM2mApplication, GrantVerification,
 * LoginFlow), 3 default providers (auth0, random, command), the ResourceServer and its
 * ResourceServerScopes, per slot (blue, green) an M2mApplication with its RandomPassword, Client,
 * ClientCredentials and 2 ClientGrants (API, extension), the verification's Command, 2 Actions
 * and the TriggerActions binding: 1 + 4 + 3 + 2 + 2 × 6 + 1 + 2 + 1.
 */
const FIRST_DEPLOY_CREATES = 26;

describe("npm run preview -- --from-empty: the plan of a first deploy", function () {
    this.timeout(300_000);
    let stacks: ReturnType<typeof scratchFixtureStacks>;
    let result: ChildResult;

    before(async function () {
        await compileCacheWarm();
        // The stack file is written into a scratch copy of the fixtures, which every offline command
        // reads when told to; the program stays in the repository, whose compilation the warm-up cached.
        stacks = scratchFixtureStacks();
        const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...stacks.env };
        const init = await runChild(
            "npm",
            ["run", "init", "--", "--stack", "qa", "--domain", "qa-tenant.eu.auth0.com", "--api-base-url", "https://api.qa.example.org",
                "--authz-extension-url", "https://qa-tenant.eu12.webtask.run/0123456789abcdef/api"],
            { cwd: ROOT, env },
        );
        assert.equal(init.code, 0, init.stdout + init.stderr);
        // A deployer's id set in the stack, as a user may: flagged, and the plan is the same.
        fs.appendFileSync(path.join(stacks.dir, "Pulumi.qa.yaml"), "  auth0:clientId: deployer-id-in-the-stack-file\n");
        result = await runChild("npm", ["run", "--silent", "preview", "--", "--stack", "qa", "--from-empty"], { cwd: ROOT, env });
    });
    after(() => stacks?.remove());

    it("must plan every resource as a create, from no state, for a stack file that has never been deployed", function () {
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /^Previewing update \(qa\) from an empty state \(a first deploy\)/m);
        const plan = result.stdout.split("\n").filter((l) => /^ (\+ |~ |\+- | - ) /.test(l) || / {2}(create|update|replace|delete)(\s|$)/.test(l));
        assert.equal(plan.length, FIRST_DEPLOY_CREATES, result.stdout);
        for (const line of plan) assert.match(line, /^ {2}\+ {2}\S+ +\S+ +create$/, line);
        assert.match(result.stdout, new RegExp(`Resources: \\+ ${FIRST_DEPLOY_CREATES} to create, ~ 0 to update, \\+- 0 to replace, - 0 to delete, 0 unchanged`));
    });

    it("must print each output on its own line, in full", function () {
        const outputs = result.stdout.slice(result.stdout.indexOf("\nOutputs:\n") + "\nOutputs:\n".length).trimEnd().split("\n");
        assert.ok(outputs.length >= 8, result.stdout);
        for (const line of outputs) assert.match(line, /^ {4}[A-Za-z]+: \S/, line);
        const settings = outputs.find((l) => l.startsWith("    loginCodeSettings: "));
        assert.match(settings ?? "", /"FAILURE_POLICY_API"\]$/, "the longest output is not cut");
    });

    it("must warn, in one line naming the provider's precedence, when a stack no pipeline deploys carries the deployer's credentials", function () {
        const flagged = result.stdout.split("\n").filter((l) => l.startsWith("warning: Pulumi.qa.yaml sets"));
        assert.equal(flagged.length, 1, result.stdout);
        assert.match(flagged[0], /sets auth0:clientId, which the provider takes over AUTH0_CLIENT_ID \/ AUTH0_CLIENT_SECRET \(terraform-provider-auth0 internal\/provider\/provider\.go:69,77; an API token overrides both, internal\/config\/config\.go:157-160\)/);
        const longLived = stackNames(loadPipelineTable());
        assert.equal(credentialCheck("qa", { config: { "auth0:domain": "qa-tenant.eu.auth0.com" } }, longLived), undefined);
        assert.match(credentialCheck("qa", { config: { "auth0:apiToken": { secure: "v1:x" } } }, longLived)?.line ?? "", /^warning: Pulumi\.qa\.yaml sets auth0:apiToken,/);
    });
});

describe("npm run preview: a long-lived stack whose file carries the deployer's credentials", function () {
    this.timeout(120_000);
    let stacks: ScratchStacks;
    let result: ChildResult;

    before(async function () {
        // .github/pipeline.json names the long-lived stacks CI previews; the fixture dev stands in for one.
        assert.ok(stackNames(loadPipelineTable()).includes("dev"), "pipeline.json deploys dev");
        stacks = fixtureStacksWith("dev", "  auth0:clientId: deployer-id-in-the-stack-file\n  auth0:clientSecret:\n    secure: v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        result = await runChild("npm", ["run", "--silent", "preview", "--", "--stack", "dev", "--from-empty"], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...stacks.env },
        });
    });
    after(() => stacks?.remove());

    it("must exit 1, before any preview, with one line naming the keys, the provider's precedence and what to do", function () {
        const output = result.stdout + result.stderr;
        assert.equal(result.code, 1, output);
        const lines = output.split("\n").filter((l) => /auth0:client/.test(l));
        assert.equal(lines.length, 1, output);
        assert.ok(lines[0].startsWith(`error: ${stacks.file} sets `), lines[0]);
        assert.match(
            lines[0],
            /sets auth0:clientId, auth0:clientSecret, which the provider takes over AUTH0_CLIENT_ID \/ AUTH0_CLIENT_SECRET \(terraform-provider-auth0 internal\/provider\/provider\.go:69,77; .*\), so the deployer CI puts in the environment is ignored; dev is a long-lived stack \(\.github\/pipeline\.json\).*pulumi config rm-all auth0:clientId auth0:clientSecret/,
        );
        assert.doesNotMatch(output, /Previewing update/);
        assert.doesNotMatch(output, /AAAAAAAA|deployer-id-in-the-stack-file/);
    });
});
