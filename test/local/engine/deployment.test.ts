import * as assert from "node:assert/strict";
import { Deployment, StateResource } from "../../../local/engine/deployment";
import { MonitorShutDown, Registration } from "../../../local/engine/monitor";
import { PROVIDER_FACTS } from "../../../local/engine/providerFacts";
import { SchemaError, schemaOf } from "../../../local/engine/schema";
import { Props, Secret, UNKNOWN } from "../../../local/engine/wire";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

const STACK_URN = "urn:pulumi:prod::auth0-tenant::pulumi:pulumi:Stack::auth0-tenant-prod";

function registration(type: string, name: string, inputs: Props, extra: Partial<Registration> = {}): Registration {
    return {
        type, name, parent: STACK_URN, custom: true, inputs, dependencies: [], propertyDependencies: {}, protect: undefined,
        deleteBeforeReplace: undefined, ignoreChanges: [], replaceOnChanges: [], retainOnDelete: undefined, additionalSecretOutputs: [],
        provider: "", version: "3.49.0", aliasCount: 0, ...extra,
    };
}

function deployment(prior: readonly StateResource[] = [], dryRun = false) {
    return new Deployment({ project: "auth0-tenant", stack: "prod", dryRun, prior, tenant: {}, providerConfig: { auth0: { domain: "t.eu.auth0.com" } } });
}

async function deploy(regs: Registration[], prior: readonly StateResource[] = [], dryRun = false) {
    const d = deployment(prior, dryRun);
    await d.register({ ...registration("pulumi:pulumi:Stack", "auth0-tenant-prod", {}), parent: "", custom: false });
    const failures: string[] = [];
    for (const r of regs) await d.register(r).catch((e: Error) => failures.push(e.message));
    const state = d.finish(failures.length === 0);
    return { d, state, failures, op: (name: string) => d.steps.filter((s) => s.name === name && !s.replaced).map((s) => s.op)[0] };
}

const server = (identifier: string, extra: Partial<Registration> = {}) =>
    registration(RESOURCE_TYPES.resourceServer, "api-server", { identifier, name: "API", signingAlg: "RS256", tokenLifetime: 3600 }, extra);

describe("engine double: the plan", () => {
    it("must update in place what the provider updates and replace on a ForceNew field, naming the fact", async () => {
        const { state } = await deploy([server("https://api")]);
        const lifetime = await deploy([{ ...server("https://api"), inputs: { ...server("https://api").inputs, tokenLifetime: 7200 } }], state);
        assert.equal(lifetime.op("api-server"), "update");
        assert.deepEqual(lifetime.d.steps.find((s) => s.name === "api-server")!.diffs, ["tokenLifetime"]);
        const identifier = await deploy([server("https://api2", { deleteBeforeReplace: false })], state);
        assert.equal(identifier.op("api-server"), "replace");
        assert.match(identifier.d.steps.find((s) => s.name === "api-server")!.replaceReasons[0], /identifier \(ForceNew, terraform-provider-auth0 v1\.53\.0 internal\/auth0\/resourceserver\/resource\.go:46\)/);
        // create-before-delete: the old copy is deleted after everything else.
        const last = identifier.d.steps[identifier.d.steps.length - 1];
        assert.deepEqual([last.op, last.name, last.replaced], ["delete", "api-server", true]);
    });

    it("must refuse to replace a resource protected before and after, in an update and in a preview", async () => {
        const { state } = await deploy([server("https://api", { protect: true })]);
        const update = await deploy([server("https://api2", { protect: true })], state);
        assert.match(update.failures[0], /unable to replace resource "urn:pulumi:prod::auth0-tenant::auth0:index\/resourceServer:ResourceServer::api-server"\nas it is currently marked for protection/);
        const preview = await deploy([server("https://api2", { protect: true })], state, true);
        assert.deepEqual(preview.failures, [], "a preview shows the refused step and carries on");
        assert.ok(preview.d.steps.find((s) => s.name === "api-server")!.refused);
        // Unprotecting and replacing in one update is allowed (step_generator.go: new.Protect && old.Protect).
        assert.deepEqual((await deploy([server("https://api2", { protect: false })], state)).failures, []);
    });

    it("must refuse to delete a protected resource and keep it in the state; retainOnDelete deletes nothing in Auth0", async () => {
        const grant = registration(RESOURCE_TYPES.clientGrant, "g", { clientId: "c", audience: "https://api", scopes: ["read:x"] }, { protect: true, retainOnDelete: false });
        const kept = registration(RESOURCE_TYPES.clientGrant, "k", { clientId: "c", audience: "https://api2", scopes: ["read:x"] }, { retainOnDelete: true });
        const { state } = await deploy([grant, kept]);
        const after = await deploy([], state);
        const g = after.d.steps.find((s) => s.name === "g")!;
        assert.equal(g.op, "delete");
        assert.match(g.refused ?? "", /resource "urn:pulumi:prod::auth0-tenant::auth0:index\/clientGrant:ClientGrant::g" cannot be deleted\nbecause it is protected/);
        assert.ok(after.state.some((r) => r.name === "g"), "a refused delete stays in the state");
        assert.equal(after.d.steps.find((s) => s.name === "k")!.retained, true);
    });

    it("must delete dependents before what they depend on, and nothing when the program failed", async () => {
        const { state } = await deploy([server("https://api")]);
        const rsUrn = state.find((r) => r.name === "api-server")!.urn;
        const scopes = registration(RESOURCE_TYPES.resourceServerScopes, "api-scopes", { resourceServerIdentifier: "https://api", scopes: [] }, { dependencies: [rsUrn] });
        const both = (await deploy([server("https://api"), scopes])).state;
        const gone = await deploy([], both);
        // The default provider nothing uses any more goes last.
        assert.deepEqual(gone.d.steps.filter((s) => s.op === "delete").map((s) => s.name), ["api-scopes", "api-server", "default_3_49_0"]);
        const failed = deployment(both);
        assert.deepEqual(failed.finish(false).map((r) => r.name).sort(), ["api-scopes", "api-server", "auth0-tenant-prod", "default_3_49_0"]);
        assert.deepEqual(failed.steps.filter((s) => s.op === "delete"), []);
    });

    describe("replacement order", () => {
        // An API, its scopes (ForceNew on the identifier), a grant to it (ForceNew on the audience)
        // and an Action whose secret holds the identifier (updated in place): each input depends on
        // the resource its value comes from.
        const chain = (identifier: string, serverExtra: Partial<Registration> = {}, grantExtra: Partial<Registration> = {}) => {
            const rs = "urn:pulumi:prod::auth0-tenant::auth0:index/resourceServer:ResourceServer::api-server";
            const scopesUrn = "urn:pulumi:prod::auth0-tenant::auth0:index/resourceServerScopes:ResourceServerScopes::api-scopes";
            const grantUrn = "urn:pulumi:prod::auth0-tenant::auth0:index/clientGrant:ClientGrant::grant";
            return [
                server(identifier, serverExtra),
                registration(RESOURCE_TYPES.resourceServerScopes, "api-scopes", { resourceServerIdentifier: identifier, scopes: [] }, { dependencies: [rs], propertyDependencies: { resourceServerIdentifier: [rs] } }),
                registration(RESOURCE_TYPES.clientGrant, "grant", { clientId: "c", audience: identifier, scopes: ["read:x"], subjectType: "client" }, { dependencies: [scopesUrn], propertyDependencies: { audience: [scopesUrn] }, ...grantExtra }),
                registration(RESOURCE_TYPES.action, "action", { name: "a", code: "x", runtime: "node22", secrets: [{ name: "API_AUDIENCE", value: identifier }] }, { dependencies: [grantUrn], propertyDependencies: { secrets: [grantUrn] } }),
            ];
        };
        const order = (d: Deployment) => d.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);

        it("must delete-before-replace a resource whose auto-named name the program sets, its replaced dependents deleted first", async () => {
            const { state } = await deploy(chain("https://api"));
            const { d, failures } = await deploy(chain("https://api2"), state);
            assert.deepEqual(failures, []);
            // pulumi-terraform-bridge schema.go nameRequiresDeleteBeforeReplace; pulumi/pulumi step_generator.go 2043-2155.
            assert.deepEqual(order(d), ["delete grant", "delete api-scopes", "delete api-server", "replace api-server", "replace api-scopes", "replace grant", "update action"]);
            assert.ok(d.steps.filter((s) => s.op === "delete").every((s) => s.replaced && s.deleteBeforeReplace));
            assert.match(d.steps.find((s) => s.op === "replace" && s.name === "api-server")!.replaceReasons.join(), /delete-before-replace: name is set by the program/);
        });

        it("must create-before-delete when the program leaves name to the auto-namer or sets deleteBeforeReplace: false", async () => {
            const { state } = await deploy(chain("https://api"));
            for (const serverExtra of [{ deleteBeforeReplace: false }, { inputs: { identifier: "https://api2", signingAlg: "RS256", tokenLifetime: 3600 } }]) {
                const { d } = await deploy(chain("https://api2", serverExtra), state);
                assert.deepEqual(order(d), ["replace api-server", "replace api-scopes", "replace grant", "update action", "delete grant", "delete api-scopes", "delete api-server"]);
            }
        });

        it("must delete-before-replace a resource with deleteBeforeReplace: true, whatever the provider answers", async () => {
            const { state } = await deploy(chain("https://api"));
            const { d } = await deploy(chain("https://api2", { inputs: { identifier: "https://api2" }, deleteBeforeReplace: true }), state);
            assert.deepEqual(order(d).slice(0, 4), ["delete grant", "delete api-scopes", "delete api-server", "replace api-server"]);
        });

        it("must refuse a delete-before-replace that would delete a protected dependent", async () => {
            const { state } = await deploy(chain("https://api", {}, { protect: true }));
            const { failures } = await deploy(chain("https://api2", {}, { protect: true }), state);
            assert.match(failures[0], /unable to replace resource "urn:pulumi:prod::auth0-tenant::auth0:index\/clientGrant:ClientGrant::grant" as part of replacing "urn:pulumi:prod::auth0-tenant::auth0:index\/resourceServer:ResourceServer::api-server" as it is currently marked for protection/);
        });
    });

    it("must apply replaceOnChanges and ignoreChanges from the registration", async () => {
        const cmd = (trigger: string, create: string, extra: Partial<Registration> = {}) =>
            registration(RESOURCE_TYPES.localCommand, "check", { create, triggers: [trigger] }, { version: "1.2.1", replaceOnChanges: ["triggers[*]"], ...extra });
        const { state } = await deploy([cmd("a", "x")]);
        assert.equal((await deploy([cmd("b", "x")], state)).op("check"), "replace");
        assert.equal((await deploy([cmd("a", "y")], state)).op("check"), "update");
        assert.equal((await deploy([cmd("a", "y", { ignoreChanges: ["create"] })], state)).op("check"), "same");
    });

    it("must not diff write-only inputs: only their version updates the resource", async () => {
        const creds = (secret: string, version: number) =>
            registration(RESOURCE_TYPES.clientCredentials, "creds", { clientId: "c", authenticationMethod: "client_secret_post", clientSecretWo: new Secret(secret), clientSecretWoVersion: version });
        const { state } = await deploy([creds("s1", 1)]);
        assert.ok(!("clientSecretWo" in state.find((r) => r.name === "creds")!.outputs), "never kept in state");
        assert.equal((await deploy([creds("s2", 1)], state)).op("creds"), "same");
        assert.equal((await deploy([creds("s2", 2)], state)).op("creds"), "update");
    });

    it("must show a preview's created outputs as unknown and diff an unknown input as a change", async () => {
        const preview = await deploy([registration(RESOURCE_TYPES.client, "c", { name: "c", appType: "non_interactive" })], [], true);
        const outputs = preview.state.find((r) => r.name === "c")!.outputs;
        assert.equal(outputs.clientId, UNKNOWN);
        const { state } = await deploy([registration(RESOURCE_TYPES.client, "c", { name: "c", appType: "non_interactive" })]);
        assert.equal((await deploy([registration(RESOURCE_TYPES.client, "c", { name: UNKNOWN, appType: "non_interactive" })], state, true)).op("c"), "update");
    });
});

describe("engine double: what the providers accept", () => {
    it("must refuse a property the installed package does not declare, a missing required input and a wrong type", async () => {
        const { d } = await deploy([
            registration(RESOURCE_TYPES.clientGrant, "g", { clientId: "c", scopes: ["read:x"], allowAllScope: true }),
            registration(RESOURCE_TYPES.resourceServer, "rs", { identifier: 42 }),
        ]);
        const messages = d.violations.map((v) => v.message);
        assert.ok(messages.some((m) => /^allowAllScope: not a property of ClientGrantArgs \(@pulumi\/auth0 3\.49\.0, @pulumi\/auth0\/clientGrant\.d\.ts\)/.test(m)), messages.join("\n"));
        assert.ok(messages.some((m) => /^audience: missing required property of ClientGrantArgs/.test(m)));
        assert.ok(messages.some((m) => /^identifier: 42 is not string/.test(m)));
    });

    it("must refuse what the provider's validations refuse, citing the source line", async () => {
        const { d } = await deploy([
            registration(RESOURCE_TYPES.client, "c", { name: "c", appType: "machine", description: "x".repeat(141) }),
            registration(RESOURCE_TYPES.clientCredentials, "cc", { clientId: "c", authenticationMethod: "client_secret_post", clientSecretWo: new Secret("s") }),
            registration(RESOURCE_TYPES.rule, "r", { name: "-bad name", script: "function (u, c, cb) { cb(null, u, c); }" }),
        ]);
        const messages = d.violations.map((v) => v.message).join("\n");
        assert.match(messages, /appType: expected one of \[native .*\], got "machine" \(terraform-provider-auth0 v1\.53\.0 internal\/auth0\/client\/resource\.go:129\)/);
        assert.match(messages, /description: expected length between 0 and 140, got 141 \(.*resource\.go:88\)/);
        assert.match(messages, /"clientSecretWo": all of `clientSecretWo,clientSecretWoVersion` must be specified \(.*resource_credentials_schema\.go:94\)/);
        assert.match(messages, /name: Can only contain alphanumeric characters.*\(.*rule\/resource\.go:38\)/);
    });

    it("must fail loudly on a resource type or data source the packages or the facts do not cover", async () => {
        assert.throws(() => schemaOf("auth0:index/branding:Brandingg"), (e: Error) => e instanceof SchemaError && /declares no auth0:index\/branding:Brandingg/.test(e.message));
        const d = deployment();
        await d.register({ ...registration("pulumi:pulumi:Stack", "auth0-tenant-prod", {}), parent: "", custom: false });
        await assert.rejects(d.register(registration("auth0:index/branding:Branding", "b", {})), /no provider facts for auth0:index\/branding:Branding; add its ForceNew fields/);
        assert.throws(() => d.invoke("auth0:index/getClient:getClient", { name: "x" }), /the data source auth0:index\/getClient:getClient is not modelled/);
    });

    it("must name only properties the installed packages declare in the provider facts", () => {
        for (const [type, facts] of Object.entries(PROVIDER_FACTS)) {
            const inputs = schemaOf(type).inputs;
            const named = [...Object.keys(facts.forceNew), ...Object.keys(facts.writeOnly), ...facts.validations.map((v) => v.property), ...(facts.autonamedName ? ["name"] : [])];
            for (const property of named) {
                const top = property.split(/[.[]/)[0];
                assert.ok(top in inputs, `${type}: ${property} is not an input of the installed package; refresh local/engine/providerFacts.ts`);
            }
        }
    });
});

describe("engine double: generated values", () => {
    it("must give every replacement a value no earlier operation produced", async () => {
        const password = (generation: number) => registration(RESOURCE_TYPES.randomPassword, "secret", { length: 16, keepers: { generation: String(generation) } }, { version: "4.21.2" });
        const results: unknown[] = [];
        let state: readonly StateResource[] = [];
        for (const generation of [1, 2, 3]) {
            state = (await deploy([password(generation)], state)).state;
            results.push(state.find((r) => r.name === "secret")!.outputs.result);
        }
        assert.equal(new Set(results.map(String)).size, 3, `three distinct results: ${results.join(", ")}`);
    });
});

describe("engine double: a step that fails in an update", () => {
    // pulumi/pulumi 1b5949891b: the step executor reports the step's error and cancels the deployment
    // (pkg/resource/deploy/step_executor.go 404-460); the resource monitor then answers the waiting
    // RegisterResource, and every later one, with codes.Unavailable (source_eval.go 3036-3045), which
    // the Node SDK takes as the engine shutting down: it stops its RPCs and reports nothing itself
    // (sdk/nodejs/runtime/resource.ts, registerResource's callback).
    it("must report the step's error on its URN, answer it and every later registration as a monitor shut down", async () => {
        const failing = { run: 0 };
        const d = new Deployment({
            project: "auth0-tenant", stack: "prod", dryRun: false, prior: [], tenant: {}, providerConfig: { auth0: { domain: "t.eu.auth0.com" } },
            commands: () => {
                failing.run++;
                return Promise.reject(new Error('exit status 1: running "false"'));
            },
            programDir: "/repo",
        });
        await d.register({ ...registration("pulumi:pulumi:Stack", "auth0-tenant-prod", {}), parent: "", custom: false });
        const check = registration(RESOURCE_TYPES.localCommand, "check", { create: "false" }, { version: "1.2.1" });
        await assert.rejects(d.register(check), (err: Error) => {
            assert.ok(err instanceof MonitorShutDown, `${err.constructor.name}: ${err.message}`);
            assert.equal(err.message, "resource monitor shut down while waiting on step's done channel");
            return true;
        });
        assert.deepEqual(
            d.diagnostics.map((x) => [x.severity, x.urn, x.message]),
            [["error", "urn:pulumi:prod::auth0-tenant::command:local:Command::check", 'exit status 1: running "false"']],
        );
        assert.equal(d.cancelled, true);
        await assert.rejects(d.register(server("https://api")), (err: Error) => err instanceof MonitorShutDown && /while sending resource registration/.test(err.message));
        assert.equal(failing.run, 1);
    });
});
