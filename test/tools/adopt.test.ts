import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ManagementClient } from "auth0";
import { fetch as undiciFetch } from "undici";
import { ChildResult, runChild } from "../../tools/childProcess";
import { AdoptionPlan, AdoptionRefused, ImportSpec, TenantSnapshot, adoptScopes, planAdoption, readTenant } from "../../tools/adopt";
import { ADOPT_CALLS, deployerScopes } from "../../tools/deployerScopes";
import { LocalManagementApi } from "../../local/tenant/managementApi";
import { HandClickedTenant, HandClickedTenantServer } from "../../local/tenant/handMadeTenant";
import { trustedNetwork, TrustedNetwork } from "../../local/runtime/network";
import { testTls } from "../../local/tenant/tls";
import { PROJECT, ProgramRun, ROOT, runUnderMocks } from "../../tools/stack/program";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";
import { UsageError, adopt, whyTenantUnread } from "../../tools/adoptCommand";
import * as net from "node:net";
import { FIXTURE_ENV } from "../support/fixtureStacks";

const DOMAIN = "fixture-dev.us.auth0.com";
const MANAGEMENT_API = `https://${DOMAIN}/api/v2/`;
const RULES_MODE = { extensibility: "rules", managementApiScopes: JSON.stringify(["update:users_app_metadata"]) };
const LOGIN_APP_SECRET = "hand-clicked-login-app-secret-0123456789abcdefghijklmnopqrstuv";
/** Both modes' adoption scopes: each describe reads the lists of its stack's mode. */
const ADOPT_SCOPES = [...new Set([...adoptScopes("actions"), ...adoptScopes("rules")])];
const DEPLOYER = { clientId: "cl_deployer", clientSecret: "deployer-secret-not-real-0123456789", scopes: ADOPT_SCOPES };
/** More than one page (Auth0 pages at 100), so pagination is exercised. */
const UNRELATED_APPS = 130;

/** The tenant as someone following the pages of docs/origins.md in the dashboard left it. */
function handClicked(): HandClickedTenant {
    const unrelated = Array.from({ length: UNRELATED_APPS }, (_, i) => ({
        client_id: `cl_other_${i}`,
        name: `Some other app ${i}`,
        app_type: "spa",
        client_secret: `other-secret-${i}-0123456789abcdefghijklmnopqrstuvwxyz`,
    }));
    return {
        domain: DOMAIN,
        resourceServers: [
            { id: "rs_mgmt", identifier: MANAGEMENT_API, name: "Auth0 Management API" },
            { id: "rs_test", identifier: "https://fixture-api.test/dev", name: "Test API", scopes: [{ value: "read:entitlements", description: "Read" }] },
            { id: "rs_authz", identifier: "urn:auth0-authz-api", name: "auth0-authorization-extension-api" },
        ],
        clients: [
            ...unrelated,
            { client_id: "cl_login", name: "Login code M2M", app_type: "non_interactive", client_secret: LOGIN_APP_SECRET, grant_types: ["client_credentials"] },
            { client_id: "cl_authz", name: "auth0-authorization-extension", app_type: "non_interactive", client_secret: "authz-ext-secret-0123456789abcdefghijklmnop" },
            { client_id: DEPLOYER.clientId, name: "Deployer", app_type: "non_interactive", client_secret: DEPLOYER.clientSecret },
        ],
        clientGrants: [
            ...unrelated.map((c, i) => ({ id: `cgr_other_${i}`, client_id: c.client_id, audience: "https://fixture-api.test/dev", scope: [] })),
            { id: "cgr_login_api", client_id: "cl_login", audience: "https://fixture-api.test/dev", scope: ["read:entitlements"] },
            { id: "cgr_login_mgmt", client_id: "cl_login", audience: MANAGEMENT_API, scope: ["update:users_app_metadata", "read:users"] },
            { id: "cgr_login_authz", client_id: "cl_login", audience: "urn:auth0-authz-api", scope: ["read:users", "read:groups"] },
            { id: "cgr_login_other", client_id: "cl_login", audience: "https://another-api.example", scope: ["read:things"] },
            { id: "cgr_deployer_mgmt", client_id: DEPLOYER.clientId, audience: MANAGEMENT_API, scope: [...ADOPT_SCOPES] },
        ],
        rules: [
            { id: "rul_verified", name: "Require verified email", script: "function (user, context, callback) { callback(null, user, context); }", order: 1, enabled: true },
            { id: "rul_enrich", name: "Enrich from APIs", script: "function (user, context, callback) { callback(null, user, context); }", order: 2, enabled: true },
            { id: "rul_legacy", name: "Old whitelist", script: "function (user, context, callback) { callback(null, user, context); }", order: 3, enabled: false },
        ],
        // No setting holds the login application's secret: adopting an application hand-made login code authenticates as is refused (adoptLab.test.ts).
        ruleConfigs: { AUTH0_DOMAIN: DOMAIN, M2M_CLIENT_ID: "cl_login", API_AUDIENCE: "https://fixture-api.test/dev", LEGACY_KEY: "x" },
        actions: [{ id: "act_enrich", name: "enrich with api data", code: "exports.onExecutePostLogin = async () => {};" }],
    };
}

/** A resource's real engine URN, from its actual parent chain (what `pulumi up` will register). */
function engineUrn(resource: pulumi.Resource, type: string, name: string, stack: string): string {
    const chain: string[] = [type];
    const parentOf = (r: pulumi.Resource) => (r as unknown as { __parentResource?: pulumi.Resource }).__parentResource;
    const typeOf = (r: pulumi.Resource) => (r as unknown as { __pulumiType: string }).__pulumiType;
    for (let p = parentOf(resource); p && typeOf(p) !== "pulumi:pulumi:Stack"; p = parentOf(p)) chain.unshift(typeOf(p));
    return `urn:pulumi:${stack}::${PROJECT}::${chain.join("$")}::${name}`;
}

/** The URN `pulumi import` gives each entry of a file (parents named in the same file), as the CLI computes it. */
function importedUrns(specs: readonly ImportSpec[], stack: string): Map<string, string> {
    const byName = new Map(specs.map((s) => [s.name, s]));
    const chainOf = (s: ImportSpec): string => (s.parent ? `${chainOf(byName.get(s.parent)!)}$${s.type}` : s.type);
    return new Map(specs.map((s) => [s.name, `urn:pulumi:${stack}::${PROJECT}::${chainOf(s)}::${s.name}`]));
}

/** Asserts every entry lands on the URN the program registers: same type, name and parents. */
function assertUrnsMatchProgram(run: ProgramRun, specs: readonly ImportSpec[], stack: string): void {
    const urns = importedUrns(specs, stack);
    for (const spec of specs) {
        const constructed = run.constructed.filter((c) => c.name === spec.name && c.type === spec.type);
        assert.equal(constructed.length, 1, `${spec.name} (${spec.type}) is a resource of the program`);
        assert.equal(urns.get(spec.name), engineUrn(constructed[0].resource, spec.type, spec.name, stack), spec.name);
    }
}

function idsOf(specs: readonly ImportSpec[]): Record<string, string> {
    return Object.fromEntries(specs.filter((s) => !s.component).map((s) => [s.name, s.id!]));
}

describe("adoptScopes: what npm run adopt reads with", function () {
    for (const mode of ["actions", "rules"] as const) {
        it(`must need only scopes the read-only preview deployer (and so the write deployer) holds, ${mode} mode`, function () {
            const scopes = adoptScopes(mode);
            assert.deepEqual(scopes.filter((x) => !deployerScopes("preview", mode).includes(x)), []);
            assert.deepEqual(scopes.filter((x) => !deployerScopes("write", mode).includes(x)), []);
            assert.ok(scopes.includes(mode === "rules" ? "read:rules_configs" : "read:actions"));
        });
    }

    it("must be served by the local Management API, each list with its scope", function () {
        const api = new LocalManagementApi();
        for (const call of ADOPT_CALLS) {
            assert.ok(api.serves(call.method, call.path), call.path);
            assert.equal(api.handle(call.method, call.path, new URLSearchParams(), {}, []).status, 403, call.path);
            assert.equal(api.handle(call.method, call.path, new URLSearchParams(), {}, [call.scope]).status, 200, call.path);
        }
    });
});

describe("scripts/adopt: a hand-clicked tenant adopted into a stack through pulumi import", function () {
    let server: HandClickedTenantServer;
    let network: TrustedNetwork;

    const management = (scopes?: readonly string[]) =>
        new ManagementClient({
            domain: server.address,
            token: server.issueToken(scopes),
            // In-process: trust the local CA through undici (the script itself uses NODE_EXTRA_CA_CERTS).
            fetch: ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher: network.dispatcher })) as unknown as typeof fetch,
        });

    before(async function () {
        server = await HandClickedTenantServer.start(handClicked(), DEPLOYER);
        network = trustedNetwork((await testTls()).cert);
    });
    after(async function () {
        await network?.close();
        await server?.stop();
    });

    describe("rules mode with a Management API grant, read through the SDK", function () {
        let run: ProgramRun;
        let tenant: TenantSnapshot;
        let plan: AdoptionPlan;

        before(async function () {
            run = await runUnderMocks({ stack: "dev", config: RULES_MODE });
            tenant = await readTenant(management(), "rules");
            plan = await planAdoption(run, tenant, {
                loginClient: "Login code M2M",
                matches: { "login-rule-enrich-from-apis": "Enrich from APIs", "login-rule-require-verified-email": "rul_verified" },
            });
        });

        it("must read every page of every list, and never a client secret", function () {
            assert.equal(tenant.clients.length, UNRELATED_APPS + 3);
            assert.equal(tenant.clientGrants.length, UNRELATED_APPS + 5);
            const clientPages = server.requests.filter((r) => r.path === "/api/v2/clients");
            assert.ok(clientPages.length >= 2, "clients are read past the first page");
            assert.ok(server.requests.some((r) => r.path === "/api/v2/client-grants" && r.query.from), "grants are read past the first checkpoint");
            for (const r of clientPages) {
                assert.equal(r.query.include_fields, "true");
                assert.ok(!r.query.fields.split(",").includes("client_secret"), r.query.fields);
            }
            assert.ok(!JSON.stringify(tenant).includes("secret-"), "no secret in what was read");
        });

        it("must import exactly the program's objects the tenant has, with the tenant's ids and each type's import id", function () {
            assert.deepEqual(idsOf(plan.file.resources), {
                "api-server": "rs_test",
                "api-scopes": "https://fixture-api.test/dev",
                "login-code-blue-client": "cl_login",
                "login-code-blue-grant-api": "cgr_login_api",
                "login-code-blue-grant-managementApi": "cgr_login_mgmt",
                "login-code-blue-grant-authzExtension": "cgr_login_authz",
                "login-config-AUTH0_DOMAIN": "AUTH0_DOMAIN",
                "login-config-API_AUDIENCE": "API_AUDIENCE",
                "login-rule-require-verified-email": "rul_verified",
                "login-rule-enrich-from-apis": "rul_enrich",
            });
        });

        it("must take names, types and parents from the program, so each import lands on the URN pulumi up registers", function () {
            assertUrnsMatchProgram(run, plan.file.resources, "dev");
            const components = plan.file.resources.filter((s) => s.component);
            assert.ok(components.every((c) => c.id === undefined));
            // Exactly the ancestors of what is imported: the green slot has nothing to adopt.
            assert.deepEqual(components.map((c) => c.name), ["api", "login-code", "login-code-blue", "login"]);
            const names = plan.file.resources.map((s) => s.name);
            for (const s of plan.file.resources) if (s.parent) assert.ok(names.indexOf(s.parent) < names.indexOf(s.name), `${s.parent} before ${s.name}`);
        });

        it("must report what the tenant lacks and what is not importable, and invent nothing", function () {
            const declaredCustom = run.constructed.filter((c) => pulumi.CustomResource.isInstance(c.resource)).map((c) => c.name).sort();
            const accounted = [...plan.adopted, ...plan.missing, ...plan.notImportable].map((r) => r.name).sort();
            assert.deepEqual(accounted, declaredCustom, "every declared resource is adopted, missing or not importable, once");
            const missing = plan.missing.map((m) => m.name);
            // The hand-made tenant's rules read the credential as two settings; the stack's read it as
            // one (M2M_CREDENTIALS), which pulumi up creates.
            for (const name of ["login-code-green-client", "login-code-green-credentials", "login-code-green-grant-api", "login-config-CLAIM_NAMESPACE", "login-config-M2M_CREDENTIALS"]) {
                assert.ok(missing.includes(name), name);
            }
            assert.deepEqual(plan.notImportable.filter((n) => n.type === RESOURCE_TYPES.randomPassword).map((n) => n.name), ["login-code-blue-secret", "login-code-green-secret"]);
            for (const m of [...plan.missing, ...plan.notImportable]) assert.ok(!plan.file.resources.some((s) => s.name === m.name), m.name);
        });

        it("must list the hand-made objects it leaves alone: another grant, unmatched rules and settings, actions", function () {
            assert.deepEqual(plan.leftAlone, [
                "client grant cgr_login_other (cl_login → https://another-api.example)",
                'rule rul_legacy ("Old whitelist"), which still runs if enabled',
                "rule setting M2M_CLIENT_ID",
                "rule setting LEGACY_KEY",
            ]);
        });

        it("must match the login client by id as well as by name, and refuse a name two applications share", async function () {
            const byId = await planAdoption(run, tenant, { loginClient: "cl_login" });
            assert.equal(idsOf(byId.file.resources)["login-code-blue-client"], "cl_login");
            const twin = { ...tenant, clients: [...tenant.clients, { client_id: "cl_twin", name: "Login code M2M", app_type: "non_interactive" }] };
            await assert.rejects(planAdoption(run, twin, { loginClient: "Login code M2M" }), /2 applications match \(cl_login, cl_twin\); pass the id/);
            await assert.rejects(planAdoption(run, tenant, { matches: { "no-such-resource": "x" } }), /--match names no resource of the stack: no-such-resource/);
        });

        it("must refuse --match on a resource found through another, which it would otherwise ignore", async function () {
            for (const [name, foundBy] of [
                ["login-code-blue-credentials", "its application"],
                ["login-code-blue-grant-api", "its application and audience"],
                ["api-scopes", "its API's identifier"],
                ["login-config-API_AUDIENCE", "its key"],
            ]) {
                await assert.rejects(planAdoption(run, tenant, { matches: { [name]: "anything" } }), (err: Error) => err instanceof AdoptionRefused && err.message.includes(`--match ${name}: `) && err.message.includes(`it is found by ${foundBy}`), name);
            }
        });

        it("must put in the import file the provider version the program registers, for every resource", function () {
            for (const r of plan.file.resources) assert.equal(r.version, r.component ? undefined : "3.49.0", r.name);
        });

        it("must fail with Auth0's 403 when the reading application lacks a scope", async function () {
            const without = ADOPT_SCOPES.filter((s) => s !== "read:rules_configs");
            await assert.rejects(readTenant(management(without), "rules"), (err: { statusCode?: number }) => err.statusCode === 403);
        });

        it("must name the missing scopes for a 403, and only then", async function () {
            const without = ADOPT_SCOPES.filter((s) => s !== "read:rules_configs");
            const err = await readTenant(management(without), "rules").then(() => assert.fail("expected a 403"), (e: unknown) => e);
            assert.match(whyTenantUnread(err, adoptScopes("rules"), MANAGEMENT_API), /^HTTP 403 \(Insufficient scope, expected any of: read:rules_configs\); the application needs read:client_grants read:clients read:resource_servers read:rules read:rules_configs$/);
        });
    });

    describe("npm run adopt (the script, actions mode, its own client-credentials token, trusting the CA via NODE_EXTRA_CA_CERTS)", function () {
        let dir: string;
        let out: string;
        let child: ChildResult;
        let run: ProgramRun;

        before(async function () {
            // The script starts tsx and runs the program: seconds alone, far more beside npm test's other workers.
            this.timeout(90_000);
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-test-"));
            out = path.join(dir, "adopt.json");
            const caFile = path.join(dir, "ca.pem");
            fs.writeFileSync(caFile, (await testTls()).cert);
            run = await runUnderMocks({ stack: "dev" });
            const args = ["--import", "tsx", "scripts/adopt.ts", "--stack", "dev", "--domain", server.address, "--out", out, "--client", "Login code M2M"];
            child = await runChild(process.execPath, [...args, "--match", "login-action-enrich-from-apis=enrich with api data"], {
                cwd: ROOT,
                env: {
                    PATH: process.env.PATH ?? "",
                    HOME: process.env.HOME ?? "",
                    ...FIXTURE_ENV,
                    NODE_EXTRA_CA_CERTS: caFile,
                    AUTH0_CLIENT_ID: DEPLOYER.clientId,
                    AUTH0_CLIENT_SECRET: DEPLOYER.clientSecret,
                },
            });
        });
        after(function () {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("must write the import file for the dev stack's actions with the tenant's ids", function () {
            assert.equal(child.code, 0, child.stderr);
            const file = JSON.parse(fs.readFileSync(out, "utf8")) as { resources: ImportSpec[] };
            assert.deepEqual(Object.keys(file), ["resources"]);
            assert.deepEqual(idsOf(file.resources), {
                "api-server": "rs_test",
                "api-scopes": "https://fixture-api.test/dev",
                "login-code-blue-client": "cl_login",
                "login-code-blue-grant-api": "cgr_login_api",
                "login-code-blue-grant-authzExtension": "cgr_login_authz",
                "login-action-enrich-from-apis": "act_enrich",
                "login-post-login": "post-login",
            });
            assertUrnsMatchProgram(run, file.resources, "dev");
        });

        it("must say what pulumi up will create instead, and how to go on", function () {
            assert.match(child.stdout, /missing {2}login-action-require-verified-email \(auth0:index\/action:Action\): no action named "auth0-tenant-dev-require-verified-email".*--match login-action-require-verified-email=/);
            assert.match(child.stdout, /missing {2}login-code-green-client \(auth0:index\/client:Client\)/);
            assert.match(child.stdout, /create {3}login-code-blue-secret \(random:index\/randomPassword:RandomPassword\): not an object of the tenant/);
            assert.match(child.stdout, /ignored  client grant cgr_login_other/);
            assert.match(child.stdout, /pulumi import --stack dev --file .*adopt\.json --protect=false --generate-code=false/);
        });

        it("must print no secret and no token", function () {
            const printed = child.stdout + child.stderr + fs.readFileSync(out, "utf8");
            for (const secret of [LOGIN_APP_SECRET, DEPLOYER.clientSecret, ...server.issuedTokens]) assert.ok(!printed.includes(secret));
            assert.ok(server.requests.some((r) => r.path === "/oauth/token"), "the script fetched its own token");
        });

        it("must show the network error, not a missing scope, when the tenant does not answer", async function () {
            // A port just closed on 127.0.0.1: the connection is refused, as with no network.
            const closed = net.createServer();
            await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
            const port = (closed.address() as net.AddressInfo).port;
            await new Promise((resolve) => closed.close(resolve));
            const creds = { AUTH0_CLIENT_ID: DEPLOYER.clientId, AUTH0_CLIENT_SECRET: DEPLOYER.clientSecret };
            await assert.rejects(adopt(["--stack", "dev", "--out", path.join(dir, "unreached.json"), "--domain", `127.0.0.1:${port}`], creds), (err: Error) => {
                assert.match(err.message, new RegExp(`reading the tenant at 127\\.0\\.0\\.1:${port} failed: no answer from the tenant: .*ECONNREFUSED`));
                assert.doesNotMatch(err.message, /needs read:|scope/);
                return true;
            });
        });

        it("must give the token endpoint's own reason for its 403 (an audience the tenant does not have: a custom domain), not missing scopes", async function () {
            // The tenant's canonical domain is another than the stack's auth0:domain, as with a custom domain there.
            const elsewhere = await HandClickedTenantServer.start({ ...handClicked(), domain: "canonical-tenant.us.auth0.com" }, DEPLOYER);
            try {
                const creds = { AUTH0_CLIENT_ID: DEPLOYER.clientId, AUTH0_CLIENT_SECRET: DEPLOYER.clientSecret };
                const viaCa = ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher: network.dispatcher })) as unknown as typeof fetch;
                await assert.rejects(adopt(["--stack", "dev", "--out", path.join(dir, "unread.json"), "--domain", elsewhere.address], creds, viaCa), (err: Error) => {
                    assert.match(err.message, /the token endpoint refused the application \(HTTP 403: Service not found: https:\/\/fixture-dev\.us\.auth0\.com\/api\/v2\/\); the audience asked for is https:\/\/fixture-dev\.us\.auth0\.com\/api\/v2\/.*not a custom domain/);
                    assert.doesNotMatch(err.message, /needs read:/);
                    return true;
                });
                assert.ok(!fs.existsSync(path.join(dir, "unread.json")));
            } finally {
                await elsewhere.stop();
            }
        });

        it("must refuse unusable arguments or missing credentials, writing nothing", async function () {
            const none = path.join(dir, "none.json");
            const creds = { AUTH0_CLIENT_ID: DEPLOYER.clientId, AUTH0_CLIENT_SECRET: DEPLOYER.clientSecret };
            const refusals: [string[], NodeJS.ProcessEnv, RegExp][] = [
                [["--stack", "dev", "--out", none], {}, /set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET to an M2M application with read:actions read:client_grants read:clients read:resource_servers \(actions mode\), read:client_grants read:clients read:resource_servers read:rules read:rules_configs \(rules mode\)/],
                [["--out", none], creds, /--stack is required/],
                [["--stack", "dev"], creds, /--out is required/],
                [["--stack", "nope", "--out", none], creds, /--stack nope: no (\S+\/)?Pulumi\.nope\.yaml/],
                [["--stack", "dev", "--out", none, "--match", "login-code-blue-client"], creds, /expected <logical name>=<existing name or id>/],
                [["--stack", "dev", "--out", none, "--clients", "x"], creds, /Unknown option '--clients'/],
            ];
            for (const [argv, env, message] of refusals) {
                await assert.rejects(adopt(argv, env), (err: Error) => err instanceof UsageError && message.test(err.message), argv.join(" "));
            }
            assert.ok(!fs.existsSync(none));
        });
    });
});
