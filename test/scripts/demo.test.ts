import assert from "node:assert/strict";
import { dirname } from "node:path";
import { ChildResult, runChild } from "../../tools/childProcess";
import { deployTenant } from "../../local/tenant/deployedTenant";
import { modeSettings } from "../../local/engine/operation";
import { ROOT } from "../../tools/stack/program";

/** `npm run demo` as a user runs it, with this Node first on PATH (the project needs Node 22). */
function runDemo(): Promise<ChildResult> {
    return runChild("npm", ["run", "--silent", "demo"], {
        cwd: ROOT,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` },
    });
}

/** The lines of one mode's section of the demo's output. */
function section(stdout: string, mode: "actions" | "rules"): string {
    const start = stdout.indexOf(`=== ${mode} mode`);
    assert.ok(start >= 0, `no ${mode} section`);
    const next = stdout.indexOf("=== ", start + 4);
    return stdout.slice(start, next < 0 ? undefined : next);
}

/** One login's lines within a section (the n-th login of that user). */
function login(text: string, userId: string, nth = 0): string {
    const parts = text.split(`\nlogin ${userId} (`);
    assert.ok(parts.length > nth + 1, `no login ${nth + 1} of ${userId}`);
    return parts[nth + 1].split("\n\n")[0];
}

describe("npm run demo", function () {
    // Two pulumi up runs through the engine and provider doubles when not kept (local/engine/localDeploy.ts), then the logins.
    this.timeout(120_000);
    let result: Awaited<ReturnType<typeof runDemo>>;

    before(async function () {
        result = await runDemo();
    });

    it("must exit 0 by itself, everything stopped", function () {
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /Done: every server stopped\./);
    });

    for (const mode of ["actions", "rules"] as const) {
        it(`must show each step of the logins in ${mode} mode: tokens requested then cached, APIs called, claims, denial`, function () {
            const text = section(result.stdout, mode);
            const firstAlice = login(text, "auth0|alice");
            assert.match(firstAlice, /token {2}urn:auth0-authz-api: requested at \/oauth\/token/);
            assert.match(firstAlice, /call {3}GET \/users\/\{user_id\}\/groups on the Authorization Extension API/);
            assert.match(firstAlice, /token {2}https:\/\/fixture-api\.test\/dev: requested at \/oauth\/token/);
            assert.match(firstAlice, /call {3}GET \/users\/\{user_id\}\/entitlements on the custom API/);
            assert.match(firstAlice, /claim {2}https:\/\/claims\.fixture\.test\/groups = \[\{"name":"admins"/);
            assert.match(firstAlice, /claim {2}https:\/\/claims\.fixture\.test\/entitlements = \["reports:read","billing:view"\]/);
            assert.match(firstAlice, /=> allowed/);
            if (mode === "rules") assert.match(firstAlice, /call {3}PATCH \/api\/v2\/users\/\{user_id\} on the Management API/);
            else assert.doesNotMatch(firstAlice, /Management API/);

            const bob = login(text, "auth0|bob");
            assert.match(bob, /token {2}https:\/\/fixture-api\.test\/dev: served from cache/);
            assert.match(bob, /groups = \[\]/);

            const carol = login(text, "auth0|carol");
            assert.match(carol, /=> denied: Please verify your email address before logging in\./);
            assert.doesNotMatch(carol, /token|call/);

            assert.doesNotMatch(login(text, "auth0|alice", 1), /requested at/);
        });
    }

    it("must verify every deployed grant against the local tenant in both modes, and show a drift failing", function () {
        assert.match(section(result.stdout, "actions"), /verify-grants: all 4 grants of 2 clients work as declared/);
        assert.match(section(result.stdout, "rules"), /verify-grants: all 6 grants of 2 clients work as declared/);
        assert.match(result.stdout, /FAIL {2}client login-code-blue \([^)]+\), audience https:\/\/fixture-api\.test\/dev: extra scopes write:logins/);
        assert.match(result.stdout, /=> verify-grants exited 1: pulumi up would fail here\n/);
    });

    it("must show a wrong extension URL caught: refused without /api, and failing the verification with another extension's id", function () {
        const text = section(result.stdout, "actions");
        assert.match(text, /refused before anything is declared: auth0-tenant:authzExtensionUrl: "[^"]+" does not end in \/api/);
        assert.match(text, /FAIL {2}client login-code-green \([^)]+\), audience urn:auth0-authz-api: the token works, but what the login code calls does not: GET \S+\/0000000000000000\/api\/users\/\{user_id\}\/groups: 404/);
        assert.match(text, /=> verify-grants exited 1: pulumi up would fail here, though every token was issued/);
    });

    it("must show a post-login binding added by hand caught by the drift check", function () {
        const text = section(result.stdout, "actions");
        assert.match(text, /DRIFT {2}post-login: binding Marketplace: Geo Enrichment \(action [^)]+\) was added in the tenant/);
        assert.match(text, /=> check-login-drift exited 1: the drift workflow opens an issue\n/);
    });

    it("must not print a secret or a token", async function () {
        // The demo's own deploys, kept by local/engine/localDeploy.ts: the secrets the tenant held while it ran.
        const secrets = [...(await deployTenant({ stack: "dev" })).credentials, ...(await deployTenant({ stack: "dev", set: modeSettings("rules") })).credentials].map((c) => c.clientSecret);
        const output = result.stdout + result.stderr;
        for (const secret of secrets) assert.ok(!output.includes(secret), "a client secret was printed");
        assert.ok(!output.includes("mock-secret-"), "a generated secret was printed");
        assert.ok(!output.includes("eyJ"), "something shaped like a JWT was printed");
    });
});
