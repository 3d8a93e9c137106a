import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { deployerScopes, PROVIDER_CALLS } from "../../../tools/deployerScopes";
import { Auth0ProviderDouble, inProcessTransport, ProviderCallMade, ProviderError } from "../../../local/engine/providers/auth0";
import { refresh } from "../../../local/engine/refresh";
import { StateResource } from "../../../local/engine/deployment";
import { Props, Secret } from "../../../local/engine/wire";
import { LocalManagementApi } from "../../../local/tenant/managementApi";
import { ROOT } from "../../../local/engine/operation";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

/** ../shared next to the repository (or next to the worktrees' folder); the suite never needs it. */
const RECORDINGS = [path.join(ROOT, ".."), path.join(ROOT, "..", "..")]
    .map((dir) => path.join(dir, "shared", "provider-data", "auth0-mgmt-recordings.json"))
    .find((file) => fs.existsSync(file));

/** The Auth0 types the double serves, by a short name. */
const AUTH0_TYPES = {
    server: RESOURCE_TYPES.resourceServer,
    scopes: RESOURCE_TYPES.resourceServerScopes,
    client: RESOURCE_TYPES.client,
    creds: RESOURCE_TYPES.clientCredentials,
    grant: RESOURCE_TYPES.clientGrant,
    action: RESOURCE_TYPES.action,
    trigger: RESOURCE_TYPES.triggerActions,
    rule: RESOURCE_TYPES.rule,
    ruleConfig: RESOURCE_TYPES.ruleConfig,
};

/** Every type through create, read, update and delete; returns the double's calls. */
async function lifecycle(api: LocalManagementApi): Promise<ProviderCallMade[]> {
    const p = new Auth0ProviderDouble(inProcessTransport(api, [...new Set([...deployerScopes("write", "actions"), ...deployerScopes("write", "rules")])]));
    const server: Props = { identifier: "urn:test:api", name: "api", signingAlg: "RS256", tokenLifetime: 3600, tokenDialect: "access_token", skipConsentForVerifiableFirstPartyClients: true, allowOfflineAccess: false };
    const s = await p.create(AUTH0_TYPES.server, server);
    const scopes: Props = { resourceServerIdentifier: "urn:test:api", scopes: [{ name: "read:a", description: "a" }] };
    await p.create(AUTH0_TYPES.scopes, scopes);
    const client: Props = { name: "c", description: "d", appType: "non_interactive", grantTypes: ["client_credentials"], isFirstParty: true, oidcConformant: true, jwtConfiguration: { alg: "RS256" } };
    const c = await p.create(AUTH0_TYPES.client, client);
    const creds: Props = { clientId: c.id, authenticationMethod: "client_secret_post", clientSecretWo: new Secret("s1"), clientSecretWoVersion: 1 };
    await p.create(AUTH0_TYPES.creds, creds);
    const grant: Props = { clientId: c.id, audience: "urn:test:api", scopes: ["read:a"], subjectType: "client" };
    const g = await p.create(AUTH0_TYPES.grant, grant);
    const action: Props = { name: "a", code: "exports.onExecutePostLogin = async () => {};", runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" }, secretsWos: [{ name: "X", value: new Secret("x") }], secretsWoVersion: 1 };
    const a = await p.create(AUTH0_TYPES.action, action);
    const trigger: Props = { trigger: "post-login", actions: [{ id: a.id, displayName: "a" }] };
    await p.create(AUTH0_TYPES.trigger, trigger);
    const rule: Props = { name: "r", script: "function (u, c, cb) { cb(null, u, c); }", order: 10, enabled: true };
    const r = await p.create(AUTH0_TYPES.rule, rule);
    const rc: Props = { key: "K", value: new Secret("v") };
    await p.create(AUTH0_TYPES.ruleConfig, rc);
    for (const [type, id, inputs] of [[AUTH0_TYPES.server, s.id, server], [AUTH0_TYPES.scopes, "urn:test:api", scopes], [AUTH0_TYPES.client, c.id, client], [AUTH0_TYPES.creds, c.id, creds], [AUTH0_TYPES.grant, g.id, grant], [AUTH0_TYPES.action, a.id, action], [AUTH0_TYPES.trigger, "post-login", trigger], [AUTH0_TYPES.rule, r.id, rule], [AUTH0_TYPES.ruleConfig, "K", rc]] as const) {
        await p.read(type, id, inputs);
    }
    await p.update(AUTH0_TYPES.server, s.id, server, { ...server, tokenLifetime: 7200 });
    await p.update(AUTH0_TYPES.scopes, "urn:test:api", scopes, { ...scopes, scopes: [] });
    await p.update(AUTH0_TYPES.client, c.id, client, { ...client, description: "e" });
    await p.update(AUTH0_TYPES.creds, c.id, creds, { ...creds, authenticationMethod: "client_secret_basic", clientSecretWo: new Secret("s2"), clientSecretWoVersion: 2 });
    await p.update(AUTH0_TYPES.grant, g.id, grant, { ...grant, scopes: [] });
    await p.update(AUTH0_TYPES.action, a.id, action, { ...action, code: "exports.onExecutePostLogin = async () => { };" });
    await p.update(AUTH0_TYPES.trigger, "post-login", trigger, { ...trigger, actions: [] });
    await p.update(AUTH0_TYPES.rule, r.id, rule, { ...rule, enabled: false });
    await p.update(AUTH0_TYPES.ruleConfig, "K", rc, { ...rc, value: new Secret("w") });
    for (const [type, id] of [[AUTH0_TYPES.trigger, "post-login"], [AUTH0_TYPES.action, a.id], [AUTH0_TYPES.grant, g.id], [AUTH0_TYPES.creds, c.id], [AUTH0_TYPES.client, c.id], [AUTH0_TYPES.scopes, "urn:test:api"], [AUTH0_TYPES.server, s.id], [AUTH0_TYPES.rule, r.id], [AUTH0_TYPES.ruleConfig, "K"]] as const) {
        await p.delete(type, id);
    }
    return p.calls;
}

/** The table's path template a concrete path fills. */
function template(method: string, concrete: string): string | undefined {
    return PROVIDER_CALLS.find((c) => c.method === method && new RegExp(`^${c.path.replace(/\{[a-z_]+\}/g, "[^/]+")}$`).test(concrete))?.path;
}

describe("local/engine/providers (the provider double)", function () {
    it("must make only calls tools/deployerScopes.ts lists for the type and operation, and every one it lists", async function () {
        const api = new LocalManagementApi();
        const calls = await lifecycle(api);
        const made = new Set<string>();
        for (const call of calls) {
            const path_ = template(call.method, call.path);
            const listed = PROVIDER_CALLS.some((c) => c.type === call.type && c.operation === call.operation && c.method === call.method && c.path === path_);
            assert.ok(listed, `${call.type} ${call.operation} ${call.method} ${call.path} is not in PROVIDER_CALLS`);
            assert.ok(call.status < 400, `${call.method} ${call.path}: ${call.status}`);
            made.add(`${call.type} ${call.operation} ${call.method} ${path_}`);
        }
        const listedForTypes = PROVIDER_CALLS.filter((c) => (Object.values(AUTH0_TYPES) as string[]).includes(c.type)).map((c) => `${c.type} ${c.operation} ${c.method} ${c.path}`);
        assert.deepEqual([...new Set(listedForTypes)].filter((k) => !made.has(k)), []);
        assert.equal(api.clients.size + api.resourceServers.size + api.clientGrants.size + api.actions.size + api.rules.size + api.rulesConfigs.size, 0, "delete leaves nothing behind");
    });

    it("must never put a secret value in its call log", async function () {
        const calls = await lifecycle(new LocalManagementApi());
        const log = JSON.stringify(calls);
        for (const secret of ['"s1"', '"s2"', '"x"', '"v"', '"w"']) assert.ok(!log.includes(secret), `${secret} in the call log`);
    });

    it("must refresh with the read-only deployer and be refused a write with it", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const preview = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("preview", "actions")));
        const server: Props = { identifier: "urn:test:api", name: "api", signingAlg: "RS256", tokenLifetime: 3600, tokenDialect: "access_token", skipConsentForVerifiableFirstPartyClients: true, allowOfflineAccess: false };
        const s = await write.create(AUTH0_TYPES.server, server);
        api.resourceServers.get(s.id)!.token_lifetime = 60; // changed in the dashboard
        const state: StateResource[] = [{ urn: "urn:x::server", type: AUTH0_TYPES.server, name: "server", parent: "", custom: true, id: s.id, inputs: server, outputs: server, protect: false, retainOnDelete: false, dependencies: [], additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false }];
        const refreshed = await refresh(state, preview);
        assert.deepEqual(refreshed.changed, ["urn:x::server"]);
        assert.equal(refreshed.state[0].inputs.tokenLifetime, 60);
        await assert.rejects(preview.update(AUTH0_TYPES.server, s.id, server, server), (err: ProviderError) => err.status === 403 && /update:resource_servers/.test(err.message));
    });

    it("must not see a client secret rotated in the dashboard (flatten.go 834-838), and see a grant deleted there", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const preview = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("preview", "actions")));
        const c = await write.create(AUTH0_TYPES.client, { name: "c", appType: "non_interactive", grantTypes: ["client_credentials"], isFirstParty: true, oidcConformant: true });
        const creds: Props = { clientId: c.id, authenticationMethod: "client_secret_post", clientSecretWoVersion: 1 };
        await write.create(AUTH0_TYPES.creds, { ...creds, clientSecretWo: new Secret("s1") });
        api.clients.get(c.id)!.client_secret = "rotated-by-hand";
        assert.deepEqual(await preview.read(AUTH0_TYPES.creds, c.id, creds), creds);
        const grant: Props = { clientId: c.id, audience: "urn:a", scopes: ["read:a"], subjectType: "client" };
        const g = await write.create(AUTH0_TYPES.grant, grant);
        api.clientGrants.delete(g.id);
        assert.equal(await preview.read(AUTH0_TYPES.grant, g.id, grant), undefined);
    });

    it("must refuse an Action update that would erase a secret it does not manage, before any write (expand.go 153-247)", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const id = api.createActionByHand("made by hand");
        api.addActionSecretByHand(id, "M2M_CLIENT_SECRET", "old");
        api.addActionSecretByHand(id, "LEGACY_TOKEN", "kept");
        const news: Props = { name: "made by hand", code: "exports.onExecutePostLogin = async () => {};", runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" }, secretsWos: [{ name: "M2M_CLIENT_SECRET", value: new Secret("new") }], secretsWoVersion: 1 };
        await assert.rejects(write.update(AUTH0_TYPES.action, id, { name: "made by hand" }, news), (err: ProviderError) => /Unmanaged Action Secret: Detected an action secret not managed though Terraform: LEGACY_TOKEN\./.test(err.message));
        assert.deepEqual(api.actions.get(id)!.secrets.map((x) => [x.name, x.value]), [["M2M_CLIENT_SECRET", "old"], ["LEGACY_TOKEN", "kept"]], "nothing was written");
        assert.deepEqual(write.calls.map((c) => `${c.method} ${c.status}`), ["GET 200"]);
    });

    it("must let a code-only Action update through beside a secret added by hand, and check again when secrets_wo changes (expand.go 31-45, 153-156)", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const action: Props = { name: "a", code: "exports.onExecutePostLogin = async () => {};", runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" }, secretsWos: [{ name: "X", value: new Secret("x") }], secretsWoVersion: 1 };
        const { id, outputs } = await write.create(AUTH0_TYPES.action, action);
        api.addActionSecretByHand(id, "HAND_MADE", "h");
        write.calls.length = 0;
        await write.update(AUTH0_TYPES.action, id, outputs, { ...action, code: "exports.onExecutePostLogin = async () => { };" });
        const patch = write.calls.find((c) => c.method === "PATCH")!;
        assert.ok(patch, "the code is written");
        assert.ok(!("secrets" in (patch.body as object)), "no secrets are sent when neither secrets_wo nor its version changes");
        assert.deepEqual(api.actions.get(id)!.secrets.map((x) => [x.name, x.value]), [["X", "x"], ["HAND_MADE", "h"]]);
        await assert.rejects(write.update(AUTH0_TYPES.action, id, outputs, { ...action, secretsWos: [{ name: "X", value: new Secret("y") }], secretsWoVersion: 2 }), (err: ProviderError) => /Unmanaged Action Secret: .*: HAND_MADE\./.test(err.message));
    });

    it("must take over an existing grant of the same subject type on create, and create one beside a grant of another (resource_grant.go 131-141)", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        api.clientGrants.set("cgr_user", { id: "cgr_user", client_id: "cl_1", audience: "urn:a", scope: ["read:a"], subject_type: "user" });
        const grant: Props = { clientId: "cl_1", audience: "urn:a", scopes: ["read:a"], subjectType: "client" };
        const created = await write.create(AUTH0_TYPES.grant, grant);
        assert.notEqual(created.id, "cgr_user");
        assert.equal(created.outputs.subjectType, "client");
        assert.equal(api.clientGrants.get("cgr_user")!.subject_type, "user", "the user grant is left as it is");
        const again = await write.create(AUTH0_TYPES.grant, grant);
        assert.equal(again.id, created.id, "the client grant is taken over, not created twice");
    });

    it("must send the queries the real provider sends where the recordings hold the call", async function () {
        if (!RECORDINGS) this.skip();
        const recorded = (JSON.parse(fs.readFileSync(RECORDINGS, "utf8")) as { interactions: { source: string; method: string; path: string; query: string }[] }).interactions
            .filter((i) => i.source.startsWith("auth0/terraform-provider-auth0@v1.53.0:"));
        const calls = await lifecycle(new LocalManagementApi());
        let compared = 0;
        for (const call of calls) {
            const same = recorded.filter((i) => i.method === call.method && template(i.method, i.path) === template(call.method, call.path) && template(call.method, call.path) !== undefined);
            if (!same.length) continue;
            const keys = (q: string) => [...new URLSearchParams(q).keys()].sort().join("&");
            assert.ok(same.some((i) => keys(i.query) === keys(call.query)), `${call.method} ${call.path}?${call.query}: recorded as ${same.map((i) => `${i.path}?${i.query}`).join(" | ")}`);
            compared++;
        }
        assert.ok(compared >= 2, `only ${compared} calls had a recording to compare with`);
    });
});
