import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { Harness, SettingsOverrides } from "../../local/runtime/loginHarness";
import { EXECUTION_LIMIT_MS } from "../../local/runtime/types";
import { AUTHZ_EXTENSION_API } from "../../local/tenant/model";
import { aTenant, CUSTOM_API } from "./support/builders";
import { SideBySide } from "./support/sideBySide";
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
        /**
         * The tests below that wait out CALL_TIMEOUT_MS: started together, each asserted by its own
         * test. One mode at a time: a dozen logins whose timers fire at once in one process would
         * time the process's load, not the code's limit.
         */
        const timeouts = new SideBySide();
        let CALL_TIMEOUT_MS: number;
        let LOGIN_BUDGET_MS: number;
        let MIN_CALL_TIME_MS: number;
        let MAX_RESPONSE_BYTES: number;
        let CLAIM_MAX_BYTES: number;
        before(function () {
            CALL_TIMEOUT_MS = loginCodeConstant(mode, "CALL_TIMEOUT_MS");
            LOGIN_BUDGET_MS = loginCodeConstant(mode, "LOGIN_BUDGET_MS");
            MIN_CALL_TIME_MS = loginCodeConstant(mode, "MIN_CALL_TIME_MS");
            MAX_RESPONSE_BYTES = loginCodeConstant(mode, "MAX_RESPONSE_BYTES");
            CLAIM_MAX_BYTES = loginCodeConstant(mode, "CLAIM_MAX_BYTES");
            return timeouts.startAll();
        });
        after(() => timeouts.settled());

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
        const slowExchanges = timeouts.add(
            (start) =>
                Promise.all(
                    cases.map(async (c) => {
                        const harness = await start(mode);
                        c.arrange(harness);
                        return { c, harness, container: harness.container(c.settings) };
                    }),
                ),
            (arranged) => Promise.all(arranged.map(async ({ c, harness, container }) => ({ c, container, result: await harness.login(container) }))),
        );

        it("must end each exchange CALL_TIMEOUT_MS after it starts, however slowly the server connects, answers or sends its body", async function () {
            const outcomes = await slowExchanges();
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

        const everyCallStalled = timeouts.add(
            async (start) => {
                const harness = await start(mode);
                for (const endpoint of ["token", "groups", "entitlements", "patchUser"] as const) {
                    harness.tenant.faults.always(endpoint, { kind: "drip-body", intervalMs: 100 });
                }
                return { harness, container: harness.container({ FAILURE_POLICY_GROUPS: "continue" }) };
            },
            async ({ harness, container }) => ({ container, result: await harness.login(container) }),
        );

        it("must end the login within CALL_TIMEOUT_MS when every server stalls every call, dripping its body", async function () {
            const { container, result } = await everyCallStalled();
            assert.equal(result.outcome, "allowed", result.reason);
            assert.deepEqual(result.idTokenClaims, {});
            for (const step of ["groups", "entitlements"]) {
                assert.ok(
                    container.logs.some((line) => new RegExp(`step=${step}: failed \\(not finished within ${CALL_TIMEOUT_MS} ms\\)`).test(line)),
                    `${step}: ${container.logs.join(" | ")}`,
                );
            }
            // Both chains stall at once, side by side: the login waits one bound, not two.
            assert.ok(result.durationMs >= CALL_TIMEOUT_MS - 50 && result.durationMs < CALL_TIMEOUT_MS + 1500, `${Math.round(result.durationMs)} ms`);
        });

        const unsendableRequest = timeouts.add(
            async (start) => {
                const harness = await start(mode);
                // A 200 with a token holding a line break: the groups call's Authorization header is refused before it is sent.
                harness.tenant.faults.inject("token", { kind: "status", status: 200, body: { access_token: "not\na-header-value", token_type: "Bearer", expires_in: 86400 } }, 1, AUTHZ_EXTENSION_API);
                return { harness, container: harness.container({ FAILURE_POLICY_GROUPS: "continue" }) };
            },
            async ({ harness, container }) => {
                const uncaught: unknown[] = [];
                const record = (err: unknown) => uncaught.push(err);
                process.prependListener("uncaughtException", record);
                try {
                    const result = await harness.login(container);
                    // Past the call's own timeout: a timer it left behind would have fired by now.
                    await delay(loginCodeConstant(mode, "CALL_TIMEOUT_MS") + 200);
                    return { container, result, uncaught };
                } finally {
                    process.removeListener("uncaughtException", record);
                }
            },
        );

        it("must take the step's policy, and leave nothing running, when a request cannot even be sent (a token no header can carry)", async function () {
            const { container, result, uncaught } = await unsendableRequest();
            assert.equal(result.outcome, "allowed", result.reason);
            assert.equal(result.idTokenClaims[GROUPS_CLAIM], undefined);
            assert.notEqual(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
            assert.ok(container.logs.some((line) => /step=groups: failed \(request failed: /.test(line)), container.logs.join(" | "));
            assert.deepEqual(uncaught, []);
        });

        it("must keep LOGIN_BUDGET_MS, which every request's limit is clipped to, under Auth0's execution limit", function () {
            // A request starts only with at least MIN_CALL_TIME_MS of the budget left and is bounded by
            // what is left, so the code's last request ends by LOGIN_BUDGET_MS after the start.
            assert.ok(LOGIN_BUDGET_MS < EXECUTION_LIMIT_MS, `${LOGIN_BUDGET_MS} ms against Auth0's ${EXECUTION_LIMIT_MS} ms`);
            assert.ok(MIN_CALL_TIME_MS < CALL_TIMEOUT_MS && CALL_TIMEOUT_MS <= LOGIN_BUDGET_MS);
        });

        if (mode === "actions") {
            /**
             * Moves the clock the Action reads (the runtime compiles it in this context, so it shares
             * Date.now; timers are not moved) `budgetLeftMs` short of the end of the login's budget once
             * both token requests are in, then lets them be answered: the budget is spent without a
             * test waiting 15 s. The rule's sandbox has a Date of its own; its requestJson clips the same way.
             */
            async function loginWithBudgetLeft(harness: Harness, container: ReturnType<Harness["container"]>, budgetLeftMs: number) {
                // The clock is moved for the whole process: no other login may be running meanwhile.
                await timeouts.settled();
                const plan = harness.tenant.faults;
                let release!: () => void;
                plan.inject("token", { kind: "hold", until: new Promise<void>((resolve) => (release = resolve)) }, 2);
                const login = harness.login(container);
                await plan.arrived("token", 2);
                const realNow = Date.now;
                const skewMs = LOGIN_BUDGET_MS - budgetLeftMs;
                Date.now = () => realNow() + skewMs;
                try {
                    release();
                    return await login;
                } finally {
                    Date.now = realNow;
                }
            }

            it("must clip a request's time limit to what is left of LOGIN_BUDGET_MS", async function () {
                const harness = await harnesses.start();
                harness.tenant.faults.always("entitlements", { kind: "drip-body", intervalMs: 100 });
                const container = harness.container();
                const budgetLeftMs = 1000;
                const result = await loginWithBudgetLeft(harness, container, budgetLeftMs);
                assert.equal(result.outcome, "allowed", result.reason);
                assert.deepEqual(result.idTokenClaims[GROUPS_CLAIM], EXPECTED_GROUPS);
                assert.equal(result.idTokenClaims[ENTITLEMENTS_CLAIM], undefined);
                const limit = /step=entitlements: failed \(not finished within (\d+) ms\)/.exec(container.logs.join("\n"));
                assert.ok(limit, container.logs.join(" | "));
                assert.ok(Number(limit[1]) <= budgetLeftMs && Number(limit[1]) > budgetLeftMs - 500, limit[0]);
                assert.ok(result.durationMs < CALL_TIMEOUT_MS, `${Math.round(result.durationMs)} ms`);
            });

            it("must start no request with less than MIN_CALL_TIME_MS of the budget left, and take each step's policy", async function () {
                const harness = await harnesses.start();
                const container = harness.container();
                const result = await loginWithBudgetLeft(harness, container, MIN_CALL_TIME_MS - 100);
                assert.equal(result.outcome, "denied");
                assert.match(result.reason ?? "", /group membership could not be verified/);
                assert.ok(container.logs.some((line) => line.includes("step=groups: failed (login time budget spent)")), container.logs.join(" | "));
                assert.equal(harness.tenant.calls(harness.tenant.audience("authzExtension")), 0);
            });
        }

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
