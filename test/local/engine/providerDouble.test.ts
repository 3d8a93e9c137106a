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

/** ../shared next to the repository (or next to the worktrees' folder); the suite never needs it. */
const RECORDINGS = [path.join(ROOT, ".."), path.join(ROOT, "..", "..")]
    .map((dir) => path.join(dir, "shared", "provider-data", "auth0-mgmt-recordings.json"))
    .find((file) => fs.existsSync(file));

const T = {
    server: "auth0:index/resourceServer:ResourceServer",
    scopes: "auth0:index/resourceServerScopes:ResourceServerScopes",
    client: "auth0:index/client:Client",
    creds: "auth0:index/clientCredentials:ClientCredentials",
    grant: "auth0:index/clientGrant:ClientGrant",
    action: "auth0:index/action:Action",
    trigger: "auth0:index/triggerActions:TriggerActions",
    rule: "auth0:index/rule:Rule",
    ruleConfig: "auth0:index/ruleConfig:RuleConfig",
};

/** Every type through create, read, update and delete; returns the double's calls. */
async function lifecycle(api: LocalManagementApi): Promise<ProviderCallMade[]> {
    const p = new Auth0ProviderDouble(inProcessTransport(api, [...new Set([...deployerScopes("write", "actions"), ...deployerScopes("write", "rules")])]));
    const server: Props = { identifier: "urn:test:api", name: "api", signingAlg: "RS256", tokenLifetime: 3600, tokenDialect: "access_token", skipConsentForVerifiableFirstPartyClients: true, allowOfflineAccess: false };
    const s = await p.create(T.server, server);
    const scopes: Props = { resourceServerIdentifier: "urn:test:api", scopes: [{ name: "read:a", description: "a" }] };
    await p.create(T.scopes, scopes);
    const client: Props = { name: "c", description: "d", appType: "non_interactive", grantTypes: ["client_credentials"], isFirstParty: true, oidcConformant: true, jwtConfiguration: { alg: "RS256" } };
    const c = await p.create(T.client, client);
    const creds: Props = { clientId: c.id, authenticationMethod: "client_secret_post", clientSecretWo: new Secret("s1"), clientSecretWoVersion: 1 };
    await p.create(T.creds, creds);
    const grant: Props = { clientId: c.id, audience: "urn:test:api", scopes: ["read:a"], subjectType: "client" };
    const g = await p.create(T.grant, grant);
    const action: Props = { name: "a", code: "exports.onExecutePostLogin = async () => {};", runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" }, secretsWos: [{ name: "X", value: new Secret("x") }], secretsWoVersion: 1 };
    const a = await p.create(T.action, action);
    const trigger: Props = { trigger: "post-login", actions: [{ id: a.id, displayName: "a" }] };
    await p.create(T.trigger, trigger);
    const rule: Props = { name: "r", script: "function (u, c, cb) { cb(null, u, c); }", order: 10, enabled: true };
    const r = await p.create(T.rule, rule);
    const rc: Props = { key: "K", value: new Secret("v") };
    await p.create(T.ruleConfig, rc);
    for (const [type, id, inputs] of [[T.server, s.id, server], [T.scopes, "urn:test:api", scopes], [T.client, c.id, client], [T.creds, c.id, creds], [T.grant, g.id, grant], [T.action, a.id, action], [T.trigger, "post-login", trigger], [T.rule, r.id, rule], [T.ruleConfig, "K", rc]] as const) {
        await p.read(type, id, inputs);
    }
    await p.update(T.server, s.id, server, { ...server, tokenLifetime: 7200 });
    await p.update(T.scopes, "urn:test:api", scopes, { ...scopes, scopes: [] });
    await p.update(T.client, c.id, client, { ...client, description: "e" });
    await p.update(T.creds, c.id, creds, { ...creds, authenticationMethod: "client_secret_basic", clientSecretWo: new Secret("s2"), clientSecretWoVersion: 2 });
    await p.update(T.grant, g.id, grant, { ...grant, scopes: [] });
    await p.update(T.action, a.id, action, { ...action, code: "exports.onExecutePostLogin = async () => { };" });
    await p.update(T.trigger, "post-login", trigger, { ...trigger, actions: [] });
    await p.update(T.rule, r.id, rule, { ...rule, enabled: false });
    await p.update(T.ruleConfig, "K", rc, { ...rc, value: new Secret("w") });
    for (const [type, id] of [[T.trigger, "post-login"], [T.action, a.id], [T.grant, g.id], [T.creds, c.id], [T.client, c.id], [T.scopes, "urn:test:api"], [T.server, s.id], [T.rule, r.id], [T.ruleConfig, "K"]] as const) {
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
        const listedForTypes = PROVIDER_CALLS.filter((c) => Object.values(T).includes(c.type)).map((c) => `${c.type} ${c.operation} ${c.method} ${c.path}`);
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
        const s = await write.create(T.server, server);
        api.resourceServers.get(s.id)!.token_lifetime = 60; // changed in the dashboard
        const state: StateResource[] = [{ urn: "urn:x::server", type: T.server, name: "server", parent: "", custom: true, id: s.id, inputs: server, outputs: server, protect: false, retainOnDelete: false, dependencies: [], additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false }];
        const refreshed = await refresh(state, preview);
        assert.deepEqual(refreshed.changed, ["urn:x::server"]);
        assert.equal(refreshed.state[0].inputs.tokenLifetime, 60);
        await assert.rejects(preview.update(T.server, s.id, server, server), (err: ProviderError) => err.status === 403 && /update:resource_servers/.test(err.message));
    });

    it("must not see a client secret rotated in the dashboard (flatten.go 834-838), and see a grant deleted there", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const preview = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("preview", "actions")));
        const c = await write.create(T.client, { name: "c", appType: "non_interactive", grantTypes: ["client_credentials"], isFirstParty: true, oidcConformant: true });
        const creds: Props = { clientId: c.id, authenticationMethod: "client_secret_post", clientSecretWoVersion: 1 };
        await write.create(T.creds, { ...creds, clientSecretWo: new Secret("s1") });
        api.clients.get(c.id)!.client_secret = "rotated-by-hand";
        assert.deepEqual(await preview.read(T.creds, c.id, creds), creds);
        const grant: Props = { clientId: c.id, audience: "urn:a", scopes: ["read:a"], subjectType: "client" };
        const g = await write.create(T.grant, grant);
        api.clientGrants.delete(g.id);
        assert.equal(await preview.read(T.grant, g.id, grant), undefined);
    });

    it("must refuse an Action update that would erase a secret it does not manage, before any write (expand.go 153-247)", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const id = api.createActionByHand("made by hand");
        api.addActionSecretByHand(id, "M2M_CLIENT_SECRET", "old");
        api.addActionSecretByHand(id, "LEGACY_TOKEN", "kept");
        const news: Props = { name: "made by hand", code: "exports.onExecutePostLogin = async () => {};", runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" }, secretsWos: [{ name: "M2M_CLIENT_SECRET", value: new Secret("new") }], secretsWoVersion: 1 };
        await assert.rejects(write.update(T.action, id, { name: "made by hand" }, news), (err: ProviderError) => /Unmanaged Action Secret: Detected an action secret not managed though Terraform: LEGACY_TOKEN\./.test(err.message));
        assert.deepEqual(api.actions.get(id)!.secrets.map((x) => [x.name, x.value]), [["M2M_CLIENT_SECRET", "old"], ["LEGACY_TOKEN", "kept"]], "nothing was written");
        assert.deepEqual(write.calls.map((c) => `${c.method} ${c.status}`), ["GET 200"]);
    });

    it("must let a code-only Action update through beside a secret added by hand, and check again when secrets_wo changes (expand.go 31-45, 153-156)", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        const action: Props = { name: "a", code: "exports.onExecutePostLogin = async () => {};", runtime: "node22", deploy: true, supportedTriggers: { id: "post-login", version: "v3" }, secretsWos: [{ name: "X", value: new Secret("x") }], secretsWoVersion: 1 };
        const { id, outputs } = await write.create(T.action, action);
        api.addActionSecretByHand(id, "HAND_MADE", "h");
        write.calls.length = 0;
        await write.update(T.action, id, outputs, { ...action, code: "exports.onExecutePostLogin = async () => { };" });
        const patch = write.calls.find((c) => c.method === "PATCH")!;
        assert.ok(patch, "the code is written");
        assert.ok(!("secrets" in (patch.body as object)), "no secrets are sent when neither secrets_wo nor its version changes");
        assert.deepEqual(api.actions.get(id)!.secrets.map((x) => [x.name, x.value]), [["X", "x"], ["HAND_MADE", "h"]]);
        await assert.rejects(write.update(T.action, id, outputs, { ...action, secretsWos: [{ name: "X", value: new Secret("y") }], secretsWoVersion: 2 }), (err: ProviderError) => /Unmanaged Action Secret: .*: HAND_MADE\./.test(err.message));
    });

    it("must take over an existing grant of the same subject type on create, and create one beside a grant of another (resource_grant.go 131-141)", async function () {
        const api = new LocalManagementApi();
        const write = new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "actions")));
        api.clientGrants.set("cgr_user", { id: "cgr_user", client_id: "cl_1", audience: "urn:a", scope: ["read:a"], subject_type: "user" });
        const grant: Props = { clientId: "cl_1", audience: "urn:a", scopes: ["read:a"], subjectType: "client" };
        const created = await write.create(T.grant, grant);
        assert.notEqual(created.id, "cgr_user");
        assert.equal(created.outputs.subjectType, "client");
        assert.equal(api.clientGrants.get("cgr_user")!.subject_type, "user", "the user grant is left as it is");
        const again = await write.create(T.grant, grant);
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
