import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigSource, TenantConfig, loadConfig } from "../../infra/config";
import { PROJECT, ROOT, TEST_PROVIDER_CONFIG, stackFileConfig } from "../../tools/stack/program";

/** A config source over the dev stack file (the fixture) plus overrides (`undefined` removes a key). */
function source(overrides: Record<string, string | undefined> = {}, env: Record<string, string> = {}, stack = "dev"): ConfigSource {
    const values: Record<string, string> = { ...TEST_PROVIDER_CONFIG, ...stackFileConfig("dev") };
    for (const [k, v] of Object.entries(overrides)) {
        const full = k.includes(":") ? k : `${PROJECT}:${k}`;
        if (v === undefined) delete values[full];
        else values[full] = v;
    }
    return { project: PROJECT, stack, get: (ns, key) => values[`${ns}:${key}`], keys: () => Object.keys(values), env, rootDir: ROOT };
}

function refusal(overrides: Record<string, string | undefined>, env: Record<string, string> = {}): string[] {
    try {
        loadConfig(source(overrides, env));
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return [...err.problems];
    }
    assert.fail("expected the configuration to be refused");
}

/** Asserts exactly one problem, naming `key`, and matching `expected`. */
function assertRefused(overrides: Record<string, string | undefined>, key: string, expected: RegExp, env: Record<string, string> = {}): void {
    const problems = refusal(overrides, env);
    assert.strictEqual(problems.length, 1, `expected one problem, got:\n${problems.join("\n")}`);
    assert.ok(problems[0].startsWith(key), `problem must name ${key}: ${problems[0]}`);
    assert.match(problems[0], expected);
}

describe("infra/config", () => {
    it("must accept the dev stack file as it is", () => {
        const config: TenantConfig = loadConfig(source());
        assert.strictEqual(config.domain, "fixture-dev.us.auth0.com");
        assert.strictEqual(config.extensibility, "actions");
        assert.deepStrictEqual(config.loginCode.map((f) => f.name), ["require-verified-email", "enrich-from-apis"]);
        assert.deepStrictEqual(config.api.scopes.map((s) => s.name), ["read:entitlements", "write:logins"]);
        assert.strictEqual(config.api.scopes[0].description, "Read a user's entitlements");
        assert.deepStrictEqual(config.managementApiScopes, []);
        assert.deepStrictEqual(config.failurePolicy, { groups: "deny", api: "continue", management: "continue" });
        assert.strictEqual(config.namePrefix, "auth0-tenant-dev");
    });

    it("must default to actions, the Management API scopes the mode's code needs, and a stack-derived API identifier", () => {
        const config = loadConfig(source({ extensibility: undefined, managementApiScopes: undefined, apiIdentifier: undefined }));
        assert.strictEqual(config.extensibility, "actions");
        assert.deepStrictEqual(config.managementApiScopes, []);
        assert.strictEqual(config.api.identifier, "urn:auth0-tenant:dev:api");
        const rules = loadConfig(source({ extensibility: "rules", managementApiScopes: undefined, rulesEndOfLifeAcknowledged: "true" }));
        assert.deepStrictEqual(rules.managementApiScopes, ["update:users_app_metadata"]);
    });

    it("must read the tenant domain from AUTH0_DOMAIN when auth0:domain is not set", () => {
        assert.strictEqual(loadConfig(source({ "auth0:domain": undefined }, { AUTH0_DOMAIN: "env-tenant.eu.auth0.com" })).domain, "env-tenant.eu.auth0.com");
    });

    describe("refuses, naming the key and the expected form", () => {
        it("a domain with a scheme", () => assertRefused({ "auth0:domain": "https://dev.us.auth0.com" }, "auth0:domain", /has a scheme; expected a bare hostname/));
        it("a domain that is not a hostname", () => assertRefused({ "auth0:domain": "dev tenant" }, "auth0:domain", /is not a hostname/));
        it("a missing domain", () => assertRefused({ "auth0:domain": undefined }, "auth0:domain", /missing; expected the tenant's hostname/));
        it("missing provider credentials (the deploying client's secret)", () =>
            assertRefused({ "auth0:clientSecret": undefined }, "auth0:clientSecret", /pulumi config set --secret auth0:clientSecret/));
        it("an empty API scope list", () => assertRefused({ apiScopes: "[]" }, `${PROJECT}:apiScopes`, /empty; expected at least one scope/));
        it("a duplicate API scope", () =>
            assertRefused({ apiScopes: JSON.stringify(["read:entitlements a", "write:logins b", "read:entitlements again"]) }, `${PROJECT}:apiScopes[2]`, /listed twice/));
        it("a malformed API scope", () =>
            assertRefused({ apiScopes: JSON.stringify(["read:entitlements a", "writelogins b"]) }, `${PROJECT}:apiScopes[1]`, /malformed; expected <action>:<resource>/));
        it("an API that does not declare a scope the login code uses", () =>
            assertRefused({ apiScopes: JSON.stringify(["write:logins b"]) }, `${PROJECT}:apiScopes`, /scope read:entitlements, which the API does not declare/));
        it("API scopes that are not a list", () => assertRefused({ apiScopes: '"read:entitlements"' }, `${PROJECT}:apiScopes`, /expected a list/));
        // read:users acknowledged, so each of these tests sees only the problem it is about.
        const READ_USERS_ACKNOWLEDGED = { managementApiScopesBeyondLoginCode: '["read:users"]' };
        it("an empty Management API scope", () =>
            assertRefused({ managementApiScopes: '["read:users", ""]', ...READ_USERS_ACKNOWLEDGED }, `${PROJECT}:managementApiScopes[1]`, /empty/));
        it("a duplicate Management API scope", () =>
            assertRefused({ managementApiScopes: '["read:users", "read:users"]', ...READ_USERS_ACKNOWLEDGED }, `${PROJECT}:managementApiScopes[1]`, /listed twice/));
        it("Management API scopes the actions login code never calls, naming them and the acknowledgment key", () =>
            assertRefused(
                { managementApiScopes: '["read:users", "read:logs_users"]' },
                `${PROJECT}:managementApiScopes`,
                new RegExp(
                    "read:users, read:logs_users: the actions login code never calls the Management API with them \\(it needs none; infra/loginContract.ts\\); " +
                        `remove them, or.*list each in ${PROJECT}:managementApiScopesBeyondLoginCode`,
                ),
            ));
        it("a Management API scope beyond what the rules call", () =>
            assertRefused(
                { extensibility: "rules", rulesEndOfLifeAcknowledged: "true", managementApiScopes: '["update:users_app_metadata", "read:users"]' },
                `${PROJECT}:managementApiScopes`,
                /read:users: the rules login code never calls .*\(it needs update:users_app_metadata;/,
            ));
        it("read:user_idp_tokens without the override, though acknowledged: it returns users' identity-provider tokens", () =>
            assertRefused(
                { managementApiScopes: '["read:user_idp_tokens"]', managementApiScopesBeyondLoginCode: '["read:user_idp_tokens"]' },
                `${PROJECT}:managementApiScopes`,
                /read:user_idp_tokens lets a client .*identity-provider access tokens.*allowPrivilegedManagementScopes/,
            ));
        it("a privileged Management API scope with the override but not acknowledged as beyond the login code, naming both pack approvals", () =>
            assertRefused(
                { managementApiScopes: '["create:client_grants"]', allowPrivilegedManagementScopes: "true" },
                `${PROJECT}:managementApiScopes`,
                /create:client_grants: the actions login code never calls .*unless its allowScopesBeyondLoginCode names it, and its allowPrivilegedScopes too \(create:client_grants is privileged\)/,
            ));
        it("an acknowledgment of a scope the stack does not grant", () =>
            assertRefused(
                { managementApiScopesBeyondLoginCode: '["read:users"]' },
                `${PROJECT}:managementApiScopesBeyondLoginCode`,
                /read:users is not in .*managementApiScopes; remove it/,
            ));
        it("an acknowledgment of a scope the login code calls anyway", () =>
            assertRefused(
                { extensibility: "rules", rulesEndOfLifeAcknowledged: "true", managementApiScopes: undefined, managementApiScopesBeyondLoginCode: '["update:users_app_metadata"]' },
                `${PROJECT}:managementApiScopesBeyondLoginCode`,
                /update:users_app_metadata is called by the rules login code; remove it/,
            ));
        it("an acknowledgment that is not a list", () =>
            assertRefused({ managementApiScopesBeyondLoginCode: '"read:users"' }, `${PROJECT}:managementApiScopesBeyondLoginCode`, /expected a JSON array of scopes/));
        it("a malformed Management API scope", () =>
            assertRefused({ managementApiScopes: '["read users"]' }, `${PROJECT}:managementApiScopes[0]`, /malformed/));
        it("a Management API scope outside the allowed set", () =>
            assertRefused({ managementApiScopes: '["read:stats"]' }, `${PROJECT}:managementApiScopes`, /read:stats is outside the allowed set/));
        for (const scope of ["create:client_grants", "update:client_grants", "update:client_keys", "create:clients", "*"]) {
            it(`the privilege-raising Management API scope ${scope} without the override`, () =>
                assertRefused({ managementApiScopes: JSON.stringify([scope]) }, `${PROJECT}:managementApiScopes`, /raise its own or others' privileges.*allowPrivilegedManagementScopes/));
        }
        it("Management API scopes that miss one the rules call", () =>
            assertRefused({ extensibility: "rules", managementApiScopes: "[]", rulesEndOfLifeAcknowledged: "true" }, `${PROJECT}:managementApiScopes`, /rules login code calls the Management API with scope update:users_app_metadata/));
        it("an unknown extensibility mode", () => assertRefused({ extensibility: "hooks" }, `${PROJECT}:extensibility`, /expected one of: actions, rules/));
        it("the Authorization Extension enabled without a URL", () =>
            assertRefused({ authzExtensionUrl: undefined }, `${PROJECT}:authzExtensionUrl`, /missing; expected an https URL/));
        it("the Authorization Extension enabled with an http URL", () =>
            assertRefused({ authzExtensionUrl: "http://ext.example.com/api" }, `${PROJECT}:authzExtensionUrl`, /must use https/));
        it("an API identifier that is not a URI", () => assertRefused({ apiIdentifier: "test api" }, `${PROJECT}:apiIdentifier`, /expected an absolute URI/));
        it("an API identifier with an unsupported scheme", () => assertRefused({ apiIdentifier: "ftp://fixture-api.test" }, `${PROJECT}:apiIdentifier`, /has scheme ftp:/));
        it("the Management API's identifier as the custom API's", () =>
            assertRefused({ apiIdentifier: "https://fixture-dev.us.auth0.com/api/v2/" }, `${PROJECT}:apiIdentifier`, /Management API's identifier/));
        it("a login code order naming a file that does not exist", () =>
            assertRefused({ loginCodeOrder: '["require-verified-email", "enrich-from-apis", "extra"]' }, `${PROJECT}:loginCodeOrder`, /no such file in actions\/: extra/));
        it("a login code order missing a file", () =>
            assertRefused({ loginCodeOrder: '["enrich-from-apis"]' }, `${PROJECT}:loginCodeOrder`, /missing: require-verified-email/));
        it("a login code order listing a file twice", () =>
            assertRefused({ loginCodeOrder: '["require-verified-email", "enrich-from-apis", "enrich-from-apis"]' }, `${PROJECT}:loginCodeOrder`, /duplicated: enrich-from-apis/));
        it("a missing login code order", () => assertRefused({ loginCodeOrder: undefined }, `${PROJECT}:loginCodeOrder`, /missing; expected the actions\/ files in execution order/));
        it("a token lifetime out of range", () => assertRefused({ apiTokenLifetime: "10" }, `${PROJECT}:apiTokenLifetime`, /whole seconds from 60 to 2592000/));
        it("an API base URL that is not https", () => assertRefused({ apiBaseUrl: "http://api.example.com" }, `${PROJECT}:apiBaseUrl`, /must use https/));
        it("an unknown failure policy", () => assertRefused({ failurePolicyGroups: "ignore" }, `${PROJECT}:failurePolicyGroups`, /expected one of: deny, continue/));
        it("a claim namespace without a trailing slash", () => assertRefused({ claimNamespace: "https://example.com/claims" }, `${PROJECT}:claimNamespace`, /must end with "\/"/));
        it("a claim namespace on an Auth0 domain", () => assertRefused({ claimNamespace: "https://x.auth0.com/" }, `${PROJECT}:claimNamespace`, /reserved by Auth0/));
        it("a secret generation that is not a positive whole number", () => assertRefused({ secretGeneration: "0" }, `${PROJECT}:secretGeneration`, /whole number from 1/));
        it("a boolean that is not true or false", () => assertRefused({ protect: "yes" }, `${PROJECT}:protect`, /expected true or false/));
        it("rules mode for a deploy without the end-of-life acknowledgment, saying why and naming actions", () =>
            assertRefused(
                { extensibility: "rules", managementApiScopes: undefined },
                `${PROJECT}:extensibility`,
                /end of life on 2026-11-18.*Insufficient privileges to use this deprecated feature.*Use extensibility: actions.*rulesEndOfLifeAcknowledged to true/,
            ));
        it("an Authorization Extension URL that does not end in /api", () =>
            assertRefused(
                { authzExtensionUrl: "https://fixture-dev.us12.webtask.run/f1x7u3e0000000000000000000000dev" },
                `${PROJECT}:authzExtensionUrl`,
                /does not end in \/api/,
            ));
        it("an undeclared project key, suggesting the declared key it is a typo of", () =>
            assertRefused({ protec: "true" }, `${PROJECT}:protec`, /not a key of this project; did you mean `protect`\?/));
        it("a declared key written in the wrong case", () =>
            assertRefused({ apiTokenLifeTime: "3600" }, `${PROJECT}:apiTokenLifeTime`, /did you mean `apiTokenLifetime`\?/));
        it("a declared key missing a letter", () =>
            assertRefused({ failurePolicyGroup: "continue" }, `${PROJECT}:failurePolicyGroup`, /did you mean `failurePolicyGroups`\?/));
        it("an undeclared project key close to none, listing the declared keys", () =>
            assertRefused({ slackWebhook: "https://hooks.example.com" }, `${PROJECT}:slackWebhook`, /not a key of this project; expected one of: extensibility, .*loginCodeOrder, .*loginFlowOwner$/));
        it("an upper-case tenant domain, naming the lower-case form", () =>
            assertRefused({ "auth0:domain": "Fixture-Dev.US.auth0.com" }, "auth0:domain", /has upper-case letters; expected it in lower case: fixture-dev\.us\.auth0\.com$/));
        it("an upper-case tenant domain from AUTH0_DOMAIN", () =>
            assertRefused({ "auth0:domain": undefined }, "auth0:domain", /upper-case letters/, { AUTH0_DOMAIN: "DEV.eu.auth0.com" }));
        it("the Management API's identifier written with an upper-case host", () =>
            assertRefused({ apiIdentifier: "https://FIXTURE-DEV.us.auth0.com/api/v2/" }, `${PROJECT}:apiIdentifier`, /Management API's identifier/));
        it("the Authorization Extension API's identifier as the custom API's", () =>
            assertRefused({ apiIdentifier: "urn:auth0-authz-api" }, `${PROJECT}:apiIdentifier`, /Authorization Extension API's identifier/));
        it("an API identifier with credentials in it", () =>
            assertRefused({ apiIdentifier: "https://deployer:hunter2-pw@api.example.com" }, `${PROJECT}:apiIdentifier`, /carries credentials before the host/));
        it("an API base URL with credentials in it", () =>
            assertRefused({ apiBaseUrl: "https://svc:hunter2-pw@api.example.com" }, `${PROJECT}:apiBaseUrl`, /"https:\/\/\*\*\*@api\.example\.com" carries credentials before the host; expected a URL without user:password@/));
        it("an Authorization Extension URL with credentials in it", () =>
            assertRefused({ authzExtensionUrl: "https://ext:hunter2-pw@ext.example.com/api" }, `${PROJECT}:authzExtensionUrl`, /carries credentials/));
        it("a claim namespace with credentials in it", () =>
            assertRefused({ claimNamespace: "https://me@example.com/claims/" }, `${PROJECT}:claimNamespace`, /carries credentials/));
        it("more API scopes than Auth0 allows per API (1000)", () => {
            const scopes = ["read:entitlements a", "write:logins b", ...Array.from({ length: 999 }, (_, i) => `read:thing${i} c`)];
            assertRefused({ apiScopes: JSON.stringify(scopes) }, `${PROJECT}:apiScopes`, /1001 scopes; expected at most 1000/);
        });
        it("an API scope longer than Auth0's 280 characters", () =>
            assertRefused({ apiScopes: JSON.stringify(["read:entitlements a", "write:logins b", `read:${"x".repeat(276)} c`]) }, `${PROJECT}:apiScopes[2]`, /281 characters; expected at most 280/));
        it("an API scope description longer than Auth0's 500 characters", () =>
            assertRefused({ apiScopes: JSON.stringify(["read:entitlements a", `write:logins ${"d".repeat(501)}`]) }, `${PROJECT}:apiScopes[1]`, /description of write:logins is 501 characters; expected at most 500/));
        it("rules mode in a stack that does not own the login flow", () =>
            assertRefused({ extensibility: "rules", loginFlowOwner: "false", managementApiScopes: undefined, rulesEndOfLifeAcknowledged: "true" }, `${PROJECT}:extensibility`, /rules mode needs .*loginFlowOwner = true/));
    });

    it("must accept API scopes at Auth0's bounds: 1000 scopes, a 280-character scope, a 500-character description", () => {
        const scopes = ["read:entitlements a", `write:logins ${"d".repeat(500)}`, `read:${"x".repeat(275)} c`, ...Array.from({ length: 997 }, (_, i) => `read:thing${i} c`)];
        const config = loadConfig(source({ apiScopes: JSON.stringify(scopes) }));
        assert.strictEqual(config.api.scopes.length, 1000);
        assert.strictEqual(config.api.scopes[2].name.length, 280);
        assert.strictEqual(config.api.scopes[1].description.length, 500);
    });

    it("must leave keys of other namespaces to their owners", () => {
        assert.strictEqual(loadConfig(source({ "aws:region": "eu-west-1", "auth0:debug": "true" })).stack, "dev");
    });

    it("must never echo a URL's password, whichever refusal names it", () => {
        const password = "hunter2-pw";
        const problems = refusal({
            apiBaseUrl: `http://svc:${password}@api.example.com`,
            authzExtensionUrl: `https://ext:${password}@exa mple.com/api`,
            claimNamespace: `ftp://me:${password}@example.com/`,
            apiIdentifier: `https://me:${password}@api example`,
        });
        assert.strictEqual(problems.length, 4, problems.join("\n"));
        for (const p of problems) assert.ok(!p.includes(password), p);
        for (const domain of [`deployer:${password}@dev.us.auth0.com`, `https://deployer:${password}@dev.us.auth0.com`]) {
            const [problem] = refusal({ "auth0:domain": domain });
            assert.match(problem, /^auth0:domain: "(https:\/\/)?\*\*\*@dev\.us\.auth0\.com" (is not a hostname|has a scheme)/);
        }
    });

    it("must report a login code file the stack cannot deploy with the other problems, in the same refusal", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "config-test-"));
        try {
            fs.mkdirSync(path.join(root, "actions"));
            fs.writeFileSync(path.join(root, "actions", "Enrich_From_APIs.js"), "");
            assert.throws(
                () => loadConfig({ ...source({ protec: "true" }), rootDir: root }),
                (err: unknown) =>
                    err instanceof ConfigError &&
                    pulumi.RunError.isInstance(err) &&
                    err.problems.length === 2 &&
                    err.problems.includes("actions/Enrich_From_APIs.js: file names must be kebab-case .js, e.g. require-verified-email.js") &&
                    err.problems.some((p) => p.includes("did you mean `protect`")),
            );
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("must refuse with a pulumi.RunError, so the CLI prints the problems once and no stack trace", () => {
        try {
            loadConfig(source({ protec: "true" }));
        } catch (err) {
            assert.ok(pulumi.RunError.isInstance(err), String(err));
            return;
        }
        assert.fail("expected a refusal");
    });

    it("must allow privileged Management API scopes only with the explicit override and the acknowledgment", () => {
        const config = loadConfig(
            source({ managementApiScopes: '["create:client_grants"]', allowPrivilegedManagementScopes: "true", managementApiScopesBeyondLoginCode: '["create:client_grants"]' }),
        );
        assert.deepStrictEqual(config.managementApiScopes, ["create:client_grants"]);
    });

    it("must grant a Management API scope the login code never calls only when acknowledged by name", () => {
        const config = loadConfig(source({ managementApiScopes: '["read:users"]', managementApiScopesBeyondLoginCode: '["read:users"]' }));
        assert.deepStrictEqual(config.managementApiScopes, ["read:users"]);
    });

    it("must report every problem at once", () => {
        const problems = refusal({ "auth0:domain": "https://x", extensibility: "hooks", apiScopes: "[]", protec: "true" });
        assert.ok(problems.length >= 4, problems.join("\n"));
        assert.ok(problems.some((p) => p.includes("did you mean `protect`")), problems.join("\n"));
    });

    it("must report a problem of every section in one refusal, in the order the sections are read", () => {
        const problems = refusal({
            protec: "true",
            "auth0:domain": "Fixture-Dev.us.auth0.com",
            loginCodeOrder: '["enrich-from-apis"]',
            apiTokenLifetime: "5",
            managementApiScopes: '["bogus:thing"]',
            authzExtensionEnabled: "true",
            authzExtensionUrl: "https://authz.example.com/extension",
            failurePolicyApi: "retry",
            secretGeneration: "0",
        });
        const keyOf = (problem: string) => /^[a-z0-9-]+:[A-Za-z]+/.exec(problem)?.[0];
        assert.deepStrictEqual(
            problems.map(keyOf),
            ["protec", "auth0:domain", "loginCodeOrder", "apiTokenLifetime", "managementApiScopes", "authzExtensionUrl", "failurePolicyApi", "secretGeneration"].map((k) =>
                k.includes(":") ? k : `${PROJECT}:${k}`,
            ),
            problems.join("\n"),
        );
    });

    it("must never echo a secret value in a refusal", () => {
        const problems = refusal({ "auth0:domain": "https://x", "auth0:clientSecret": "deployer-secret-not-real", apiIdentifier: "bad id" });
        for (const p of problems) assert.ok(!p.includes("deployer-secret-not-real"), p);
    });
});
