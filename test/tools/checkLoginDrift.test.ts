import assert from "node:assert/strict";
import { deployerScopes } from "../../tools/deployerScopes";
import { deployTenant, DeployedTenant } from "../../local/tenant/deployedTenant";
import { LocalTenant } from "../../local/tenant/localTenant";
import { MANAGEMENT_API } from "../../local/tenant/model";
import { ChildResult, runTsFile } from "../support/child";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

const SCRIPT = "scripts/check-login-drift.ts";
/** The drift job's Management API client: the read-only preview deployer. */
const READER = { id: "drift-reader", secret: "drift-reader-secret-not-real-0123456789abcdefghij" };

describe("scripts/check-login-drift.ts (what a refresh cannot see) against the local tenant", function () {
    let deployed: DeployedTenant;
    before(async function () {
        // pulumi up of the dev stack through the engine and provider doubles, once for the file.
        this.timeout(120_000);
        deployed = await deployTenant({ stack: "dev" });
    });

    /** Serves a copy of the deployed dev stack's tenant, lets `byHand` change it, and runs the check. */
    async function check(byHand: (tenant: LocalTenant, actionIds: Record<string, string>) => void): Promise<ChildResult> {
        const model = {
            ...deployed.model,
            clients: [...deployed.model.clients, READER],
            grants: [...deployed.model.grants, { clientId: READER.id, audience: MANAGEMENT_API, scopes: deployerScopes("preview", "actions") }],
        };
        const tenant = await LocalTenant.start(model, deployed.tenantOptions());
        try {
            const actionIds = Object.fromEntries([...tenant.management.actions.values()].map((a) => [String(a.name), String(a.id)]));
            byHand(tenant, actionIds);
            return await runTsFile(SCRIPT, { AUTH0_CLIENT_ID: READER.id, AUTH0_CLIENT_SECRET: READER.secret }, JSON.stringify(deployed.localExport(tenant)));
        } finally {
            await tenant.stop();
        }
    }
    const drift = (r: ChildResult) => r.stdout.split("\n").filter((l) => l.startsWith("DRIFT"));

    it("must find nothing on the tenant as deployed, with the read-only preview deployer", async function () {
        const r = await check(() => undefined);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /ok {5}post-login: bound as declared \(auth0-tenant-dev-require-verified-email, auth0-tenant-dev-enrich-from-apis\)/);
        assert.match(r.stdout, /ok {5}action auth0-tenant-dev-enrich-from-apis: secrets .*M2M_CLIENT_SECRET/);
        assert.equal(r.stdout.split("\n").filter((l) => / token and login-code calls as declared$/.test(l)).length, 4, r.stdout);
    });

    it("must name a post-login binding and an Action secret added by hand", async function () {
        const r = await check((tenant, ids) => {
            tenant.management.bindByHand("post-login", tenant.management.createActionByHand("Marketplace: Geo Enrichment"), "Marketplace: Geo Enrichment");
            tenant.management.addActionSecretByHand(ids["auth0-tenant-dev-enrich-from-apis"], "HAND_MADE_TOKEN", "value-set-in-the-dashboard");
        });
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.equal(drift(r).length, 2, r.stdout);
        assert.match(r.stdout, /DRIFT {2}post-login: binding Marketplace: Geo Enrichment \(action [^)]+\) was added in the tenant .*the next pulumi up removes it/);
        assert.match(r.stdout, /DRIFT {2}action auth0-tenant-dev-enrich-from-apis \([^)]+\): secret HAND_MADE_TOKEN was added in the tenant.*"Unmanaged Action Secret"/);
        assert.ok(!(r.stdout + r.stderr).includes("value-set-in-the-dashboard"));
    });

    it("must name a client secret rotated by hand and a stack action unbound by hand", async function () {
        const r = await check((tenant, ids) => {
            const green = deployed.credentials.find((c) => c.name === "login-code-green")!;
            tenant.setClientSecret(green.clientId, "rotated-in-the-dashboard-0123456789abcdefghijklmnopqrstuvwxyz");
            tenant.management.bindings.set("post-login", (tenant.management.bindings.get("post-login") ?? []).filter((b) => b.actionId !== ids["auth0-tenant-dev-require-verified-email"]));
        });
        assert.equal(r.code, 1);
        assert.match(r.stdout, /DRIFT {2}post-login: declared binding auth0-tenant-dev-require-verified-email .* is not bound/);
        assert.equal(drift(r).filter((l) => /client login-code-green .*refused the client's credentials \(401/.test(l)).length, 2, r.stdout);
    });

    it("must fail on what the login code calls: the extension's API not answering", async function () {
        const r = await check((tenant) => void tenant.stopService("authzExtension"));
        assert.equal(r.code, 1);
        assert.equal(drift(r).filter((l) => /audience urn:auth0-authz-api: the token works, but what the login code calls does not/.test(l)).length, 2, r.stdout);
    });

    it("must refuse a state exported without --show-secrets, without echoing it", async function () {
        const r = await runTsFile(SCRIPT, { AUTH0_CLIENT_ID: READER.id, AUTH0_CLIENT_SECRET: READER.secret }, JSON.stringify({
            deployment: { resources: [{ urn: "urn:pulumi:dev::auth0-tenant::command:local:Command::verify-grants-check", type: RESOURCE_TYPES.localCommand, inputs: { environment: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" } } }] },
        }));
        assert.equal(r.code, 2);
        assert.match(r.stderr, /encrypted; export the state with --show-secrets/);
    });

    it("must never print a secret or a token", async function () {
        const r = await check(() => undefined);
        for (const c of deployed.credentials) assert.ok(!(r.stdout + r.stderr).includes(c.clientSecret));
        assert.ok(!(r.stdout + r.stderr).includes(READER.secret));
        assert.ok(!(r.stdout + r.stderr).includes("eyJ"));
    });
});
