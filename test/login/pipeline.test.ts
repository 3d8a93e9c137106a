import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Audience, ExtensibilityMode, LOGIN_CALLS, LoginSettingName, scopesNeeded } from "../../infra/loginContract";
import { ActionsRuntime } from "../../local/runtime/actions";
import { LoginResult } from "../../local/runtime/types";
import { LOCAL_CLAIM_NAMESPACE } from "../../local/tenant/localTenant";
import { AUTHZ_EXTENSION_API } from "../../local/tenant/model";
import { aTenant, aUser, ENTITLEMENTS_OF_MEMBERS, GROUPS_OF_MEMBERS, M2M_CLIENT, TenantBuilder } from "./support/builders";
import { Harness, SettingsOverrides } from "../../local/runtime/loginHarness";
import { SideBySide } from "./support/sideBySide";
import { loginCodeConstant, stopAndCheck } from "./support/spec";

const GROUPS_CLAIM = `${LOCAL_CLAIM_NAMESPACE}groups`;
const ENTITLEMENTS_CLAIM = `${LOCAL_CLAIM_NAMESPACE}entitlements`;
const EXPECTED_GROUPS = GROUPS_OF_MEMBERS.map(({ name, description }) => ({ name, description }));

const REQUIRED_SETTINGS: Record<ExtensibilityMode, LoginSettingName[]> = {
    actions: [
        "AUTH0_DOMAIN", "M2M_CLIENT_ID", "M2M_CLIENT_SECRET", "API_AUDIENCE", "API_BASE_URL", "CLAIM_NAMESPACE",
        "FAILURE_POLICY_GROUPS", "FAILURE_POLICY_API",
    ],
    // Rules read the credential as one value, so a rotation switches it in one rule-config write.
    rules: [
        "AUTH0_DOMAIN", "M2M_CREDENTIALS", "API_AUDIENCE", "API_BASE_URL", "CLAIM_NAMESPACE",
        "FAILURE_POLICY_GROUPS", "FAILURE_POLICY_API", "FAILURE_POLICY_MANAGEMENT",
    ],
};

function assertAllowedWithEverything(result: LoginResult): void {
    assert.equal(result.outcome, "allowed", result.reason);
    for (const claims of [result.idTokenClaims, result.accessTokenClaims]) {
        assert.deepEqual(claims[GROUPS_CLAIM], EXPECTED_GROUPS);
        assert.deepEqual(claims[ENTITLEMENTS_CLAIM], ENTITLEMENTS_OF_MEMBERS);
    }
}

for (const mode of ["actions", "rules"] as const) {
    describe(`login pipeline as ${mode}`, function () {
        /** The per-call timeout the deployed files use. */
        const CALL_TIMEOUT_MS = loginCodeConstant(mode, "CALL_TIMEOUT_MS");
        let h: Harness | undefined;
        /** The tests below that wait out CALL_TIMEOUT_MS: started together, each asserted by its own test. */
        const timeouts = new SideBySide();
        before(() => timeouts.startAll());
        after(() => timeouts.settled());

        async function start(tenant: TenantBuilder = aTenant(mode)): Promise<Harness> {
            h = await Harness.start(mode, tenant.build());
            return h;
        }

        const tokens = (harness: Harness, audience: Audience) => harness.tenant.tokenRequests(harness.tenant.audience(audience));
        const calls = (harness: Harness, audience: Audience) => harness.tenant.calls(harness.tenant.audience(audience));

        afterEach(async function () {
            if (!h) return;
            const harness = h;
            h = undefined;
            // A second callback would arrive after the first: give it a moment to show up.
            await delay(20);
            await stopAndCheck(harness);
        });

        it("must put groups and entitlements into both tokens for a verified user, one token request per audience", async function () {
            const harness = await start();
            assertAllowedWithEverything(await harness.login(harness.container()));
            assert.deepEqual(harness.tenant.user("auth0|alice").app_metadata, { groups: ["admins", "readers"] });
            assert.equal(tokens(harness, "authzExtension"), 1);
            assert.equal(tokens(harness, "api"), 1);
            assert.equal(tokens(harness, "managementApi"), mode === "rules" ? 1 : 0);
        });

        it("must refuse an unverified email before any token request or API call", async function () {
            const harness = await start(aTenant(mode).withUsers(aUser().withEmailVerified(false)));
            const result = await harness.login(harness.container());
            assert.equal(result.outcome, "denied");
            assert.match(result.reason ?? "", /verify your email/);
            for (const audience of ["authzExtension", "api", "managementApi"] as const) {
                assert.equal(tokens(harness, audience) + calls(harness, audience), 0, audience);
            }
        });

        it("must refuse the login before any request, naming the missing setting in the log only and no value anywhere", async function () {
            const harness = await start();
            const values = Object.values(harness.settings()).filter((v): v is string => typeof v === "string");
            for (const name of REQUIRED_SETTINGS[mode]) {
                const container = harness.container({ [name]: undefined });
                const result = await harness.login(container);
                assert.equal(result.outcome, "denied", name);
                assert.match(result.reason ?? "", /the login service is misconfigured/);
                assert.doesNotMatch(result.reason ?? "", new RegExp(name), `${name}: the user-facing reason names a setting`);
                assert.ok(container.logs.some((line) => line.includes("configuration incomplete") && line.includes(name)), `${name}: not named in the log`);
                for (const line of [result.reason ?? "", ...container.logs]) {
                    assert.ok(!values.some((value) => value.length > 8 && line.includes(value)), `${name}: a value leaked`);
                }
            }
            const invalidPolicy = await harness.login(harness.container({ FAILURE_POLICY_API: "sometimes" }));
            assert.equal(invalidPolicy.outcome, "denied");
            assert.match(invalidPolicy.reason ?? "", /the login service is misconfigured/);
            assert.equal(tokens(harness, "authzExtension") + tokens(harness, "api"), 0);
        });

        it("must skip the groups step, and say so in the log, when AUTHZ_EXTENSION_URL is absent", async function () {
            const harness = await start(aTenant(mode).withoutAuthzExtension());
            const container = harness.container();
            const result = await harness.login(container);
            assert.equal(result.outcome, "allowed", result.reason);
            assert.equal(result.idTokenClaims[GROUPS_CLAIM], undefined);
            assert.deepEqual(result.idTokenClaims[ENTITLEMENTS_CLAIM], ENTITLEMENTS_OF_MEMBERS);
            assert.ok(container.logs.some((line) => /step=groups: skipped/.test(line)));
            assert.equal(tokens(harness, "authzExtension") + tokens(harness, "managementApi"), 0);
        });

        it("must deny when the extension is down, and continue without groups when the policy says continue", async function () {
            const harness = await start();
            await harness.tenant.stopService("authzExtension");
            const denied = await harness.login(harness.container());
            assert.equal(denied.outcome, "denied");
            assert.match(denied.reason ?? "", /group membership/);
            const continued = await harness.login(harness.container({ FAILURE_POLICY_GROUPS: "continue" }));
            assert.equal(continued.outcome, "allowed", continued.reason);
            assert.equal(continued.accessTokenClaims[GROUPS_CLAIM], undefined);
            assert.deepEqual(continued.accessTokenClaims[ENTITLEMENTS_CLAIM], ENTITLEMENTS_OF_MEMBERS);
            assert.equal(calls(harness, "managementApi"), 0);
        });

        // The groups' and the entitlements' token requests are in flight together, in no fixed
        // order: each fault below targets the groups' audience.
        describe("when the token endpoint fails", function () {
            const tokenFaults = [
                { title: "answers 503", arrange: (t: Harness) => t.tenant.faults.inject("token", { kind: "status", status: 503 }, 1, AUTHZ_EXTENSION_API) },
                { title: "answers invalid JSON", arrange: (t: Harness) => t.tenant.faults.inject("token", { kind: "invalid-json" }, 1, AUTHZ_EXTENSION_API) },
            ];
            for (const fault of tokenFaults) {
                it(`must apply the groups policy when it ${fault.title}, and not cache the failure`, async function () {
                    const harness = await start();
                    fault.arrange(harness);
                    const container = harness.container();
                    const denied = await harness.login(container);
                    assert.equal(denied.outcome, "denied");
                    assert.match(denied.reason ?? "", /group membership/);
                    assertAllowedWithEverything(await harness.login(container));
                    assert.equal(tokens(harness, "authzExtension"), 2);
                });
            }

            it("must deny with 401 access_denied for a wrong secret, and continue without claims when both policies say continue", async function () {
                const harness = await start();
                const wrongSecret: SettingsOverrides =
                    mode === "rules"
                        ? { M2M_CREDENTIALS: JSON.stringify({ client_id: M2M_CLIENT.id, client_secret: "not-the-secret-of-this-client" }) }
                        : { M2M_CLIENT_SECRET: "not-the-secret-of-this-client" };
                const denied = await harness.login(harness.container(wrongSecret));
                assert.equal(denied.outcome, "denied");
                const continued = await harness.login(
                    harness.container({ ...wrongSecret, FAILURE_POLICY_GROUPS: "continue", FAILURE_POLICY_API: "continue" }),
                );
                assert.equal(continued.outcome, "allowed", continued.reason);
                assert.deepEqual(continued.idTokenClaims, {});
                assert.equal(harness.tenant.issuedTokens.length, 0);
                assert.ok(harness.logs.some((line) => /token endpoint answered 401 access_denied/.test(line)));
            });

            it("must deny with 403 access_denied when the client has no grant for the extension", async function () {
                const harness = await start(aTenant(mode).withoutGrant("authzExtension"));
                const result = await harness.login(harness.container());
                assert.equal(result.outcome, "denied");
                assert.ok(harness.logs.some((line) => /step=groups: failed \(token endpoint answered 403 access_denied\)/.test(line)));
            });

            it("must continue without entitlements when the client has no grant for the custom API", async function () {
                const harness = await start(aTenant(mode).withoutGrant("api"));
                const result = await harness.login(harness.container());
                assert.equal(result.outcome, "allowed", result.reason);
                assert.deepEqual(result.idTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS);
                assert.equal(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
            });

            it("must use a token answered without expires_in for that login only, never caching it", async function () {
                const harness = await start();
                harness.tenant.faults.inject("token", { kind: "omit-expires-in" }, 1, AUTHZ_EXTENSION_API);
                const container = harness.container();
                assertAllowedWithEverything(await harness.login(container));
                assertAllowedWithEverything(await harness.login(container));
                assertAllowedWithEverything(await harness.login(container));
                assert.equal(tokens(harness, "authzExtension"), 2);
                assert.equal(tokens(harness, "api"), 1);
            });

            const hangingTokenEndpoint = timeouts.add(
                async (startHarness) => {
                    const harness = await startHarness(mode);
                    harness.tenant.faults.inject("token", { kind: "hang" }, 1, AUTHZ_EXTENSION_API);
                    return { harness, container: harness.container({ FAILURE_POLICY_GROUPS: "continue" }) };
                },
                ({ harness, container }) => harness.login(container),
            );

            it("must give up on a hanging token endpoint after the per-call timeout and go on with the next step", async function () {
                const result = await hangingTokenEndpoint();
                assert.equal(result.outcome, "allowed", result.reason);
                assert.equal(result.idTokenClaims[GROUPS_CLAIM], undefined);
                assert.deepEqual(result.idTokenClaims[ENTITLEMENTS_CLAIM], ENTITLEMENTS_OF_MEMBERS);
                assert.ok(result.durationMs >= CALL_TIMEOUT_MS - 50 && result.durationMs < CALL_TIMEOUT_MS + 1500, `${result.durationMs} ms`);
            });
        });

        describe("when a called API fails", function () {
            it("must drop a stale token on 401, fetch a fresh one and retry once", async function () {
                const harness = await start();
                const container = harness.container();
                assertAllowedWithEverything(await harness.login(container));
                harness.tenant.revokeIssuedTokens();
                assertAllowedWithEverything(await harness.login(container));
                assert.equal(tokens(harness, "authzExtension"), 2);
                assert.equal(tokens(harness, "api"), 2);
                assert.equal(calls(harness, "api"), 3);
                assertAllowedWithEverything(await harness.login(container));
                assert.equal(tokens(harness, "api"), 2);
            });

            it("must retry a 401 only once, then apply the policy", async function () {
                const harness = await start();
                harness.tenant.faults.always("entitlements", { kind: "status", status: 401 });
                const result = await harness.login(harness.container());
                assert.equal(result.outcome, "allowed", result.reason);
                assert.equal(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
                assert.equal(calls(harness, "api"), 2);
                assert.equal(tokens(harness, "api"), 2);
            });

            it("must not retry a 403 (insufficient scope): continue by default, deny when FAILURE_POLICY_API is deny", async function () {
                const harness = await start();
                harness.tenant.faults.inject("entitlements", { kind: "status", status: 403 }, 2);
                const continued = await harness.login(harness.container());
                assert.equal(continued.outcome, "allowed", continued.reason);
                assert.equal(continued.accessTokenClaims[ENTITLEMENTS_CLAIM], undefined);
                assert.deepEqual(continued.accessTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS);
                assert.equal(calls(harness, "api"), 1);
                const denied = await harness.login(harness.container({ FAILURE_POLICY_API: "deny" }));
                assert.equal(denied.outcome, "denied");
                assert.match(denied.reason ?? "", /entitlements/);
            });

            it("must apply each step's policy to a 5xx: groups deny, entitlements continue", async function () {
                const harness = await start();
                harness.tenant.faults.inject("groups", { kind: "status", status: 502 });
                const denied = await harness.login(harness.container());
                assert.equal(denied.outcome, "denied");
                assert.deepEqual(denied.idTokenClaims, {}, "a denied login carries no claim");
                // always: the denied login's discarded entitlements call may still reach the server.
                harness.tenant.faults.always("entitlements", { kind: "status", status: 500 });
                const continued = await harness.login(harness.container());
                assert.equal(continued.outcome, "allowed", continued.reason);
                assert.equal(continued.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
            });

            const hangingApi = timeouts.add(
                async (startHarness) => {
                    const harness = await startHarness(mode);
                    harness.tenant.faults.inject("entitlements", { kind: "hang" });
                    return { harness, container: harness.container() };
                },
                ({ harness, container }) => harness.login(container),
            );

            it("must give up on a hanging API after the per-call timeout", async function () {
                const result = await hangingApi();
                assert.equal(result.outcome, "allowed", result.reason);
                assert.deepEqual(result.idTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS);
                assert.equal(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
                assert.ok(result.durationMs >= CALL_TIMEOUT_MS - 50 && result.durationMs < CALL_TIMEOUT_MS + 1500, `${result.durationMs} ms`);
            });
        });

        describe("token cache", function () {
            it("must make one token request per audience for 50 simultaneous logins on a cold cache", async function () {
                const harness = await start(aTenant(mode).withManyUsers(50));
                const container = harness.container();
                const results = await Promise.all(Array.from({ length: 50 }, (_, i) => harness.login(container, `auth0|user-${i}`)));
                results.forEach(assertAllowedWithEverything);
                assert.equal(tokens(harness, "authzExtension"), 1);
                assert.equal(tokens(harness, "api"), 1);
                assert.equal(tokens(harness, "managementApi"), mode === "rules" ? 1 : 0);
                assert.equal(calls(harness, "api"), 50);
            });

            it("must reuse tokens across executions in one container", async function () {
                const harness = await start();
                const container = harness.container();
                for (let i = 0; i < 5; i++) assertAllowedWithEverything(await harness.login(container));
                assert.equal(tokens(harness, "authzExtension"), 1);
                assert.equal(tokens(harness, "api"), 1);
            });

            if (mode === "rules") {
                it("must not share global, hence tokens, between containers", async function () {
                    const harness = await start();
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assert.equal(tokens(harness, "api"), 2);
                });
            } else {
                it("must find tokens in api.cache from a new container, within the cache's limits", async function () {
                    const harness = await start();
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assert.equal(tokens(harness, "api"), 1);
                    const cache = (harness.runtime as ActionsRuntime).cacheOf("enrich-from-apis.js");
                    assert.deepEqual(cache.writes.map((write) => write.result), ["success", "success"]);
                });

                it("must keep working on the in-memory token when api.cache refuses the write", async function () {
                    const harness = await start();
                    const cache = (harness.runtime as ActionsRuntime).cacheOf("enrich-from-apis.js");
                    for (let i = 0; i < 20; i++) cache.set(`other-${i}`, "x");
                    const container = harness.container();
                    assertAllowedWithEverything(await harness.login(container));
                    assertAllowedWithEverything(await harness.login(container));
                    assert.equal(tokens(harness, "api"), 1);
                    assert.ok(container.logs.some((line) => /api\.cache\.set failed \(TOO_MANY_ENTRIES\)/.test(line)));
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assert.equal(tokens(harness, "api"), 2, "a new container has neither the memo nor a cache entry");
                });
            }
        });

        describe("least privilege", function () {
            const expectedWhenForbidden: Record<Audience, (result: LoginResult, harness: Harness) => void> = {
                authzExtension: (result) => {
                    assert.equal(result.outcome, "denied");
                    assert.match(result.reason ?? "", /group membership/);
                },
                api: (result) => {
                    assert.equal(result.outcome, "allowed", result.reason);
                    assert.equal(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
                    assert.deepEqual(result.idTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS);
                },
                managementApi: (result, harness) => {
                    assert.equal(result.outcome, "allowed", result.reason);
                    assert.equal(harness.tenant.user("auth0|alice").app_metadata, undefined);
                },
            };

            it("must succeed with exactly the contract's scopes in the grants", async function () {
                const harness = await start();
                for (const audience of ["authzExtension", "api", "managementApi"] as const) {
                    const grant = harness.tenant.model.grants.find((g) => harness.tenant.audience(audience) === g.audience.replace("{domain}", harness.tenant.domain));
                    assert.deepEqual(grant?.scopes ?? [], scopesNeeded(audience, mode), audience);
                }
                assertAllowedWithEverything(await harness.login(harness.container()));
            });

            for (const call of LOGIN_CALLS.filter((c) => c.modes.includes(mode))) {
                for (const scope of call.scopes) {
                    it(`must fail ${call.method} ${call.path} with 403 and apply its policy when the grant lacks ${scope}`, async function () {
                        const harness = await start(aTenant(mode).withoutScope(call.audience, scope));
                        const result = await harness.login(harness.container());
                        assert.equal(calls(harness, call.audience), 1, "the call must have been made, and not retried");
                        assert.ok(harness.logs.some((line) => line.includes("answered 403")));
                        expectedWhenForbidden[call.audience](result, harness);
                    });
                }
            }
        });

        if (mode === "rules") {
            describe("M2M_CREDENTIALS, the credential as one value (rules only)", function () {
                it("must refuse a malformed M2M_CREDENTIALS before any request, naming it and what is wrong in the log, and no part of its value anywhere", async function () {
                    const harness = await start();
                    // Random parts: 6 of their characters in a log line are a leak, not a coincidence.
                    const secret = randomBytes(24).toString("hex");
                    const id = randomBytes(12).toString("hex");
                    const malformed: { value: string; problem: RegExp }[] = [
                        // Node 22's JSON.parse quotes these in its message: logging it would leak the secret.
                        { value: `x${secret}`, problem: /M2M_CREDENTIALS is not JSON/ },
                        { value: `{"client_id": "${id}", "client_secret": x${secret}}`, problem: /M2M_CREDENTIALS is not JSON/ },
                        { value: `{"client_id": "${id}", "client_secret": "${secret}`, problem: /M2M_CREDENTIALS is not JSON/ },
                        { value: `{client_id: '${id}', client_secret: '${secret}'}`, problem: /M2M_CREDENTIALS is not JSON/ },
                        { value: JSON.stringify([id, secret]), problem: /M2M_CREDENTIALS must be a JSON object/ },
                        { value: JSON.stringify(secret), problem: /M2M_CREDENTIALS must be a JSON object/ },
                        { value: "null", problem: /M2M_CREDENTIALS must be a JSON object/ },
                        { value: JSON.stringify({ client_id: id }), problem: /M2M_CREDENTIALS has no non-empty string client_secret$/ },
                        { value: JSON.stringify({ client_id: "", client_secret: secret }), problem: /M2M_CREDENTIALS has no non-empty string client_id$/ },
                        { value: JSON.stringify({ client_id: id, client_secret: Number.parseInt(secret.slice(0, 8), 16) }), problem: /no non-empty string client_secret$/ },
                        { value: JSON.stringify({ clientId: id, clientSecret: secret }), problem: /no non-empty string client_id or client_secret$/ },
                    ];
                    const windows = [secret, id].flatMap((part) => Array.from({ length: part.length - 5 }, (_, i) => part.slice(i, i + 6)));
                    for (const [index, { value, problem }] of malformed.entries()) {
                        const container = harness.container({ M2M_CREDENTIALS: value });
                        const result = await harness.login(container);
                        assert.equal(result.outcome, "denied", `case ${index}`);
                        assert.equal(result.reason, "Login is not available right now: the login service is misconfigured.", `case ${index}`);
                        const refusal = container.logs.filter((line) => line.includes("configuration incomplete"));
                        assert.equal(refusal.length, 1, `case ${index}: one refusal logged`);
                        assert.match(refusal[0], problem, `case ${index}`);
                        for (const line of container.logs) {
                            assert.ok(!windows.some((w) => line.includes(w)), `case ${index}: a log line holds part of the value`);
                        }
                    }
                    for (const audience of ["authzExtension", "api", "managementApi"] as const) {
                        assert.equal(tokens(harness, audience) + calls(harness, audience), 0, audience);
                    }
                });

                it("must authenticate with M2M_CREDENTIALS alone: M2M_CLIENT_ID and M2M_CLIENT_SECRET neither replace nor override it", async function () {
                    const harness = await start();
                    const pair = { M2M_CLIENT_ID: M2M_CLIENT.id, M2M_CLIENT_SECRET: M2M_CLIENT.secret };
                    const withPairOnly = await harness.login(harness.container({ ...pair, M2M_CREDENTIALS: undefined }));
                    assert.equal(withPairOnly.outcome, "denied");
                    assert.match(withPairOnly.reason ?? "", /the login service is misconfigured/);
                    assert.equal(harness.tenant.issuedTokens.length, 0);
                    const staleOtherSlot = { M2M_CLIENT_ID: "login-code-green", M2M_CLIENT_SECRET: "a-secret-the-tenant-does-not-accept" };
                    assertAllowedWithEverything(await harness.login(harness.container(staleOtherSlot)));
                });
            });

            describe("Management API (rules only)", function () {
                it("must call the Management API only when the groups in app_metadata differ", async function () {
                    const harness = await start(aTenant(mode).withUsers(aUser(), aUser("auth0|bob").withAppMetadata({ groups: ["admins", "readers"], plan: "pro" })));
                    const container = harness.container();
                    assertAllowedWithEverything(await harness.login(container));
                    assertAllowedWithEverything(await harness.login(container));
                    assertAllowedWithEverything(await harness.login(container, "auth0|bob"));
                    assert.equal(calls(harness, "managementApi"), 1);
                    assert.deepEqual(harness.tenant.user("auth0|bob").app_metadata, { groups: ["admins", "readers"], plan: "pro" });
                });

                it("must continue by default, and deny when FAILURE_POLICY_MANAGEMENT is deny, when the update fails", async function () {
                    const harness = await start();
                    harness.tenant.faults.inject("patchUser", { kind: "status", status: 503 }, 2);
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    const denied = await harness.login(harness.container({ FAILURE_POLICY_MANAGEMENT: "deny" }));
                    assert.equal(denied.outcome, "denied");
                    assert.match(denied.reason ?? "", /profile could not be updated/);
                    assert.equal(harness.tenant.user("auth0|alice").app_metadata, undefined);
                });
            });
        }
    });
}
