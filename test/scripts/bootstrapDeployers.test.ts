import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BOOTSTRAP_TOKEN_SCOPES, deployerScopes } from "../../infra/deployerScopes";
import { ChildResult, runChild } from "../../local/childProcess";
import { LocalTenant } from "../../local/servers/localTenant";
import { testTls } from "../../local/servers/tls";
import { ROOT } from "../../local/stack/program";

const EMPTY_TENANT = { clients: [], apis: [{ identifier: "https://unused.test/", scopes: [] }], grants: [], users: [], groups: [], entitlements: {}, customApi: "https://unused.test/" };

describe("npm run bootstrap (scripts/bootstrap-deployers.ts) against the local tenant's Management API", function () {
    this.timeout(120_000);
    let tenant: LocalTenant;
    let dir: string;
    let token: string;
    let first: ChildResult;
    let rerun: ChildResult;

    /** `AUTH0_BOOTSTRAP_TOKEN=… npm run bootstrap -- <args>`, as a user types it, trusting the local CA. */
    const bootstrap = (env: Record<string, string>, ...args: string[]): Promise<ChildResult> =>
        runChild("npm", ["run", "--silent", "bootstrap", "--", ...args], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem"), ...env },
        });
    const deployers = () => [...tenant.management.clients.values()].filter((c) => String(c.name).startsWith("auth0-tenant-qa-"));

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), (await testTls()).cert);
        tenant = await LocalTenant.start(EMPTY_TENANT);
        token = await tenant.managementToken(BOOTSTRAP_TOKEN_SCOPES);
        const args = ["--domain", tenant.domain, "--stack", "qa", "--secrets-dir", path.join(dir, "secrets")];
        first = await bootstrap({ AUTH0_BOOTSTRAP_TOKEN: token }, ...args);
        rerun = await bootstrap({ AUTH0_BOOTSTRAP_TOKEN: token }, ...args);
    });
    after(async function () {
        await tenant.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("must create the write and read-only deployers as M2M clients granted exactly the deployer table's scopes", function () {
        assert.equal(first.code, 0, first.stdout + first.stderr);
        const byName = new Map(deployers().map((c) => [c.name, c]));
        assert.deepEqual([...byName.keys()].sort(), ["auth0-tenant-qa-deployer", "auth0-tenant-qa-deployer-preview"]);
        for (const [name, role] of [["auth0-tenant-qa-deployer", "write"], ["auth0-tenant-qa-deployer-preview", "preview"]] as const) {
            const client = byName.get(name)!;
            assert.equal(client.app_type, "non_interactive");
            assert.deepEqual(client.grant_types, ["client_credentials"]);
            assert.equal(client.token_endpoint_auth_method, "client_secret_post");
            const grants = [...tenant.management.clientGrants.values()].filter((g) => g.client_id === client.client_id);
            assert.equal(grants.length, 1, name);
            assert.equal(grants[0].audience, tenant.audience("managementApi"));
            assert.deepEqual([...(grants[0].scope as string[])].sort(), deployerScopes(role, "actions"), name);
        }
    });

    it("must write each secret to a file only its owner reads, and print gh secret set commands that read it from the file", function () {
        const secrets = path.join(dir, "secrets");
        assert.equal(fs.statSync(secrets).mode & 0o777, 0o700);
        for (const [role, name, envs] of [["write", "auth0-tenant-qa-deployer", ["qa"]], ["preview", "auth0-tenant-qa-deployer-preview", ["qa-preview", "qa-drift"]]] as const) {
            const file = path.join(secrets, `qa-${role}.secret`);
            assert.equal(fs.statSync(file).mode & 0o777, 0o600, file);
            const client = deployers().find((c) => c.name === name)!;
            assert.equal(fs.readFileSync(file, "utf8"), client.client_secret);
            for (const env of envs) {
                assert.ok(first.stdout.includes(`gh secret set AUTH0_CLIENT_ID --env ${env} --body ${String(client.client_id)}`), first.stdout);
                assert.ok(first.stdout.includes(`gh secret set AUTH0_CLIENT_SECRET --env ${env} < ${path.relative(ROOT, file)}`), first.stdout);
            }
        }
    });

    it("must never print a secret or the token", function () {
        for (const r of [first, rerun]) {
            const output = r.stdout + r.stderr;
            for (const client of deployers()) assert.ok(!output.includes(String(client.client_secret)), "a client secret was printed");
            assert.ok(!output.includes(token), "the token was printed");
        }
    });

    it("must refuse duplicates on a rerun: report both deployers as existing, create nothing", function () {
        assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
        assert.equal(deployers().length, 2);
        assert.equal(tenant.management.clientGrants.size, 2);
        assert.match(rerun.stdout, /exists {2}auth0-tenant-qa-deployer \([0-9a-f]+\): not created again; its grant has exactly the table's scopes/);
        assert.match(rerun.stdout, /exists {2}auth0-tenant-qa-deployer-preview \([0-9a-f]+\): not created again; its grant has exactly the table's scopes/);
        assert.match(rerun.stdout, /0 deployers created/);
    });

    it("must refuse to run without the token in the environment, with exit 2", async function () {
        const r = await bootstrap({}, "--domain", tenant.domain, "--stack", "qa");
        assert.equal(r.code, 2);
        assert.match(r.stderr, /AUTH0_BOOTSTRAP_TOKEN is not set/);
    });
});
