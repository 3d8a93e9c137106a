import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { AdoptionOutcome, runAdoption, runbook, runningLoginCode } from "../../../local/sim/adoptLab";
import { ROOT } from "../../../local/engine/operation";
import { HandClickedTenant } from "../../../local/tenant/handMadeTenant";
import { OperationResult } from "../../../local/engine/operation";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

const LOGIN_SECRET = "hand-made-login-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const HAND_ACTION_CODE = "exports.onExecutePostLogin = async (event) => { void [event.secrets.M2M_CLIENT_ID, event.secrets.M2M_CLIENT_SECRET]; };";
const HAND_RULE_CODE = "function (user, context, callback) { void [configuration.M2M_CLIENT_ID, configuration.M2M_CLIENT_SECRET]; callback(null, user, context); }";

/**
 * A tenant as someone following the pages of docs/origins.md in the dashboard left it, for the
 * stack `stack` of test/fixtures/stacks.
 */
function handMade(stack: "dev" | "rules"): HandClickedTenant {
    const domain = `fixture-${stack}.us.auth0.com`;
    const api = `https://fixture-api.test/${stack}`;
    return {
        domain,
        resourceServers: [
            { id: "rs_mgmt", identifier: `https://${domain}/api/v2/`, name: "Auth0 Management API" },
            { id: "rs_test", identifier: api, name: "Test API", scopes: [{ value: "read:entitlements", description: "Read" }] },
            { id: "rs_authz", identifier: "urn:auth0-authz-api", name: "auth0-authorization-extension-api" },
        ],
        clients: [{ client_id: "cl_login", name: "Login code M2M", app_type: "non_interactive", client_secret: LOGIN_SECRET, grant_types: ["client_credentials"] }],
        clientGrants: [
            { id: "cgr_login_api", client_id: "cl_login", audience: api, scope: ["read:entitlements"] },
            { id: "cgr_login_mgmt", client_id: "cl_login", audience: `https://${domain}/api/v2/`, scope: ["update:users_app_metadata"] },
            { id: "cgr_login_authz", client_id: "cl_login", audience: "urn:auth0-authz-api", scope: ["read:users", "read:groups"] },
        ],
        rules:
            stack === "rules"
                ? [
                      { id: "rul_verified", name: "Require verified email", script: "function (user, context, callback) { callback(null, user, context); }", order: 1, enabled: true },
                      { id: "rul_enrich", name: "Enrich from APIs", script: HAND_RULE_CODE, order: 2, enabled: true },
                  ]
                : [],
        ruleConfigs: stack === "rules" ? { AUTH0_DOMAIN: domain, M2M_CLIENT_ID: "cl_login", M2M_CLIENT_SECRET: LOGIN_SECRET, API_AUDIENCE: api } : {},
        actions:
            stack === "dev"
                ? [
                      {
                          id: "act_enrich",
                          name: "enrich with api data",
                          code: HAND_ACTION_CODE,
                          secrets: [
                              { name: "AUTH0_DOMAIN", value: domain },
                              { name: "M2M_CLIENT_ID", value: "cl_login" },
                              { name: "M2M_CLIENT_SECRET", value: LOGIN_SECRET },
                              { name: "API_AUDIENCE", value: api },
                          ],
                      },
                  ]
                : [],
        postLoginBindings: stack === "dev" ? ["act_enrich"] : [],
    };
}

/** The adopted action, by --match; the hand-made application is left alone (a new one closes the secret's window). */
const ACTIONS_ARGS = ["--match", "login-action-enrich-from-apis=enrich with api data"];
const RULES_ARGS = ["--match", "login-rule-enrich-from-apis=Enrich from APIs", "--match", "login-rule-require-verified-email=Require verified email"];

type Mutable = { -readonly [K in keyof HandClickedTenant]: HandClickedTenant[K] };
const changed = (t: HandClickedTenant, change: (copy: Mutable) => void): HandClickedTenant => {
    const copy = structuredClone(t) as Mutable;
    change(copy);
    return copy;
};

const changes = (r: OperationResult | undefined) => (r && "steps" in r ? r.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`) : ["(not run)"]);
const errorOf = (r: OperationResult | undefined) => (r && "error" in r ? String(r.error) : "");

/** Imported, previewed without a replace or delete, deployed, nothing left to plan, no login failing at any step. */
function assertDeployed(o: AdoptionOutcome): void {
    assert.ok(o.adopt.ok, o.adopt.ok ? "" : o.adopt.error);
    assert.ok(o.imported?.ok, o.imported?.error);
    assert.ok(o.preview?.ok, errorOf(o.preview));
    assert.deepEqual(changes(o.preview).filter((c) => /^(replace|delete) /.test(c)), [], "the first up replaces or deletes nothing");
    assert.ok(o.up?.ok, `pulumi up: ${errorOf(o.up)}`);
    assert.deepEqual(changes(o.afterUp), [], "a refresh preview after the up plans nothing");
    assert.deepEqual(o.loginFailures, [], "no login fails at any step");
    assert.ok(o.loginChecks > 10, `logins were checked after every step and every write of the up (${o.loginChecks})`);
    // The last check ran the stack's own login code, holding the stack's credentials.
    const running = runningLoginCode(o.api, o.imported.state.some((r) => r.type === RESOURCE_TYPES.rule) ? "rules" : "actions");
    assert.ok(running.length > 0 && running.every((c) => c.clientId !== "cl_login" || c.clientSecret !== LOGIN_SECRET), JSON.stringify(running.map((c) => c.code)));
    // The import named the provider the program registers, and the state holds no hand-made secret.
    for (const urn of o.imported.imported) {
        const r = o.imported.state.find((x) => x.urn === urn)!;
        if (r.custom) assert.match(String(r.provider), /::pulumi:providers:auth0::default_3_49_0$/, urn);
    }
    assert.ok(o.up && "state" in o.up && !JSON.stringify(o.up.state.map((r) => [r.inputs, r.outputs])).includes(LOGIN_SECRET), "no hand-made secret in the state");
}

/** Refused by adopt, naming the object and what to do, with nothing written and no login touched. */
function assertRefused(o: AdoptionOutcome, message: RegExp): void {
    assert.ok(!o.adopt.ok, "adopt refuses");
    if (o.adopt.ok) return;
    assert.match(o.adopt.error, /the stack cannot take over these objects safely; nothing was written/);
    assert.match(o.adopt.error, message);
    assert.ok(!o.adopt.wroteFile, "adopt wrote no file");
    assert.equal(o.imported, undefined, "nothing was imported");
    assert.deepEqual(o.loginFailures, []);
}

describe("adoption end to end: npm run adopt, pulumi import --file, the first pulumi up, logins throughout (local/sim/adoptLab)", function () {
    // A deployed shape runs the program under mocks (adopt) and three times through the engine double.
    this.timeout(300_000);

    it("must run the runbook as docs/delivery.md writes it", function () {
        const docs = fs.readFileSync(path.join(ROOT, "docs", "delivery.md"), "utf8");
        const section = docs.slice(docs.indexOf("## Adopting a tenant clicked by hand"), docs.indexOf("\n## ", docs.indexOf("## Adopting a tenant clicked by hand") + 1));
        const commands = section.split("\n").map((l) => l.trim()).filter((l) => /^(npm run adopt|pulumi) /.test(l));
        assert.deepEqual(commands.map((c) => c.replace(/ --match .*$/, "")), runbook("dev"));
    });

    it("must deploy an actions tenant whose API has a scope the stack does not declare: the first up drops it, no login failing", async function () {
        const tenant = changed(handMade("dev"), (t) => {
            t.resourceServers = t.resourceServers.map((r) => (r.id === "rs_test" ? { ...r, scopes: [...(r.scopes ?? []), { value: "admin:everything", description: "added by hand" }] } : r));
        });
        const o = await runAdoption({ stack: "dev", mode: "actions", tenant, adoptArgs: ACTIONS_ARGS });
        assertDeployed(o);
        assert.ok(changes(o.preview).includes("update api-scopes"), changes(o.preview).join(", "));
        assert.deepEqual((o.api.resourceServers.get("rs_test")!.scopes as { value: string }[]).map((x) => x.value).sort(), ["read:entitlements", "write:logins"]);
        assert.ok(o.api.actions.has("act_enrich") && (o.api.bindings.get("post-login") ?? []).some((b) => b.actionId === "act_enrich"), "the adopted action is kept and bound");
        assert.ok(o.api.clients.has("cl_login"), "the hand-made application is left for the team to delete");
    });

    it("must refuse, before writing anything, an action holding secrets the stack does not set (Unmanaged Action Secret)", async function () {
        const tenant = changed(handMade("dev"), (t) => {
            t.actions = t.actions.map((a) => ({ ...a, secrets: [...(a.secrets ?? []), { name: "LEGACY_TOKEN", value: "legacy-token-value" }] }));
        });
        assertRefused(
            await runAdoption({ stack: "dev", mode: "actions", tenant, adoptArgs: ACTIONS_ARGS }),
            /login-action-enrich-from-apis: the action act_enrich \("enrich with api data"\) holds secrets the stack does not set: LEGACY_TOKEN; .*Delete them in the dashboard \(Actions > enrich with api data > Secrets\)/,
        );
    });

    it("must refuse adopting the application the hand-made login code authenticates as, whose secret the first up changes", async function () {
        assertRefused(
            await runAdoption({ stack: "dev", mode: "actions", tenant: handMade("dev"), adoptArgs: ["--client", "Login code M2M", ...ACTIONS_ARGS] }),
            /login-code-blue-client: the first pulumi up sets a new secret on the application cl_login \("Login code M2M"\), while .*the secret M2M_CLIENT_SECRET of the action "enrich with api data".*Run adopt without --client/,
        );
    });

    it("must adopt the \"client\" grant, never the \"user\" grant beside it, and leave that one as it is", async function () {
        // An application made for the stack, no login code using it yet; a "user" grant listed first.
        const tenant = changed(handMade("dev"), (t) => {
            t.actions = t.actions.map((a) => ({ ...a, code: "exports.onExecutePostLogin = async () => {};", secrets: [] }));
            t.clientGrants = [{ id: "cgr_login_api_user", client_id: "cl_login", audience: "https://fixture-api.test/dev", scope: ["read:entitlements"], subject_type: "user" }, ...t.clientGrants];
        });
        const o = await runAdoption({ stack: "dev", mode: "actions", tenant, adoptArgs: ["--client", "Login code M2M", ...ACTIONS_ARGS] });
        assertDeployed(o);
        assert.ok(o.adopt.ok && o.adopt.file.resources.some((r) => r.name === "login-code-blue-grant-api" && r.id === "cgr_login_api"), "the client grant is imported");
        assert.deepEqual(o.api.clientGrants.get("cgr_login_api_user"), { ...tenant.clientGrants[0] }, "the user grant is untouched");
        assert.ok(o.adopt.ok && /ignored {2}client grant cgr_login_api_user \(cl_login → https:\/\/fixture-api\.test\/dev, user\)/.test(o.adopt.report), o.adopt.ok ? o.adopt.report : "");
    });

    it("must deploy a rules tenant, the CLI warning once per imported rule setting, no login failing", async function () {
        const o = await runAdoption({ stack: "rules", mode: "rules", tenant: handMade("rules"), adoptArgs: RULES_ARGS });
        assertDeployed(o);
        const warned = o.imported!.diagnostics.filter((d) => d.message.startsWith("One or more imported inputs failed to validate. This is almost certainly a bug in the `auth0` provider."));
        assert.deepEqual(warned.map((d) => d.urn.split("::").pop()).sort(), ["login-config-API_AUDIENCE", "login-config-AUTH0_DOMAIN"]);
        assert.ok(o.imported!.diagnostics.some((d) => d.message === "auth0:index/ruleConfig:RuleConfig resource 'login-config-API_AUDIENCE' has a problem: Missing required property 'value'"));
    });

    it("must refuse --match of an API whose identifier is not the stack's (the first up would delete it)", async function () {
        const tenant = changed(handMade("dev"), (t) => {
            t.resourceServers = [...t.resourceServers, { id: "rs_old", identifier: "https://old-api.example", name: "Old API" }];
        });
        assertRefused(
            await runAdoption({ stack: "dev", mode: "actions", tenant, adoptArgs: [...ACTIONS_ARGS, "--match", "api-server=rs_old"] }),
            /api-server: the API rs_old has the identifier https:\/\/old-api\.example, the stack's is https:\/\/fixture-api\.test\/dev; .*Set the stack's apiIdentifier/,
        );
    });

    it("must refuse an application of another type as the login client", async function () {
        const tenant = changed(handMade("dev"), (t) => {
            t.actions = [];
            t.postLoginBindings = [];
            t.clients = [...t.clients, { client_id: "cl_spa", name: "Web app", app_type: "spa", client_secret: "spa-secret-0123456789" }];
        });
        assertRefused(
            await runAdoption({ stack: "dev", mode: "actions", tenant, adoptArgs: ["--client", "Web app"] }),
            /login-code-blue-client: the application cl_spa \("Web app"\) is a spa application, the stack's is non_interactive/,
        );
    });
});
