import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { settingsRead } from "../../infra/loginCode";
import { LOGIN_SETTINGS, scopesNeeded } from "../../infra/loginContract";
import { RULE_ORDER_BASE } from "../../infra/loginFlow";
import { missingAuthzExtensionApi, installedAuthzExtensionApi } from "../../tools/stack/mocks";
import { ProgramRun, ROOT, runUnderMocks } from "../../tools/stack/program";
import { DATA_SOURCE_TYPES, RESOURCE_TYPES } from "../../infra/resourceTypes";

const RULES_MODE = { extensibility: "rules", managementApiScopes: '["update:users_app_metadata"]' };
const file = (dir: string, name: string) => fs.readFileSync(path.join(ROOT, dir, `${name}.js`), "utf8");
/** The mock secret of a credential slot (generation 1 is served by blue). */
const secretOf = (run: ProgramRun, slot = "blue") => {
    const password = run.one(RESOURCE_TYPES.randomPassword, `login-code-${slot}-secret`);
    return `mock-secret-${password.name}-${JSON.stringify(password.inputs.keepers)}`;
};
const ACTIVE_CLIENT_ID = "login-code-blue-client-client-id";

async function isSecretInput(run: ProgramRun, type: string, name: string, pick: (props: Record<string, unknown>) => unknown): Promise<boolean> {
    const found = run.constructedOf(type).filter((c) => c.name === name);
    assert.strictEqual(found.length, 1, `constructed ${type} ${name}`);
    return pulumi.isSecret(pulumi.output(pick(found[0].props)));
}

describe("infra/index (the tenant program under mocks)", function () {
    describe("dev stack, actions mode", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runUnderMocks({ stack: "dev" });
        });

        it("must declare the custom API with RS256, the configured lifetime, and no inline scopes", () => {
            const server = run.one(RESOURCE_TYPES.resourceServer);
            assert.strictEqual(server.inputs.identifier, "https://fixture-api.test/dev");
            assert.strictEqual(server.inputs.signingAlg, "RS256");
            assert.strictEqual(server.inputs.tokenLifetime, 5400);
            assert.strictEqual(server.inputs.name, "auth0-tenant-dev API");
            assert.ok(!("scopes" in server.inputs), "scopes are managed by ResourceServerScopes only");
        });

        it("must declare the API's permissions through ResourceServerScopes only", () => {
            const scopes = run.one(RESOURCE_TYPES.resourceServerScopes);
            assert.strictEqual(scopes.inputs.resourceServerIdentifier, "https://fixture-api.test/dev");
            assert.deepStrictEqual(scopes.inputs.scopes, [
                { name: "read:entitlements", description: "Read a user's entitlements" },
                { name: "write:logins", description: "Record a login" },
            ]);
        });

        it("must declare the M2M applications (a blue/green pair) with the client_credentials grant and nothing else", () => {
            const clients = run.ofType(RESOURCE_TYPES.client);
            assert.deepStrictEqual(clients.map((c) => c.inputs.name).sort(), ["auth0-tenant-dev-login-code-blue", "auth0-tenant-dev-login-code-green"]);
            for (const client of clients) {
                assert.strictEqual(client.inputs.appType, "non_interactive");
                assert.deepStrictEqual(client.inputs.grantTypes, ["client_credentials"]);
            }
        });

        it("must authenticate each M2M application with client_secret_post and a generated write-only secret", async () => {
            for (const slot of ["blue", "green"]) {
                const credentials = run.one(RESOURCE_TYPES.clientCredentials, `login-code-${slot}-credentials`);
                assert.strictEqual(credentials.inputs.authenticationMethod, "client_secret_post");
                assert.strictEqual(credentials.inputs.clientId, `login-code-${slot}-client-client-id`);
                assert.strictEqual(credentials.inputs.clientSecretWo, secretOf(run, slot));
                assert.ok(!("clientSecret" in credentials.inputs), "the plain clientSecret input would sit in provider state");
                assert.ok(await isSecretInput(run, RESOURCE_TYPES.clientCredentials, `login-code-${slot}-credentials`, (p) => p.clientSecretWo));
                const password = run.one(RESOURCE_TYPES.randomPassword, `login-code-${slot}-secret`);
                assert.ok((password.inputs.length as number) >= 48, "Auth0 needs custom secrets of 48+ characters");
            }
            assert.notStrictEqual(secretOf(run, "blue"), secretOf(run, "green"));
        });

        it("must grant the API exactly the scopes the login code uses", () => {
            for (const slot of ["blue", "green"]) {
                const grant = run.one(RESOURCE_TYPES.clientGrant, `login-code-${slot}-grant-api`);
                assert.strictEqual(grant.inputs.audience, "https://fixture-api.test/dev");
                assert.deepStrictEqual(grant.inputs.scopes, scopesNeeded("api", "actions"));
                assert.strictEqual(grant.inputs.clientId, `login-code-${slot}-client-client-id`);
            }
        });

        it("must grant the Authorization Extension API, looked up and not owned, only what the code uses", () => {
            const grant = run.one(RESOURCE_TYPES.clientGrant, "login-code-blue-grant-authzExtension");
            assert.strictEqual(grant.inputs.audience, "urn:auth0-authz-api");
            assert.deepStrictEqual(grant.inputs.scopes, ["read:groups"]);
            assert.deepStrictEqual(run.one(RESOURCE_TYPES.clientGrant, "login-code-green-grant-authzExtension").inputs.scopes, ["read:groups"]);
            const owned = run.declared.filter((r) => r.inputs.identifier === "urn:auth0-authz-api");
            assert.deepStrictEqual(owned, [], "the extension's API belongs to the extension");
        });

        it("must declare no Management API grant when the actions need none", () => {
            assert.deepStrictEqual(run.ofType(RESOURCE_TYPES.clientGrant).map((g) => g.name).sort(), [
                "login-code-blue-grant-api", "login-code-blue-grant-authzExtension", "login-code-green-grant-api", "login-code-green-grant-authzExtension",
            ]);
        });

        it("must never send allow_all_scopes on a grant (pulumi-auth0 #1069)", () => {
            for (const grant of run.ofType(RESOURCE_TYPES.clientGrant)) assert.ok(!("allowAllScopes" in grant.inputs), grant.name);
        });

        it("must deploy one post-login v3 Action per file on node22, its code byte for byte", () => {
            const actions = run.ofType(RESOURCE_TYPES.action);
            assert.deepStrictEqual(actions.map((a) => a.inputs.name).sort(), ["auth0-tenant-dev-enrich-from-apis", "auth0-tenant-dev-require-verified-email"]);
            for (const action of actions) {
                const name = action.name.replace("login-action-", "");
                assert.strictEqual(action.inputs.code, file("actions", name));
                assert.strictEqual(action.inputs.runtime, "node22");
                assert.strictEqual(action.inputs.deploy, true);
                assert.deepStrictEqual(action.inputs.supportedTriggers, { id: "post-login", version: "v3" });
                assert.ok(!("secrets" in action.inputs), "plaintext secrets would sit in provider state");
            }
        });

        it("must give each Action, as write-only secrets, exactly the settings its code reads", async () => {
            const enrich = run.one(RESOURCE_TYPES.action, "login-action-enrich-from-apis");
            const secrets = enrich.inputs.secretsWos as { name: string; value: string }[];
            const read = settingsRead("enrich", file("actions", "enrich-from-apis"), "actions");
            assert.deepStrictEqual(secrets.map((s) => s.name), read);
            const byName = Object.fromEntries(secrets.map((s) => [s.name, s.value]));
            assert.strictEqual(byName.M2M_CLIENT_SECRET, secretOf(run));
            assert.strictEqual(byName.M2M_CLIENT_ID, ACTIVE_CLIENT_ID);
            assert.strictEqual(byName.AUTH0_DOMAIN, "fixture-dev.us.auth0.com");
            assert.strictEqual(byName.API_AUDIENCE, "https://fixture-api.test/dev");
            assert.strictEqual(byName.AUTHZ_EXTENSION_URL, "https://fixture-dev.us12.webtask.run/f1x7u3e0000000000000000000000dev/api");
            assert.strictEqual(byName.FAILURE_POLICY_GROUPS, "deny");
            assert.ok(Number.isSafeInteger(enrich.inputs.secretsWoVersion) && (enrich.inputs.secretsWoVersion as number) > 0);
            assert.ok(await isSecretInput(run, RESOURCE_TYPES.action, "login-action-enrich-from-apis", (p) => p.secretsWos));
            const check = run.one(RESOURCE_TYPES.action, "login-action-require-verified-email");
            assert.ok(!("secretsWos" in check.inputs), "a file that reads no settings gets no secrets");
        });

        it("must bind the Actions to post-login in the configured order", () => {
            const binding = run.one(RESOURCE_TYPES.triggerActions);
            assert.strictEqual(binding.inputs.trigger, "post-login");
            assert.deepStrictEqual(binding.inputs.actions, [
                { id: "login-action-require-verified-email-id", displayName: "auth0-tenant-dev-require-verified-email" },
                { id: "login-action-enrich-from-apis-id", displayName: "auth0-tenant-dev-enrich-from-apis" },
            ]);
        });

        it("must verify after deploy that both credential slots get exactly their declared grants", async () => {
            const check = run.one(RESOURCE_TYPES.localCommand, "verify-grants-check");
            const env = check.inputs.environment as Record<string, string>;
            assert.strictEqual(env.VERIFY_GRANTS_DOMAIN, "fixture-dev.us.auth0.com");
            const clients = JSON.parse(env.VERIFY_GRANTS_CLIENTS) as { name: string; clientId: string; clientSecret: string; grants: { audience: string; scopes: string[] }[] }[];
            assert.deepStrictEqual(clients.map((c) => [c.name, c.clientId]), [
                ["login-code-blue", "login-code-blue-client-client-id"],
                ["login-code-green", "login-code-green-client-client-id"],
            ]);
            for (const client of clients) {
                const declared = run.ofType(RESOURCE_TYPES.clientGrant).filter((g) => g.inputs.clientId === client.clientId);
                assert.deepStrictEqual(
                    client.grants.map((g) => [g.audience, g.scopes]).sort(),
                    declared.map((g) => [g.inputs.audience, [...(g.inputs.scopes as string[])].sort()]).sort(),
                );
                assert.strictEqual(client.clientSecret, secretOf(run, client.name.replace("login-code-", "")));
            }
            assert.ok(!String(check.inputs.create).includes("secret"), "no secret on the command line");
            assert.strictEqual(check.inputs.logging, "none");
            const constructed = run.constructedOf(RESOURCE_TYPES.localCommand)[0];
            assert.ok(await pulumi.isSecret(pulumi.output((constructed.props.environment as Record<string, unknown>).VERIFY_GRANTS_CLIENTS)));
        });

        it("must declare no rules or rule configs", () => {
            assert.deepStrictEqual([...run.ofType(RESOURCE_TYPES.rule), ...run.ofType(RESOURCE_TYPES.ruleConfig)], []);
        });

        it("must export identifiers only, none of them secret or holding a secret", async () => {
            assert.deepStrictEqual(Object.keys(run.outputs).sort(), [
                "actionIds", "activeCredential", "apiIdentifier", "apiResourceServerId", "credentialClientIds", "extensibility", "grantedScopes",
                "loginCodeClientId", "loginCodeSettings", "ruleIds",
            ]);
            assert.strictEqual(run.outputs.apiIdentifier, "https://fixture-api.test/dev");
            assert.strictEqual(run.outputs.loginCodeClientId, ACTIVE_CLIENT_ID);
            assert.strictEqual(run.outputs.activeCredential, "blue");
            for (const [name, value] of Object.entries(run.exports)) {
                if (pulumi.Output.isInstance(value)) assert.strictEqual(await pulumi.isSecret(value), false, `${name} is secret`);
            }
            const outputs = JSON.stringify(run.outputs);
            assert.ok(!outputs.includes(secretOf(run, "blue")) && !outputs.includes(secretOf(run, "green")), "a secret value reached the outputs");
        });
    });

    describe("dev stack, rules mode", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runUnderMocks({ stack: "dev", config: RULES_MODE });
        });

        it("must deploy one Rule per file, its script byte for byte, in the configured order", () => {
            const rules = run.ofType(RESOURCE_TYPES.rule).sort((a, b) => (a.inputs.order as number) - (b.inputs.order as number));
            assert.deepStrictEqual(rules.map((r) => [r.inputs.name, r.inputs.order, r.inputs.enabled]), [
                ["auth0-tenant-dev-require-verified-email", RULE_ORDER_BASE, true],
                ["auth0-tenant-dev-enrich-from-apis", RULE_ORDER_BASE + 1, true],
            ]);
            for (const rule of rules) {
                assert.strictEqual(rule.inputs.script, file("rules", rule.name.replace("login-rule-", "")));
            }
        });

        it("must follow the configured order, not the file names", async () => {
            const reversed = await runUnderMocks({ stack: "dev", config: { ...RULES_MODE, loginCodeOrder: '["enrich-from-apis", "require-verified-email"]' } });
            const order = Object.fromEntries(reversed.ofType(RESOURCE_TYPES.rule).map((r) => [r.name, r.inputs.order]));
            assert.deepStrictEqual(order, { "login-rule-enrich-from-apis": RULE_ORDER_BASE, "login-rule-require-verified-email": RULE_ORDER_BASE + 1 });
        });

        it("must declare one RuleConfig per setting the rules read, every value a Pulumi secret", async () => {
            const read = new Set(["require-verified-email", "enrich-from-apis"].flatMap((f) => settingsRead(f, file("rules", f), "rules")));
            const configs = run.ofType(RESOURCE_TYPES.ruleConfig);
            assert.deepStrictEqual(configs.map((c) => c.inputs.key).sort(), [...read].sort());
            // The client secret is made secret by the program; the provider's SDK marks every
            // rule-config value secret as well.
            assert.ok(configs.some((c) => LOGIN_SETTINGS[c.inputs.key as keyof typeof LOGIN_SETTINGS].secret));
            for (const config of configs) {
                assert.ok(await isSecretInput(run, RESOURCE_TYPES.ruleConfig, config.name, (p) => p.value), `${config.inputs.key as string} is not secret`);
            }
        });

        it("must hand the rules the active slot's id and secret as one secret value, M2M_CREDENTIALS, and no separate id or secret", async () => {
            const keys = run.ofType(RESOURCE_TYPES.ruleConfig).map((c) => c.inputs.key);
            assert.ok(keys.includes("M2M_CREDENTIALS"), keys.join(", "));
            assert.ok(!keys.includes("M2M_CLIENT_ID") && !keys.includes("M2M_CLIENT_SECRET"), `two configs would be two writes: ${keys.join(", ")}`);
            const credentials = run.one(RESOURCE_TYPES.ruleConfig, "login-config-M2M_CREDENTIALS");
            assert.deepStrictEqual(JSON.parse(credentials.inputs.value as string), { client_id: ACTIVE_CLIENT_ID, client_secret: secretOf(run) });
            // The contract calls it a secret, so LoginFlow sends it as one (the provider's SDK marks
            // rule-config values as well).
            assert.strictEqual(LOGIN_SETTINGS.M2M_CREDENTIALS.secret, true);
            const constructed = run.constructedOf(RESOURCE_TYPES.ruleConfig).find((c) => c.name === "login-config-M2M_CREDENTIALS")!;
            const value = constructed.props.value as pulumi.Output<string>;
            assert.ok(await pulumi.isSecret(value));
        });

        it("must grant the Management API v2 exactly the configured least-privilege scopes", () => {
            const grant = run.one(RESOURCE_TYPES.clientGrant, "login-code-blue-grant-managementApi");
            assert.strictEqual(grant.inputs.audience, "https://fixture-dev.us.auth0.com/api/v2/");
            assert.deepStrictEqual(grant.inputs.scopes, ["update:users_app_metadata"]);
            assert.ok(!("allowAllScopes" in grant.inputs));
        });

        it("must declare no actions or post-login binding", () => {
            assert.deepStrictEqual([...run.ofType(RESOURCE_TYPES.action), ...run.ofType(RESOURCE_TYPES.triggerActions)], []);
        });
    });

    describe("switching a stack from rules to actions", () => {
        it("must create and bind the actions in the same update that drops the rules, replacing nothing shared", async () => {
            const before = await runUnderMocks({ stack: "dev", config: RULES_MODE });
            const after = await runUnderMocks({ stack: "dev" });
            const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
            const beforeKeys = new Set(before.declared.map(key));
            const afterKeys = new Set(after.declared.map(key));
            const created = after.declared.filter((r) => !beforeKeys.has(key(r)));
            const deleted = before.declared.filter((r) => !afterKeys.has(key(r)));
            assert.deepStrictEqual(created.map((r) => r.type).sort(), [RESOURCE_TYPES.action, RESOURCE_TYPES.action, RESOURCE_TYPES.triggerActions].sort());
            assert.deepStrictEqual([...new Set(deleted.map((r) => r.type))].sort(), [RESOURCE_TYPES.clientGrant, RESOURCE_TYPES.rule, RESOURCE_TYPES.ruleConfig].sort());
            // Pulumi runs every create and update of an update before deleting what the program no
            // longer declares, so the rules keep running until the binding exists. The binding
            // itself depends on the new actions (it references their ids).
            const binding = after.one(RESOURCE_TYPES.triggerActions);
            const actionIds = after.ofType(RESOURCE_TYPES.action).map((a) => a.id).sort();
            assert.deepStrictEqual((binding.inputs.actions as { id: string }[]).map((a) => a.id).sort(), actionIds);
            // What both modes share keeps its identity, so the M2M client and API are not replaced.
            for (const shared of [...before.ofType(RESOURCE_TYPES.client), ...before.ofType(RESOURCE_TYPES.clientCredentials), before.one(RESOURCE_TYPES.resourceServer), before.one(RESOURCE_TYPES.resourceServerScopes)]) {
                assert.deepStrictEqual(after.one(shared.type, shared.name).inputs, shared.inputs, shared.name);
            }
        });
    });

    describe("the Authorization Extension", () => {
        it("must not look it up, grant it, or hand its URL to the code when disabled", async () => {
            // No handler for getResourceServer: any lookup would throw.
            const run = await runUnderMocks({ config: { authzExtensionEnabled: "false" }, calls: {} });
            assert.ok(!run.ofType(RESOURCE_TYPES.clientGrant).some((g) => g.inputs.audience === "urn:auth0-authz-api"));
            const secrets = run.one(RESOURCE_TYPES.action, "login-action-enrich-from-apis").inputs.secretsWos as { name: string }[];
            assert.ok(!secrets.some((s) => s.name === "AUTHZ_EXTENSION_URL"));
        });

        it("must fail with install instructions when enabled but its API is missing", async () => {
            await assert.rejects(
                runUnderMocks({ calls: { [DATA_SOURCE_TYPES.getResourceServer]: missingAuthzExtensionApi() } }),
                /install the Authorization Extension.*enable API access/,
            );
        });

        it("must fail naming the scope when the extension's API lacks one the code needs", async () => {
            await assert.rejects(
                runUnderMocks({ calls: { [DATA_SOURCE_TYPES.getResourceServer]: installedAuthzExtensionApi(["read:users"]) } }),
                /does not define read:groups/,
            );
        });
    });

    describe("several stacks in one tenant", () => {
        it("must give a review stack names and identifiers that collide with nothing of dev's", async () => {
            const dev = await runUnderMocks({ stack: "dev" });
            const review = await runUnderMocks({ stack: "pr-7", config: { apiIdentifier: undefined, loginFlowOwner: "false" } });
            const tenantNames = (run: ProgramRun) => [
                ...run.ofType(RESOURCE_TYPES.client).map((r) => `client:${r.inputs.name as string}`),
                ...run.ofType(RESOURCE_TYPES.resourceServer).map((r) => `api:${r.inputs.identifier as string}`),
                ...run.ofType(RESOURCE_TYPES.resourceServer).map((r) => `api-name:${r.inputs.name as string}`),
                ...run.ofType(RESOURCE_TYPES.action).map((r) => `action:${r.inputs.name as string}`),
            ];
            const devNames = tenantNames(dev);
            const reviewNames = tenantNames(review);
            assert.strictEqual(reviewNames.length, devNames.length);
            assert.deepStrictEqual(reviewNames.filter((n) => devNames.includes(n)), []);
            assert.ok(reviewNames.includes("api:urn:auth0-tenant:pr-7:api"));
            // The post-login binding is tenant-wide: only the owning stack declares it.
            assert.strictEqual(dev.ofType(RESOURCE_TYPES.triggerActions).length, 1);
            assert.strictEqual(review.ofType(RESOURCE_TYPES.triggerActions).length, 0);
        });
    });

    describe("protection", () => {
        it("must protect prod's API, applications, credentials and post-login binding, nothing a routine change replaces or deletes, and nothing of dev", async () => {
            const prod = await runUnderMocks({ stack: "prod" });
            const dev = await runUnderMocks({ stack: "dev" });
            const protectedOf = (run: ProgramRun) =>
                run.constructed.filter((c) => c.type !== "pulumi:pulumi:Stack").map((c) => [c.name, (c.resource as unknown as { __protect?: boolean }).__protect === true]);
            const prodProtected = protectedOf(prod).filter(([, p]) => p).map(([name]) => name).sort();
            assert.deepStrictEqual(prodProtected, [
                "api-scopes", "api-server",
                "login-code-blue-client", "login-code-blue-credentials",
                "login-code-green-client", "login-code-green-credentials",
                // Its delete empties the tenant's post-login trigger (docs/delivery.md).
                "login-post-login",
            ]);
            assert.deepStrictEqual(protectedOf(dev).filter(([, p]) => p), []);
        });
    });

    describe("refusals", () => {
        it("must declare nothing when the configuration is invalid", async () => {
            const err = await runUnderMocks({ config: { extensibility: "hooks" } }).then(
                () => assert.fail("expected the program to fail"),
                (e: Error & { declared: { type: string }[] }) => e,
            );
            assert.match(err.message, /auth0-tenant:extensibility: "hooks" is not a mode/);
            assert.deepStrictEqual(err.declared.map((r) => r.type).filter((t) => t !== "pulumi:pulumi:Stack"), []);
        });
    });
});
