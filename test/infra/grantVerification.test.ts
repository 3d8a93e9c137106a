import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { GrantVerification, GrantVerificationArgs, loginCodeProbe, VERIFY_GRANTS_COMMAND } from "../../infra/grantVerification";
import { deployTenant } from "../../local/tenant/deployedTenant";
import { LocalTenant } from "../../local/tenant/localTenant";
import { TenantMocks } from "../../tools/stack/mocks";
import { promiseOf, ROOT } from "../../tools/stack/program";
import { runTsFile } from "../support/child";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

const SECRET = "blue-secret-0123456789abcdef0123456789abcdef0123456789abcdef";

interface Built {
    readonly component: GrantVerification;
    readonly command: pulumi.ResourceTransformationArgs;
}

/** The component under mocks, with what it handed its Command (inputs as Outputs, secrecy intact). */
function build(name: string, args: GrantVerificationArgs): Built {
    const seen: pulumi.ResourceTransformationArgs[] = [];
    const component = new GrantVerification(name, args, { transformations: [(a) => (seen.push(a), undefined)] });
    const commands = seen.filter((a) => a.type === RESOURCE_TYPES.localCommand);
    assert.equal(commands.length, 1, "exactly one Command");
    return { component, command: commands[0] };
}

function baseArgs(overrides: { secret?: string; scopes?: string[]; audience?: string; apiBaseUrl?: string } = {}): GrantVerificationArgs {
    return {
        domain: "fixture-dev.us.auth0.com",
        clients: [
            {
                name: "login-code-blue",
                clientId: pulumi.output("blue-client-id"),
                clientSecret: pulumi.secret(overrides.secret ?? SECRET),
                grants: [
                    {
                        audience: pulumi.output(overrides.audience ?? "https://fixture-api.test/dev"),
                        scopes: overrides.scopes ?? ["read:entitlements"],
                        probe: loginCodeProbe("api", overrides.apiBaseUrl ?? "https://entitlements.fixture-dev.test"),
                    },
                    { audience: "urn:auth0-authz-api", scopes: ["read:groups"], probe: loginCodeProbe("authzExtension", "https://ext.example.webtask.run/abc/api") },
                ],
            },
        ],
    };
}

const props = (built: Built) => built.command.props as Record<string, unknown>;
const environmentOf = (built: Built) => props(built).environment as Record<string, pulumi.Input<string>>;
const triggersOf = (built: Built) => promiseOf(pulumi.output(props(built).triggers as pulumi.Input<unknown[]>));

describe("infra/grantVerification (GrantVerification under mocks)", function () {
    before(async function () {
        await pulumi.runtime.setMocks(new TenantMocks(), "auth0-tenant", "verify-test", false);
    });

    it("must probe what the login code calls (LOGIN_CALLS), and re-run when a probed URL changes", async function () {
        assert.deepEqual(loginCodeProbe("api", "https://api.example.com/"), { url: "https://api.example.com/users/{user_id}/entitlements", expect: "entitlements", notFoundForUnknownUser: true });
        assert.deepEqual(loginCodeProbe("authzExtension", "https://ext.example/x/api"), { url: "https://ext.example/x/api/users/{user_id}/groups", expect: "groups", notFoundForUnknownUser: false });
        const before = await triggersOf(build("probe-a", baseArgs()));
        const moved = await triggersOf(build("probe-b", baseArgs({ apiBaseUrl: "https://api.elsewhere.example.com" })));
        assert.notDeepEqual(before[1], moved[1]);
        assert.match(String(moved[1]), /https:\/\/api\.elsewhere\.example\.com\/users\/\{user_id\}\/entitlements/);
    });

    it("must be a component with one child Command named <name>-check, parented to it", async function () {
        const built = build("grants", baseArgs());
        assert.equal(await promiseOf(built.component.urn), "urn:pulumi:verify-test::auth0-tenant::auth0-tenant:verify:GrantVerification::grants");
        assert.equal(built.command.name, "grants-check");
        assert.equal(built.command.opts.parent, built.component);
        assert.deepEqual((built.command.opts as pulumi.CustomResourceOptions).additionalSecretOutputs, ["stdout", "stderr"]);
        assert.deepEqual(await promiseOf(built.component.checks), ["login-code-blue -> https://fixture-api.test/dev", "login-code-blue -> urn:auth0-authz-api"]);
    });

    it("must run the script from the repository root with a constant command line that holds no secret", async function () {
        const built = build("cmdline", baseArgs());
        assert.equal(props(built).create, VERIFY_GRANTS_COMMAND);
        assert.equal(props(built).create, "node --import tsx scripts/verify-grants.ts");
        // Relative to the program's working directory (Pulumi.yaml's main), so no checkout's path is kept in state.
        const dir = String(props(built).dir);
        assert.ok(!path.isAbsolute(dir), dir);
        const main = (yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { main: string }).main;
        assert.equal(path.resolve(ROOT, main, dir), path.resolve(ROOT));
        for (const key of ["create", "update", "delete", "interpreter", "dir", "stdin"]) {
            const value = JSON.stringify((await promiseOf(pulumi.output(props(built)[key]))) ?? null);
            assert.ok(!value.includes(SECRET), `${key} holds the secret`);
        }
    });

    it("must pass the secrets only through the environment, as a Pulumi secret", async function () {
        const env = environmentOf(build("env", baseArgs()));
        const clients = pulumi.output(env.VERIFY_GRANTS_CLIENTS);
        assert.equal(await pulumi.isSecret(clients), true);
        assert.equal(await pulumi.isSecret(pulumi.output(env)), true);
        const parsed = JSON.parse(await promiseOf(clients)) as { clientSecret: string; grants: unknown[] }[];
        assert.equal(parsed[0].clientSecret, SECRET);
        assert.deepEqual(parsed[0].grants, [
            { audience: "https://fixture-api.test/dev", scopes: ["read:entitlements"], probe: loginCodeProbe("api", "https://entitlements.fixture-dev.test") },
            { audience: "urn:auth0-authz-api", scopes: ["read:groups"], probe: loginCodeProbe("authzExtension", "https://ext.example.webtask.run/abc/api") },
        ]);
        assert.equal(await promiseOf(pulumi.output(env.VERIFY_GRANTS_DOMAIN)), "fixture-dev.us.auth0.com");
        assert.equal(await promiseOf(pulumi.output(env.VERIFY_GRANTS_SETTLE_S)), "30");
    });

    it("must re-run when a scope, a grant's audience or a secret changes, and only then", async function () {
        const base = await triggersOf(build("t-base", baseArgs()));
        const same = await triggersOf(build("t-same", baseArgs()));
        const scope = await triggersOf(build("t-scope", baseArgs({ scopes: ["read:entitlements", "write:logins"] })));
        const audience = await triggersOf(build("t-audience", baseArgs({ audience: "https://other-api" })));
        const secret = await triggersOf(build("t-secret", baseArgs({ secret: `${SECRET}-rotated` })));
        assert.deepEqual(same, base);
        assert.notDeepEqual(scope, base);
        assert.notDeepEqual(audience, base);
        assert.notDeepEqual(secret, base);
        // A secret change moves only the (secret) digest; the plain part stays reviewable.
        assert.deepEqual(secret.slice(0, 2), base.slice(0, 2));
        assert.notEqual(secret[2], base[2]);
        assert.ok(!JSON.stringify(base).includes(SECRET), "triggers hold the secret itself");
    });

    it("must re-run when only the login code or a setting it reads changes, keeping only a digest of it", async function () {
        const withCode = (code: string) => triggersOf(build(`code-${code.length}`, { ...baseArgs(), loginCode: JSON.stringify({ files: [{ name: "a", code }] }) }));
        const one = await withCode("exports.onExecutePostLogin = async () => {};");
        const same = await withCode("exports.onExecutePostLogin = async () => {};");
        const edited = await withCode("exports.onExecutePostLogin = async () => { /* edited */ };");
        assert.deepEqual(same, one);
        assert.notDeepEqual(edited, one);
        assert.deepEqual(edited.slice(0, 3), one.slice(0, 3), "only the login code's digest moves");
        assert.ok(!JSON.stringify(edited).includes("onExecutePostLogin"), "the code itself is not kept in the triggers");
    });

    it("must keep the secret part of the triggers secret", async function () {
        const triggers = props(build("t-secrecy", baseArgs())).triggers as pulumi.Input<unknown>[];
        assert.equal(await pulumi.isSecret(pulumi.output(triggers[2])), true);
        assert.equal(await pulumi.isSecret(pulumi.output(triggers[1])), false);
    });

    it("must hand the script an environment it accepts: the deployed tenant passes, as after pulumi up", async function () {
        this.timeout(120_000);
        const deployed = await deployTenant({ stack: "dev" });
        const tenant = await LocalTenant.start(deployed.model, deployed.tenantOptions());
        try {
            const local = deployed.localCredentials(tenant);
            const built = build("e2e", {
                domain: tenant.domain,
                clients: local.map((c) => ({ name: c.name, clientId: c.clientId, clientSecret: pulumi.secret(c.clientSecret), grants: c.grants })),
                settleSeconds: 0,
            });
            const env = environmentOf(built);
            const resolved: Record<string, string> = {};
            for (const [key, value] of Object.entries(env)) resolved[key] = await promiseOf(pulumi.output(value));
            const r = await runTsFile(String(props(built).create).replace(/^node --import tsx /, ""), resolved);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /all 4 grants of 2 clients work as declared/);
        } finally {
            await tenant.stop();
        }
    });
});
