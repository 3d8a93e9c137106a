import * as assert from "assert";
import * as path from "node:path";
import {
    POLICIES,
    actionsRunOnNode22,
    apiCallingRulesRunLast,
    callsApis,
    loginSecretsStaySecret,
    m2mClientCredentialsOnly,
    managementApiLeastPrivilege,
    managementApiScopesFollowMode,
    protectedStacksProtectResources,
    PROTECTED_TYPES,
    stackOfUrn,
} from "../../policy/policies";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";
import { RULE_ORDER_BASE } from "../../infra/loginFlow";
import { COMPILE_CACHES } from "../../local/engine/operation";
import { PolicyConfig, PolicyPackSession } from "../../local/engine/policyHost";
import { PROJECT, ROOT } from "../../tools/stack/program";
import { AnalyzedProgram, AnalyzedResource, aResource, analyzeProgram, asStateResource } from "../support/analyzedProgram";
import { compileCacheWarm } from "../local/engine/warmCompileCache";

/** Rules mode calls the Management API, so its stacks grant the one scope the rules use. */
const RULES = { extensibility: "rules", managementApiScopes: JSON.stringify(["update:users_app_metadata"]) };

function withProps(resource: AnalyzedResource, props: Record<string, unknown>): AnalyzedResource {
    return { ...resource, props: { ...resource.props, ...props } };
}

/** The pack as `--policy-pack policy` runs it, served once for the file (see local/engine/policyHost.ts). */
let pack: PolicyPackSession | undefined;

/** The named policies alone, each given its config, over the resources, as the pack's analyzer server runs them. */
function evaluate(policies: readonly { readonly name: string }[], resources: readonly AnalyzedResource[], config: Record<string, PolicyConfig> = {}) {
    if (!pack) throw new Error("the policy pack is not running");
    return pack.evaluate(policies.map((p) => p.name), resources.map(asStateResource), config);
}

describe("policy pack", () => {
    const programs: Record<string, AnalyzedProgram> = {};
    before(async function () {
        this.timeout(120_000);
        await compileCacheWarm();
        pack = await PolicyPackSession.start({ packDir: path.join(ROOT, "policy"), project: PROJECT, stack: "dev", dryRun: true, config: {}, env: COMPILE_CACHES });
        programs.devActions = await analyzeProgram({ stack: "dev" });
        programs.devRules = await analyzeProgram({ stack: "dev", config: RULES });
        programs.prodActions = await analyzeProgram({ stack: "prod" });
        programs.prodRules = await analyzeProgram({ stack: "prod", config: RULES });
        programs.review = await analyzeProgram({ stack: "pr-42", config: { apiIdentifier: undefined, loginFlowOwner: "false" } });
    });
    after(() => pack?.close());

    describe("the resources the program declares", () => {
        for (const name of ["devActions", "devRules", "prodActions", "prodRules", "review"]) {
            it(`must pass every policy (${name})`, async () => {
                const findings = await evaluate(POLICIES, programs[name].resources);
                assert.deepStrictEqual(findings, []);
            });
        }

        it("must refuse to check a policy the pack does not serve, naming it", async () => {
            await assert.rejects(evaluate([{ name: "no-such-policy" }], []), /serves no policy no-such-policy/);
        });

        it("must give every policy something to check", () => {
            const types = (p: AnalyzedProgram) => new Set(p.resources.map((r) => r.type));
            for (const type of [RESOURCE_TYPES.client, RESOURCE_TYPES.clientCredentials, RESOURCE_TYPES.clientGrant, RESOURCE_TYPES.action]) {
                assert.ok(types(programs.devActions).has(type), `actions mode declares ${type}`);
            }
            for (const type of [RESOURCE_TYPES.rule, RESOURCE_TYPES.ruleConfig]) assert.ok(types(programs.devRules).has(type), `rules mode declares ${type}`);
            const managementGrants = programs.devRules.ofType(RESOURCE_TYPES.clientGrant).filter((g) => String(g.props.audience).endsWith("/api/v2/"));
            assert.ok(managementGrants.length > 0, "rules mode grants the Management API");
            assert.ok(programs.prodActions.resources.some((r) => r.opts.protect), "prod's identity objects arrive protected");
        });
    });

    describe("m2m-client-credentials-only", () => {
        const check = (resource: AnalyzedResource) => evaluate([m2mClientCredentialsOnly], [resource]);
        const programClient = () => programs.devActions.ofType(RESOURCE_TYPES.client)[0];

        it("must refuse an M2M client that also allows another grant", async () => {
            const findings = await check(withProps(programClient(), { grantTypes: ["client_credentials", "password"] }));
            assert.strictEqual(findings.length, 1);
            assert.match(findings[0].message, /allows password/);
        });

        it("must refuse an M2M client that leaves its grant types to Auth0's defaults", async () => {
            const findings = await check(withProps(programClient(), { grantTypes: [] }));
            assert.match(findings[0].message, /declares no grantTypes/);
        });

        it("must leave interactive clients to their own grant types", async () => {
            const spa = aResource(RESOURCE_TYPES.client, "spa", { name: "spa", appType: "spa", grantTypes: ["authorization_code", "refresh_token"] });
            assert.deepStrictEqual(await check(spa), []);
        });

        it("must refuse client credentials with authentication method none", async () => {
            const credentials = withProps(programs.devActions.ofType(RESOURCE_TYPES.clientCredentials)[0], { authenticationMethod: "none" });
            const findings = await check(credentials);
            assert.strictEqual(findings.length, 1);
            assert.match(findings[0].message, /authentication method none/);
        });
    });

    describe("management-api-least-privilege and management-api-scopes-follow-mode", () => {
        const isManagementGrant = (r: AnalyzedResource) => r.type === RESOURCE_TYPES.clientGrant && String(r.props.audience).endsWith("/api/v2/");
        const managementGrant = () => programs.devRules.resources.find(isManagementGrant)!;
        const apiGrant = () => programs.devRules.ofType(RESOURCE_TYPES.clientGrant).find((g) => g.props.audience === "https://fixture-api.test/dev")!;
        /** The rules program's resources with its Management API grant carrying `scopes`. */
        const rulesWith = (scopes: string[]) => programs.devRules.resources.map((r) => (isManagementGrant(r) ? withProps(r, { scopes }) : r));
        /** One finding per grant: blue and green each carry the same scopes. */
        const grantCount = () => programs.devRules.resources.filter(isManagementGrant).length;
        const SCOPE_POLICIES = [managementApiLeastPrivilege, managementApiScopesFollowMode];
        /** Both policies, each given `config` (what README's example pack config does). */
        const configFor = (config?: Record<string, unknown>) => config && Object.fromEntries(SCOPE_POLICIES.map((p) => [p.name, config]));
        const evaluateScopes = (scopes: string[], config?: Record<string, unknown>) => evaluate(SCOPE_POLICIES, rulesWith(scopes), configFor(config));
        /**
         * What the engine runs before a resource's step (Analyze: pulumi/pulumi
         * pkg/resource/deploy/step_generator.go 1400-1425): the pack's resource policies on that
         * resource alone; stack policies wait until after the last step (3500-3600).
         */
        const beforeItsStep = (resource: AnalyzedResource, config?: Record<string, unknown>) =>
            evaluate(POLICIES.filter((p) => !("validateStack" in p)), [resource], configFor(config));

        it("must see both credential slots' Management API grants in rules mode", () => assert.strictEqual(grantCount(), 2));

        it("must refuse, at the grant before its step, a privileged scope or one no login code calls", async () => {
            const privileged = await beforeItsStep(withProps(managementGrant(), { scopes: ["update:users_app_metadata", "update:client_grants"] }));
            assert.deepStrictEqual(privileged.map((f) => f.policy), [managementApiLeastPrivilege.name]);
            assert.match(privileged[0].message, /update:client_grants, which lets a client raise/);
            const beyond = await beforeItsStep(withProps(managementGrant(), { scopes: ["read:users"] }));
            assert.deepStrictEqual(beyond.map((f) => f.policy), [managementApiLeastPrivilege.name]);
            assert.match(beyond[0].message, /read:users, which no login code calls \(it calls update:users_app_metadata; /);
            assert.deepStrictEqual(await beforeItsStep(managementGrant()), [], "the scope some mode calls waits for the stack policy");
        });

        it("must refuse a privileged Management API scope", async () => {
            const findings = await evaluateScopes(["update:users_app_metadata", "update:client_grants"]);
            assert.strictEqual(findings.length, grantCount());
            assert.match(findings[0].message, /update:client_grants, which lets a client raise/);
        });

        it("must accept a privileged scope beyond the login code only when the pack config approves it in both lists", async () => {
            const scopes = ["update:users_app_metadata", "update:client_grants"];
            const privilegedOnly = await evaluateScopes(scopes, { allowPrivilegedScopes: ["update:client_grants"] });
            assert.strictEqual(privilegedOnly.length, grantCount());
            assert.match(privilegedOnly[0].message, /update:client_grants, .*no login code calls .*\(allowScopesBeyondLoginCode\) after review$/);
            assert.deepStrictEqual(
                await evaluateScopes(scopes, { allowPrivilegedScopes: ["update:client_grants"], allowScopesBeyondLoginCode: ["update:client_grants"] }),
                [],
            );
        });

        it("must refuse read:user_idp_tokens as privileged, even when allowed beyond the login code", async () => {
            const findings = await evaluateScopes(["update:users_app_metadata", "read:user_idp_tokens"], { allowScopesBeyondLoginCode: ["read:user_idp_tokens"] });
            assert.strictEqual(findings.length, grantCount());
            assert.match(findings[0].message, /read:user_idp_tokens, which lets a client .*identity-provider access tokens.*\(allowPrivilegedScopes\) after review$/);
        });

        it("must refuse a Management API scope the login code never calls", async () => {
            const findings = await evaluateScopes(["update:users_app_metadata", "read:users"]);
            assert.strictEqual(findings.length, grantCount());
            assert.strictEqual(findings[0].urn, managementGrant().urn);
            assert.match(findings[0].message, /read:users, which no login code calls .*allowScopesBeyondLoginCode/);
        });

        it("must refuse, in actions mode, the scope only the rules call", async () => {
            const findings = await evaluate(SCOPE_POLICIES, [...programs.devActions.resources, managementGrant()]);
            assert.strictEqual(findings.length, 1);
            assert.strictEqual(findings[0].policy, managementApiScopesFollowMode.name);
            assert.match(findings[0].message, /update:users_app_metadata, which the actions login code never calls/);
            assert.deepStrictEqual(
                await evaluate(SCOPE_POLICIES, [...programs.devActions.resources, managementGrant()], configFor({ allowScopesBeyondLoginCode: ["update:users_app_metadata"] })),
                [],
            );
        });

        it("must accept a scope beyond the login code's needs that the pack config allows", async () => {
            assert.deepStrictEqual(await evaluateScopes(["update:users_app_metadata", "read:users"], { allowScopesBeyondLoginCode: ["read:users"] }), []);
        });

        it("must refuse a Management API scope outside the allowed set", async () => {
            const findings = await evaluateScopes(["update:users_app_metadata", "read:stats"], { allowScopesBeyondLoginCode: ["read:stats"] });
            assert.strictEqual(findings.length, grantCount());
            assert.match(findings[0].message, /read:stats, outside the allowed set/);
        });

        it("must not apply the Management API's scope set to other audiences", async () => {
            const resources = programs.devRules.resources.map((r) => (r === apiGrant() ? withProps(r, { scopes: ["read:entitlements", "create:clients"] }) : r));
            assert.deepStrictEqual(await evaluate(SCOPE_POLICIES, resources), []);
        });
    });

    describe("login-secrets-stay-secret", () => {
        const enrichAction = () => programs.devActions.ofType(RESOURCE_TYPES.action).find((a) => String(a.props.name).endsWith("enrich-from-apis"))!;
        const secretConfig = () => programs.devRules.ofType(RESOURCE_TYPES.ruleConfig).find((c) => c.props.key === "M2M_CREDENTIALS")!;

        it("sees secret values decrypted, so it checks how they travel rather than their secrecy", () => {
            // The limitation the policy works around: the program passes a Pulumi secret, the
            // analyzer hands the policy its plain value.
            const value = enrichAction().props.secretsWos as { name: string; value: unknown }[];
            const secret = value.find((s) => s.name === "M2M_CLIENT_SECRET")!;
            assert.strictEqual(typeof secret.value, "string");
            assert.match(secret.value as string, /^mock-secret-/);
        });

        it("must refuse an action that passes the client secret in plaintext secrets", async () => {
            const action = withProps(enrichAction(), { secrets: [{ name: "M2M_CLIENT_SECRET", value: "s3cr3t" }] });
            const findings = await evaluate([loginSecretsStaySecret], [action]);
            assert.strictEqual(findings.length, 1);
            assert.match(findings[0].message, /passes M2M_CLIENT_SECRET in secrets/);
            assert.ok(!findings[0].message.includes("s3cr3t"), "a finding never repeats the value");
        });

        it("must accept settings that are not credentials in plaintext secrets", async () => {
            const action = withProps(enrichAction(), { secrets: [{ name: "API_BASE_URL", value: "https://api.example.com" }] });
            assert.deepStrictEqual(await evaluate([loginSecretsStaySecret], [action]), []);
        });

        it("must refuse a rule config holding a credential whose value is not a secret output", async () => {
            const config = { ...secretConfig(), opts: { ...secretConfig().opts, additionalSecretOutputs: [] } };
            const findings = await evaluate([loginSecretsStaySecret], [config]);
            assert.strictEqual(findings.length, 1);
            assert.match(findings[0].message, /rule config M2M_CREDENTIALS holds a credential/);
        });

        it("must see the program's credential rule config marked secret by the provider SDK", () => {
            assert.ok(secretConfig().opts.additionalSecretOutputs.includes("value"));
        });
    });

    describe("actions-run-on-node22", () => {
        it("must refuse an action on another runtime", async () => {
            const action = withProps(programs.prodActions.ofType(RESOURCE_TYPES.action)[0], { runtime: "node18" });
            const findings = await evaluate([actionsRunOnNode22], [action]);
            assert.strictEqual(findings.length, 1);
            assert.match(findings[0].message, /runtime node18; set runtime: "node22"/);
        });

        it("must refuse an action that leaves the runtime to the provider's default", async () => {
            const { runtime: _runtime, ...props } = programs.prodActions.ofType(RESOURCE_TYPES.action)[0].props;
            void _runtime;
            const findings = await evaluate([actionsRunOnNode22], [{ ...programs.prodActions.ofType(RESOURCE_TYPES.action)[0], props }]);
            assert.match(findings[0].message, /no runtime/);
        });
    });

    describe("api-calling-rules-run-last", () => {
        const rules = () => programs.devRules.ofType(RESOURCE_TYPES.rule);
        const byFile = (file: string) => rules().find((r) => String(r.props.name).endsWith(file))!;

        it("must recognise which of the program's rules call APIs", () => {
            assert.strictEqual(callsApis(String(byFile("enrich-from-apis").props.script)), true);
            assert.strictEqual(callsApis(String(byFile("require-verified-email").props.script)), false);
        });

        it("must refuse an API-calling rule ordered before a cheap check", async () => {
            const swapped = [withProps(byFile("enrich-from-apis"), { order: 1 }), withProps(byFile("require-verified-email"), { order: 2 })];
            const findings = await evaluate([apiCallingRulesRunLast], swapped);
            assert.strictEqual(findings.length, 1);
            assert.strictEqual(findings[0].urn, swapped[0].urn);
            assert.match(findings[0].message, /runs before or with "auth0-tenant-dev-require-verified-email" \(order 2\)/);
        });

        it("must refuse an API-calling rule sharing its order with a cheap check", async () => {
            const tied = [withProps(byFile("enrich-from-apis"), { order: 1 }), withProps(byFile("require-verified-email"), { order: 1 })];
            assert.strictEqual((await evaluate([apiCallingRulesRunLast], tied)).length, 1);
        });

        it("must ignore disabled rules and mentions of the token endpoint in comments", async () => {
            const commentOnly = aResource(RESOURCE_TYPES.rule, "comment-only", {
                name: "comment-only",
                order: RULE_ORDER_BASE + 2,
                enabled: true,
                script: "/** Runs before anything calls /oauth/token. */\nfunction (user, context, callback) { return callback(null, user, context); }",
            });
            const disabledCheap = aResource(RESOURCE_TYPES.rule, "disabled", { name: "disabled", order: RULE_ORDER_BASE + 9, enabled: false, script: "function (u, c, cb) { return cb(null, u, c); }" });
            assert.deepStrictEqual(await evaluate([apiCallingRulesRunLast], [...rules(), disabledCheap]), []);
            const findings = await evaluate([apiCallingRulesRunLast], [...rules(), commentOnly]);
            assert.strictEqual(findings.length, 1, "a cheap rule ordered last makes the API-calling rule run too early");
            assert.match(findings[0].message, new RegExp(`"comment-only" \\(order ${RULE_ORDER_BASE + 2}\\)`));
        });
    });

    describe("protected-stacks-protect-resources", () => {
        it("must refuse an unprotected API, application, credential or post-login binding of a prod stack, and nothing else", async () => {
            const unprotected = await analyzeProgram({ stack: "prod", config: { protect: "false" } });
            const findings = await evaluate([protectedStacksProtectResources], unprotected.resources);
            const identities = unprotected.resources.filter((r) => PROTECTED_TYPES.includes(r.type));
            assert.strictEqual(findings.length, identities.length);
            assert.strictEqual(identities.length, 7, "the API, its scopes, two clients, two credentials, the post-login binding");
            assert.ok(findings.some((f) => f.message.includes(`${RESOURCE_TYPES.triggerActions} login-post-login in stack prod is not protected`)), JSON.stringify(findings));
            assert.strictEqual(programs.prodActions.ofType(RESOURCE_TYPES.triggerActions)[0]?.opts.protect, true, "prod's program protects the post-login binding");
            assert.match(findings[0].message, /in stack prod is not protected/);
            assert.deepStrictEqual(await evaluate([protectedStacksProtectResources], programs.prodActions.resources), []);
        });

        it("must refuse a protected secret or verification command, which every rotation replaces", async () => {
            const prod = programs.prodActions.resources;
            const protectedEverything = prod.map((r) => ({ ...r, opts: { ...r.opts, protect: true } }));
            const findings = await evaluate([protectedStacksProtectResources], protectedEverything);
            const replaced = prod.filter((r) => r.type === RESOURCE_TYPES.randomPassword || r.type === RESOURCE_TYPES.localCommand);
            assert.strictEqual(replaced.length, 3);
            assert.strictEqual(findings.length, replaced.length);
            assert.match(findings[0].message, /refuses the replacement every rotation makes/);
        });

        it("must leave other stacks unprotected unless the pack config names them", async () => {
            assert.deepStrictEqual(await evaluate([protectedStacksProtectResources], programs.devActions.resources), []);
            const config = { [protectedStacksProtectResources.name]: { protectedStacks: ["dev", "prod"] } };
            const findings = await evaluate([protectedStacksProtectResources], programs.devActions.resources, config);
            assert.strictEqual(findings.length, programs.devActions.resources.filter((r) => PROTECTED_TYPES.includes(r.type)).length);
        });

        it("must read the stack from a URN", () => {
            assert.strictEqual(stackOfUrn("urn:pulumi:pr-12::auth0-tenant::auth0:index/client:Client::c"), "pr-12");
            assert.throws(() => stackOfUrn("prod"), /not a Pulumi URN/);
        });
    });
});
