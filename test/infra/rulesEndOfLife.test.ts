import assert from "node:assert/strict";
import { fetch } from "undici";
import { ConfigError } from "../../infra/config";
import { deployerScopes } from "../../tools/deployerScopes";
import { replayProviderCalls } from "../../local/sim/providerReplay";
import { trustedNetwork, TrustedNetwork } from "../../local/runtime/network";
import { LocalTenant } from "../../local/tenant/localTenant";
import { DEPRECATED_FEATURE_MESSAGE } from "../../local/tenant/managementApi";
import { MANAGEMENT_API_SCOPES } from "../../local/tenant/model";
import { testTls } from "../../local/tenant/tls";
import { runUnderMocks } from "../../tools/stack/program";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

const RULES_MODE = { extensibility: "rules", managementApiScopes: JSON.stringify(["update:users_app_metadata"]) };
const EMPTY_TENANT = { clients: [], apis: [{ identifier: "https://unused.test/", scopes: [] }], grants: [], users: [], groups: [], entitlements: {}, customApi: "https://unused.test/" };

describe("Rules' end of life (what a real tenant refuses)", function () {
    let network: TrustedNetwork;
    before(async function () {
        network = trustedNetwork((await testTls()).cert);
    });
    after(async function () {
        await network.close();
    });
    const send = async (tenant: LocalTenant, token: string, method: string, path: string, body?: unknown) => {
        const response = await fetch(`https://${tenant.domain}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            dispatcher: network.dispatcher,
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
    };

    it("must refuse rules mode for a deploy without the acknowledgment, before anything is declared, naming actions", async function () {
        const err = await runUnderMocks({ config: { ...RULES_MODE, rulesEndOfLifeAcknowledged: undefined } }).then(
            () => assert.fail("rules mode was accepted"),
            (e: unknown) => e as ConfigError & { declared: unknown[] },
        );
        assert.match(err.message, /auth0-tenant:extensibility: rules refused for a deploy: Auth0 Rules reached end of life on 2026-11-18/);
        assert.match(err.message, /Use extensibility: actions/);
        assert.deepEqual(err.declared, []);
    });

    it("must answer every rules call 403 \"deprecated feature\" on a tenant without Rules, as Auth0 does", async function () {
        const tenant = await LocalTenant.start(EMPTY_TENANT, { rules: "deprecated" });
        try {
            const all = await tenant.managementToken(MANAGEMENT_API_SCOPES);
            const replayed = await replayProviderCalls(`https://${tenant.domain}`, await tenant.managementToken(deployerScopes("write", "rules")), all, "rules", undefined, network.dispatcher);
            const rulesCalls = replayed.filter((r) => r.call.type === RESOURCE_TYPES.rule || r.call.type === RESOURCE_TYPES.ruleConfig);
            assert.ok(rulesCalls.length > 0);
            for (const r of rulesCalls) {
                assert.equal(r.status, 403, `${r.call.method} ${r.call.path}`);
                assert.equal((r.body as { message: string }).message, DEPRECATED_FEATURE_MESSAGE);
            }
        } finally {
            await tenant.stop();
        }
    });

    it("must create the stack's rules in a tenant whose hand-made rules hold orders 1, 2, 3 (no 409 rule_conflict)", async function () {
        const tenant = await LocalTenant.start(EMPTY_TENANT);
        try {
            const token = await tenant.managementToken(deployerScopes("write", "rules"));
            for (const order of [1, 2, 3]) {
                const made = await send(tenant, token, "POST", "/api/v2/rules", { name: `hand-made-${order}`, script: "function (u, c, cb) { cb(null, u, c); }", order });
                assert.equal(made.status, 201);
            }
            // The local tenant refuses a taken order as Auth0 does.
            const taken = await send(tenant, token, "POST", "/api/v2/rules", { name: "clash", script: "function (u, c, cb) { cb(null, u, c); }", order: 2 });
            assert.equal(taken.status, 409);
            assert.equal(taken.body.errorCode, "rule_conflict");
            const run = await runUnderMocks({ config: RULES_MODE });
            for (const rule of run.ofType(RESOURCE_TYPES.rule)) {
                const created = await send(tenant, token, "POST", "/api/v2/rules", { name: rule.inputs.name, script: rule.inputs.script, order: rule.inputs.order, enabled: true });
                assert.equal(created.status, 201, `${String(rule.inputs.name)} at order ${String(rule.inputs.order)}: ${JSON.stringify(created.body)}`);
            }
        } finally {
            await tenant.stop();
        }
    });

    /**
     * The switch rules -> actions is one update. The engine registers the program's resources
     * first (creates/updates in dependency order: the actions, then the post-login binding) and
     * generates the deletes of what the program no longer declares only after the program has
     * finished (pulumi/pulumi v3.259.0 pkg/resource/deploy/deployment_executor.go:486,
     * performPostSteps -> GenerateDeletes). So when the tenant refuses the rule deletes, the
     * actions already run; the refusal can only leave rules behind, never a login flow without
     * code. On a tenant past end of life the refusal is the deprecated-feature 403, and rules no
     * longer run there: the login flow is the actions' alone, and only the stack's state still
     * lists the rules (docs/delivery.md, "Switching from rules to actions", says how to drop them).
     */
    it("must leave the login flow to the actions alone when a tenant past end of life refuses the rule deletes", async function () {
        const tenant = await LocalTenant.start(EMPTY_TENANT);
        try {
            const all = await tenant.managementToken(MANAGEMENT_API_SCOPES);
            // Rules mode deployed while the tenant still had Rules.
            const rulesRun = await runUnderMocks({ config: RULES_MODE });
            const ruleIds: string[] = [];
            for (const rule of rulesRun.ofType(RESOURCE_TYPES.rule)) {
                ruleIds.push(String((await send(tenant, all, "POST", "/api/v2/rules", { name: rule.inputs.name, script: rule.inputs.script, order: rule.inputs.order })).body.id));
            }
            const configKeys = rulesRun.ofType(RESOURCE_TYPES.ruleConfig).map((c) => String(c.inputs.key));
            for (const key of configKeys) assert.equal((await send(tenant, all, "PUT", `/api/v2/rules-configs/${key}`, { value: "v" })).status, 200);
            tenant.management.rulesAvailability = "deprecated";

            // The switch, in the engine's order, with the write deployer of the switch.
            const token = await tenant.managementToken([...deployerScopes("write", "actions"), "delete:rules", "delete:rules_configs", "read:rules", "read:rules_configs"]);
            const actionsRun = await runUnderMocks({});
            const actionIds: string[] = [];
            for (const action of actionsRun.ofType(RESOURCE_TYPES.action)) {
                const created = await send(tenant, token, "POST", "/api/v2/actions/actions", { name: action.inputs.name, code: action.inputs.code, supported_triggers: [{ id: "post-login", version: "v3" }] });
                assert.equal(created.status, 201);
                actionIds.push(String(created.body.id));
                assert.equal((await send(tenant, token, "POST", `/api/v2/actions/actions/${actionIds.at(-1)}/deploy`)).status, 200);
            }
            assert.equal(actionsRun.ofType(RESOURCE_TYPES.triggerActions).length, 1);
            const bound = await send(tenant, token, "PATCH", "/api/v2/actions/triggers/post-login/bindings", {
                bindings: actionIds.map((id, i) => ({ ref: { type: "action_id", value: id }, display_name: String(actionsRun.ofType(RESOURCE_TYPES.action)[i].inputs.name) })),
            });
            assert.equal(bound.status, 200);
            // Deletes last: refused.
            for (const id of ruleIds) {
                const refused = await send(tenant, token, "DELETE", `/api/v2/rules/${id}`);
                assert.equal(refused.status, 403);
                assert.equal(refused.body.message, DEPRECATED_FEATURE_MESSAGE);
            }
            // What logins run now: the bound actions, and no rule (the tenant has no Rules feature).
            const bindings = await send(tenant, token, "GET", "/api/v2/actions/triggers/post-login/bindings");
            assert.deepEqual((bindings.body.bindings as { action: { id: string } }[]).map((b) => b.action.id), actionIds);
            assert.equal((await send(tenant, all, "GET", `/api/v2/rules/${ruleIds[0]}`)).status, 403);
        } finally {
            await tenant.stop();
        }
    });
});
