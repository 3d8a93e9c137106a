import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ROOT } from "../../local/engine/operation";
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
});
