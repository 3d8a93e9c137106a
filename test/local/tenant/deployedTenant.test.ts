import assert from "node:assert/strict";
import { createLocalJWKSet, decodeJwt, JSONWebKeySet, jwtVerify } from "jose";
import { LOGIN_SETTINGS, scopesNeeded } from "../../../infra/loginContract";
import { deployedTenant, deployTenant, DeployedTenant, loginCredential } from "../../../local/tenant/deployedTenant";
import { AUTHZ_EXTENSION_AUDIENCE } from "../../../infra/authzExtension";
import { modeSettings } from "../../../local/engine/operation";
import { reveal } from "../../../local/engine/wire";
import { SAMPLE_DIRECTORY } from "../../../local/tenant/sampleDirectory";
import { LocalManagementApi } from "../../../local/tenant/managementApi";
import { Harness } from "../../../local/runtime/loginHarness";
import { trustedNetwork, TrustedNetwork } from "../../../local/runtime/network";
import { LocalTenant } from "../../../local/tenant/localTenant";
import { AUTHZ_EXTENSION_API, MANAGEMENT_API } from "../../../local/tenant/model";
import { testTls } from "../../../local/tenant/tls";
import { ROOT } from "../../../tools/stack/tokens";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

const RULES_MODE = modeSettings("rules");
const DECLARED_MANAGEMENT_API = "https://fixture-dev.us.auth0.com/api/v2/";

describe("local/tenant/deployedTenant (the tenant a stack's pulumi up left, served locally)", function () {
    // Each distinct deploy is a pulumi up through the engine and provider doubles unless kept (local/engine/localDeploy.ts).
    this.timeout(120_000);
    let network: TrustedNetwork;
    before(async function () {
        network = trustedNetwork((await testTls()).cert);
    });
    after(async function () {
        await network.close();
    });

    async function post(tenant: LocalTenant, body: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
        const response = await fetch(`https://${tenant.domain}/oauth/token`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ grant_type: "client_credentials", ...body }),
            dispatcher: network.dispatcher,
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    async function get(url: string, token: string): Promise<number> {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, dispatcher: network.dispatcher });
        await response.arrayBuffer();
        return response.status;
    }

    for (const [mode, config] of [["actions", {}], ["rules", RULES_MODE]] as const) {
        describe(`dev stack, ${mode} mode`, function () {
            let declared: DeployedTenant;
            let tenant: LocalTenant;
            before(async function () {
                declared = await deployTenant({ stack: "dev", set: config });
                tenant = await LocalTenant.start(declared.model, declared.tenantOptions());
            });
            after(async function () {
                await tenant?.stop();
            });

            it("must serve exactly the client grants the program declares, each with the contract's scopes", function () {
                // What the program registered with the engine: the state's inputs of each grant.
                const declaredGrants = declared.deploy.state
                    .filter((r) => r.type === RESOURCE_TYPES.clientGrant)
                    .map((g) => reveal(g.inputs) as { clientId: string; audience: string; scopes: string[] })
                    .map((g) => ({ clientId: g.clientId, audience: g.audience === DECLARED_MANAGEMENT_API ? MANAGEMENT_API : g.audience, scopes: g.scopes }));
                assert.ok(declaredGrants.length > 0);
                const key = (g: { clientId: unknown; audience: unknown }) => `${String(g.clientId)} ${String(g.audience)}`;
                const sort = <G extends { clientId: unknown; audience: unknown }>(gs: G[]) => [...gs].sort((a, b) => key(a).localeCompare(key(b)));
                assert.deepEqual(sort([...declared.model.grants]), sort(declaredGrants));
                const byAudience = (audience: string) => declared.model.grants.filter((g) => g.audience === audience);
                for (const grant of byAudience("https://fixture-api.test/dev")) assert.deepEqual(grant.scopes, scopesNeeded("api", mode));
                for (const grant of byAudience("urn:auth0-authz-api")) assert.deepEqual(grant.scopes, scopesNeeded("authzExtension", mode));
                assert.equal(byAudience(MANAGEMENT_API).length > 0, mode === "rules");
            });

            it("must accept every declared credential for every granted audience and issue exactly the grant's scopes, signed as the JWKS says", async function () {
                const jwks = (await (await fetch(`https://${tenant.domain}/.well-known/jwks.json`, { dispatcher: network.dispatcher })).json()) as JSONWebKeySet;
                const keys = createLocalJWKSet(jwks);
                assert.ok(declared.credentials.length >= 1);
                for (const credential of declared.localCredentials(tenant)) {
                    assert.ok(credential.grants.length >= 2, `${credential.name} has grants`);
                    for (const grant of credential.grants) {
                        const answer = await post(tenant, { client_id: credential.clientId, client_secret: credential.clientSecret, audience: grant.audience });
                        assert.equal(answer.status, 200, `${credential.name} ${grant.audience}`);
                        assert.equal(answer.body.scope, grant.scopes.join(" "));
                        const { payload } = await jwtVerify(String(answer.body.access_token), keys, { issuer: tenant.issuer, audience: grant.audience });
                        assert.deepEqual(String(payload.scope).split(" "), [...grant.scopes]);
                        assert.equal(payload.sub, `${credential.clientId}@clients`);
                    }
                }
            });

            it("must refuse a wrong secret with 401 access_denied, as Auth0 does", async function () {
                const [credential] = declared.credentials;
                const answer = await post(tenant, { client_id: credential.clientId, client_secret: `${credential.clientSecret}x`, audience: "https://fixture-api.test/dev" });
                assert.equal(answer.status, 401);
                assert.equal(answer.body.error, "access_denied");
                assert.equal(answer.body.access_token, undefined);
            });

            it("must refuse, with 403 access_denied, an audience the client has no grant for", async function () {
                const [credential] = declared.credentials;
                // The Management API exists in every tenant but only rules mode grants it; rules
                // mode grants every API the tenant has, so it is asked for one that does not exist.
                const audience = mode === "actions" ? tenant.audience("managementApi") : "https://not-declared.example";
                const answer = await post(tenant, { client_id: credential.clientId, client_secret: credential.clientSecret, audience });
                assert.equal(answer.status, 403);
                assert.equal(answer.body.error, "access_denied");
                assert.equal(answer.body.access_token, undefined);
            });

            it("must enforce the declared API's audience: a token for another API is refused", async function () {
                const [credential] = declared.credentials;
                const forExtension = await post(tenant, { client_id: credential.clientId, client_secret: credential.clientSecret, audience: "urn:auth0-authz-api" });
                const forApi = await post(tenant, { client_id: credential.clientId, client_secret: credential.clientSecret, audience: "https://fixture-api.test/dev" });
                const url = `${declared.localSettings(tenant).API_BASE_URL}/users/${encodeURIComponent("auth0|alice")}/entitlements`;
                assert.equal(await get(url, String(forApi.body.access_token)), 200);
                assert.equal(await get(url, String(forExtension.body.access_token)), 401);
            });

            it("must hand the login code the settings the tenant holds, with only the domain and the URLs pointed at the local servers", function () {
                const local = declared.localSettings(tenant);
                assert.deepEqual(Object.keys(local).sort(), Object.keys(LOGIN_SETTINGS).sort());
                assert.equal(declared.settings.AUTH0_DOMAIN, "fixture-dev.us.auth0.com");
                assert.equal(local.AUTH0_DOMAIN, tenant.domain);
                assert.match(local.API_BASE_URL ?? "", /^https:\/\/127\.0\.0\.1:\d+$/);
                assert.match(local.AUTHZ_EXTENSION_URL ?? "", /^https:\/\/127\.0\.0\.1:\d+\/api$/);
                // Rules get the credential as one value (one rule-config write), actions as two secrets.
                const credential = mode === "rules" ? (["M2M_CREDENTIALS"] as const) : (["M2M_CLIENT_ID", "M2M_CLIENT_SECRET"] as const);
                const notGiven = mode === "rules" ? (["M2M_CLIENT_ID", "M2M_CLIENT_SECRET"] as const) : (["M2M_CREDENTIALS"] as const);
                for (const name of [...credential, "API_AUDIENCE", "CLAIM_NAMESPACE", "FAILURE_POLICY_GROUPS", "FAILURE_POLICY_API"] as const) {
                    assert.equal(local[name], declared.settings[name], name);
                    assert.ok(local[name], `${name} is provided`);
                }
                for (const name of notGiven) assert.equal(local[name], undefined, `${name} is not provided`);
                assert.equal(local.FAILURE_POLICY_MANAGEMENT, mode === "rules" ? "continue" : undefined);
                // The code authenticates as the active client, whose secret is the one declared for it.
                const used = loginCredential(local);
                assert.ok(used, "a credential is provided");
                const active = declared.credentials.find((c) => c.clientId === used.clientId);
                assert.equal(active?.clientSecret, used.clientSecret);
            });

            it("must map the declared Management API audience to the local one", function () {
                const audiences = declared.localCredentials(tenant).flatMap((c) => c.grants.map((g) => g.audience));
                assert.ok(!audiences.includes(DECLARED_MANAGEMENT_API));
                assert.equal(audiences.includes(tenant.audience("managementApi")), mode === "rules");
            });

            it("must run the declared files, byte for byte, in the declared order", function () {
                assert.deepEqual(declared.loginFiles, [`${ROOT}/${mode}/require-verified-email.js`, `${ROOT}/${mode}/enrich-from-apis.js`]);
            });
        });
    }

    it("must serve the Authorization Extension API with the scopes its lookup answered, and the sample directory", async function () {
        const scopes = ["read:groups", "read:users"];
        const declared = await deployTenant({ stack: "prod", authzExtensionScopes: scopes });
        assert.deepEqual(declared.model.apis.find((a) => a.identifier === AUTHZ_EXTENSION_API)?.scopes, scopes);
        assert.deepEqual(declared.model.users, SAMPLE_DIRECTORY.users);
        // The local tenant's name for the extension's API is the program's.
        assert.equal(AUTHZ_EXTENSION_API, AUTHZ_EXTENSION_AUDIENCE);
    });

    it("must hand the login code the Action secrets and run the bindings as the tenant holds them, not as the program declares them", async function () {
        const declared = await deployTenant({ stack: "dev" });
        // A copy of the deployed tenant, changed in the dashboard: a secret's value, and the binding order.
        const api = LocalManagementApi.restore(declared.deploy.api.snapshot());
        const enrich = [...api.actions.values()].find((a) => a.name === "auth0-tenant-dev-enrich-from-apis")!;
        enrich.secrets = enrich.secrets.map((s) => (s.name === "CLAIM_NAMESPACE" ? { ...s, value: "https://changed-in-the-tenant.test/" } : s));
        api.bindings.set("post-login", [...(api.bindings.get("post-login") ?? [])].reverse());
        const held = deployedTenant({ ...declared.deploy, api });
        assert.equal(held.settings.CLAIM_NAMESPACE, "https://changed-in-the-tenant.test/");
        assert.notEqual(declared.settings.CLAIM_NAMESPACE, held.settings.CLAIM_NAMESPACE);
        assert.deepEqual(held.loginFiles, [...declared.loginFiles].reverse());
    });

    it("must run only the rules the tenant has enabled, in their order", async function () {
        const declared = await deployTenant({ stack: "dev", set: RULES_MODE });
        const api = LocalManagementApi.restore(declared.deploy.api.snapshot());
        const rule = [...api.rules.values()].find((r) => r.name === "auth0-tenant-dev-require-verified-email")!;
        rule.enabled = false;
        assert.deepEqual(deployedTenant({ ...declared.deploy, api }).loginFiles, [`${ROOT}/rules/enrich-from-apis.js`]);
    });

    it("must follow loginCodeOrder when the stack reorders the login code", async function () {
        const declared = await deployTenant({ stack: "dev", set: { loginCodeOrder: ["enrich-from-apis", "require-verified-email"] } });
        assert.deepEqual(declared.loginFiles, [`${ROOT}/actions/enrich-from-apis.js`, `${ROOT}/actions/require-verified-email.js`]);
    });

    it("must serve no extension and provide no AUTHZ_EXTENSION_URL when the stack disables the extension", async function () {
        const declared = await deployTenant({ stack: "dev", set: { authzExtensionEnabled: false } });
        const tenant = await LocalTenant.start(declared.model, declared.tenantOptions());
        try {
            assert.ok(!declared.model.apis.some((a) => a.identifier === "urn:auth0-authz-api"));
            assert.ok(!declared.model.grants.some((g) => g.audience === "urn:auth0-authz-api"));
            assert.equal(declared.localSettings(tenant).AUTHZ_EXTENSION_URL, undefined);
        } finally {
            await tenant.stop();
        }
    });

    describe("under-granting", function () {
        it("must be refused by the stack's config validation: rules mode without update:users_app_metadata", async function () {
            await assert.rejects(deployTenant({ stack: "dev", set: { ...RULES_MODE, managementApiScopes: [] } }), /auth0-tenant:managementApiScopes: .*update:users_app_metadata; add it/);
        });

        it("must make the rule's Management API call fail with 403, as on Auth0, when the declared grant lacks the scope", async function () {
            const declared = await deployTenant({ stack: "dev", set: RULES_MODE });
            const underGranted = {
                ...declared.model,
                grants: declared.model.grants.map((g) =>
                    g.audience === MANAGEMENT_API ? { ...g, scopes: g.scopes.filter((s) => s !== "update:users_app_metadata") } : g,
                ),
            };
            // The grant still exists (so a token is issued), only the scope is gone.
            assert.ok(underGranted.grants.some((g) => g.audience === MANAGEMENT_API && g.scopes.length === 0));
            const harness = await Harness.start("rules", underGranted, { files: declared.loginFiles });
            try {
                const container = harness.container(declared.localSettings(harness.tenant));
                const result = await harness.login(container, "auth0|alice");
                // The failure policy for the Management API defaults to continue: claims, no app_metadata.
                assert.equal(result.outcome, "allowed", result.reason);
                assert.equal(harness.tenant.calls(harness.tenant.audience("managementApi")), 1);
                assert.equal(harness.tenant.user("auth0|alice").app_metadata, undefined);
                assert.ok(
                    harness.logs.some((line) => /step=management: app_metadata update failed \(API answered 403\)/.test(line)),
                    harness.logs.join("\n"),
                );
            } finally {
                await harness.stop();
            }
        });

        it("must let the same login record app_metadata with the grant as declared", async function () {
            const declared = await deployTenant({ stack: "dev", set: RULES_MODE });
            const harness = await Harness.start("rules", declared.model, { files: declared.loginFiles, tenant: declared.tenantOptions() });
            try {
                const result = await harness.login(harness.container(declared.localSettings(harness.tenant)), "auth0|alice");
                assert.equal(result.outcome, "allowed", result.reason);
                assert.deepEqual(harness.tenant.user("auth0|alice").app_metadata, { groups: ["admins", "readers"] });
                for (const token of harness.tenant.issuedTokens) assert.ok(!String(decodeJwt(token).scope).includes("write:logins"));
            } finally {
                await harness.stop();
            }
        });
    });
});
