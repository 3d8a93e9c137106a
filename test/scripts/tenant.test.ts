import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { runChild } from "../../tools/childProcess";
import { deployTenant } from "../../local/tenant/deployedTenant";
import { SAMPLE_PASSWORD } from "../../local/tenant/loginDirectory";
import { ROOT } from "../../tools/stack/program";
import { startTenantCommand } from "../../local/sim/tenantCommand";
import { FIXTURE_ENV } from "../support/fixtureStacks";

function tenant(args: string[]) {
    return runChild(process.execPath, ["--import", "tsx", join("scripts", "tenant.ts"), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...FIXTURE_ENV },
    });
}

describe("scripts/tenant.ts (npm run tenant)", function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), "tenant-command-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("must refuse an unknown stack, an unreadable users file and malformed users before anything starts, naming the field and the form", async () => {
        const malformed = join(dir, "malformed.json");
        writeFileSync(malformed, JSON.stringify({ users: [{ email: "dave", password: "short" }, { email: "erin@example.test", password: "long-enough-pw", groups: "admins", nmae: "x" }] }));
        const [stack, unreadable, bad] = await Promise.all([
            tenant(["--stack", "nope", "--port", "0", "--app-port", "0"]),
            tenant(["--stack", "dev", "--users", join(dir, "missing.json"), "--port", "0"]),
            tenant(["--stack", "dev", "--users", malformed, "--port", "0"]),
        ]);
        for (const result of [stack, unreadable, bad]) {
            assert.equal(result.code, 2, result.stdout + result.stderr);
            assert.doesNotMatch(result.stdout + result.stderr, /^ {2}issuer |^ready in/m, "it started");
        }
        assert.match(stack.stderr, /--stack nope: no Pulumi\.nope\.yaml .*expected the name of a stack file/);
        assert.match(unreadable.stderr, /missing\.json: 1 problem:\n {2}cannot read the users file \(ENOENT\); expected a readable JSON file/);
        assert.match(bad.stderr, /users\[0\]\.email: expected an email address such as "dave@example\.test"/);
        assert.match(bad.stderr, /users\[0\]\.password: expected a string of at least 8 characters/);
        assert.match(bad.stderr, /users\[1\]\.groups: expected a list of non-empty strings/);
        assert.match(bad.stderr, /users\[1\]\.nmae: not a field of a user/);
        assert.doesNotMatch(bad.stderr, /"short"|long-enough-pw/, "a password echoed");
    });

    it("must serve until SIGINT: print the issuer, the sample page and the users, add a file's users, then close every server and exit 0", async () => {
        const users = join(dir, "users.json");
        const davePassword = "dave-local-password";
        writeFileSync(users, JSON.stringify({ users: [{ email: "dave@example.test", password: davePassword, email_verified: true, groups: ["admins"] }] }));
        const running = await startTenantCommand(["--stack", "dev", "--port", "0", "--app-port", "0", "--users", users]);
        const agent = new Agent({ connect: { ca: readFileSync(running.caFile, "utf8") } });
        let stopped = false;
        try {
            assert.match(running.issuer, /^https:\/\/127\.0\.0\.1:\d+\/$/);
            const discovery = (await (await fetch(`${running.issuer}.well-known/openid-configuration`, { dispatcher: agent })).json()) as Record<string, unknown>;
            assert.equal(discovery.issuer, running.issuer);
            assert.equal(discovery.token_endpoint, `${running.issuer}oauth/token`);
            assert.equal(discovery.jwks_uri, `${running.issuer}.well-known/jwks.json`);
            const page = await fetch(running.appUrl);
            assert.match(await page.text(), /"clientId":"local-sample-app"/);
            const output = running.output();
            assert.match(output, /users +alice@example\.test, bob@example\.test, carol@example\.test/);
            assert.match(output, /dave@example\.test \(from the users file/);
            assert.match(output, /post-login code +require-verified-email\.js -> enrich-from-apis\.js/);
            // "ready" follows the servers' start and an answer of discovery, in that order.
            const steps = running.startup;
            assert.deepEqual(Object.keys(steps).sort(), ["deployed", "discovery answered", "modules", "oidc-provider loaded", "servers listening"]);
            assert.ok(steps.deployed <= steps["servers listening"] && steps["servers listening"] <= steps["discovery answered"], JSON.stringify(steps));
            assert.match(output, /Request log:\n {2}\[authorization\] GET \/\.well-known\/openid-configuration 200 /);
            const { code } = await running.stop("SIGINT");
            stopped = true;
            assert.equal(code, 0, running.output());
            assert.match(running.output(), /SIGINT: stopping\nstopped: every server closed\n$/);
            await assert.rejects(fetch(running.issuer, { dispatcher: agent }), (err: Error) => /ECONNREFUSED/.test(String((err.cause as Error)?.message ?? err)));
            await assert.rejects(fetch(running.appUrl), (err: Error) => /ECONNREFUSED/.test(String((err.cause as Error)?.message ?? err)));
            // The command's deploy, kept by local/engine/localDeploy.ts: the secrets its tenant held.
            const deployed = await deployTenant({ stack: "dev" });
            for (const secret of [SAMPLE_PASSWORD, davePassword, ...deployed.credentials.map((c) => c.clientSecret)]) {
                assert.ok(!running.output().includes(secret), "a secret or password printed");
            }
        } finally {
            if (!stopped) await running.stop("SIGKILL");
            await agent.close();
        }
    });
});
