import assert from "node:assert/strict";
import { fetch } from "undici";
import { trustedNetwork, TrustedNetwork } from "../../../local/runtime/network";
import { LocalTenant } from "../../../local/tenant/localTenant";
import { TenantModel } from "../../../local/tenant/model";
import { testTls } from "../../../local/tenant/tls";

const CUSTOM_API = "https://api.test/";
const MODEL: TenantModel = {
    clients: [],
    apis: [{ identifier: CUSTOM_API, scopes: ["read:entitlements"] }],
    grants: [],
    users: [{ user_id: "auth0|alice", email: "alice@example.com", email_verified: true, app_metadata: { plan: "pro", stale: true } }],
    groups: [],
    entitlements: {},
    customApi: CUSTOM_API,
};

describe("local/tenant/localTenant (the Management API's user update, answered by local/tenant/managementApi.ts)", function () {
    let tenant: LocalTenant;
    let network: TrustedNetwork;
    before(async function () {
        network = trustedNetwork((await testTls()).cert);
        tenant = await LocalTenant.start(MODEL);
    });
    after(async function () {
        await tenant.stop();
        await network.close();
    });
    afterEach(function () {
        tenant.faults.clear();
    });

    const patchUser = async (userId: string, body: unknown, scopes: readonly string[] = ["update:users_app_metadata"]) => {
        const response = await fetch(`https://${tenant.domain}/api/v2/users/${encodeURIComponent(userId)}`, {
            method: "PATCH",
            headers: { authorization: `Bearer ${await tenant.managementToken(scopes)}`, "content-type": "application/json" },
            body: JSON.stringify(body),
            dispatcher: network.dispatcher,
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it("must refuse a token without update:users_app_metadata as every Management API call refuses a missing scope: 403 insufficient_scope", async function () {
        const refused = await patchUser("auth0|alice", { app_metadata: { groups: ["admins"] } }, ["read:users"]);
        assert.equal(refused.status, 403);
        assert.deepEqual(refused.body, {
            statusCode: 403,
            error: "Forbidden",
            message: "Insufficient scope, expected any of: update:users_app_metadata",
            errorCode: "insufficient_scope",
        });
        assert.equal(tenant.user("auth0|alice").app_metadata?.groups, undefined);
    });

    it("must record the user update in the Management API's call log, as every call it answers", async function () {
        const before = tenant.management.log.length;
        await patchUser("auth0|alice", { app_metadata: { groups: ["admins"] } });
        await patchUser("auth0|nobody", { app_metadata: { groups: ["admins"] } });
        assert.deepEqual(tenant.management.log.slice(before), ["PATCH /api/v2/users/{user_id} 200", "PATCH /api/v2/users/{user_id} 404"]);
    });

    it("must merge app_metadata by top-level key (null deletes), refuse other fields 400 and an unknown user 404", async function () {
        const merged = await patchUser("auth0|alice", { app_metadata: { groups: ["readers"], stale: null } });
        assert.equal(merged.status, 200);
        assert.deepEqual(merged.body.app_metadata, { plan: "pro", groups: ["readers"] });
        assert.deepEqual(tenant.user("auth0|alice").app_metadata, { plan: "pro", groups: ["readers"] });
        const other = await patchUser("auth0|alice", { email: "mallory@example.com" });
        assert.equal(other.status, 400);
        assert.equal(other.body.message, "Only app_metadata may be updated with this grant");
        assert.equal(tenant.user("auth0|alice").email, "alice@example.com");
        const unknown = await patchUser("auth0|nobody", { app_metadata: {} });
        assert.deepEqual([unknown.status, unknown.body.errorCode], [404, "inexistent_user"]);
    });

    it("must act out a fault injected into patchUser before it reads the token, and count the call", async function () {
        const calls = tenant.calls(tenant.audience("managementApi"));
        const arrived = tenant.faults.received("patchUser");
        tenant.faults.inject("patchUser", { kind: "status", status: 503 });
        const faulted = await patchUser("auth0|alice", { app_metadata: { groups: ["x"] } }, []);
        assert.equal(faulted.status, 503);
        assert.equal(tenant.faults.received("patchUser"), arrived + 1);
        assert.equal(tenant.calls(tenant.audience("managementApi")), calls + 1);
        assert.notDeepEqual(tenant.user("auth0|alice").app_metadata?.groups, ["x"]);
    });
});
