import assert from "node:assert/strict";
import { slotFor } from "../../../infra/rotation";
import { planRotations, RotationPlan } from "../../../local/sim/rotationPlan";
import { simulateRotations, SimulationOptions, SimulationReport } from "../../../local/sim/rotationSimulation";
import { trustedNetwork } from "../../../local/runtime/network";
import { LocalTenant } from "../../../local/tenant/localTenant";
import { testTls } from "../../../local/tenant/tls";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

const ROTATIONS = 4;
/** Small and quick: correctness only, no timing assertion. Token lifetime 5 s: every login fetches. */
const QUICK: Omit<SimulationOptions, "strategy"> = { concurrency: 20, containers: 3, stepDelayMs: 10, rotationIntervalMs: 20, loginsPerStep: 10 };

/**
 * Blue/green must fail no login: every rotation applied, one code update (action deploy or
 * rule-config write) per rotation, and every state the tenant passed through exercised by
 * logins that needed tokens.
 */
function assertNoFailedLogins(plan: RotationPlan, report: SimulationReport): void {
    assert.equal(report.rotations, plan.rotations.length);
    assert.equal(report.steps, plan.rotations.reduce((n, r) => n + r.steps.length, 0));
    assert.equal(report.deploys, plan.rotations.length, "one code update per rotation");
    assert.ok(report.logins >= (report.steps + 1) * QUICK.loginsPerStep!, `only ${report.logins} logins`);
    assert.ok(report.tokenRequests >= report.steps, `only ${report.tokenRequests} token requests`);
    assert.deepEqual(report.failureReasons, {});
    assert.equal(report.failedLogins, 0);
}

/**
 * The naive in-place update must fail logins, in every rotation's window, and nowhere else. The
 * window runs from the step before the tenant's secret change (logins in flight across it) to
 * the code's update (the action deploy, or the rules' config write).
 */
function assertFailuresOnlyInNaiveWindows(plan: RotationPlan, report: SimulationReport): void {
    assert.ok(report.failedLogins > 0, "the naive update failed no login");
    const windows = plan.rotations.flatMap((r) => {
        const change = r.steps.findIndex((s) => s.effect.kind === "client-secret");
        const update = r.steps.findIndex((s) => s.effect.kind === "deploy");
        return r.steps.slice(Math.max(0, change - 1), update).map((step) => `${r.from}->${r.to} ${step.name}`);
    });
    for (const rotation of plan.rotations) {
        // Logins that started after the tenant's change and before the code's update fetch with a dead secret.
        const change = rotation.steps.find((s) => s.effect.kind === "client-secret")!;
        const label = `${rotation.from}->${rotation.to} ${change.name}`;
        assert.ok((report.failuresByStep[label] ?? 0) > 0, `no failure in the window after ${label}`);
    }
    for (const [after, failures] of Object.entries(report.failuresByStep)) {
        assert.ok(windows.includes(after), `${failures} logins failed after ${after}, outside any window`);
    }
}

describe("local/sim/rotationSimulation", () => {
    describe("actions (the default mode)", () => {
        let plan: RotationPlan;
        before(async function () {
            // Five pulumi up runs through the engine double, a few seconds each unless kept (local/engine/localDeploy.ts).
            this.timeout(120_000);
            plan = await planRotations(1, ROTATIONS, "actions");
        });

        it("must take each rotation from pulumi up of the next generation: the fresh slot's secret, then its credentials in the tenant, then the code", () => {
            assert.equal(plan.rotations.length, ROTATIONS);
            for (const rotation of plan.rotations) {
                const fresh = slotFor(rotation.to);
                // What changes the tenant, in order; anything else only reads it (the GrantVerification check).
                const changing = rotation.steps.filter((s) => s.effect.kind !== "check");
                assert.deepEqual(
                    changing.map((s) => `${s.type} ${s.name}`),
                    [
                        `${RESOURCE_TYPES.randomPassword} login-code-${fresh}-secret`,
                        `${RESOURCE_TYPES.clientCredentials} login-code-${fresh}-credentials`,
                        `${RESOURCE_TYPES.action} login-action-enrich-from-apis`,
                    ],
                    `rotation ${rotation.from} -> ${rotation.to}`,
                );
                const [password, credentials, action] = changing;
                assert.deepEqual(password.after, []);
                assert.deepEqual(credentials.after, [password.name]);
                assert.ok(action.after.includes(credentials.name), `the deploy waits for ${credentials.name}`);
                for (const check of rotation.steps.filter((s) => s.effect.kind === "check")) {
                    assert.ok(check.after.includes(credentials.name), `${check.name} runs after ${credentials.name}`);
                }
                assert.equal(credentials.effect.kind, "client-secret");
                assert.equal(action.effect.kind, "deploy");
                if (credentials.effect.kind !== "client-secret" || action.effect.kind !== "deploy") return;
                // The fresh slot's client, as the first deploy created it in the tenant.
                const client = plan.initial.deploy.state.find((r) => r.type === RESOURCE_TYPES.client && r.name === `login-code-${fresh}-client`);
                assert.equal(credentials.effect.clientId, client?.id);
                // The deploy hands the code exactly the credential the tenant has just accepted.
                assert.deepEqual(Object.keys(action.effect.settings).sort(), ["M2M_CLIENT_ID", "M2M_CLIENT_SECRET"]);
                assert.equal(action.effect.settings.M2M_CLIENT_ID, credentials.effect.clientId);
                assert.equal(action.effect.settings.M2M_CLIENT_SECRET, credentials.effect.secret);
            }
        });

        it(`must not fail a single login across ${ROTATIONS} blue/green rotations, with every login fetching its tokens`, async function () {
            this.timeout(30_000);
            const report = await simulateRotations(plan, { strategy: "blue-green", ...QUICK });
            assert.equal(report.rotations, ROTATIONS);
            assertNoFailedLogins(plan, report);
        });

        it("must observe failed logins with the naive in-place update, and only between the tenant's secret change and the code update", async function () {
            this.timeout(30_000);
            const report = await simulateRotations(plan, { strategy: "in-place", ...QUICK });
            assertFailuresOnlyInNaiveWindows(plan, report);
            assert.ok(Object.keys(report.failureReasons).every((reason) => reason.includes("group membership could not be verified")), JSON.stringify(report.failureReasons));
        });
    });

    describe("rules (legacy)", () => {
        let plan: RotationPlan;
        before(async function () {
            this.timeout(120_000);
            plan = await planRotations(1, ROTATIONS, "rules");
        });

        it("must switch the rules' credential in one rule-config write, M2M_CREDENTIALS, after the fresh slot exists", () => {
            for (const rotation of plan.rotations) {
                const fresh = slotFor(rotation.to);
                const changing = rotation.steps.filter((s) => s.effect.kind !== "check");
                assert.deepEqual(
                    changing.map((s) => s.name),
                    [`login-code-${fresh}-secret`, `login-code-${fresh}-credentials`, "login-config-M2M_CREDENTIALS"],
                    `rotation ${rotation.from} -> ${rotation.to}`,
                );
                const [, credentials, config] = changing;
                assert.ok(config.after.includes(credentials.name), `the config write waits for ${credentials.name}`);
                if (credentials.effect.kind !== "client-secret" || config.effect.kind !== "deploy") return assert.fail("unexpected effects");
                assert.deepEqual(Object.keys(config.effect.settings), ["M2M_CREDENTIALS"]);
                assert.deepEqual(JSON.parse(config.effect.settings.M2M_CREDENTIALS!), {
                    client_id: credentials.effect.clientId,
                    client_secret: credentials.effect.secret,
                });
            }
        });

        it("must not fail a single login across blue/green rotations, with every login fetching its tokens", async function () {
            this.timeout(30_000);
            const report = await simulateRotations(plan, { strategy: "blue-green", ...QUICK });
            assertNoFailedLogins(plan, report);
        });

        it("must still observe failed logins with the naive in-place update, and only between the tenant's secret change and the config write", async function () {
            this.timeout(30_000);
            const report = await simulateRotations(plan, { strategy: "in-place", ...QUICK });
            assertFailuresOnlyInNaiveWindows(plan, report);
        });
    });

    describe("LocalTenant client secrets at runtime", () => {
        it("must refuse the old secret and accept the new one after setClientSecret, and keep honouring tokens issued before", async () => {
            const client = { id: "rotating-client", secret: "old-secret-of-a-local-client" };
            const api = "https://api.rotation.local";
            const tenant = await LocalTenant.start({
                clients: [client],
                apis: [{ identifier: api, scopes: ["read:entitlements"] }],
                grants: [{ clientId: client.id, audience: api, scopes: ["read:entitlements"] }],
                users: [],
                groups: [],
                entitlements: {},
                customApi: api,
            });
            const network = trustedNetwork((await testTls()).cert);
            const token = async (id: string, secret: string) => {
                const response = await fetch(`https://${tenant.domain}/oauth/token`, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify({ grant_type: "client_credentials", client_id: id, client_secret: secret, audience: api }),
                    dispatcher: network.dispatcher,
                });
                return { status: response.status, body: (await response.json()) as { access_token?: string } };
            };
            const entitlements = async (accessToken: string) =>
                (await fetch(`${tenant.loginSettings("actions").API_BASE_URL}/users/auth0%7Cx/entitlements`, {
                    headers: { authorization: `Bearer ${accessToken}` },
                    dispatcher: network.dispatcher,
                })).status;
            try {
                const before = await token(client.id, client.secret);
                assert.equal(before.status, 200);
                tenant.setClientSecret(client.id, "new-secret-of-a-local-client");
                assert.equal((await token(client.id, client.secret)).status, 401);
                assert.equal((await token(client.id, "new-secret-of-a-local-client")).status, 200);
                assert.equal(await entitlements(before.body.access_token!), 200);
                assert.throws(() => tenant.setClientSecret("no-such-client", "x"), /no client/);
                tenant.addClient({ id: "second-client", secret: "second-secret-of-a-client" });
                // A client without a grant authenticates, and is refused the audience, as Auth0 does.
                assert.equal((await token("second-client", "second-secret-of-a-client")).status, 403);
                assert.throws(() => tenant.addClient({ id: client.id, secret: "x" }), /exists/);
            } finally {
                await tenant.stop();
                await network.close();
            }
        });
    });
});
