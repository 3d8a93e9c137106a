import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import { stackFilePath } from "../../tools/stack/stackFiles";
import { runUnderMocks } from "../../tools/stack/program";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";
import { reviewStackConfig, reviewStackName, ReviewTenant } from "../../tools/reviewStackConfig";
import { loadPipelineTable } from "../../tools/pipelineTable";

const DEV_STACK_FILE = fs.readFileSync(stackFilePath("dev"), "utf8");

/** The generated file's config as `pulumi config` hands it to the program. */
function configOf(text: string): Record<string, string> {
    const { config } = yaml.load(text) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

describe("scripts/review-stack-config (review stacks in the review tenant)", () => {
    it("must name the stack pr-<number> and refuse anything but a pull request number", () => {
        assert.strictEqual(reviewStackName("42"), "pr-42");
        for (const bad of ["0", "-1", "abc", "7; rm -rf /", "", "01"]) {
            assert.throws(() => reviewStackName(bad), /not valid; expected a positive integer/, bad);
        }
    });

    it("must take dev's program settings, give the stack its own API identifier, and give up the tenant-wide login flow", () => {
        const { stack, text } = reviewStackConfig(DEV_STACK_FILE, "7");
        const config = configOf(text);
        const dev = configOf(DEV_STACK_FILE);
        assert.strictEqual(stack, "pr-7");
        assert.strictEqual(config["auth0-tenant:apiIdentifier"], "urn:auth0-tenant:pr-7:api");
        assert.strictEqual(config["auth0-tenant:loginFlowOwner"], "false");
        assert.strictEqual(config["auth0-tenant:extensibility"], "actions");
        assert.strictEqual(config["auth0-tenant:protect"], "false");
        for (const key of ["auth0-tenant:apiScopes", "auth0-tenant:loginCodeOrder", "auth0-tenant:claimNamespace"]) assert.strictEqual(config[key], dev[key], key);
    });

    it("must deploy to the review tenant of .github/pipeline.json, never dev's, with its API and its extension or none, never dev's", () => {
        const { reviewStacks } = loadPipelineTable();
        const config = configOf(reviewStackConfig(DEV_STACK_FILE, "7").text);
        const dev = configOf(DEV_STACK_FILE);
        assert.strictEqual(config["auth0:domain"], reviewStacks.auth0Domain);
        assert.notStrictEqual(config["auth0:domain"], dev["auth0:domain"]);
        assert.strictEqual(config["auth0-tenant:apiBaseUrl"], reviewStacks.apiBaseUrl);
        if (reviewStacks.authzExtensionUrl === null) {
            assert.strictEqual(config["auth0-tenant:authzExtensionEnabled"], "false", "dev's extension URL names dev's tenant");
            assert.strictEqual(config["auth0-tenant:authzExtensionUrl"], undefined);
        } else {
            assert.strictEqual(config["auth0-tenant:authzExtensionUrl"], reviewStacks.authzExtensionUrl);
        }
    });

    it("must grant the review tenant's own extension when the table names one", () => {
        const tenant: ReviewTenant = { auth0Domain: "review.eu.auth0.com", apiBaseUrl: "https://api.review.example.com", authzExtensionUrl: "https://review.eu12.webtask.run/abc/api" };
        const config = configOf(reviewStackConfig(DEV_STACK_FILE, "7", tenant).text);
        assert.deepStrictEqual(
            [config["auth0:domain"], config["auth0-tenant:apiBaseUrl"], config["auth0-tenant:authzExtensionEnabled"], config["auth0-tenant:authzExtensionUrl"]],
            ["review.eu.auth0.com", "https://api.review.example.com", "true", "https://review.eu12.webtask.run/abc/api"],
        );
    });

    it("must not copy values encrypted for the dev stack", () => {
        const withSecret = DEV_STACK_FILE.replace("config:\n", "config:\n  auth0:clientSecret:\n    secure: v1:abc:def\n");
        const { text, droppedSecrets } = reviewStackConfig(withSecret, "7");
        assert.deepStrictEqual(droppedSecrets, ["auth0:clientSecret"]);
        assert.ok(!text.includes("secure"), "no ciphertext in the review stack's file");
    });

    it("must override a dev stack in rules mode: rules are tenant-wide", () => {
        const rulesDev = DEV_STACK_FILE.replace("auth0-tenant:extensibility: actions", "auth0-tenant:extensibility: rules");
        assert.strictEqual(configOf(reviewStackConfig(rulesDev, "9").text)["auth0-tenant:extensibility"], "actions");
    });

    describe("the program under the generated configs", () => {
        const runs: Record<string, Awaited<ReturnType<typeof runUnderMocks>>> = {};
        before(async () => {
            runs.dev = await runUnderMocks({ stack: "dev" });
            for (const pr of ["7", "8"]) {
                runs[`pr-${pr}`] = await runUnderMocks({ stack: `pr-${pr}`, fromStackFile: false, config: configOf(reviewStackConfig(DEV_STACK_FILE, pr).text) });
            }
        });

        it("must give each review stack an API identifier of its own", () => {
            const identifiers = Object.values(runs).map((r) => r.ofType(RESOURCE_TYPES.resourceServer)[0].inputs.identifier);
            assert.deepStrictEqual(identifiers, ["https://fixture-api.test/dev", "urn:auth0-tenant:pr-7:api", "urn:auth0-tenant:pr-8:api"]);
        });

        it("must give every Auth0 object a name no other stack in the tenant uses", () => {
            const named = [RESOURCE_TYPES.resourceServer, RESOURCE_TYPES.client, RESOURCE_TYPES.action];
            const names = Object.entries(runs).flatMap(([stack, run]) =>
                named.flatMap((type) => run.ofType(type).map((r) => ({ stack, name: String(r.inputs.name) }))),
            );
            assert.ok(names.length >= 9, `found ${names.length} named objects`);
            const seen = new Map<string, string>();
            for (const { stack, name } of names) {
                assert.ok(!seen.has(name) || seen.get(name) === stack, `${name} is used by ${seen.get(name)} and ${stack}`);
                seen.set(name, stack);
            }
        });

        it("must verify what a review stack owns: every token and its scopes, never a probe of an API that does not accept its audience", () => {
            type Client = { grants: { audience: string; scopes: string[]; probe?: { url: string }; probeSkipped?: string }[] };
            const clientsOf = (stack: string): Client[] =>
                JSON.parse(String((runs[stack].one(RESOURCE_TYPES.localCommand, "verify-grants-check").inputs.environment as Record<string, unknown>).VERIFY_GRANTS_CLIENTS)) as Client[];
            assert.ok(clientsOf("dev").some((c) => c.grants.some((g) => g.probe?.url.includes("/entitlements"))), "dev probes its API");
            for (const stack of ["pr-7", "pr-8"]) {
                assert.strictEqual(configOf(reviewStackConfig(DEV_STACK_FILE, stack.slice(3)).text)["auth0-tenant:apiProbeEnabled"], "false");
                const clients = clientsOf(stack);
                assert.strictEqual(clients.length, 2, `${stack} verifies both slots`);
                for (const client of clients) {
                    const api = client.grants.find((g) => g.audience === `urn:auth0-tenant:${stack}:api`);
                    assert.ok(api, `${stack} still checks the token of its own API`);
                    assert.ok(api.scopes.length > 0, `${stack} checks the scopes of its API token`);
                    assert.strictEqual(api.probe, undefined, `${stack} does not call an API that does not accept urn:auth0-tenant:${stack}:api`);
                    assert.match(String(api.probeSkipped), /apiProbeEnabled is false/);
                }
            }
        });

        it("must leave the tenant-wide login flow to dev", () => {
            assert.strictEqual(runs.dev.ofType(RESOURCE_TYPES.triggerActions).length, 1);
            for (const stack of ["pr-7", "pr-8"]) {
                assert.strictEqual(runs[stack].ofType(RESOURCE_TYPES.triggerActions).length, 0, `${stack} binds no post-login actions`);
                assert.strictEqual(runs[stack].ofType(RESOURCE_TYPES.rule).length + runs[stack].ofType(RESOURCE_TYPES.ruleConfig).length, 0, `${stack} deploys no rules`);
                assert.ok(runs[stack].ofType(RESOURCE_TYPES.action).length > 0, `${stack} still deploys its actions for review`);
            }
        });
    });
    it("must refuse a dev stack file that is not YAML, saying where without quoting it, and one with a __proto__ key", () => {
        assert.throws(
            () => reviewStackConfig('config:\n  auth0-tenant:apiBaseUrl: "https://unclosed-sekrit\n', "42"),
            (e: Error) => /^Pulumi\.[a-z]+\.yaml: not YAML: at line \d+, column \d+, /.test(e.message) && !e.message.includes("sekrit"),
        );
        assert.throws(() => reviewStackConfig("config:\n  __proto__:\n    a: 1\n", "42"), /Pulumi\.[a-z]+\.yaml: config\.__proto__: the key __proto__ is refused/);
    });
});
