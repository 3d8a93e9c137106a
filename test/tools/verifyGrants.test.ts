import assert from "node:assert/strict";
import { deployTenant, DeployedTenant } from "../../local/tenant/deployedTenant";
import { modeSettings } from "../../local/engine/operation";
import { LocalTenant } from "../../local/tenant/localTenant";
import { TenantModel } from "../../local/tenant/model";
import { LocalManagementApi } from "../../local/tenant/managementApi";
import { createServer } from "node:https";
import { AddressInfo } from "node:net";
import { generate } from "selfsigned";
import { ClientToVerify } from "../../tools/verifyGrants";
import { ChildResult, runTsFile } from "../support/child";

const SCRIPT = "scripts/verify-grants.ts";

/** A tenant that differs from the deployed one in one way, and what verify-grants must say about it. */
interface Case {
    readonly mode: "actions" | "rules";
    readonly tenant: (model: TenantModel, blue: string, green: string) => TenantModel;
    /** The same change made in the tenant's Management API, where the token endpoint also looks (as the dashboard makes it). */
    readonly management?: (api: LocalManagementApi, blue: string) => void;
}

const CASES = {
    declared: { mode: "actions", tenant: (model) => model },
    declaredRules: { mode: "rules", tenant: (model) => model },
    extraScope: {
        mode: "actions",
        tenant: (model, blue) => ({
            ...model,
            grants: model.grants.map((g) => (g.clientId === blue && g.audience === "https://fixture-api.test/dev" ? { ...g, scopes: [...g.scopes, "write:logins"] } : g)),
        }),
    },
    missingScope: {
        mode: "rules",
        tenant: (model, blue) => ({
            ...model,
            grants: model.grants.map((g) => (g.clientId === blue && g.audience === "urn:auth0-authz-api" ? { ...g, scopes: [] } : g)),
        }),
    },
    wrongSecret: {
        mode: "actions",
        tenant: (model, _blue, green) => ({
            ...model,
            clients: model.clients.map((c) => (c.id === green ? { ...c, secret: `${c.secret}-rotated-by-hand` } : c)),
        }),
    },
    noGrant: {
        mode: "actions",
        tenant: (model, blue) => ({ ...model, grants: model.grants.filter((g) => !(g.clientId === blue && g.audience === "https://fixture-api.test/dev")) }),
        management: (api, blue) => {
            for (const [id, g] of api.clientGrants) if (g.client_id === blue && g.audience === "https://fixture-api.test/dev") api.clientGrants.delete(id);
        },
    },
} satisfies Record<string, Case>;

describe("scripts/verify-grants.ts against the local tenant", function () {
    const results = {} as Record<keyof typeof CASES, ChildResult>;
    const declared = {} as Record<"actions" | "rules", DeployedTenant>;
    let secrets: string[] = [];

    before(async function () {
        // pulumi up of the dev stack in each mode through the engine and provider doubles (kept once done: local/engine/localDeploy.ts).
        this.timeout(120_000);
        [declared.actions, declared.rules] = await Promise.all([deployTenant({ stack: "dev" }), deployTenant({ stack: "dev", set: modeSettings("rules") })]);
        secrets = [...declared.actions.credentials, ...declared.rules.credentials].map((c) => c.clientSecret);
        await Promise.all(
            (Object.entries(CASES) as [keyof typeof CASES, Case][]).map(async ([name, c]) => {
                const d = declared[c.mode];
                const [blue, green] = ["login-code-blue", "login-code-green"].map((n) => d.credentials.find((cred) => cred.name === n)!.clientId);
                const options = d.tenantOptions();
                if (c.management && options.management) c.management(options.management, blue);
                const tenant = await LocalTenant.start(c.tenant(d.model, blue, green), options);
                try {
                    results[name] = await runTsFile(SCRIPT, {
                        VERIFY_GRANTS_DOMAIN: tenant.domain,
                        VERIFY_GRANTS_CLIENTS: JSON.stringify(d.localVerification(tenant)),
                    });
                } finally {
                    await tenant.stop();
                }
            }),
        );
    });

    const output = (r: ChildResult) => r.stdout + r.stderr;

    it("must pass on the tenant the stack declares, checking every client and every granted audience", function () {
        for (const [name, mode, checks] of [["declared", "actions", 4], ["declaredRules", "rules", 6]] as const) {
            const r = results[name];
            assert.equal(r.code, 0, output(r));
            assert.equal(r.stdout.split("\n").filter((l) => l.startsWith("ok ")).length, checks, r.stdout);
            for (const credential of declared[mode].credentials) {
                for (const grant of credential.grants) {
                    const audience = grant.audience.endsWith("/api/v2/") ? "/api/v2/" : grant.audience;
                    assert.ok(
                        r.stdout.split("\n").some((l) => l.startsWith(`ok    client ${credential.name} (`) && l.includes(audience) && l.includes(`scopes ${grant.scopes.join(", ")}`)),
                        `${credential.name} ${grant.audience} in:\n${r.stdout}`,
                    );
                }
            }
        }
    });

    it("must fail naming the client, the audience and the extra scope when the tenant grants more than declared", function () {
        const r = results.extraScope;
        assert.equal(r.code, 1, output(r));
        assert.match(r.stdout, /FAIL {2}client login-code-blue \([^)]+\), audience https:\/\/fixture-api\.test\/dev: extra scopes write:logins \(in the token, not declared\)/);
        assert.match(r.stderr, /1 of 4 grants do not work as declared/);
    });

    it("must fail naming the client, the audience and the missing scope when the tenant grants less than declared", function () {
        const r = results.missingScope;
        assert.equal(r.code, 1, output(r));
        assert.match(r.stdout, /FAIL {2}client login-code-blue \([^)]+\), audience urn:auth0-authz-api: missing scopes read:groups \(declared, not in the token\)/);
        assert.match(r.stderr, /1 of 6 grants/);
    });

    it("must fail every check of a client whose secret the tenant does not hold", function () {
        const r = results.wrongSecret;
        assert.equal(r.code, 1, output(r));
        const failures = r.stdout.split("\n").filter((l) => l.startsWith("FAIL"));
        assert.equal(failures.length, 2, r.stdout);
        for (const line of failures) assert.match(line, /client login-code-green \(.+: the tenant refused the client's credentials \(401 access_denied\)/);
    });

    it("must fail naming the audience when the client has no grant for it", function () {
        const r = results.noGrant;
        assert.equal(r.code, 1, output(r));
        assert.match(r.stdout, /FAIL {2}client login-code-blue \([^)]+\), audience https:\/\/fixture-api\.test\/dev: no grant: the token endpoint answered 403 access_denied; declared scopes read:entitlements are all missing/);
    });

    it("must never print a secret or a token", function () {
        for (const r of Object.values(results)) {
            for (const secret of secrets) assert.ok(!output(r).includes(secret), "a secret was printed");
            assert.ok(!output(r).includes("eyJ"), "something shaped like a JWT was printed");
        }
    });

    it("must refuse unusable input with exit 2, without echoing it", async function () {
        const secret = secrets[0];
        const r = await runTsFile(SCRIPT, { VERIFY_GRANTS_DOMAIN: "127.0.0.1:1", VERIFY_GRANTS_CLIENTS: `[{"clientSecret": "${secret}"` });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /VERIFY_GRANTS_CLIENTS: missing or not JSON/);
        assert.ok(!output(r).includes(secret));
    });
});

describe("scripts/verify-grants.ts: what the login code will get from the APIs it calls", function () {
    let declared: DeployedTenant;
    before(async function () {
        this.timeout(120_000);
        declared = await deployTenant({ stack: "dev" });
    });

    /** Runs the verification of both slots against a fresh local tenant, changed by `prepare`. */
    async function verifyWith(prepare: (tenant: LocalTenant, clients: ClientToVerify[]) => ClientToVerify[] | void): Promise<ChildResult> {
        const tenant = await LocalTenant.start(declared.model, declared.tenantOptions());
        try {
            const clients = declared.localVerification(tenant);
            const changed = prepare(tenant, clients) ?? clients;
            return await runTsFile(SCRIPT, { VERIFY_GRANTS_DOMAIN: tenant.domain, VERIFY_GRANTS_CLIENTS: JSON.stringify(changed) });
        } finally {
            await tenant.stop();
        }
    }
    const withProbeUrl = (clients: ClientToVerify[], audience: string, url: (current: string) => string): ClientToVerify[] =>
        clients.map((c) => ({ ...c, grants: c.grants.map((g) => (g.audience === audience && g.probe ? { ...g, probe: { ...g.probe, url: url(g.probe.url) } } : g)) }));
    const failures = (r: ChildResult) => r.stdout.split("\n").filter((l) => l.startsWith("FAIL"));

    it("must call the extension's groups and the custom API's entitlements with each slot's token, and pass when they answer as the login code expects", async function () {
        const r = await verifyWith(() => undefined);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const probed = r.stdout.split("\n").filter((l) => / answers as the login code expects$/.test(l));
        assert.equal(probed.length, 4, r.stdout);
        for (const slot of ["blue", "green"]) {
            assert.ok(probed.some((l) => l.includes(`login-code-${slot}`) && /GET https:\/\/127\.0\.0\.1:\d+\/api\/users\/\{user_id\}\/groups/.test(l)), r.stdout);
            assert.ok(probed.some((l) => l.includes(`login-code-${slot}`) && /GET https:\/\/127\.0\.0\.1:\d+\/users\/\{user_id\}\/entitlements/.test(l)), r.stdout);
        }
    });

    it("must fail on a wrong extension URL (404 from the extension, which answers every user with a list)", async function () {
        const r = await verifyWith((_t, clients) => withProbeUrl(clients, "urn:auth0-authz-api", (u) => u.replace("/api/users/", "/users/")));
        assert.equal(r.code, 1);
        assert.equal(failures(r).length, 2, r.stdout);
        for (const line of failures(r)) assert.match(line, /audience urn:auth0-authz-api: the token works, but what the login code calls does not: GET .*\/users\/\{user_id\}\/groups: 404, no such endpoint/);
    });

    it("must accept a 404 from the custom API for the unknown probe user", async function () {
        const r = await verifyWith((tenant) => void tenant.faults.always("entitlements", { kind: "status", status: 404, body: { message: "no such user" } }));
        assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    for (const [name, fault, expected] of [
        ["401", { kind: "status", status: 401 }, /401, the API does not accept the token/],
        ["403", { kind: "status", status: 403 }, /403, the token lacks a scope/],
        ["5xx", { kind: "status", status: 503 }, /503, the API is failing/],
        ["a body that is not JSON", { kind: "invalid-json" }, /200, but the body is not JSON/],
    ] as const) {
        it(`must fail naming the endpoint when the extension answers ${name}`, async function () {
            const r = await verifyWith((tenant) => void tenant.faults.always("groups", fault));
            assert.equal(r.code, 1);
            assert.equal(failures(r).length, 2, r.stdout);
            for (const line of failures(r)) assert.match(line, expected);
        });
    }

    it("must fail when the custom API answers with JSON the login code refuses", async function () {
        const r = await verifyWith((tenant) => void tenant.faults.always("entitlements", { kind: "status", status: 200, body: { user_id: "x" } }));
        assert.equal(r.code, 1);
        for (const line of failures(r)) assert.match(line, /audience https:\/\/fixture-api\.test\/dev: .*200, but the body is not \{ entitlements: \[strings\] \}/);
    });

    it("must fail on DNS when apiBaseUrl names a host that does not resolve", async function () {
        const r = await verifyWith((_t, clients) => withProbeUrl(clients, "https://fixture-api.test/dev", (u) => u.replace(/^https:\/\/[^/]+/, "https://api.verify-probe.invalid")));
        assert.equal(r.code, 1);
        for (const line of failures(r)) assert.match(line, /DNS: the host does not resolve/);
    });

    it("must fail on TLS when the API's certificate is not trusted", async function () {
        const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], { keyType: "ec", curve: "P-256", algorithm: "sha256" });
        const untrusted = createServer({ cert: pems.cert, key: pems.private }, (_req, res) => res.end("[]"));
        await new Promise<void>((resolve) => untrusted.listen(0, "127.0.0.1", () => resolve()));
        try {
            const port = (untrusted.address() as AddressInfo).port;
            const r = await verifyWith((_t, clients) => withProbeUrl(clients, "urn:auth0-authz-api", (u) => u.replace(/^https:\/\/[^/]+/, `https://127.0.0.1:${port}`)));
            assert.equal(r.code, 1);
            for (const line of failures(r)) assert.match(line, /TLS: the certificate is not trusted/);
        } finally {
            untrusted.closeAllConnections();
            await new Promise((resolve) => untrusted.close(resolve));
        }
    });
});

describe("scripts/verify-grants.ts: a stack whose custom API is not served yet (apiProbeEnabled false)", function () {
    const failingApi = async (declared: DeployedTenant): Promise<ChildResult> => {
        const tenant = await LocalTenant.start(declared.model, declared.tenantOptions());
        try {
            tenant.faults.always("entitlements", { kind: "status", status: 503 });
            return await runTsFile(SCRIPT, { VERIFY_GRANTS_DOMAIN: tenant.domain, VERIFY_GRANTS_CLIENTS: JSON.stringify(declared.localVerification(tenant)) });
        } finally {
            await tenant.stop();
        }
    };

    it("must fail on an API that answers 503 while the probe is on (the default)", async function () {
        this.timeout(120_000);
        const r = await failingApi(await deployTenant({ stack: "dev" }));
        assert.equal(r.code, 1, r.stdout + r.stderr);
        for (const line of r.stdout.split("\n").filter((l) => l.startsWith("FAIL"))) assert.match(line, /audience https:\/\/fixture-api\.test\/dev: .*503, the API is failing/);
    });

    it("must pass without calling the API when the probe is off, saying per credential that it skipped the probe and why", async function () {
        this.timeout(120_000);
        const r = await failingApi(await deployTenant({ stack: "dev", set: { apiProbeEnabled: false } }));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const skipped = r.stdout.split("\n").filter((l) => l.includes("probe skipped:"));
        assert.equal(skipped.length, 2, r.stdout);
        for (const slot of ["blue", "green"]) {
            const line = skipped.find((l) => l.startsWith(`ok    client login-code-${slot} (`));
            assert.ok(line, r.stdout);
            assert.match(line, /audience https:\/\/fixture-api\.test\/dev: scopes read:entitlements; probe skipped: auth0-tenant:apiProbeEnabled is false, so GET https:\/\/entitlements\.fixture-dev\.test\/users\/\{user_id\}\/entitlements is not called/);
        }
        // The extension is still probed.
        assert.equal(r.stdout.split("\n").filter((l) => /groups answers as the login code expects$/.test(l)).length, 2, r.stdout);
    });
});
