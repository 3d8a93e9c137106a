import { PolicyResourceOptions } from "@pulumi/policy";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { StateResource } from "../../local/engine/deployment";
import { Props } from "../../local/engine/wire";
import { ProgramRun, Scenario, runUnderMocks } from "../../tools/stack/program";

/**
 * What the Pulumi engine would hand the policy pack for the real program: every resource it
 * registers under mocks (its serialized inputs, `protect`, `additionalSecretOutputs`, URN),
 * deserialized with `@pulumi/policy`'s own code, so secrets arrive decrypted. The policy tests
 * send these to the pack through the one analyzer host, local/engine/policyHost.ts.
 */

/** A resource as the analyzer receives it. */
export interface AnalyzedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs, as plain JSON (secrets unwrapped), before the unknown-checking proxy. */
    readonly props: Record<string, unknown>;
    readonly opts: PolicyResourceOptions;
}

interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getAdditionalsecretoutputsList(): string[];
    getIgnorechangesList(): string[];
    getObject(): unknown;
}

// The analyzer's deserializer ships without typings (internal to @pulumi/policy); it is the exact
// code the pack runs on each resource, so the recording uses it rather than a copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerDeserializer = require("@pulumi/policy/deserialize") as {
    deserializeProperties(this: void, struct: unknown, proxySecrets: boolean): Record<string, unknown>;
};

let recording: AnalyzedResource[] | undefined;
let patched = false;

/** Records each RegisterResource request the mock engine receives (what the real engine would analyze). */
function recordRegistrations(): void {
    if (patched) return;
    patched = true;
    const monitor = MockMonitor.prototype as unknown as {
        registerResource(req: RegisterResourceRequest, callback: unknown): Promise<void>;
        newUrn(parent: string, type: string, name: string): string;
    };
    // Called with the monitor as `this` below.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = monitor.registerResource;
    monitor.registerResource = async function (this: typeof monitor, req, callback) {
        if (recording && req.getCustom()) {
            recording.push({
                type: req.getType(),
                name: req.getName(),
                urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
                props: analyzerDeserializer.deserializeProperties(req.getObject(), false),
                opts: {
                    protect: req.getProtect() ?? false,
                    ignoreChanges: req.getIgnorechangesList(),
                    aliases: [],
                    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    ...(req.getParent() ? { parent: req.getParent() } : {}),
                },
            });
        }
        return original.call(this, req, callback);
    };
}

export interface AnalyzedProgram {
    readonly run: ProgramRun;
    /** The custom resources the program registered, as the analyzer sees them. */
    readonly resources: AnalyzedResource[];
    ofType(type: string): AnalyzedResource[];
}

/** Runs the real program (see runUnderMocks) and returns the resources a policy pack would analyze. */
export async function analyzeProgram(scenario: Scenario): Promise<AnalyzedProgram> {
    recordRegistrations();
    const resources: AnalyzedResource[] = [];
    recording = resources;
    try {
        const run = await runUnderMocks(scenario);
        return { run, resources, ofType: (type) => resources.filter((r) => r.type === type) };
    } finally {
        recording = undefined;
    }
}

export interface CraftOptions {
    readonly stack?: string;
    readonly protect?: boolean;
    readonly additionalSecretOutputs?: string[];
}

/** A hand-made resource, for violations the program itself would refuse to declare. */
export function aResource(type: string, name: string, props: Record<string, unknown>, options: CraftOptions = {}): AnalyzedResource {
    return {
        type,
        name,
        urn: `urn:pulumi:${options.stack ?? "dev"}::auth0-tenant::${type}::${name}`,
        props,
        opts: {
            protect: options.protect ?? false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: options.additionalSecretOutputs ?? [],
        },
    };
}

/** A recorded or hand-made resource as the engine hands it to the pack (inputs and outputs alike: the mocks echo inputs). */
export function asStateResource(r: AnalyzedResource): StateResource {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.opts.parent ?? "",
        custom: true,
        inputs: r.props as Props,
        outputs: r.props as Props,
        protect: r.opts.protect,
        retainOnDelete: false,
        dependencies: [],
        additionalSecretOutputs: r.opts.additionalSecretOutputs,
        ignoreChanges: r.opts.ignoreChanges,
        replaceOnChanges: [],
        deleteBeforeReplace: false,
    };
}
