import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { M2mApplication } from "../../infra/m2mApplication";
import { SLOTS, Slot, lastGenerationOf, slotFor } from "../../infra/rotation";
import { TenantMocks } from "../../tools/stack/mocks";
import { ProgramRun, promiseOf, runUnderMocks } from "../../tools/stack/program";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

const other = (slot: Slot): Slot => (slot === "blue" ? "green" : "blue");
const named = (run: ProgramRun, type: string, name: string) => run.one(type, name);
const secretInputs = (run: ProgramRun, slot: Slot) => ({
    password: named(run, RESOURCE_TYPES.randomPassword, `login-code-${slot}-secret`).inputs,
    credentials: named(run, RESOURCE_TYPES.clientCredentials, `login-code-${slot}-credentials`).inputs,
});

/** The resources an input of a constructed resource depends on: what Pulumi orders it after. */
async function dependenciesOf(run: ProgramRun, type: string, name: string, pick: (p: Record<string, unknown>) => unknown): Promise<string[]> {
    const found = run.constructedOf(type).find((c) => c.name === name);
    assert.ok(found, `${type} ${name}`);
    const output = pulumi.output(pick(found.props)) as unknown as { allResources(): Promise<Set<pulumi.Resource>> };
    const resources = [...(await output.allResources())];
    return Promise.all(resources.map((r) => promiseOfUrn(r))).then((urns) => urns.map((u) => u.split("::").pop()!).sort());
}
function promiseOfUrn(resource: pulumi.Resource): Promise<string> {
    return new Promise((resolve) => resource.urn.apply((u) => { resolve(u); return u; }));
}

describe("infra/rotation", () => {
    describe("slots", () => {
        it("must alternate the serving slot with every generation", () => {
            for (let n = 1; n <= 20; n++) assert.notStrictEqual(slotFor(n + 1), slotFor(n), `generation ${n}`);
        });

        it("must never regenerate, at N+1, the secret of the slot that served N", () => {
            for (let n = 1; n <= 20; n++) {
                const serving = slotFor(n);
                assert.strictEqual(lastGenerationOf(serving, n + 1), lastGenerationOf(serving, n), `generation ${n}`);
                assert.notStrictEqual(lastGenerationOf(other(serving), n + 1), lastGenerationOf(other(serving), n), `generation ${n}`);
            }
        });

        it("must regenerate both slots when a generation is skipped (emergency rotation)", () => {
            for (let n = 1; n <= 20; n++) {
                for (const slot of SLOTS) assert.notStrictEqual(lastGenerationOf(slot, n + 2), lastGenerationOf(slot, n), `generation ${n}, ${slot}`);
            }
        });
    });

    for (const mode of ["actions", "rules"] as const) {
        describe(`rotating from generation N to N+1 (${mode})`, () => {
            const config = (n: number) => ({
                secretGeneration: String(n),
                ...(mode === "rules" ? { extensibility: "rules", managementApiScopes: '["update:users_app_metadata"]' } : {}),
            });
            for (const n of [1, 2, 3]) {
                it(`must leave the credential in use at ${n} untouched and point the code at the fresh one only after it exists`, async () => {
                    const before = await runUnderMocks({ config: config(n) });
                    const after = await runUnderMocks({ config: config(n + 1) });
                    const inUse = slotFor(n);
                    const fresh = slotFor(n + 1);
                    assert.notStrictEqual(inUse, fresh);
                    // The credential the deployed code holds during the update does not change.
                    assert.deepStrictEqual(secretInputs(after, inUse), secretInputs(before, inUse));
                    // The idle one gets a new secret and a new write-only version.
                    const was = secretInputs(before, fresh);
                    const now = secretInputs(after, fresh);
                    assert.notDeepStrictEqual(now.password.keepers, was.password.keepers);
                    assert.notStrictEqual(now.credentials.clientSecretWo, was.credentials.clientSecretWo);
                    assert.notStrictEqual(now.credentials.clientSecretWoVersion, was.credentials.clientSecretWoVersion);

                    const freshClientId = `login-code-${fresh}-client-client-id`;
                    const freshSecret = now.credentials.clientSecretWo;
                    let settings: Record<string, unknown>;
                    let dependencies: string[];
                    if (mode === "actions") {
                        const enrich = after.one(RESOURCE_TYPES.action, "login-action-enrich-from-apis");
                        settings = Object.fromEntries((enrich.inputs.secretsWos as { name: string; value: string }[]).map((s) => [s.name, s.value]));
                        dependencies = await dependenciesOf(after, RESOURCE_TYPES.action, "login-action-enrich-from-apis", (p) => p.secretsWos);
                        assert.ok(await pulumi.isSecret(pulumi.output(after.constructedOf(RESOURCE_TYPES.action).find((c) => c.name === "login-action-enrich-from-apis")!.props.secretsWos)));
                    } else {
                        // One rule config carries both, so the switch is one write.
                        const configs = Object.fromEntries(after.ofType(RESOURCE_TYPES.ruleConfig).map((c) => [c.inputs.key as string, c.inputs.value]));
                        assert.ok(!("M2M_CLIENT_ID" in configs) && !("M2M_CLIENT_SECRET" in configs), Object.keys(configs).join(", "));
                        const credentials = JSON.parse(configs.M2M_CREDENTIALS as string) as { client_id: string; client_secret: string };
                        settings = { M2M_CLIENT_ID: credentials.client_id, M2M_CLIENT_SECRET: credentials.client_secret };
                        dependencies = await dependenciesOf(after, RESOURCE_TYPES.ruleConfig, "login-config-M2M_CREDENTIALS", (p) => p.value);
                    }
                    assert.strictEqual(settings.M2M_CLIENT_ID, freshClientId);
                    assert.strictEqual(settings.M2M_CLIENT_SECRET, freshSecret);
                    // Ordered after the fresh credential, every grant of its slot, and the verification of
                    // both slots exist; the slot in use is reached only through that verification.
                    for (const needed of [`login-code-${fresh}-credentials`, `login-code-${fresh}-grant-api`, `login-code-${fresh}-grant-authzExtension`, "verify-grants-check"]) {
                        assert.ok(dependencies.includes(needed), `${needed} not among ${dependencies.join(", ")}`);
                    }
                    assert.ok(!dependencies.includes(`login-code-${inUse}-secret`), `depends on the secret in use: ${dependencies.join(", ")}`);
                    // Secrets stay secret on both sides of the rotation.
                    for (const run of [before, after]) {
                        for (const slot of SLOTS) {
                            const c = run.constructedOf(RESOURCE_TYPES.clientCredentials).find((r) => r.name === `login-code-${slot}-credentials`)!;
                            assert.ok(await pulumi.isSecret(pulumi.output(c.props.clientSecretWo)), `${slot} clientSecretWo`);
                        }
                    }
                });
            }
        });
    }

    it("must change the action's write-only secrets version whenever a value changes, so the provider pushes it", async () => {
        const version = (run: ProgramRun) => run.one(RESOURCE_TYPES.action, "login-action-enrich-from-apis").inputs.secretsWoVersion;
        const one = await runUnderMocks({ config: { secretGeneration: "1" } });
        const two = await runUnderMocks({ config: { secretGeneration: "2" } });
        const otherPolicy = await runUnderMocks({ config: { secretGeneration: "1", failurePolicyApi: "deny" } });
        const same = await runUnderMocks({ config: { secretGeneration: "1" } });
        assert.notStrictEqual(version(two), version(one));
        assert.notStrictEqual(version(otherPolicy), version(one));
        assert.strictEqual(version(same), version(one));
    });

    describe("the client secret's write-only version (M2mApplication under mocks)", () => {
        /** A RandomPassword's value as a replacement for any reason gives it, whatever its keepers. */
        let passwordValue = "";
        class ReplacedPasswordMocks extends TenantMocks {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const created = super.newResource(args);
                return args.type === RESOURCE_TYPES.randomPassword ? { ...created, state: { ...created.state, result: passwordValue } } : created;
            }
        }
        async function versionFor(value: string, generation: number): Promise<{ version: pulumi.Output<unknown>; plain: unknown }> {
            passwordValue = value;
            await pulumi.runtime.setMocks(new ReplacedPasswordMocks(), "auth0-tenant", "wo-version-test", false);
            const seen: pulumi.ResourceTransformationArgs[] = [];
            new M2mApplication("app", { displayName: "app", secretGeneration: generation }, { transformations: [(a) => (seen.push(a), undefined)] });
            const credentials = seen.find((a) => a.type === RESOURCE_TYPES.clientCredentials);
            assert.ok(credentials);
            const version = pulumi.output(credentials.props.clientSecretWoVersion as pulumi.Input<unknown>);
            return { version, plain: await promiseOf(version) };
        }

        it("must follow the secret's value, not the generation: a password replaced for another reason changes it, the same value keeps it", async () => {
            const a = await versionFor("a".repeat(64), 1);
            const aAgain = await versionFor("a".repeat(64), 1);
            const b = await versionFor("b".repeat(64), 1);
            assert.strictEqual(aAgain.plain, a.plain);
            assert.notStrictEqual(b.plain, a.plain, "a new value at the same generation must reach Auth0");
            assert.ok(Number.isSafeInteger(a.plain) && (a.plain as number) >= 1, `an integer of at least 1 (resource_credentials_schema.go 103), got ${String(a.plain)}`);
            assert.strictEqual(await pulumi.isSecret(a.version), true, "a digest of the secret is kept secret");
        });
    });
});
