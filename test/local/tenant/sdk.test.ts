import assert from "node:assert/strict";
import { deployTenant, DeployedTenant, loginCredential } from "../../../local/tenant/deployedTenant";
import { modeSettings } from "../../../local/engine/operation";
import { LocalTenant } from "../../../local/tenant/localTenant";
import { runTsFile } from "../../support/child";


interface Outcome {
    readonly ok: boolean;
    readonly status?: number;
    readonly error?: string;
    readonly value?: Record<string, unknown>;
}

describe("local tenant: wire fidelity with the official auth0 SDK (v7, unchanged)", function () {
    let deployed: DeployedTenant;
    let tenant: LocalTenant;
    let result: Record<"customApi" | "wrongSecret" | "unknownAudience" | "updateAppMetadata", Outcome>;
    let output: string;

    before(async function () {
        // Rules mode: the stack grants the Management API scope the rule's call needs.
        this.timeout(120_000);
        deployed = await deployTenant({ stack: "dev", set: modeSettings("rules") });
        tenant = await LocalTenant.start(deployed.model, deployed.tenantOptions());
        const local = deployed.localSettings(tenant);
        // The credential the rules are given (M2M_CREDENTIALS).
        const credential = loginCredential(local)!;
        const child = await runTsFile("test/support/sdkClient.ts", {
            SDK_DOMAIN: tenant.domain,
            SDK_CLIENT_ID: credential.clientId,
            SDK_CLIENT_SECRET: credential.clientSecret,
            SDK_AUDIENCE: local.API_AUDIENCE!,
            SDK_USER_ID: "auth0|bob",
        });
        output = child.stdout + child.stderr;
        assert.equal(child.code, 0, child.stderr);
        result = JSON.parse(child.stdout) as typeof result;
    });
    after(async function () {
        await tenant?.stop();
    });

    it("must issue the custom API's deployed scopes to AuthenticationClient.oauth.clientCredentialsGrant", function () {
        assert.ok(result.customApi.ok, JSON.stringify(result.customApi));
        assert.deepEqual(result.customApi.value, { scope: "read:entitlements", token_type: "Bearer", expires_in: 5400, hasToken: true });
    });

    it("must refuse a wrong secret with 401 access_denied through the SDK", function () {
        assert.deepEqual({ ok: result.wrongSecret.ok, status: result.wrongSecret.status, error: result.wrongSecret.error }, { ok: false, status: 401, error: "access_denied" });
    });

    it("must refuse an audience without a grant with 403 access_denied through the SDK", function () {
        assert.deepEqual({ ok: result.unknownAudience.ok, status: result.unknownAudience.status, error: result.unknownAudience.error }, { ok: false, status: 403, error: "access_denied" });
    });

    it("must let ManagementClient (own client-credentials token, https://<domain>/api/v2/) update app_metadata as the rule does", function () {
        assert.ok(result.updateAppMetadata.ok, JSON.stringify(result.updateAppMetadata));
        assert.deepEqual(result.updateAppMetadata.value, { user_id: "auth0|bob", app_metadata: { plan: "gold" } });
        assert.deepEqual(tenant.user("auth0|bob").app_metadata, { plan: "gold" });
        assert.ok(tenant.tokenRequests(tenant.audience("managementApi")) >= 1);
    });

    it("must not print a secret or a token", function () {
        assert.ok(!output.includes(loginCredential(deployed.localSettings(tenant))!.clientSecret));
        for (const token of tenant.issuedTokens) assert.ok(!output.includes(token));
    });
});
