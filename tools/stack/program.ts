/**
 * The real program (`infra/index.ts`) run under Pulumi's mock runtime, so tests, the offline demo
 * and the local tenant can see exactly what a stack declares without the Pulumi CLI or Auth0.
 */
import { parseStackName, parseYamlInput } from "../untrustedInput";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CallHandler, DeclaredResource, TenantMocks, installedAuthzExtensionApi } from "./mocks";
import { hasStackFile, stackFilePath } from "./stackFiles";
import { ROOT, PROJECT } from "./tokens";
import { DATA_SOURCE_TYPES } from "../../infra/resourceTypes";

export { ROOT, PROJECT } from "./tokens";
const INFRA = path.join(ROOT, "infra") + path.sep;

/** Test-only provider credentials: the program refuses to run without some. */
export const TEST_PROVIDER_CONFIG = { "auth0:clientId": "deployer-client-id", "auth0:clientSecret": "deployer-secret-not-real" };

/** What a `secure:` value holds under the mocks: the ciphertext is never decrypted offline. */
export const UNDECRYPTED_SECRET = "[secure value not decrypted offline]";

/** A `secure:` stack value, as `pulumi config set --secret` writes it. */
function isSecure(value: unknown): boolean {
    return !!value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/**
 * The config of `Pulumi.<stack>.yaml` (of `dir`, default stackFilesDir()) as `pulumi config`
 * would hand it to the program. A `secure:` value stays undecrypted (UNDECRYPTED_SECRET): the
 * mocks never call Auth0, so the provider's credentials are never needed in plaintext.
 */
export function stackFileConfig(stack: string, dir?: string): Record<string, string> {
    const file = parseYamlInput(fs.readFileSync(stackFilePath(parseStackName(stack), dir), "utf8"), `Pulumi.${stack}.yaml`, "a stack file") as {
        config?: Record<string, unknown>;
    } | undefined;
    return Object.fromEntries(
        Object.entries(file?.config ?? {}).map(([k, v]) => [k, isSecure(v) ? UNDECRYPTED_SECRET : typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

/** A resource as the program constructed it: its type, name, input Outputs and options. */
export interface ConstructedResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly resource: pulumi.Resource;
}

export interface ProgramRun {
    readonly declared: DeclaredResource[];
    readonly constructed: ConstructedResource[];
    readonly outputs: Record<string, unknown>;
    /** The raw exported values, to check secrecy. */
    readonly exports: Record<string, unknown>;
    ofType(type: string): DeclaredResource[];
    one(type: string, name?: string): DeclaredResource;
    constructedOf(type: string): ConstructedResource[];
}

export interface Scenario {
    readonly stack?: string;
    /** Config values, project keys written without the project prefix allowed. */
    readonly config?: Record<string, string | undefined>;
    /** Start from the stack file's config. Default: true. */
    readonly fromStackFile?: boolean;
    /** Which `Pulumi.<name>.yaml` to start from. Default: the stack's own, else dev's. */
    readonly stackFile?: string;
    /** The directory of stack files. Default: stackFilesDir() (the repository, or TENANT_STACK_FILES). */
    readonly stackDir?: string;
    readonly calls?: Record<string, CallHandler>;
    readonly preview?: boolean;
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/**
 * Runs the real program (`infra/index.ts`) under Pulumi's mock runtime for one scenario and
 * returns everything it declared. Each run loads the program afresh.
 */
export async function runUnderMocks(scenario: Scenario = {}): Promise<ProgramRun> {
    const stack = scenario.stack ?? "dev";
    const config: Record<string, string> = { ...TEST_PROVIDER_CONFIG };
    if (scenario.fromStackFile ?? true) {
        // A stack without a file of its own (a review stack) starts from dev's, as its workflow does.
        const fileStack = scenario.stackFile ?? (hasStackFile(stack, scenario.stackDir) ? stack : "dev");
        Object.assign(config, stackFileConfig(fileStack, scenario.stackDir));
    }
    // Offline runs never reach a tenant: rules mode runs here (demo, tests, bench) without the
    // end-of-life acknowledgment a deploy needs; a scenario may remove it to see the refusal.
    config[`${PROJECT}:rulesEndOfLifeAcknowledged`] = "true";
    for (const [k, v] of Object.entries(scenario.config ?? {})) {
        const fullKey = k.includes(":") ? k : `${PROJECT}:${k}`;
        if (v === undefined) delete config[fullKey];
        else config[fullKey] = v;
    }
    const mocks = new TenantMocks(scenario.calls ?? { [DATA_SOURCE_TYPES.getResourceServer]: installedAuthzExtensionApi() });
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, scenario.preview ?? false);
    pulumi.runtime.setAllConfig(config);
    const constructed: ConstructedResource[] = [];
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(INFRA)) delete require.cache[id];
    }
    let exports: Record<string, unknown> = {};
    // Run inside a stack resource, as the CLI does, so a stack transformation can record what
    // the program constructs (its inputs as Outputs, which keep their secrecy).
    /** A failed run, with what the program had declared when it failed. */
    const failed = (err: unknown) => Object.assign(err instanceof Error ? err : new Error(String(err)), { declared: mocks.resources });
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            constructed.push({ type: args.type, name: args.name, props: args.props, resource: args.resource });
            return undefined;
        });
        // require, not import(): the module cache is cleared above so each run loads afresh.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        exports = require(path.join(ROOT, "infra", "index.ts")) as Record<string, unknown>;
        return Promise.resolve(exports);
    }).catch((err: unknown) => { throw failed(err); });
    const outputs: Record<string, unknown> = {};
    try {
        for (const [k, v] of Object.entries(exports)) {
            outputs[k] = pulumi.Output.isInstance(v) ? await promiseOf(v) : v;
        }
        // Every resource registered: wait for each URN.
        await Promise.all(constructed.map((c) => promiseOf(c.resource.urn)));
    } catch (err) {
        throw failed(err);
    }
    const declared = mocks.resources;
    return {
        declared,
        constructed,
        outputs,
        exports,
        ofType: (type) => declared.filter((r) => r.type === type),
        one(type, name) {
            const found = declared.filter((r) => r.type === type && (name === undefined || r.name === name));
            if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
            return found[0];
        },
        constructedOf: (type) => constructed.filter((c) => c.type === type),
    };
}
