/**
 * The policy pack as `pulumi preview --policy-pack policy` runs it: the nodejs language host
 * starts `node <@pulumi/pulumi/cmd/run-policy-pack> <engine address> <pack directory>` with the
 * pack's directory as working directory (pulumi/pulumi 1b5949891b,
 * sdk/go/common/resource/plugin/analyzer_plugin.go 200-205 passes the engine address;
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin 1642-1750 adds the pack directory,
 * PULUMI_NODEJS_TYPESCRIPT for `typescript` (default true) and the stack's project, stack, dry-run
 * and config), reads the port it prints, and calls it over the Analyzer protocol: `Analyze` for
 * each registration with its inputs and options, before its step (pkg/resource/deploy/
 * step_generator.go 1400-1425), then `AnalyzeStack` with every resource's outputs, parent and
 * dependencies (3500-3600). Providers the engine creates (default providers) are resources too.
 *
 * The policy tests (test/policy/) host the pack the same way: one PolicyPackSession per test file,
 * configured per check through the Analyzer protocol's `Configure`, which is how the CLI hands a
 * pack its `--policy-pack-config` (pkg/engine/update.go 300-325 reconciles the file with the
 * pack's initial config and calls `Configure`; pkg/resource/plugin/analyzer_plugin.go:639 sends
 * it), so every finding they assert comes from @pulumi/policy's own server code, not a copy.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { StateResource } from "./deployment";
import { yieldCpu } from "./languageHost";
import { structOf } from "./monitor";
import { Props } from "./wire";

export interface PolicyFinding {
    readonly policy: string;
    readonly pack: string;
    readonly enforcement: "advisory" | "mandatory" | "disabled" | "remediate";
    readonly message: string;
    readonly urn?: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

/** The pack's process: where it lives and what the language host tells it. */
export interface PolicyPackProcess {
    readonly packDir: string;
    readonly project: string;
    readonly stack: string;
    readonly dryRun: boolean;
    readonly config: Record<string, string>;
    /** Extra environment for the pack's process (the CLI passes its own environment through). */
    readonly env?: Record<string, string | undefined>;
    /** The pack's scheduling priority, as for the program (languageHost.ts yieldCpu). */
    readonly priority?: number;
}

export interface PolicyRunRequest extends PolicyPackProcess {
    /** The registrations in the order the engine saw them, with their inputs. */
    readonly analyzed: ReadonlyArray<{ resource: StateResource; inputs: Props }>;
    /** The resources an update leaves (outputs), for AnalyzeStack. */
    readonly stack_: readonly StateResource[];
}

/** A policy of the pack as `GetAnalyzerInfo` describes it. */
export interface PackPolicy {
    readonly name: string;
    readonly enforcement: (typeof LEVELS)[number];
}

/** A policy's properties, as its entry in a `--policy-pack-config` file gives them. */
export type PolicyConfig = Readonly<Record<string, unknown>>;

function options(r: StateResource): analyzerProto.AnalyzerResourceOptions {
    const o = new analyzerProto.AnalyzerResourceOptions();
    o.setProtect(r.protect);
    o.setIgnorechangesList([...r.ignoreChanges]);
    o.setDeletebeforereplace(r.deleteBeforeReplace);
    o.setDeletebeforereplacedefined(true);
    o.setAdditionalsecretoutputsList([...r.additionalSecretOutputs]);
    o.setParent(r.parent);
    return o;
}

/** A unary call as a promise. */
function unary<Res>(call: (callback: (err: grpc.ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => call((err, res) => (err ? reject(err) : resolve(res))));
}

/** A running policy pack and the Analyzer client connected to it. */
export class PolicyPackSession {
    private constructor(
        private readonly child: ChildProcess,
        private readonly exited: Promise<number | null>,
        private readonly client: analyzerRpc.AnalyzerClient,
        /** Every policy the pack serves, with its own enforcement level. */
        readonly policies: readonly PackPolicy[],
    ) {}

    /**
     * Starts the pack and connects to it. cmd/run-policy-pack drops the engine address before it
     * loads the pack (@pulumi/pulumi cmd/run-policy-pack/index.js:90 `argv._.shift()`), so a host
     * with no engine to offer may leave it out.
     */
    static async start(pack: PolicyPackProcess, engineAddress = "127.0.0.1:0"): Promise<PolicyPackSession> {
        const runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [pack.packDir] });
        const child = spawn(process.execPath, [runPath, engineAddress, pack.packDir], {
            cwd: pack.packDir,
            env: {
                ...process.env,
                ...pack.env,
                PULUMI_NODEJS_TYPESCRIPT: "true",
                PULUMI_NODEJS_PROJECT: pack.project,
                PULUMI_NODEJS_STACK: pack.stack,
                PULUMI_NODEJS_DRY_RUN: String(pack.dryRun),
                PULUMI_CONFIG: JSON.stringify(pack.config),
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        yieldCpu(child.pid, pack.priority);
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
        try {
            const port = await new Promise<number>((resolve, reject) => {
                let out = "";
                child.stdout.on("data", (d: Buffer) => {
                    out += d.toString();
                    const line = out.split("\n")[0].trim();
                    if (out.includes("\n") && /^\d+$/.test(line)) resolve(Number(line));
                });
                void exited.then((code) => reject(new Error(`policy pack ${path.basename(pack.packDir)} exited (${code}) before serving:\n${stderr}`)));
            });
            const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            try {
                const info = await unary<analyzerProto.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new emptyproto.Empty(), cb));
                const policies = info.getPoliciesList().map((p) => ({ name: p.getName(), enforcement: LEVELS[p.getEnforcementlevel()] ?? "advisory" }));
                return new PolicyPackSession(child, exited, client, policies);
            } catch (err) {
                client.close();
                throw err;
            }
        } catch (err) {
            child.kill();
            await exited;
            throw err;
        }
    }

    /**
     * Sends the pack its configuration, as the CLI does from `--policy-pack-config`: each policy
     * named gets its properties at its own enforcement level; `disabled` lists policies the
     * server skips entirely (@pulumi/policy server.js `makeAnalyzeRpcFun`: "disabled" → continue).
     */
    async configure(config: Readonly<Record<string, PolicyConfig>>, disabled: readonly string[] = []): Promise<void> {
        const req = new analyzerProto.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const policy of this.policies) {
            const entry = new analyzerProto.PolicyConfig();
            const level = disabled.includes(policy.name) ? "disabled" : policy.enforcement;
            entry.setEnforcementlevel(LEVELS.indexOf(level));
            entry.setProperties(structproto.Struct.fromJavaScript((config[policy.name] ?? {}) as Record<string, structproto.JavaScriptValue>));
            map.set(policy.name, entry);
        }
        await unary((cb) => this.client.configure(req, cb));
    }

    /**
     * `Analyze`: the pack's resource policies on one registration's inputs, before its step. A
     * violation that names no URN is the analyzed resource's, as the engine reports it
     * (pulumi/pulumi 1b5949891b pkg/resource/deploy/analyze_snapshot.go:84
     * `events.OnPolicyViolation(r.URN, d)`).
     */
    async analyze(resource: StateResource, inputs: Props, providers: ReadonlyMap<string, StateResource> = new Map()): Promise<PolicyFinding[]> {
        const a = new analyzerProto.AnalyzeRequest();
        a.setType(resource.type);
        a.setUrn(resource.urn);
        a.setName(resource.name);
        a.setProperties(structOf(inputs));
        a.setOptions(options(resource));
        const provider = providerOf(resource, providers);
        if (provider) a.setProvider(provider);
        return findingsOf(await unary<analyzerProto.AnalyzeResponse>((cb) => this.client.analyze(a, cb)), resource.urn);
    }

    /** `AnalyzeStack`: the pack's stack policies on every resource's outputs, after the last step. */
    async analyzeStack(resources: readonly StateResource[]): Promise<PolicyFinding[]> {
        const providers = providersIn(resources);
        const stackReq = new analyzerProto.AnalyzeStackRequest();
        stackReq.setResourcesList(
            resources.map((r) => {
                const a = new analyzerProto.AnalyzerResource();
                a.setType(r.type);
                a.setUrn(r.urn);
                a.setName(r.name);
                a.setProperties(structOf(r.outputs));
                a.setOptions(options(r));
                a.setParent(r.parent);
                a.setDependenciesList([...r.dependencies]);
                const provider = providerOf(r, providers);
                if (provider) a.setProvider(provider);
                return a;
            }),
        );
        return findingsOf(await unary<analyzerProto.AnalyzeResponse>((cb) => this.client.analyzeStack(stackReq, cb)));
    }

    /**
     * The named policies alone, each with `config`, over `resources`: `Analyze` for each (its
     * inputs), then `AnalyzeStack` (outputs); every other policy of the pack is disabled.
     */
    async evaluate(policies: readonly string[], resources: readonly StateResource[], config: Readonly<Record<string, PolicyConfig>> = {}): Promise<PolicyFinding[]> {
        const unknown = policies.filter((name) => !this.policies.some((p) => p.name === name));
        if (unknown.length) throw new Error(`the policy pack serves no policy ${unknown.join(", ")}`);
        await this.configure(config, this.policies.map((p) => p.name).filter((name) => !policies.includes(name)));
        const findings: PolicyFinding[] = [];
        const providers = providersIn(resources);
        for (const r of resources) findings.push(...(await this.analyze(r, r.inputs, providers)));
        findings.push(...(await this.analyzeStack(resources)));
        return findings;
    }

    /** Stops the pack. */
    async close(): Promise<void> {
        this.client.close();
        this.child.kill();
        await this.exited;
    }
}

function findingsOf(res: analyzerProto.AnalyzeResponse, urn?: string): PolicyFinding[] {
    return res.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        pack: d.getPolicypackname(),
        enforcement: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        message: d.getMessage(),
        urn: d.getUrn() || urn,
    }));
}

function providersIn(resources: readonly StateResource[]): Map<string, StateResource> {
    return new Map(resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]));
}

function providerOf(r: StateResource, providers: ReadonlyMap<string, StateResource>): analyzerProto.AnalyzerProviderResource | undefined {
    const p = r.provider ? providers.get(r.provider) : undefined;
    if (!p) return undefined;
    const pr = new analyzerProto.AnalyzerProviderResource();
    pr.setType(p.type);
    pr.setUrn(p.urn);
    pr.setName(p.name);
    pr.setProperties(structOf(p.inputs));
    return pr;
}

/** Starts the pack, analyzes the operation's resources, stops the pack; returns its findings. */
export async function runPolicyPack(req: PolicyRunRequest, engineAddress: string): Promise<PolicyFinding[]> {
    const session = await PolicyPackSession.start(req, engineAddress);
    try {
        const providers = providersIn(req.stack_);
        const findings: PolicyFinding[] = [];
        for (const { resource, inputs } of req.analyzed) findings.push(...(await session.analyze(resource, inputs, providers)));
        findings.push(...(await session.analyzeStack(req.stack_)));
        return findings;
    } finally {
        await session.close();
    }
}
