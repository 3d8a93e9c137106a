import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { containsSecret, Secret } from "../../../local/engine/wire";
import { DEPLOY_CACHE, DEPLOY_CACHE_ENV, DEPLOY_INPUTS, deployStack, deployUpdates, inputsKey, modeOf } from "../../../local/engine/localDeploy";
import { stackFilePath } from "../../../tools/stack/stackFiles";
import { PROJECT, ROOT } from "../../../tools/stack/tokens";
import { CONFIG_DEFAULTS } from "../../../infra/config/keys";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";
import { FIXTURE_STACKS, fixtureStacksWith } from "../../support/fixtureStacks";

/** `secure:` ciphertext and salt as `pulumi config set --secret` writes them with the passphrase provider (crypt.go 165-228). */
function passphraseEncrypt(passphrase: string, plaintext: string): { salt: string; ciphertext: string } {
    const salt = crypto.randomBytes(8);
    const key = crypto.pbkdf2Sync(passphrase, salt, 1_000_000, 32, "sha256");
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return { salt: `v1:${salt.toString("base64")}:v1:x:y`, ciphertext: `v1:${nonce.toString("base64")}:${sealed.toString("base64")}` };
}

/** Every file the module at `entry` loads at run time from the repository, itself included (`import type` loads nothing). */
function runtimeImports(entry: string): string[] {
    const seen = new Set<string>();
    const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = fs.readFileSync(file, "utf8");
        const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"(\.[^"]+)"|require\("(\.[^"]+)"\)/gm)].map((m) => m[1] ?? m[2]);
        for (const specifier of specifiers) {
            const base = path.resolve(path.dirname(file), specifier);
            const found = [base, `${base}.ts`, `${base}.js`, `${base}.json`, path.join(base, "index.ts")].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
            if (found) visit(found);
        }
    };
    visit(entry);
    return [...seen];
}

describe("local/engine/localDeploy modeOf (the mode a deploy's deployer needs scopes for)", () => {
    it("must take the mode from pulumi config set, then the stack file, and the program's default when neither sets it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mode-of-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.plain.yaml"), "config: {}\n");
            fs.writeFileSync(path.join(dir, "Pulumi.legacy.yaml"), `config:\n  ${PROJECT}:extensibility: rules\n`);
            assert.equal(modeOf("plain", dir), CONFIG_DEFAULTS.extensibility);
            assert.equal(modeOf("legacy", dir), "rules");
            assert.equal(modeOf("legacy", dir, { extensibility: "actions" }), "actions");
            assert.equal(modeOf("plain", dir, { [`${PROJECT}:extensibility`]: "rules" }), "rules");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("local/engine/localDeploy (pulumi up onto a local tenant, kept by what feeds it)", function () {
    // A deploy not kept yet is a pulumi up through the engine and provider doubles: seconds, more under load.
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-deploy-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("must answer the same request with the deploy it kept, and deploy again when the stack file changes", async function () {
        const first = await deployStack({ stack: "dev" });
        const again = await deployStack({ stack: "dev" });
        // Client ids are drawn at random by the tenant on each create: equal ids are the kept deploy.
        assert.deepEqual([...again.api.clients.keys()], [...first.api.clients.keys()]);
        // Each caller gets a tenant of its own.
        assert.notEqual(again.api, first.api);
        const text = fs.readFileSync(stackFilePath("dev", FIXTURE_STACKS), "utf8");
        assert.match(text, /apiTokenLifetime: 5400/);
        fs.writeFileSync(stackFilePath("dev", dir), text.replace("apiTokenLifetime: 5400", "apiTokenLifetime: 3600"));
        const changed = await deployStack({ stack: "dev", stackDir: dir });
        const lifetimes = (d: typeof first) => [...d.api.resourceServers.values()].map((rs) => rs.token_lifetime);
        assert.deepEqual(lifetimes(first), [5400]);
        assert.deepEqual(lifetimes(changed), [3600]);
        assert.ok([...changed.api.clients.keys()].every((id) => !first.api.clients.has(id)), "the changed stack file was answered with the kept deploy");
    });

    it("must run a sequence of updates each from what the one before left, keeping the generated secrets secret", async function () {
        const [one, two] = await deployUpdates({ stack: "dev", updates: [{ secretGeneration: 1 }, { secretGeneration: 2 }] });
        const ids = (u: typeof one) => u.state.filter((r) => r.type === RESOURCE_TYPES.client).map((r) => r.id);
        assert.deepEqual(ids(two), ids(one), "the second update replaced the clients instead of updating them");
        assert.ok(two.writes.some((w) => w.type === RESOURCE_TYPES.clientCredentials && "client_secret" in w.body), "the rotation sent no secret");
        for (const password of two.state.filter((r) => r.type === RESOURCE_TYPES.randomPassword)) assert.ok(containsSecret(password.outputs.result), `${password.name}'s result is not secret`);
    });

    it("must never write a secret of the stack file to the disk cache, and still deploy with it", async function () {
        const plaintext = `real-deployer-secret-${crypto.randomUUID()}`;
        const passphrase = "correct horse battery staple";
        const { salt, ciphertext } = passphraseEncrypt(passphrase, plaintext);
        const scratch = fixtureStacksWith("dev", `  auth0:clientId: fixture-deployer\n  auth0:clientSecret:\n    secure: ${ciphertext}\nencryptionsalt: ${salt}\n`);
        const saved = { phrase: process.env.PULUMI_CONFIG_PASSPHRASE, cache: process.env[DEPLOY_CACHE_ENV] };
        process.env.PULUMI_CONFIG_PASSPHRASE = passphrase;
        delete process.env[DEPLOY_CACHE_ENV];
        try {
            const deployed = await deployStack({ stack: "dev", stackDir: Object.values(scratch.env)[0] });
            // The provider's inputs hold the decrypted secret, as a fresh `pulumi up` leaves them.
            const provider = deployed.state.find((r) => r.type === "pulumi:providers:auth0");
            assert.ok(provider?.inputs.clientSecret instanceof Secret && provider.inputs.clientSecret.value === plaintext, "the deploy did not read the stack's secret");
        } finally {
            if (saved.phrase === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
            else process.env.PULUMI_CONFIG_PASSPHRASE = saved.phrase;
            if (saved.cache !== undefined) process.env[DEPLOY_CACHE_ENV] = saved.cache;
            scratch.remove();
        }
        const files = fs.existsSync(DEPLOY_CACHE) ? fs.readdirSync(DEPLOY_CACHE).map((f) => path.join(DEPLOY_CACHE, f)) : [];
        for (const file of files) {
            let text: string;
            try {
                text = fs.readFileSync(file, "utf8");
            } catch {
                continue; // a file another worker renamed meanwhile
            }
            assert.ok(!text.includes(plaintext), `${path.basename(file)} holds the stack's secret in plaintext`);
        }
    });

    describe("the key of a deploy", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-inputs-"));
        after(() => fs.rmSync(root, { recursive: true, force: true }));
        const write = (file: string, text: string) => {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), text);
        };
        before(() => {
            for (const file of ["tsconfig.json", "tools/stack/tokens.ts", "tools/stack/stackFiles.ts", "tools/untrustedInput.ts", "infra/index.ts"]) write(file, "// one\n");
        });

        for (const file of ["tsconfig.json", "tools/stack/tokens.ts", "tools/stack/stackFiles.ts", "tools/untrustedInput.ts"]) {
            it(`must change when ${file} changes`, () => {
                const before = inputsKey(root, {});
                write(file, "// two\n");
                assert.notEqual(inputsKey(root, {}), before);
            });
        }

        it("must change with the Node version", () => {
            assert.notEqual(inputsKey(root, {}, "v22.11.0"), inputsKey(root, {}, "v22.12.0"));
        });

        it("must change when a passphrase is given, never with the passphrase itself", () => {
            const none = inputsKey(root, {});
            const phrase = inputsKey(root, { PULUMI_CONFIG_PASSPHRASE: "one" });
            const file = inputsKey(root, { PULUMI_CONFIG_PASSPHRASE_FILE: "/a/file" });
            assert.notEqual(phrase, none);
            assert.notEqual(file, none);
            // A key that varied with the passphrase would let anyone holding the cache test guesses of it offline.
            assert.equal(inputsKey(root, { PULUMI_CONFIG_PASSPHRASE: "two" }), phrase);
            assert.equal(inputsKey(root, { PULUMI_CONFIG_PASSPHRASE_FILE: "/another/file" }), file);
            assert.equal(inputsKey(root, { AUTH0_CLIENT_SECRET: "one" }), inputsKey(root, { AUTH0_CLIENT_SECRET: "two" }));
        });

        it("must read every file the deploy and the program load", () => {
            const covered = (file: string) => DEPLOY_INPUTS.some((input) => file === path.join(ROOT, input) || file.startsWith(path.join(ROOT, input) + path.sep));
            const loaded = [...runtimeImports(path.join(ROOT, "local", "engine", "localDeploy.ts")), ...runtimeImports(path.join(ROOT, "infra", "index.ts"))];
            assert.ok(loaded.length > 20, `found only ${loaded.length} files`);
            assert.deepEqual(loaded.filter((f) => !covered(f)).map((f) => path.relative(ROOT, f)), []);
        });
    });
});
