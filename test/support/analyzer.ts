import {
    Policies,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { ProgramRun, Scenario, runUnderMocks } from "../../tools/stack/program";

/**
 * Feeds policies what the Pulumi engine would hand the analyzer: every resource the real program
 * registers (its serialized inputs, `protect`, `additionalSecretOutputs`, URN), deserialized with
 * `@pulumi/policy`'s own code, so secrets arrive decrypted and unknowns trip the same proxy.
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

/** A reported violation, or (`advisory`) a policy that could not run because an input was unknown. */
export interface Finding {
    readonly policy: string;
    readonly urn?: string;
    readonly message: string;
    readonly advisory?: boolean;
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

// The analyzer's deserializer and unknown-checking proxy ship without typings (internal to
// @pulumi/policy); they are the exact code the pack runs on each resource, so the tests use them
// rather than copies.
/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerDeserializer = require("@pulumi/policy/deserialize") as {
    deserializeProperties(this: void, struct: unknown, proxySecrets: boolean): Record<string, unknown>;
};
const analyzerProxy = require("@pulumi/policy") as {
    unknownCheckingProxy<T>(this: void, props: T): T;
    UnknownValueError: new (...args: never[]) => Error;
};
/* eslint-enable @typescript-eslint/no-require-imports */
const { unknownCheckingProxy, UnknownValueError } = analyzerProxy;

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

/** What `args.notApplicable()` throws; the server's own class is not exported. */
class NotApplicable extends Error {
    constructor(readonly reason?: string) {
        super(`not applicable: ${reason ?? ""}`);
    }
}

function typeOf(resourceClass: unknown): string | undefined {
    return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

/** Runs policies over resources the way the analyzer server does, returning every finding. */
export async function evaluate(policies: Policies, resources: readonly AnalyzedResource[], config: Record<string, object> = {}): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const policy of policies) {
        const getConfig = <T extends object>() => (config[policy.name] ?? {}) as T;
        const notApplicable = (reason?: string): never => {
            throw new NotApplicable(reason);
        };
        if ("validateStack" in policy) {
            await evaluateStack(policy, resources, getConfig, notApplicable, findings);
            continue;
        }
        const validations = [policy.validateResource ?? []].flat();
        for (const resource of resources) {
            for (const validation of validations) {
                const props = unknownCheckingProxy(resource.props);
                const args: ResourceValidationArgs = {
                    type: resource.type,
                    name: resource.name,
                    urn: resource.urn,
                    props,
                    opts: resource.opts,
                    stackTags: new Map(),
                    isType: (cls) => typeOf(cls) === resource.type,
                    asType: ((cls: unknown) => (typeOf(cls) === resource.type ? props : undefined)) as ResourceValidationArgs["asType"],
                    getConfig,
                    notApplicable,
                };
                try {
                    await validation(args, (message) => findings.push({ policy: policy.name, urn: resource.urn, message }));
                } catch (err) {
                    // As the analyzer server does: a validation for another type is skipped, one
                    // that reads an unknown value is reported as advisory.
                    if (err instanceof NotApplicable) continue;
                    if (!(err instanceof UnknownValueError)) throw err;
                    findings.push({ policy: policy.name, urn: resource.urn, message: err.message, advisory: true });
                }
            }
        }
    }
    return findings;
}

async function evaluateStack(
    policy: StackValidationPolicy,
    resources: readonly AnalyzedResource[],
    getConfig: <T extends object>() => T,
    notApplicable: (reason?: string) => never,
    findings: Finding[],
): Promise<void> {
    const policyResources: PolicyResource[] = resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        // The mocks echo inputs as outputs, so a resource's outputs are its inputs here.
        props: unknownCheckingProxy(r.props),
        opts: r.opts,
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => typeOf(cls) === r.type,
        asType: (() => undefined),
    }));
    try {
        await policy.validateStack(
            { resources: policyResources, stackTags: new Map(), getConfig, notApplicable },
            (message, urn) => findings.push({ policy: policy.name, urn, message }),
        );
    } catch (err) {
        if (err instanceof NotApplicable) return;
        if (!(err instanceof UnknownValueError)) throw err;
        findings.push({ policy: policy.name, message: err.message, advisory: true });
    }
}
