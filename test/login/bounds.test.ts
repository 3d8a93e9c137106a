import assert from "node:assert/strict";
import { Harness, SettingsOverrides } from "../../local/loginHarness";
import { AUTHZ_EXTENSION_API } from "../../local/servers/model";
import { aTenant, CUSTOM_API } from "./support/builders";
import { ENTITLEMENTS_CLAIM, EXPECTED_GROUPS, GROUPS_CLAIM, harnessesFor, loginCodeConstant } from "./support/spec";

/** Long enough that only the code's own limit can end the exchange first. */
const MISBEHAVING_FOR_MS = 10000;

/** `count` entitlements whose claim ({"<name>":[...]}) is exactly `bytes` bytes of JSON. */
function entitlementsOfClaimSize(claimName: string, bytes: number): string[] {
    const base = Buffer.byteLength(JSON.stringify({ [claimName]: [] }));
    const item = (i: number) => `entitlement:${String(i).padStart(6, "0")}`;
    const itemBytes = Buffer.byteLength(JSON.stringify(item(0))) + 1;
    const list: string[] = [];
    let size = base - 1;
    while (size + itemBytes <= bytes) {
        list.push(item(list.length));
        size += itemBytes;
    }
    // Pad the last entry so the claim is exactly `bytes` long.
    const missing = bytes - Buffer.byteLength(JSON.stringify({ [claimName]: list }));
    list[list.length - 1] += "x".repeat(missing);
    return list;
}

for (const mode of ["actions", "rules"] as const) {
    describe(`bounded exchanges as ${mode}`, function () {
        const harnesses = harnessesFor(mode);
        let CALL_TIMEOUT_MS: number;
        let MAX_RESPONSE_BYTES: number;
        let CLAIM_MAX_BYTES: number;
        before(function () {
            CALL_TIMEOUT_MS = loginCodeConstant(mode, "CALL_TIMEOUT_MS");
            MAX_RESPONSE_BYTES = loginCodeConstant(mode, "MAX_RESPONSE_BYTES");
            CLAIM_MAX_BYTES = loginCodeConstant(mode, "CLAIM_MAX_BYTES");
        });

        it("must end each exchange CALL_TIMEOUT_MS after it starts, however slowly the server connects, answers or sends its body", async function () {
            const cases: { name: string; step: "groups" | "entitlements"; arrange: (h: Harness) => void; settings?: SettingsOverrides }[] = [
                { name: "TLS handshake held", step: "entitlements", arrange: (h) => h.tenant.stallConnections("api", MISBEHAVING_FOR_MS) },
                {
                    name: "headers late",
                    step: "entitlements",
                    arrange: (h) => h.tenant.faults.inject("entitlements", { kind: "slow-headers", delayMs: MISBEHAVING_FOR_MS }),
                },
                {
                    name: "body dripping a byte every 100 ms",
                    step: "entitlements",
                    arrange: (h) => h.tenant.faults.inject("entitlements", { kind: "drip-body", intervalMs: 100 }),
                },
                {
                    name: "token response dripping a byte every 100 ms",
                    step: "groups",
                    arrange: (h) => h.tenant.faults.inject("token", { kind: "drip-body", intervalMs: 100 }, 1, AUTHZ_EXTENSION_API),
                    settings: { FAILURE_POLICY_GROUPS: "continue" },
                },
            ];
            // The cases wait out the same limit: run them side by side, one tenant each.
            const outcomes = await Promise.all(
                cases.map(async (c) => {
                    const harness = await harnesses.start();
                    c.arrange(harness);
                    const container = harness.container(c.settings);
                    return { c, container, result: await harness.login(container) };
                }),
            );
            for (const { c, container, result } of outcomes) {
                assert.equal(result.outcome, "allowed", `${c.name}: ${result.reason}`);
                const [kept, lost] = c.step === "entitlements" ? [GROUPS_CLAIM, ENTITLEMENTS_CLAIM] : [ENTITLEMENTS_CLAIM, GROUPS_CLAIM];
                assert.equal(result.idTokenClaims[lost], undefined, c.name);
                assert.notEqual(result.idTokenClaims[kept], undefined, c.name);
                assert.ok(
                    container.logs.some((line) => new RegExp(`step=${c.step}: failed \\(not finished within \\d+ ms\\)`).test(line)),
                    `${c.name}: ${container.logs.join(" | ")}`,
                );
                assert.ok(
                    result.durationMs >= CALL_TIMEOUT_MS - 50 && result.durationMs < CALL_TIMEOUT_MS + 1500,
                    `${c.name}: ${Math.round(result.durationMs)} ms`,
                );
            }
        });

        it("must stop reading a response past MAX_RESPONSE_BYTES, declared or not, and take the step's policy", async function () {
            const huge = 64 * 1024 * 1024;
            const cases: { name: string; step: "groups" | "entitlements"; arrange: (h: Harness) => void }[] = [
                {
                    name: "chunked, no length",
                    step: "entitlements",
                    arrange: (h) => h.tenant.faults.inject("entitlements", { kind: "oversized-body", bytes: huge, declareLength: false }),
                },
                {
                    name: "content-length declared",
                    step: "entitlements",
                    arrange: (h) => h.tenant.faults.inject("entitlements", { kind: "oversized-body", bytes: huge, declareLength: true }),
                },
                {
                    name: "token response",
                    step: "entitlements",
                    arrange: (h) => h.tenant.faults.inject("token", { kind: "oversized-body", bytes: huge, declareLength: false }, 1, CUSTOM_API),
                },
                {
                    name: "one byte over",
                    step: "entitlements",
                    arrange: (h) =>
                        h.tenant.faults.inject("entitlements", { kind: "oversized-body", bytes: MAX_RESPONSE_BYTES + 1, declareLength: false }),
                },
            ];
            for (const c of cases) {
                const harness = await harnesses.start();
                c.arrange(harness);
                const container = harness.container();
                const result = await harness.login(container);
                assert.equal(result.outcome, "allowed", `${c.name}: ${result.reason}`);
                assert.equal(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined, c.name);
                assert.deepEqual(result.idTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS, c.name);
                assert.ok(
                    container.logs.some((line) => line.includes(`step=${c.step}: failed (response larger than ${MAX_RESPONSE_BYTES} bytes)`)),
                    `${c.name}: ${container.logs.join(" | ")}`,
                );
            }
        });

        it("must accept a response of exactly MAX_RESPONSE_BYTES", async function () {
            const harness = await harnesses.start();
            harness.tenant.faults.inject("entitlements", { kind: "oversized-body", bytes: MAX_RESPONSE_BYTES, declareLength: false });
            const container = harness.container();
            const result = await harness.login(container);
            assert.equal(result.outcome, "allowed", result.reason);
            // The body is well-formed and within the read limit; its one entitlement is far over the claim limit.
            assert.ok(container.logs.some((line) => /step=entitlements: failed \(claim is \d+ bytes, more than/.test(line)), container.logs.join(" | "));
        });

        describe("claims within Auth0's custom-claim limit", function () {
            const claimName = ENTITLEMENTS_CLAIM;

            it("must issue a claim of exactly CLAIM_MAX_BYTES", async function () {
                const entitlements = entitlementsOfClaimSize(claimName, CLAIM_MAX_BYTES);
                const harness = await harnesses.start(aTenant(mode).withEntitlements(entitlements));
                const result = await harness.login(harness.container());
                assert.equal(result.outcome, "allowed", result.reason);
                assert.deepEqual(result.idTokenClaims[claimName], entitlements);
                assert.deepEqual(result.accessTokenClaims[claimName], entitlements);
                assert.equal(Buffer.byteLength(JSON.stringify({ [claimName]: result.idTokenClaims[claimName] })), CLAIM_MAX_BYTES);
            });

            it("must drop an entitlements claim one byte over CLAIM_MAX_BYTES by its policy: continue without it, or deny", async function () {
                const entitlements = entitlementsOfClaimSize(claimName, CLAIM_MAX_BYTES + 1);
                const harness = await harnesses.start(aTenant(mode).withEntitlements(entitlements));
                const container = harness.container();
                const continued = await harness.login(container);
                assert.equal(continued.outcome, "allowed", continued.reason);
                assert.equal(continued.idTokenClaims[claimName], undefined);
                assert.equal(continued.accessTokenClaims[claimName], undefined);
                assert.deepEqual(continued.idTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS);
                assert.ok(container.logs.some((line) => line.includes(`step=entitlements: failed (claim is ${CLAIM_MAX_BYTES + 1} bytes, more than ${CLAIM_MAX_BYTES})`)));
                const denied = await harness.login(harness.container({ FAILURE_POLICY_API: "deny" }));
                assert.equal(denied.outcome, "denied");
                assert.match(denied.reason ?? "", /entitlements could not be loaded/);
            });

            it("must treat a groups claim over CLAIM_MAX_BYTES as a groups failure: denied by default, no app_metadata update", async function () {
                const groups = Array.from({ length: 400 }, (_, i) => ({
                    _id: `g-${i}`,
                    name: `group-${i}`,
                    description: `A group with a long description, number ${i}: `.padEnd(200, "."),
                }));
                const harness = await harnesses.start(aTenant(mode).withGroups(groups));
                const denied = await harness.login(harness.container());
                assert.equal(denied.outcome, "denied");
                assert.match(denied.reason ?? "", /group membership could not be verified/);
                assert.ok(harness.logs.some((line) => /step=groups: failed \(claim is \d+ bytes, more than \d+\)/.test(line)));
                const continued = await harness.login(harness.container({ FAILURE_POLICY_GROUPS: "continue" }));
                assert.equal(continued.outcome, "allowed", continued.reason);
                assert.equal(continued.idTokenClaims[GROUPS_CLAIM], undefined);
                assert.deepEqual(continued.appMetadataUpdates, {});
                assert.equal(harness.tenant.user("auth0|alice").app_metadata, undefined);
            });
        });
    });
}
