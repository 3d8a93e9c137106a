import assert from "node:assert/strict";
import { Audience } from "../../infra/loginContract";
import { Harness } from "../../local/runtime/loginHarness";
import { Endpoint, Fault } from "../../local/tenant/faults";
import { aTenant, aUser } from "./support/builders";
import { assertAllowedWithEverything, ENTITLEMENTS_CLAIM, GROUPS_CLAIM, harnessesFor, loginCodeConstant } from "./support/spec";

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
}

for (const mode of ["actions", "rules"] as const) {
    describe(`concurrent enrichment as ${mode}`, function () {
        const harnesses = harnessesFor(mode);
        const CALL_TIMEOUT_MS = loginCodeConstant(mode, "CALL_TIMEOUT_MS");
        const tokens = (harness: Harness, audience: Audience) => harness.tenant.tokenRequests(harness.tenant.audience(audience));
        const calls = (harness: Harness, audience: Audience) => harness.tenant.calls(harness.tenant.audience(audience));

        /**
         * Holds each request to `first` until `second` has received one, and the other way round:
         * a login that made them one after the other would wait out its timeout and lose a step.
         */
        function requireInFlightTogether(harness: Harness, first: Endpoint, second: Endpoint, then: Partial<Record<Endpoint, Fault>> = {}): void {
            const plan = harness.tenant.faults;
            // Arrivals counted from now: the next request to each.
            plan.inject(first, { kind: "hold", until: plan.arrived(second, plan.received(second) + 1), then: then[first] });
            plan.inject(second, { kind: "hold", until: plan.arrived(first, plan.received(first) + 1), then: then[second] });
        }

        it("must have the groups and the entitlements token requests in flight at once on a cold container", async function () {
            const harness = await harnesses.start();
            // The first token request is answered only once a second one has arrived.
            harness.tenant.faults.inject("token", { kind: "hold", until: harness.tenant.faults.arrived("token", 2) });
            assertAllowedWithEverything(await harness.login(harness.container()));
            assert.equal(tokens(harness, "authzExtension"), 1);
            assert.equal(tokens(harness, "api"), 1);
        });

        it("must have the groups and the entitlements calls in flight at once", async function () {
            const harness = await harnesses.start();
            const container = harness.container();
            assertAllowedWithEverything(await harness.login(container));
            requireInFlightTogether(harness, "groups", "entitlements");
            assertAllowedWithEverything(await harness.login(container));
            assert.equal(calls(harness, "api"), 2);
        });

        it("must combine the two outcomes by their policies, whichever ends first", async function () {
            const cases = [
                { groups: 502, entitlements: 200, settings: {}, outcome: "denied", reason: /group membership/ },
                { groups: 200, entitlements: 500, settings: { FAILURE_POLICY_API: "deny" }, outcome: "denied", reason: /entitlements could not be loaded/ },
                { groups: 502, entitlements: 500, settings: { FAILURE_POLICY_GROUPS: "continue" }, outcome: "allowed", claims: [] },
                { groups: 502, entitlements: 200, settings: { FAILURE_POLICY_GROUPS: "continue" }, outcome: "allowed", claims: [ENTITLEMENTS_CLAIM] },
                { groups: 200, entitlements: 500, settings: {}, outcome: "allowed", claims: [GROUPS_CLAIM] },
            ] as const;
            const harness = await harnesses.start();
            for (const [index, c] of cases.entries()) {
                // Both requests arrive before either is answered, so neither outcome is known first by construction.
                requireInFlightTogether(harness, "groups", "entitlements", {
                    groups: c.groups === 200 ? undefined : { kind: "status", status: c.groups },
                    entitlements: c.entitlements === 200 ? undefined : { kind: "status", status: c.entitlements },
                });
                const result = await harness.login(harness.container(c.settings));
                assert.equal(result.outcome, c.outcome, `case ${index}: ${result.reason}`);
                if ("reason" in c) assert.match(result.reason ?? "", c.reason, `case ${index}`);
                if ("claims" in c) assert.deepEqual(Object.keys(result.idTokenClaims).sort(), [...c.claims].sort(), `case ${index}`);
            }
        });

        describe("a denied login returns without waiting for the enrichment it discards", function () {
            it("must deny on the groups' failure while the entitlements call is still unanswered", async function () {
                const harness = await harnesses.start();
                const release = gate();
                // The groups answer (502) waits until the entitlements call has arrived, which is held.
                harness.tenant.faults.inject("groups", { kind: "hold", until: harness.tenant.faults.arrived("entitlements"), then: { kind: "status", status: 502 } });
                harness.tenant.faults.inject("entitlements", { kind: "hold", until: release.opened });
                const container = harness.container();
                const denied = await harness.login(container);
                release.open();
                assert.equal(denied.outcome, "denied");
                assert.match(denied.reason ?? "", /group membership/);
                assert.deepEqual(denied.idTokenClaims, {});
                assert.equal(calls(harness, "api"), 1, "the entitlements call was made");
                // It returned on the groups' answer, not when the held call would have timed out.
                assert.ok(denied.durationMs < CALL_TIMEOUT_MS / 2, `${Math.round(denied.durationMs)} ms`);
                assert.ok(!container.logs.some((line) => /step=entitlements: failed/.test(line)), "the discarded step reported a failure");
            });

            it("must deny on the entitlements' failure (policy deny) while the groups call is still unanswered", async function () {
                const harness = await harnesses.start();
                const release = gate();
                harness.tenant.faults.inject("entitlements", { kind: "hold", until: harness.tenant.faults.arrived("groups"), then: { kind: "status", status: 500 } });
                harness.tenant.faults.inject("groups", { kind: "hold", until: release.opened });
                const denied = await harness.login(harness.container({ FAILURE_POLICY_API: "deny" }));
                release.open();
                assert.equal(denied.outcome, "denied");
                assert.match(denied.reason ?? "", /entitlements could not be loaded/);
                assert.ok(denied.durationMs < CALL_TIMEOUT_MS / 2, `${Math.round(denied.durationMs)} ms`);
                assert.equal(calls(harness, "managementApi"), 0, "no app_metadata update for a login denied before its groups were known");
            });
        });

        if (mode === "rules") {
            describe("Management API update (rules only)", function () {
                it("must start the app_metadata update as soon as the groups are known, while the entitlements call is in flight", async function () {
                    const harness = await harnesses.start();
                    // The entitlements answer waits for the PATCH: a rule that patched after the entitlements would time out on them.
                    harness.tenant.faults.inject("entitlements", { kind: "hold", until: harness.tenant.faults.arrived("patchUser") });
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assert.deepEqual(harness.tenant.user("auth0|alice").app_metadata, { groups: ["admins", "readers"] });
                });

                it("must fetch the Management API token alongside the others when the user has no groups recorded, and not otherwise", async function () {
                    const harness = await harnesses.start(aTenant(mode).withUsers(aUser(), aUser("auth0|bob").withAppMetadata({ groups: ["admins", "readers"] })));
                    // Three token requests: each held until all three have arrived.
                    harness.tenant.faults.inject("token", { kind: "hold", until: harness.tenant.faults.arrived("token", 3) }, 2);
                    assertAllowedWithEverything(await harness.login(harness.container()));
                    assert.equal(tokens(harness, "managementApi"), 1);
                    assertAllowedWithEverything(await harness.login(harness.container(), "auth0|bob"));
                    assert.equal(tokens(harness, "managementApi"), 1, "bob's groups are recorded and unchanged: no Management API token");
                    assert.equal(calls(harness, "managementApi"), 1);
                });

                it("must deny on the update's failure (policy deny) once the claims are ready, and not wait for it when the entitlements deny", async function () {
                    const harness = await harnesses.start();
                    harness.tenant.faults.inject("patchUser", { kind: "status", status: 503 });
                    const deniedByUpdate = await harness.login(harness.container({ FAILURE_POLICY_MANAGEMENT: "deny" }));
                    assert.equal(deniedByUpdate.outcome, "denied");
                    assert.match(deniedByUpdate.reason ?? "", /profile could not be updated/);
                    const release = gate();
                    harness.tenant.faults.inject("patchUser", { kind: "hold", until: release.opened });
                    harness.tenant.faults.inject("entitlements", { kind: "status", status: 500 });
                    const deniedByEntitlements = await harness.login(harness.container({ FAILURE_POLICY_API: "deny", FAILURE_POLICY_MANAGEMENT: "deny" }));
                    release.open();
                    assert.equal(deniedByEntitlements.outcome, "denied");
                    assert.match(deniedByEntitlements.reason ?? "", /entitlements could not be loaded/);
                    assert.ok(deniedByEntitlements.durationMs < CALL_TIMEOUT_MS / 2, `${Math.round(deniedByEntitlements.durationMs)} ms`);
                });
            });
        }
    });
}
