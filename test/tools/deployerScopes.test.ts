import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { declaredTypes, deployerScopes, KEY_MATERIAL_SCOPE, PROVIDER_CALLS } from "../../tools/deployerScopes";
import { ExtensibilityMode } from "../../infra/loginContract";
import { replayProviderCalls } from "../../local/sim/providerReplay";
import { trustedNetwork, TrustedNetwork } from "../../local/runtime/network";
import { LocalTenant } from "../../local/tenant/localTenant";
import { MANAGEMENT_API_SCOPES } from "../../local/tenant/model";
import { testTls } from "../../local/tenant/tls";
import { ROOT } from "../../tools/stack/program";
import { checkScopeDocs, SCOPE_DOC_FILES } from "../../tools/scopeDocs";

const MODES: readonly ExtensibilityMode[] = ["actions", "rules"];
const EMPTY_TENANT = { clients: [], apis: [{ identifier: "https://unused.test/", scopes: [] }], grants: [], users: [], groups: [], entitlements: {}, customApi: "https://unused.test/" };
/** ../shared next to the repository (or next to the worktrees' folder); the suite never needs it. */
const RECORDINGS = [path.join(ROOT, ".."), path.join(ROOT, "..", "..")]
    .map((dir) => path.join(dir, "shared", "provider-data", "auth0-mgmt-recordings.json"))
    .find((file) => fs.existsSync(file));

describe("tools/deployerScopes (the provider's Management API calls and the deployers' scopes)", function () {
    let tenant: LocalTenant;
    let network: TrustedNetwork;
    let everything: string;
    before(async function () {
        network = trustedNetwork((await testTls()).cert);
        tenant = await LocalTenant.start(EMPTY_TENANT);
        everything = await tenant.managementToken(MANAGEMENT_API_SCOPES);
    });
    after(async function () {
        await tenant.stop();
        await network.close();
    });
    const replay = async (scopes: readonly string[], mode: ExtensibilityMode, operations?: ("create" | "read" | "update" | "delete")[]) =>
        replayProviderCalls(`https://${tenant.domain}`, await tenant.managementToken(scopes), everything, mode, operations, network.dispatcher);

    it("must cite a provider source line for every call", function () {
        for (const call of PROVIDER_CALLS) assert.match(call.source, /^internal\/auth0\/[a-z]+\/[a-z_]+\.go:\d+$/, `${call.type} ${call.operation} ${call.method} ${call.path}`);
    });

    for (const mode of MODES) {
        it(`must let the write deployer make every call of every operation (${mode} mode)`, async function () {
            const replayed = await replay(deployerScopes("write", mode), mode);
            const refused = replayed.filter((r) => r.status >= 400).map((r) => `${r.call.type} ${r.call.operation} ${r.call.method} ${r.call.path}: ${r.status} ${JSON.stringify(r.body)}`);
            assert.deepEqual(refused, []);
            assert.equal(replayed.length, PROVIDER_CALLS.filter((c) => declaredTypes(mode).includes(c.type)).length);
        });

        it(`must need every scope of the write deployer: without it a call is refused 403 (${mode} mode)`, async function () {
            for (const scope of deployerScopes("write", mode)) {
                const replayed = await replay(deployerScopes("write", mode).filter((s) => s !== scope), mode);
                const refused = replayed.filter((r) => r.status === 403 && r.call.scope === scope);
                assert.ok(refused.length > 0, `no call needs ${scope}`);
                assert.match(JSON.stringify(refused[0].body), new RegExp(`Insufficient scope, expected any of: ${scope}`));
            }
        });

        it(`must let the preview deployer read everything and refuse it every write, with no key material (${mode} mode)`, async function () {
            const preview = deployerScopes("preview", mode);
            assert.deepEqual(preview.filter((s) => !s.startsWith("read:")), []);
            assert.deepEqual(preview.filter((s) => KEY_MATERIAL_SCOPE.test(s)), []);
            const reads = await replay(preview, mode, ["read"]);
            assert.deepEqual(reads.filter((r) => r.status >= 400).map((r) => `${r.call.type} ${r.call.path} ${r.status}`), []);
            const writes = await replay(preview, mode, ["create", "update", "delete"]);
            const writeCalls = writes.filter((r) => !r.call.scope.startsWith("read:"));
            assert.ok(writeCalls.length > 0);
            assert.deepEqual(writeCalls.filter((r) => r.status !== 403).map((r) => `${r.call.type} ${r.call.method} ${r.call.path} ${r.status}`), []);
        });
    }

    it("must refuse client_secret in a client update without update:client_keys, and hide it from reads without read:client_keys", async function () {
        const token = await tenant.managementToken(["create:clients", "read:clients", "update:clients"]);
        const send = async (method: string, p: string, body?: unknown) => {
            const { fetch } = await import("undici");
            const response = await fetch(`https://${tenant.domain}${p}`, {
                method,
                headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
                dispatcher: network.dispatcher,
            });
            return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        };
        const created = await send("POST", "/api/v2/clients", { name: "keys", app_type: "non_interactive" });
        assert.equal(created.status, 201);
        assert.equal("client_secret" in created.body, false);
        const patched = await send("PATCH", `/api/v2/clients/${String(created.body.client_id)}`, { client_secret: "x".repeat(64) });
        assert.equal(patched.status, 403);
        assert.match(String(patched.body.message), /expected any of: update:client_keys/);
    });

    it("must keep README's and docs/delivery.md's scope lists equal to the table's (npm run docs:scopes rewrites them)", function () {
        assert.deepEqual(checkScopeDocs(), [], `stale: ${SCOPE_DOC_FILES.join(", ")}`);
    });

    it("must agree with the provider's recorded traffic (skipped without ../shared/provider-data)", function () {
        if (!RECORDINGS) this.skip();
        const recordings = JSON.parse(fs.readFileSync(RECORDINGS, "utf8")) as { interactions: { source: string; method: string; path: string }[] };
        // The provider's own acceptance tests of the types this stack declares.
        const ofOurTypes = recordings.interactions.filter((i) => /terraform-provider-auth0@v1\.53\.0:test\/data\/recordings\/TestAcc(RuleConfig|ClientGrant)\.yaml/.test(i.source));
        assert.ok(ofOurTypes.length > 0);
        for (const interaction of ofOurTypes) {
            const known = PROVIDER_CALLS.some(
                (c) => c.method === interaction.method && new RegExp(`^${c.path.replace(/\{[a-z_]+\}/g, "[^/]+")}$`).test(interaction.path),
            );
            assert.ok(known, `${interaction.method} ${interaction.path} (${interaction.source}) is not in the table`);
        }
    });
});
