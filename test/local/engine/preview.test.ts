import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "../../../local/engine/operation";
import { compileCacheWarm } from "./warmCompileCache";

function preview(...args: string[]) {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "preview.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
}

describe("npm run preview", function () {
    this.timeout(120_000);
    before(compileCacheWarm);

    it("must refuse, as the engine does, a change that replaces a protected API on prod", () => {
        const result = preview("--stack", "prod", "--no-policy", "--set", "apiIdentifier=https://fixture-api.test/prod-2");
        assert.equal(result.status, 1, result.stdout + result.stderr);
        assert.match(result.stdout, /a model of pulumi preview/);
        assert.match(result.stdout, /\+- +auth0:index\/resourceServer:ResourceServer +api-server +replace +\[replace: identifier \(ForceNew, terraform-provider-auth0 v1\.53\.0 internal\/auth0\/resourceserver\/resource\.go:46\)\]/);
        assert.match(result.stdout, /error: unable to replace resource "urn:pulumi:prod::auth0-tenant::auth0-tenant:api:Api\$auth0:index\/resourceServer:ResourceServer::api-server"\nas it is currently marked for protection/);
    });

    it("must refuse Management API scopes no login code calls, naming the key, the scopes and what to do", () => {
        // The command exactly as a user types it: the stack's program, then the policy pack.
        const result = preview("--stack", "prod", "--set", 'managementApiScopes=["read:user_idp_tokens","read:users"]');
        assert.equal(result.status, 1, result.stdout + result.stderr);
        assert.doesNotMatch(result.stdout, /clientGrant:ClientGrant +login-code-blue-grant-managementApi +create/);
        assert.match(result.stdout, /auth0-tenant:managementApiScopes: read:user_idp_tokens lets a client read users' identity-provider access tokens/);
        assert.match(result.stdout, /auth0-tenant:managementApiScopes: read:users: the actions login code never calls the Management API with it .*auth0-tenant:managementApiScopesBeyondLoginCode/);
    });
});
