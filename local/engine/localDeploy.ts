/**
 * `pulumi up` of a stack onto a fresh local tenant: the one way everything offline deploys (the
 * demo, `npm run tenant`, the rotation simulation, the drift lab, the tests). The real program is
 * run by the language host against the engine double (local/engine/operation.ts `operate`), and
 * every create, update and delete is applied through the provider double
 * (local/engine/providers/auth0.ts) to a LocalManagementApi, with the write deployer's scopes
 * (tools/deployerScopes.ts). What the local servers then serve is what that deploy left in the
 * Management API (local/tenant/deployedTenant.ts reads it).
 *
 * A sequence of updates (`pulumi config set …` then `pulumi up`, each from the state and the
 * tenant the last one left) is one request: a rotation is `{ secretGeneration: n + 1 }` after
 * `{ secretGeneration: n }`.
 *
 * Cost: an `operate` run is seconds (the program runs in a child process), so results are kept
 * (a build cache, never a hand-written result): in memory for the process, and on disk under
 * node_modules/.cache/local-deploy, named by the SHA-256 of everything that feeds a deploy — the
 * program (infra/), the login code (actions/, rules/), the shared tools (tools/), Pulumi.yaml,
 * tsconfig.json, the stack file, the settings of this update and of every one before it, the
 * engine and provider doubles and what they load (local/engine/, local/tenant/, tools/),
 * this module, the installed packages (package-lock.json), the Node version and the AUTH0_ /
 * PULUMI_ environment (of a secret variable, whether it is set: see inputsKey). Change any of
 * them and the next deploy runs again. A cached file holds what the deploy left, generated client
 * secrets included: the engine double's RandomPassword values (a hash of the resource's name and
 * creation, local/engine/deployment.ts computedOutput), never a real secret; it is never printed.
 * A deploy that decrypted a `secure:` value of the stack file (auth0:clientSecret with
 * PULUMI_CONFIG_PASSPHRASE set: its plaintext is in the default provider's inputs, and a project
 * secret can be in the tenant) is kept in memory only, and so is every update after it.
 * LOCAL_DEPLOY_CACHE=off turns the disk cache off.
 */
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { deployerScopes } from "../../tools/deployerScopes";
import { ExtensibilityMode } from "../../infra/loginContract";
import { CONFIG_DEFAULTS } from "../../infra/config/keys";
import { EXTENSIBILITY_MODES } from "../../infra/config/extensibility";
import { readStackFile } from "./cliConfig";
import { StateResource, Step } from "./deployment";
import { INSTALLED_AUTHZ_EXTENSION, operate, OperationResult } from "./operation";
import { Auth0ProviderDouble, inProcessTransport } from "./providers/auth0";
import { Props, ResourceRef, Secret, UNKNOWN, Value } from "./wire";
import { verificationRunner } from "../tenant/inProcessVerification";
import { LocalManagementApi, ManagementSnapshot } from "../tenant/managementApi";
import { stackFilesDir, stackFilePath } from "../../tools/stack/stackFiles";
import { PROJECT, ROOT } from "../../tools/stack/tokens";

/** Where deploys are kept between runs. */
export const DEPLOY_CACHE = path.join(ROOT, "node_modules", ".cache", "local-deploy");
/** Set to `off` to deploy every time (the in-memory results of the process still count). */
export const DEPLOY_CACHE_ENV = "LOCAL_DEPLOY_CACHE";

/**
 * What the key of a deploy reads, relative to the repository: every file under a directory.
 * Whole directories, so a file moved or added among them stays read; test/local/engine/localDeploy.test.ts
 * checks that every file this module and the program load is under one of them.
 */
export const DEPLOY_INPUTS = [
    "infra",
    "actions",
    "rules",
    "tools",
    "local/engine",
    "local/tenant",
    "Pulumi.yaml",
    // How the program is compiled (infra/tsconfig.json is under infra/).
    "tsconfig.json",
    "package-lock.json",
];

export interface DeployRequest {
    readonly stack: string;
    /** Where `Pulumi.<stack>.yaml` is read from; default: stackFilesDir(). */
    readonly stackDir?: string;
    /**
     * `pulumi config set` made before each `pulumi up`, in order; each update starts from the
     * state the one before left, on the same tenant. Default: one update with nothing set.
     */
    readonly updates?: readonly Readonly<Record<string, unknown>>[];
    /** The scopes the Authorization Extension's API has in the tenant; default: INSTALLED_AUTHZ_EXTENSION's. */
    readonly authzExtensionScopes?: readonly string[];
}

/** One Management API call that changed the tenant, as the provider made it. Its body can hold secrets: never print it. */
export interface ManagementWrite {
    /** The resource type the provider was applying. */
    readonly type: string;
    readonly method: string;
    readonly path: string;
    readonly body: Readonly<Record<string, unknown>>;
}

/** What one `pulumi up` did and left. */
export interface DeployedUpdate {
    readonly set: Readonly<Record<string, unknown>>;
    /** The engine's steps, in the order it issued them. */
    readonly steps: readonly Step[];
    readonly state: readonly StateResource[];
    readonly outputs: Props;
    /** The provider's calls that changed the tenant, in order. */
    readonly writes: readonly ManagementWrite[];
    /** The tenant after the update. */
    readonly tenant: ManagementSnapshot;
    /** The scopes the Authorization Extension's API had in the tenant (what its lookup answered). */
    readonly authzExtensionScopes: readonly string[];
}

/** A stack deployed to a local tenant: the tenant (a copy of its own for each caller) and the state. */
export interface LocalDeploy {
    readonly stack: string;
    readonly mode: ExtensibilityMode;
    /** The local tenant's Management API, as the deploy left it. */
    readonly api: LocalManagementApi;
    readonly state: readonly StateResource[];
    readonly outputs: Props;
    /** The scopes the Authorization Extension's API has in the tenant (not the stack's: installed by hand). */
    readonly authzExtensionScopes: readonly string[];
}

export class LocalDeployError extends Error {}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The state as `pulumi stack export --show-secrets` prints it: secret values wrapped as Pulumi
 * marks them in an export (`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
 * "plaintext": "<JSON>"}`: pulumi/pulumi sdk/go/common/apitype/core.go:604 SecretV1, read back by
 * pkg/resource/stack/deployment.go:1097; `ciphertext` instead of `plaintext` without --show-secrets).
 */
export function stateExport(state: readonly StateResource[]): unknown {
    const encode = (v: Value): unknown => {
        if (v instanceof Secret) return { [SECRET_SIG]: SECRET_SIG_VALUE, plaintext: JSON.stringify(encode(v.value)) };
        if (v instanceof ResourceRef) return v.urn;
        if (Array.isArray(v)) return v.map(encode);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
        return v;
    };
    return { version: 3, deployment: { resources: state.map((r) => ({ urn: r.urn, type: r.type, id: r.id, inputs: encode(r.inputs) })) } };
}

/** An update's result, and whether it holds a secret the stack file supplied (then it is never written to disk). */
interface Kept {
    readonly update: DeployedUpdate;
    readonly holdsSecret: boolean;
}

/** Each update's result by its key, for this process. */
const inMemory = new Map<string, Promise<Kept>>();

/** The mode a stack is deployed in once `set` is applied: what scopes its deployer needs. */
export function modeOf(stack: string, stackDir: string, set: Readonly<Record<string, unknown>> = {}): ExtensibilityMode {
    const key = `${PROJECT}:extensibility`;
    // `pulumi config set` wins over the file; a project key may be set without its namespace.
    const value = key in set ? set[key] : "extensibility" in set ? set.extensibility : readStackFile(stackDir, stack).config[key];
    // Unset, the program's default; a value that is no mode, the same (the program refuses it before anything is deployed).
    return EXTENSIBILITY_MODES.find((mode) => mode === value) ?? CONFIG_DEFAULTS.extensibility;
}

/**
 * Runs (or finds kept) the updates of `req`, each through `operate` and the provider double. Each
 * update is kept under a key of its own: the key of the one before it (the first's: everything
 * that feeds a deploy) with its settings; so a sequence that starts as a kept one runs only the
 * updates past it.
 */
export async function deployUpdates(req: DeployRequest): Promise<DeployedUpdate[]> {
    const stackDir = req.stackDir ?? stackFilesDir();
    const updates = req.updates ?? [{}];
    const extension = req.authzExtensionScopes;
    let key = baseKey(req.stack, stackDir, extension);
    let previous: Promise<Kept | undefined> = Promise.resolve(undefined);
    const done: Promise<Kept>[] = [];
    for (const set of updates) {
        key = createHash("sha256").update(`${key}\0${JSON.stringify(set)}`).digest("hex");
        let pending = inMemory.get(key);
        if (!pending) {
            const [thisKey, after] = [key, previous];
            pending = readCached(thisKey).then(async (cached): Promise<Kept> => {
                if (cached) return { update: cached, holdsSecret: false };
                const before = await after;
                const { update, decrypted } = await runUpdate(req.stack, stackDir, set, extension, before?.update);
                // A decrypted `secure:` value is in the state (the provider's inputs) and may be in
                // the tenant and its writes, from this update on: such a deploy stays in memory.
                const holdsSecret = decrypted || (before?.holdsSecret ?? false);
                if (!holdsSecret) writeCached(thisKey, update);
                return { update, holdsSecret };
            });
            inMemory.set(key, pending);
            // A failed deploy is not kept: the next caller sees the failure afresh.
            const forget = thisKey;
            pending.catch(() => inMemory.delete(forget));
        }
        done.push(pending);
        previous = pending;
    }
    return (await Promise.all(done)).map((k) => k.update);
}

/** `pulumi up` of `stack` (after `set`) onto a fresh local tenant; the tenant returned is the caller's own. */
export async function deployStack(req: StackDeployRequest): Promise<LocalDeploy> {
    const stackDir = req.stackDir ?? stackFilesDir();
    const [update] = await deployUpdates({ stack: req.stack, stackDir, updates: [req.set ?? {}], authzExtensionScopes: req.authzExtensionScopes });
    return {
        stack: req.stack,
        mode: modeOf(req.stack, stackDir, req.set),
        api: LocalManagementApi.restore(update.tenant),
        state: update.state,
        outputs: update.outputs,
        authzExtensionScopes: update.authzExtensionScopes,
    };
}

/** One `pulumi up` of a stack, after `pulumi config set` of `set`. */
export interface StackDeployRequest {
    readonly stack: string;
    readonly stackDir?: string;
    readonly set?: Readonly<Record<string, unknown>>;
    readonly authzExtensionScopes?: readonly string[];
}

/** `pulumi up` after `set`, from what `previous` left (a fresh, empty tenant when undefined). */
async function runUpdate(stack: string, stackDir: string, set: Readonly<Record<string, unknown>>, extension: readonly string[] | undefined, previous: DeployedUpdate | undefined): Promise<{ update: DeployedUpdate; decrypted: boolean }> {
    const authzExtensionScopes = extension ?? INSTALLED_AUTHZ_EXTENSION.authzExtensionApiScopes ?? [];
    const api = previous ? LocalManagementApi.restore(previous.tenant) : new LocalManagementApi();
    const mode = modeOf(stack, stackDir, set);
    const writes: Omit<ManagementWrite, "type">[] = [];
    const transport = inProcessTransport(api, deployerScopes("write", mode));
    const provider: Auth0ProviderDouble = new Auth0ProviderDouble((method, callPath, query, body) => {
        const reply = transport(method, callPath, query, body);
        if (method !== "GET" && reply.status < 400) writes.push({ method, path: callPath, body: structuredClone(body) });
        return reply;
    });
    // The stack's verification Command runs against the tenant being written, in process: this
    // tenant serves no token endpoint while it is deployed (local/tenant/inProcessVerification.ts).
    const commands = verificationRunner(api, authzExtensionScopes.length > 0);
    const result = await operate({ stack, stackDir, set, prior: previous?.state ?? [], dryRun: false, provider, commands, tenant: { authzExtensionApiScopes: authzExtensionScopes } });
    if (!result.ok || !("state" in result)) throw new LocalDeployError(`pulumi up of ${stack} (${JSON.stringify(set)}) failed offline: ${whyFailed(result)}`);
    // The provider logs every call it makes, in the same order: each write takes its resource type from there.
    const made = provider.calls.filter((c) => c.method !== "GET" && c.status < 400);
    const update = {
        set,
        steps: result.steps,
        state: result.state,
        outputs: result.outputs,
        writes: writes.map((w, i) => ({ ...w, type: made[i]?.type ?? "" })),
        tenant: api.snapshot(),
        authzExtensionScopes,
    };
    return { update, decrypted: result.decrypted.length > 0 };
}

function whyFailed(result: OperationResult): string {
    if (result.stage === "config") return result.error;
    const why = [
        result.error,
        ...result.violations.map((v) => v.message),
        ...result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
        ...result.steps.flatMap((s) => (s.refused ? [`${s.name}: ${s.refused}`] : [])),
        ...result.policy.filter((p) => p.enforcement === "mandatory").map((p) => p.message),
    ];
    return why.filter(Boolean).join("; ") || "no reason given";
}

/** The SHA-256 of everything a deploy reads but the settings of its updates. */
function baseKey(stack: string, stackDir: string, extension: readonly string[] | undefined): string {
    const hash = createHash("sha256");
    const add = (label: string, content: string | Buffer) => hash.update(`${label}\0${content.length}\0`).update(content);
    add("inputs", inputsKey());
    const stackFile = stackFilePath(stack, stackDir);
    add("stack", stack);
    add("stack file", fs.existsSync(stackFile) ? fs.readFileSync(stackFile) : "");
    // Undefined: the engine double's default (local/engine/operation.ts, hashed above).
    add("extension", JSON.stringify(extension ?? "default"));
    return hash.digest("hex");
}

/** The SHA-256 of what every deploy from `root` reads, whatever the stack: the code, the packages, the environment. */
export function inputsKey(root: string = ROOT, env: NodeJS.ProcessEnv = process.env, node: string = process.version): string {
    const hash = createHash("sha256");
    const add = (label: string, content: string | Buffer) => hash.update(`${label}\0${content.length}\0`).update(content);
    for (const input of DEPLOY_INPUTS) {
        for (const file of filesUnder(path.join(root, input))) add(path.relative(root, file), fs.readFileSync(file));
    }
    add("node", node);
    // A secret's value is never hashed into a key (a cache file's name would let anyone holding it
    // test guesses offline), only whether it is set; its value feeds no kept deploy:
    // - PULUMI_CONFIG_PASSPHRASE and the contents of PULUMI_CONFIG_PASSPHRASE_FILE only decrypt
    //   the stack file's `secure:` values (local/engine/cliConfig.ts stackDecrypter), and a deploy
    //   that decrypted one is never written to disk; whether one is given decides whether they
    //   are decrypted or carried opaque, so that is in the key.
    // - AUTH0_CLIENT_SECRET and AUTH0_API_TOKEN: the program checks only that the deployer's
    //   credentials are there (infra/config.ts, hasClientCredentials), the engine double only whether
    //   to hand it its own (local/engine/operation.ts DOUBLE_DEPLOYER), and the provider double
    //   never authenticates.
    const vars = Object.entries(env)
        .filter(([k]) => k.startsWith("AUTH0_") || k.startsWith("PULUMI_"))
        .map(([k, v]) => [k, SECRET_VARIABLE.test(k) ? "(set)" : v])
        .sort(([a], [b]) => String(a).localeCompare(String(b)));
    add("environment", JSON.stringify(vars));
    return hash.digest("hex");
}

/** Environment variables whose value is a secret, or names one (a passphrase file). */
const SECRET_VARIABLE = /SECRET|TOKEN|PASSPHRASE/;

function filesUnder(target: string): string[] {
    if (!fs.existsSync(target)) return [];
    if (fs.statSync(target).isFile()) return [target];
    return fs
        .readdirSync(target, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
}

const cacheOn = () => process.env[DEPLOY_CACHE_ENV] !== "off";

async function readCached(key: string): Promise<DeployedUpdate | undefined> {
    if (!cacheOn()) return undefined;
    try {
        return JSON.parse(await fs.promises.readFile(path.join(DEPLOY_CACHE, `${key}.json`), "utf8"), revive) as DeployedUpdate;
    } catch {
        return undefined;
    }
}

function writeCached(key: string, update: DeployedUpdate): void {
    if (!cacheOn()) return;
    try {
        fs.mkdirSync(DEPLOY_CACHE, { recursive: true });
        // Written aside then renamed: a reader in another process sees a whole file or none.
        const aside = path.join(DEPLOY_CACHE, `${key}.${randomUUID()}.tmp`);
        fs.writeFileSync(aside, JSON.stringify(update, replace), { mode: 0o600 });
        fs.renameSync(aside, path.join(DEPLOY_CACHE, `${key}.json`));
    } catch {
        // A cache that cannot be written costs a deploy next time, nothing else.
    }
}

/** JSON for the engine's values: secrets, references and unknowns keep their kind. */
function replace(this: unknown, _key: string, value: unknown): unknown {
    if (value instanceof Secret) return { $secret: value.value === undefined ? null : value.value };
    if (value instanceof ResourceRef) return { $ref: value.urn, ...(value.id === undefined ? {} : { id: value.id }) };
    if (value === UNKNOWN) return { $unknown: true };
    return value;
}

function revive(_key: string, value: unknown): unknown {
    if (value && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        if ("$secret" in obj) return new Secret(obj.$secret as Value);
        if ("$ref" in obj) return new ResourceRef(String(obj.$ref), obj.id as Value);
        if (obj.$unknown === true) return UNKNOWN;
    }
    return value;
}
