import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BOOTSTRAP_TOKEN_SCOPES, deployerScopes } from "../../tools/deployerScopes";
import { ChildResult, runChild } from "../../tools/childProcess";
import { LocalTenant } from "../../local/tenant/localTenant";
import { testTls } from "../../local/tenant/tls";
import { ROOT } from "../../tools/stack/program";

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

describe("npm run bootstrap (scripts/bootstrap-deployers.ts): stack files, bad input, leftovers and half-made deployers", function () {
    this.timeout(120_000);
    let tenant: LocalTenant;
    let dir: string;
    let token: string;

    const bootstrap = (env: Record<string, string>, ...args: string[]): Promise<ChildResult> =>
        runChild("npm", ["run", "--silent", "bootstrap", "--", ...args], {
            cwd: ROOT,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem"), AUTH0_BOOTSTRAP_TOKEN: token, ...env },
        });
    const named = (stack: string) => [...tenant.management.clients.values()].filter((c) => String(c.name).startsWith(`auth0-tenant-${stack}-`));
    const stackFiles = (name: string, files: Record<string, string>): string => {
        const at = path.join(dir, name);
        fs.mkdirSync(at);
        for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(at, file), text);
        return at;
    };

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), (await testTls()).cert);
        tenant = await LocalTenant.start(EMPTY_TENANT);
        token = await tenant.managementToken(BOOTSTRAP_TOKEN_SCOPES);
    });
    after(async function () {
        await tenant.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("must find the stacks of --domain in the directory TENANT_STACK_FILES names", async function () {
        const stacks = stackFiles("stacks", { "Pulumi.qt.yaml": `config:\n  auth0:domain: ${tenant.domain}\n`, "Pulumi.other.yaml": "config:\n  auth0:domain: other.eu.auth0.com\n" });
        const r = await bootstrap({ TENANT_STACK_FILES: stacks }, "--domain", tenant.domain, "--secrets-dir", path.join(dir, "secrets-qt"));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(named("qt").map((c) => c.name).sort(), ["auth0-tenant-qt-deployer", "auth0-tenant-qt-deployer-preview"]);
        assert.deepEqual(named("other"), []);
    });

    it("must refuse a stack file that is not YAML without quoting it, with exit 2", async function () {
        const stacks = stackFiles("broken", { "Pulumi.qy.yaml": "config:\n  auth0:domain: *hunter2secret\n" });
        const r = await bootstrap({ TENANT_STACK_FILES: stacks }, "--domain", tenant.domain);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /Pulumi\.qy\.yaml: not YAML: at line 2, column \d+, unidentified alias; expected a stack file/);
        assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
    });

    for (const [title, args, expected] of [
        ["a --domain that is not a host name", ["--domain", "Hunter2Secret.example", "--stack", "qx"], /--domain: expected the tenant's host name in lower case/],
        ["a --stack that is a path", ["--stack", "..", "--stack", "hunter2/x"], /--stack: not a stack name: \. and \.\. name directories/],
        ["a --stack Pulumi refuses", ["--stack", "hunter2 secret"], /--stack: not a stack name: character 8 is not allowed/],
    ] as const) {
        it(`must refuse ${title} with exit 2, naming the flag and the expected form but not the value, creating nothing`, async function () {
            const r = await bootstrap({}, ...(args[0] === "--domain" ? [] : ["--domain", tenant.domain]), ...args);
            assert.equal(r.code, 2, r.stdout + r.stderr);
            assert.match(r.stderr, expected);
            assert.doesNotMatch(r.stderr, /Hunter2|hunter2/);
            assert.equal(tenant.management.clients.size, named("qt").length);
        });
    }

    it("must refuse, before creating anything, when a secret file it would write is left from an earlier run, naming the file", async function () {
        const secrets = path.join(dir, "secrets-qs");
        fs.mkdirSync(secrets, { mode: 0o700 });
        const leftover = path.join(secrets, "qs-preview.secret");
        fs.writeFileSync(leftover, "left over", { mode: 0o600 });
        const r = await bootstrap({}, "--domain", tenant.domain, "--stack", "qs", "--secrets-dir", secrets);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.ok(r.stderr.includes(path.relative(ROOT, leftover)), r.stderr);
        assert.match(r.stderr, /exists; nothing created/);
        assert.deepEqual(named("qs"), []);
        assert.equal(fs.readFileSync(leftover, "utf8"), "left over");
    });

    it("must grant, on a rerun, a deployer whose grant is missing (a run that stopped after creating it)", async function () {
        const args = ["--domain", tenant.domain, "--stack", "qg", "--secrets-dir", path.join(dir, "secrets-qg")];
        assert.equal((await bootstrap({}, ...args)).code, 0);
        const writer = named("qg").find((c) => c.name === "auth0-tenant-qg-deployer")!;
        for (const [id, grant] of tenant.management.clientGrants) if (grant.client_id === writer.client_id) tenant.management.clientGrants.delete(id);

        const rerun = await bootstrap({}, ...args);
        assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
        assert.match(rerun.stdout, /exists {2}auth0-tenant-qg-deployer \([0-9a-f]+\): not created again; it had no Management API grant: granted .* with the \d+ write scopes of actions mode/);
        assert.match(rerun.stdout, /exists {2}auth0-tenant-qg-deployer-preview \([0-9a-f]+\): not created again; its grant has exactly the table's scopes/);
        assert.equal(named("qg").length, 2);
        const grants = [...tenant.management.clientGrants.values()].filter((g) => g.client_id === writer.client_id);
        assert.equal(grants.length, 1);
        assert.deepEqual([...(grants[0].scope as string[])].sort(), deployerScopes("write", "actions"));
    });
});
