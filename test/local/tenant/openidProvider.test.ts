import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, JSONWebKeySet, jwtVerify } from "jose";
import { deployTenant } from "../../../local/tenant/deployedTenant";
import { LoginDirectory, SAMPLE_PASSWORD } from "../../../local/tenant/loginDirectory";
import { trustedNetwork, TrustedNetwork } from "../../../local/runtime/network";
import { OpenIdProvider } from "../../../local/tenant/openidProvider";
import { AUTHZ_EXTENSION_API } from "../../../local/tenant/model";
import { testTls } from "../../../local/tenant/tls";

describe("local/tenant/openidProvider (one issuer, one key set, the tenant's own token endpoint)", function () {
    this.timeout(30_000);
    let op: OpenIdProvider;
    let network: TrustedNetwork;
    const dir = mkdtempSync(join(tmpdir(), "openid-provider-"));
    let directory: LoginDirectory;

    before(async function () {
        // pulumi up of the dev stack through the engine and provider doubles (kept once done: local/engine/localDeploy.ts).
        this.timeout(120_000);
        const users = join(dir, "users.json");
        writeFileSync(users, JSON.stringify({ users: [{ email: "dave@example.test", password: "dave-local-password", email_verified: true, groups: ["auditors", "readers"] }] }));
        directory = LoginDirectory.load(users);
        const deployed = await deployTenant({ stack: "dev" }, { directory: directory.directory });
        [op, network] = await Promise.all([OpenIdProvider.start({ deployed, directory }), testTls().then((tls) => trustedNetwork(tls.cert))]);
    });
    after(async function () {
        await op?.stop();
        await network?.close();
        rmSync(dir, { recursive: true, force: true });
    });

    const get = async (path: string) => (await (await fetch(new URL(path, op.issuer), { dispatcher: network.dispatcher })).json()) as Record<string, unknown>;
    const post = (body: string, contentType: string) =>
        fetch(new URL("oauth/token", op.issuer), { method: "POST", headers: { "content-type": contentType }, body, dispatcher: network.dispatcher });

    it("must publish the local tenant's issuer and its one signing key, which signs the M2M tokens too", async () => {
        const discovery = await get(".well-known/openid-configuration");
        assert.equal(discovery.issuer, op.tenant.issuer);
        assert.equal(discovery.jwks_uri, `${op.tenant.issuer}.well-known/jwks.json`);
        // Every grant /oauth/token serves: the provider's, and client credentials (the tenant's, for the M2M clients).
        assert.deepEqual([...(discovery.grant_types_supported as string[])].sort(), ["authorization_code", "client_credentials", "refresh_token"]);
        const jwks = (await get(".well-known/jwks.json")) as unknown as JSONWebKeySet;
        assert.equal(jwks.keys.length, 1);
        assert.equal(jwks.keys[0].kid, op.tenant.signingKeySet().keys[0].kid);
        assert.equal(jwks.keys[0].d, undefined, "a private key part published");
        const m2m = await op.tenant.managementToken(["read:users"]);
        assert.equal(decodeProtectedHeader(m2m).kid, jwks.keys[0].kid);
        await jwtVerify(m2m, createLocalJWKSet(jwks), { issuer: op.issuer });
    });

    it("must answer client credentials at /oauth/token as the tenant does and every other grant as the provider does", async () => {
        const client = op.tenant.model.clients[0];
        const m2m = await post(JSON.stringify({ grant_type: "client_credentials", client_id: client.id, client_secret: client.secret, audience: AUTHZ_EXTENSION_API }), "application/json");
        assert.equal(m2m.status, 200);
        const body = (await m2m.json()) as { access_token: string; scope: string };
        assert.equal(body.scope, "read:groups");
        const wrongSecret = await post(JSON.stringify({ grant_type: "client_credentials", client_id: client.id, client_secret: "wrong", audience: AUTHZ_EXTENSION_API }), "application/json");
        assert.equal(wrongSecret.status, 401);
        assert.deepEqual(await wrongSecret.json(), { error: "access_denied", error_description: "Unauthorized" });
        const code = await post("grant_type=authorization_code&code=not-a-code&client_id=local-sample-app&redirect_uri=http%3A%2F%2F127.0.0.1%2F&code_verifier=" + "v".repeat(43), "application/x-www-form-urlencoded");
        assert.equal(code.status, 400);
        assert.equal(((await code.json()) as { error: string }).error, "invalid_grant");
        const entries = op.requests.filter((r) => r.path === "/oauth/token");
        assert.deepEqual(entries.map((r) => [r.grantType, r.status]), [["client_credentials", 200], ["client_credentials", 401], ["authorization_code", 400]]);
    });

    it("must log in the users of a users file with their password, and serve their groups from the file", async () => {
        assert.equal(await directory.authenticate("dave@example.test", "dave-local-password"), "auth0|dave");
        assert.equal(await directory.authenticate("DAVE@example.test ", "dave-local-password"), "auth0|dave");
        assert.equal(await directory.authenticate("dave@example.test", SAMPLE_PASSWORD), undefined);
        assert.equal(await directory.authenticate("alice@example.test", SAMPLE_PASSWORD), "auth0|alice");
        assert.equal(await directory.authenticate("nobody@example.test", SAMPLE_PASSWORD), undefined);
        const groups = op.tenant.model.groups.filter((g) => g.members.includes("auth0|dave")).map((g) => g.name);
        assert.deepEqual(groups, ["readers", "auditors"]);
        assert.equal(op.tenant.user("auth0|dave").email_verified, true);
    });
});
