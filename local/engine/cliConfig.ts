/**
 * Configuration as the Pulumi CLI reads, validates and merges it before the program runs, with the
 * CLI's own messages. Each rule names its source in pulumi/pulumi at commit 1b5949891b
 * (pkg/v3.259.0-14); the installed SDK is 3.270.0, whose CLI carries the same code:
 *
 * - the project's config block: sdk/go/common/workspace/project.go `(*Project).Validate`, 837-889
 *   (arrays need `items`, defaults must match their type, keys of other namespaces take `value`);
 * - stack keys: sdk/go/common/resource/config/key.go `ParseKey`, 45-70 (`<namespace>:<name>`);
 * - the merge: pkg/workspace/config.go `mergeConfig`, 255-365 — a declared key of the project's
 *   namespace with neither `default` nor `value` that the stack leaves unset is missing
 *   (`missingStackConfigurationKeysError`, 53-64, keys sorted, "and" before the last); defaults
 *   and values are applied as strings (`createConfigValue`, 179-193: primitives with %v, the rest
 *   as JSON objects);
 * - the stack's values against the declared types: `validateStackConfigValues`, 66-120 and
 *   `validateStackConfigValue`: `secret: true` needs a `secure:` value; types from
 *   project.go `ValidateConfigValue`, 771-830 (integers may be whole floats or numeric strings,
 *   booleans "true"/"false" or YAML booleans, arrays checked item by item);
 * - `secure:` values: the passphrase secrets manager (pkg/secrets/passphrase/manager.go 49-63:
 *   `encryptionsalt: v1:<salt>:<check>`) and sdk/go/common/resource/config/crypt.go 165-228
 *   (PBKDF2-SHA256, 1,000,000 rounds, 32-byte key; values `v1:<nonce>:<AES-256-GCM ciphertext>`);
 * - which secrets manager a stack file uses: pkg/cmd/pulumi/stack/secrets.go
 *   `GetSecretsManager`, 237-249 — a `secretsprovider:` other than "passphrase"/"default" is the
 *   cloud (KMS) manager (pkg/secrets/cloud/manager.go 139-150 writes `secretsprovider: <kms url>`
 *   and `encryptedkey:`, a data key only the KMS can unwrap), an `encryptionsalt:` is the
 *   passphrase manager, and neither is Pulumi Cloud's service manager (pkg/secrets/service/
 *   manager.go 165-183 clears all three keys; 94-105: the service decrypts each value).
 *
 * What the double cannot decrypt (a KMS or the service holds the key, or the environment has no
 * passphrase) it carries as an opaque secret when the program never needs the plaintext: the
 * provider's own configuration (auth0:clientSecret), which is only ever sent to Auth0, and the
 * double never calls Auth0. A `secure:` value of the project's namespace is read by the program,
 * so there it refuses, naming the key and what it needs.
 */
import { parseYamlInput } from "../../tools/untrustedInput";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { NodejsOptions } from "./languageHost";

/** A YAML scalar as the CLI's config.Value holds it (Go's %v of a string, number or boolean). */
function scalarText(value: unknown): string {
    if (value === null || value === undefined) return "";
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
}

/** A refusal, worded as the CLI words it. */
export class CliConfigError extends Error {}

export interface ProjectConfigType {
    readonly type?: string;
    readonly items?: { type: string; items?: unknown };
    readonly default?: unknown;
    readonly value?: unknown;
    readonly secret?: boolean;
    readonly description?: string;
}

export interface Project {
    readonly name: string;
    readonly main?: string;
    readonly runtime: { name: string; options: NodejsOptions };
    readonly config: Record<string, ProjectConfigType>;
}

export interface MergedConfig {
    /** Every value as the language host receives it, keyed `<namespace>:<name>`. */
    readonly config: Record<string, string>;
    readonly secretKeys: string[];
    /** `secure:` values carried as opaque secrets, with why they could not be decrypted. */
    readonly undecrypted: readonly UndecryptedValue[];
}

/** A `secure:` value the double carries without its plaintext. */
export interface UndecryptedValue {
    readonly key: string;
    /** Why it cannot be decrypted offline, e.g. "Pulumi Cloud's service secrets provider holds its key". */
    readonly reason: string;
}

/** What an undecrypted secret holds in the double: never the ciphertext, never a plausible credential. */
export const OPAQUE_SECRET = "[secure value not decrypted offline]";

/** A stack file's value: plain, an object/array (sent as JSON), or `secure:` ciphertext. */
interface StackValue {
    readonly text: string;
    readonly object: boolean;
    readonly secure: boolean;
}

export function loadProject(root: string): Project {
    const file = path.join(root, "Pulumi.yaml");
    const raw = parseYamlInput(fs.readFileSync(file, "utf8"), "Pulumi.yaml", "the project file") as Record<string, unknown>;
    const runtime = typeof raw.runtime === "string" ? { name: raw.runtime, options: {} } : (raw.runtime as { name: string; options?: NodejsOptions });
    const project: Project = {
        name: scalarText(raw.name),
        main: raw.main as string | undefined,
        runtime: { name: runtime.name, options: runtime.options ?? {} },
        config: (raw.config ?? {}) as Record<string, ProjectConfigType>,
    };
    validateProject(project);
    return project;
}

function namespacedByProject(projectName: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${projectName}:`);
}

/** project.go `(*Project).Validate`, 837-889. */
export function validateProject(project: Project): void {
    if (!project.name) throw new CliConfigError("project is missing a 'name' attribute");
    for (const [key, type] of Object.entries(project.config)) {
        if (type.default !== undefined && type.value !== undefined) {
            throw new CliConfigError(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        }
        if (namespacedByProject(project.name, key)) {
            if (type.type === "array" && type.items === undefined) {
                throw new CliConfigError(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            }
            if (type.type !== undefined && type.default !== undefined && !validConfigValue(type.type, type.items, type.default)) {
                throw new CliConfigError(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(type.type, type.items)}'`);
            }
        } else {
            if (type.type !== undefined) throw new CliConfigError(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
            if (type.default !== undefined) {
                throw new CliConfigError(`Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`);
            }
            if (type.value === undefined) throw new CliConfigError(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
}

/** project.go `InferFullTypeName`. */
function fullTypeName(type: string, items?: { type: string; items?: unknown }): string {
    return items ? `array<${fullTypeName(items.type, items.items as { type: string } | undefined)}>` : type;
}

/** project.go `ValidateConfigValue`, 771-830. */
export function validConfigValue(type: string, items: { type: string; items?: unknown } | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            return typeof value === "string" && /^[+-]?\d+$/.test(value);
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return !!value && typeof value === "object" && !Array.isArray(value);
    }
    if (!Array.isArray(value) || !items) return false;
    return value.every((item) => validConfigValue(items.type, items.items as { type: string } | undefined, item));
}

/** key.go `ParseKey`, 45-70: `<ns>:<name>`, or the legacy `<ns>:config:<name>`. */
export function parseKey(key: string): string {
    const parts = key.split(":");
    if (parts.length === 2 && parts[0] && parts[1]) return key;
    if (parts.length === 3 && parts[1] === "config" && parts[0] && parts[2]) return `${parts[0]}:${parts[2]}`;
    throw new CliConfigError(`could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
}

/** A stack file: `config:` values and its secrets manager's settings, if any. */
export interface StackFile {
    readonly config: Record<string, unknown>;
    readonly encryptionsalt?: string;
    /** A KMS URL (awskms://, gcpkms://, azurekeyvault://, hashivault://) or "passphrase"/"default". */
    readonly secretsprovider?: string;
    readonly encryptedkey?: string;
}

/** `Pulumi.<stack>.yaml` of `dir` (a project directory, or the directory of stack files tests use). */
export function readStackFile(dir: string, stack: string): StackFile {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    return fs.existsSync(file) ? parseStackFile(fs.readFileSync(file, "utf8"), `Pulumi.${stack}.yaml`) : { config: {} };
}

/** A stack file's text (committed, generated, or from another revision) as the CLI reads it. */
export function parseStackFile(text: string, where = "the stack file"): StackFile {
    const raw = (parseYamlInput(text, where, "a stack file, config: <key>: <value>") ?? {}) as Record<string, unknown>;
    const text_ = (key: string) => (typeof raw[key] === "string" ? raw[key] : undefined);
    return {
        config: (raw.config ?? {}) as Record<string, unknown>,
        encryptionsalt: text_("encryptionsalt"),
        secretsprovider: text_("secretsprovider"),
        encryptedkey: text_("encryptedkey"),
    };
}

function stackValue(raw: unknown): StackValue {
    if (raw && typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 1 && "secure" in raw) {
        return { text: scalarText((raw).secure), object: false, secure: true };
    }
    if (raw !== null && typeof raw === "object") return { text: JSON.stringify(raw), object: true, secure: false };
    return { text: scalarText(raw), object: false, secure: false };
}

/** Decrypts a `secure:` value, or says why the double cannot (then the value stays opaque). */
type Decrypter = (ciphertext: string) => { plaintext: string } | { reason: string };

/** The stack file's secrets manager, chosen as secrets.go `GetSecretsManager` (237-249) chooses it. */
function stackDecrypter(stack: string, file: StackFile, env: NodeJS.ProcessEnv): Decrypter {
    const provider = file.secretsprovider;
    if (provider && provider !== "passphrase" && provider !== "default") {
        const scheme = provider.split("://")[0];
        return () => ({ reason: `the ${scheme} key management service holds its key (secretsprovider: ${scheme}://…)` });
    }
    const salt = file.encryptionsalt;
    if (!salt) {
        if (provider === "passphrase") throw new CliConfigError(`Stack '${stack}' has secure values but no encryptionsalt`);
        return () => ({ reason: "Pulumi Cloud's service secrets provider holds its key (no encryptionsalt or secretsprovider in the stack file)" });
    }
    const phrase = env.PULUMI_CONFIG_PASSPHRASE ?? (env.PULUMI_CONFIG_PASSPHRASE_FILE ? fs.readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8").trim() : undefined);
    if (phrase === undefined) return () => ({ reason: "the passphrase secrets provider needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, and neither is set" });
    const [version, saltB64] = salt.split(":");
    if (version !== "v1" || !saltB64) throw new CliConfigError(`bad encryptionsalt for stack '${stack}'`);
    let key: Buffer | undefined;
    return (ciphertext) => {
        // crypt.go 165-228: PBKDF2-SHA256, 1,000,000 rounds, derived once per stack.
        key ??= crypto.pbkdf2Sync(phrase, Buffer.from(saltB64, "base64"), 1_000_000, 32, "sha256");
        const parts = ciphertext.split(":");
        if (parts.length !== 3 || parts[0] !== "v1") throw new CliConfigError("bad value");
        const nonce = Buffer.from(parts[1], "base64");
        const sealed = Buffer.from(parts[2], "base64");
        const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce);
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        try {
            return { plaintext: Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8") };
        } catch {
            throw new CliConfigError("incorrect passphrase");
        }
    };
}

/** `mergeConfig` with validation, as `pulumi preview` / `pulumi up` run it (config.go 255-365). */
export function mergeStackConfig(project: Project, stack: string, file: StackFile, env: NodeJS.ProcessEnv = process.env): MergedConfig {
    const values = new Map<string, StackValue>();
    for (const [rawKey, raw] of Object.entries(file.config)) values.set(parseKey(rawKey), stackValue(raw));

    const missing: string[] = [];
    for (const declared of Object.keys(project.config).sort()) {
        const type = project.config[declared];
        const key = declared.includes(":") ? parseKey(declared) : `${project.name}:${declared}`;
        if (values.has(key)) continue;
        const fallback = type.value !== undefined ? type.value : type.default;
        if (fallback === undefined) {
            if (key.startsWith(`${project.name}:`)) missing.push(declared);
            continue;
        }
        values.set(key, typeof fallback === "object" && fallback !== null ? { text: JSON.stringify(fallback), object: true, secure: false } : { text: scalarText(fallback), object: false, secure: false });
    }
    if (missing.length) {
        const list = missing.length === 1 ? `'${missing[0]}'` : `${missing.slice(0, -1).map((k) => `'${k}'`).join(", ")} and '${missing[missing.length - 1]}'`;
        throw new CliConfigError(`Stack '${stack}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${list}`);
    }

    const secure = [...values].filter(([, value]) => value.secure);
    const decrypt = secure.length ? stackDecrypter(stack, file, env) : undefined;
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const undecrypted: UndecryptedValue[] = [];
    for (const [key, value] of values) {
        if (!value.secure || !decrypt) {
            config[key] = value.text;
            continue;
        }
        secretKeys.push(key);
        const result = decrypt(value.text);
        if ("plaintext" in result) {
            config[key] = result.plaintext;
            continue;
        }
        if (key.startsWith(`${project.name}:`)) {
            throw new CliConfigError(
                `Stack '${stack}': cannot decrypt ${key}: ${result.reason}. The offline check runs the program, which reads ${key}'s plaintext; ` +
                    "run it with the passphrase provider and PULUMI_CONFIG_PASSPHRASE set, or give the key a plain value in the stack file the check reads",
            );
        }
        config[key] = OPAQUE_SECRET;
        undecrypted.push({ key, reason: result.reason });
    }
    for (const declared of Object.keys(project.config).sort()) {
        const type = project.config[declared];
        const key = declared.includes(":") ? parseKey(declared) : `${project.name}:${declared}`;
        const value = values.get(key);
        if (!value) continue;
        if (type.secret && !value.secure) throw new CliConfigError(`Stack '${stack}' with configuration key '${declared}' must be encrypted as it's secret`);
        if (type.type === undefined || undecrypted.some((u) => u.key === key)) continue;
        const content: unknown = value.object ? JSON.parse(config[key]) : config[key];
        if (!validConfigValue(type.type, type.items, content)) {
            throw new CliConfigError(`Stack '${stack}' with configuration key '${declared}' must be of type '${fullTypeName(type.type, type.items)}'`);
        }
    }
    return { config, secretKeys: secretKeys.sort(), undecrypted };
}
