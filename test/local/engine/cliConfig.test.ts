import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { CliConfigError, OPAQUE_SECRET, Project, StackFile, loadProject, mergeStackConfig, parseStackFile, validateProject } from "../../../local/engine/cliConfig";
import { ROOT } from "../../../local/engine/operation";
import { REVIEW_STACK, stackFileOf } from "./support";

const project = (config: Project["config"]): Project => ({ name: "auth0-tenant", runtime: { name: "nodejs", options: {} }, config });

describe("engine double: configuration as the Pulumi CLI merges it", () => {
    it("must refuse a stack that leaves a declared key without default unset, with the CLI's message", () => {
        const p = project({ a: { type: "string" }, b: { type: "boolean" }, c: { type: "integer" }, d: { type: "string", default: "x" } });
        assert.throws(() => mergeStackConfig(p, "dev", { config: { "auth0-tenant:c": 1 } }), (e: Error) => e instanceof CliConfigError && e.message.includes("Stack 'dev' is missing configuration values 'a' and 'b'"));
        assert.throws(() => mergeStackConfig(p, "dev", { config: { "auth0-tenant:a": "v", "auth0-tenant:c": 1 } }), (e: Error) => e.message.includes("Stack 'dev' is missing configuration value 'b'"));
    });

    it("must apply declared defaults as the strings the language host receives", () => {
        const p = project({ n: { type: "integer", default: 86400 }, f: { type: "boolean", default: false }, l: { type: "array", items: { type: "string" }, default: [] } });
        const merged = mergeStackConfig(p, "dev", { config: {} });
        assert.deepEqual(merged.config, { "auth0-tenant:n": "86400", "auth0-tenant:f": "false", "auth0-tenant:l": "[]" });
    });

    it("must refuse a stack value of the wrong declared type", () => {
        const p = project({ n: { type: "integer" }, l: { type: "array", items: { type: "string" } }, b: { type: "boolean" } });
        assert.throws(() => mergeStackConfig(p, "prod", { config: { "auth0-tenant:n": "1.5", "auth0-tenant:l": [], "auth0-tenant:b": true } }), (e: Error) => e.message.includes("Stack 'prod' with configuration key 'n' must be of type 'integer'"));
        assert.throws(() => mergeStackConfig(p, "prod", { config: { "auth0-tenant:n": 3, "auth0-tenant:l": [1], "auth0-tenant:b": "yes" } }), (e: Error) => e.message.includes("Stack 'prod' with configuration key 'b' must be of type 'boolean'"));
        assert.throws(() => mergeStackConfig(p, "prod", { config: { "auth0-tenant:n": 3, "auth0-tenant:l": [1], "auth0-tenant:b": true } }), (e: Error) => e.message.includes("Stack 'prod' with configuration key 'l' must be of type 'array<string>'"));
    });

    it("must refuse a key that is not <namespace>:<name>", () => {
        assert.throws(() => mergeStackConfig(project({}), "dev", { config: { protect: true } }), (e: Error) => e.message.includes("could not parse protect as a configuration key"));
    });

    it("must refuse a plain value for a key declared secret, and pass secure: values as secret keys", () => {
        const p = project({ s: { type: "string", secret: true } });
        assert.throws(() => mergeStackConfig(p, "dev", { config: { "auth0-tenant:s": "plain" } }), (e: Error) => e.message.includes("must be encrypted as it's secret"));
        assert.throws(() => mergeStackConfig(p, "dev", { encryptionsalt: "v1:AAAAAAAAAAA=:v1:x:y", config: { "auth0-tenant:s": { secure: "v1:AAAA:BBBB" } } }, {}), (e: Error) => e.message.includes("needs PULUMI_CONFIG_PASSPHRASE"));
    });

    // What `pulumi config set --secret auth0:clientSecret` writes under each secrets manager
    // (pkg/cmd/pulumi/stack/secrets.go 237-249 picks the manager from these keys).
    const providerSecret = { "auth0:clientSecret": { secure: "AAABAKzKsh1fLAl8pXN0YW5jZS1vZi1hLWNpcGhlcnRleHQ=" } };
    const undecryptable: Record<string, { file: StackFile; env: NodeJS.ProcessEnv; reason: RegExp }> = {
        "Pulumi Cloud (the service secrets provider: no encryptionsalt, no secretsprovider)": {
            file: { config: providerSecret },
            env: { PULUMI_CONFIG_PASSPHRASE: "set but unused" },
            reason: /Pulumi Cloud's service secrets provider holds its key/,
        },
        "a KMS (secretsprovider: awskms://…, encryptedkey:)": {
            file: { secretsprovider: "awskms://alias/fixture-key?region=eu-west-1", encryptedkey: "AQICAHh0ZXN0LWRhdGEta2V5", config: providerSecret },
            env: {},
            reason: /the awskms key management service holds its key/,
        },
        "the passphrase provider with no passphrase in the environment": {
            file: { encryptionsalt: "v1:AAAAAAAAAAA=:v1:x:y", config: providerSecret },
            env: {},
            reason: /needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/,
        },
    };
    for (const [manager, { file, env, reason }] of Object.entries(undecryptable)) {
        it(`must carry the provider's secret as an opaque secret, saying why, when ${manager} holds it`, () => {
            const merged = mergeStackConfig(project({}), "dev", file, env);
            assert.equal(merged.config["auth0:clientSecret"], OPAQUE_SECRET);
            assert.deepEqual(merged.secretKeys, ["auth0:clientSecret"]);
            assert.equal(merged.undecrypted.length, 1);
            assert.equal(merged.undecrypted[0].key, "auth0:clientSecret");
            assert.match(merged.undecrypted[0].reason, reason);
        });

        it(`must refuse, naming the key and what the check needs, a value the program reads when ${manager} holds it`, () => {
            const p = project({ s: { type: "string", secret: true } });
            const ownKey = { ...file, config: { ...file.config, "auth0-tenant:s": { secure: "AAABAMoreCiphertext" } } };
            assert.throws(
                () => mergeStackConfig(p, "dev", ownKey, env),
                (e: Error) => e instanceof CliConfigError && e.message.startsWith("Stack 'dev': cannot decrypt auth0-tenant:s: ") && reason.test(e.message) && /reads auth0-tenant:s's plaintext/.test(e.message) && !e.message.includes("AAAB"),
            );
        });
    }

    it("must decrypt secure: values the passphrase secrets manager wrote", () => {
        // A stack file written by `pulumi config set --secret` with PULUMI_CONFIG_PASSPHRASE=correct horse (crypt.go format).
        const salt = Buffer.from("0123456789abcdef", "hex");
        const key = crypto.pbkdf2Sync("correct horse", salt, 1_000_000, 32, "sha256");
        const nonce = Buffer.alloc(12, 7);
        const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
        const sealed = Buffer.concat([cipher.update("deployer-secret", "utf8"), cipher.final(), cipher.getAuthTag()]);
        const file = { encryptionsalt: `v1:${salt.toString("base64")}:v1:x:y`, config: { "auth0:clientSecret": { secure: `v1:${nonce.toString("base64")}:${sealed.toString("base64")}` } } };
        const merged = mergeStackConfig(project({}), "dev", file, { PULUMI_CONFIG_PASSPHRASE: "correct horse" });
        assert.equal(merged.config["auth0:clientSecret"], "deployer-secret");
        assert.deepEqual(merged.secretKeys, ["auth0:clientSecret"]);
        assert.throws(() => mergeStackConfig(project({}), "dev", file, { PULUMI_CONFIG_PASSPHRASE: "wrong" }), (e: Error) => e.message.includes("incorrect passphrase"));
    });

    it("must refuse a project config block the CLI refuses", () => {
        assert.throws(() => validateProject(project({ l: { type: "array" } })), (e: Error) => e.message.includes("declares an array but does not specify the underlying type"));
        assert.throws(() => validateProject(project({ n: { type: "integer", default: "many" } })), (e: Error) => e.message.includes("is not of the expected type 'integer'"));
        assert.throws(() => validateProject(project({ "auth0:domain": { type: "string" } })), (e: Error) => e.message.includes("is not namespaced by the project and should not define a type"));
    });

    for (const stack of ["dev", "prod", REVIEW_STACK]) {
        it(`must accept the configuration of stack ${stack} as the CLI does`, () => {
            assert.doesNotThrow(() => mergeStackConfig(loadProject(ROOT), stack, stackFileOf(stack)));
        });
    }

    it("must refuse a stack file's prototype keys and locate its syntax errors without quoting it", () => {
        assert.throws(() => parseStackFile("config:\n  __proto__:\n    auth0-tenant:protect: false\n", "Pulumi.x.yaml"), /^InputError: Pulumi\.x\.yaml: config\.__proto__: the key __proto__ is refused/);
        assert.throws(
            () => parseStackFile('config:\n  auth0:clientSecret: "not-closed-secret-value\n', "Pulumi.x.yaml"),
            (e: Error) => /^Pulumi\.x\.yaml: not YAML: at line \d+, column \d+, /.test(e.message) && !e.message.includes("not-closed-secret-value"),
        );
    });
});
