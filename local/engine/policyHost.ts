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
 */
import { spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
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

export interface PolicyRunRequest {
    readonly packDir: string;
    readonly project: string;
    readonly stack: string;
    readonly dryRun: boolean;
    readonly config: Record<string, string>;
    /** The registrations in the order the engine saw them, with their inputs. */
    readonly analyzed: ReadonlyArray<{ resource: StateResource; inputs: Props }>;
    /** The resources an update leaves (outputs), for AnalyzeStack. */
    readonly stack_: readonly StateResource[];
    /** Extra environment for the pack's process (the CLI passes its own environment through). */
    readonly env?: Record<string, string | undefined>;
    /** The pack's scheduling priority, as for the program (languageHost.ts yieldCpu). */
    readonly priority?: number;
}

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

/** Starts the pack, analyzes the operation's resources, stops the pack; returns its findings. */
export async function runPolicyPack(req: PolicyRunRequest, engineAddress: string): Promise<PolicyFinding[]> {
    const runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [req.packDir] });
    const child = spawn(process.execPath, [runPath, engineAddress, req.packDir], {
        cwd: req.packDir,
        env: {
            ...process.env,
            ...req.env,
            PULUMI_NODEJS_TYPESCRIPT: "true",
            PULUMI_NODEJS_PROJECT: req.project,
            PULUMI_NODEJS_STACK: req.stack,
            PULUMI_NODEJS_DRY_RUN: String(req.dryRun),
            PULUMI_CONFIG: JSON.stringify(req.config),
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    yieldCpu(child.pid, req.priority);
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
            void exited.then((code) => reject(new Error(`policy pack ${path.basename(req.packDir)} exited (${code}) before serving:\n${stderr}`)));
        });
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        try {
            await unary((cb) => client.getAnalyzerInfo(new emptyproto.Empty(), cb));
            const findings: PolicyFinding[] = [];
            const collect = (res: analyzerProto.AnalyzeResponse) => {
                for (const d of res.getDiagnosticsList()) {
                    findings.push({
                        policy: d.getPolicyname(),
                        pack: d.getPolicypackname(),
                        enforcement: LEVELS[d.getEnforcementlevel()] ?? "advisory",
                        message: d.getMessage(),
                        urn: d.getUrn() || undefined,
                    });
                }
            };
            const providers = new Map(req.stack_.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]));
            const providerOf = (r: StateResource) => {
                const p = r.provider ? providers.get(r.provider) : undefined;
                if (!p) return undefined;
                const pr = new analyzerProto.AnalyzerProviderResource();
                pr.setType(p.type);
                pr.setUrn(p.urn);
                pr.setName(p.name);
                pr.setProperties(structOf(p.inputs));
                return pr;
            };
            for (const { resource, inputs } of req.analyzed) {
                const a = new analyzerProto.AnalyzeRequest();
                a.setType(resource.type);
                a.setUrn(resource.urn);
                a.setName(resource.name);
                a.setProperties(structOf(inputs));
                a.setOptions(options(resource));
                const provider = providerOf(resource);
                if (provider) a.setProvider(provider);
                collect(await unary<analyzerProto.AnalyzeResponse>((cb) => client.analyze(a, cb)));
            }
            const stackReq = new analyzerProto.AnalyzeStackRequest();
            stackReq.setResourcesList(
                req.stack_.map((r) => {
                    const a = new analyzerProto.AnalyzerResource();
                    a.setType(r.type);
                    a.setUrn(r.urn);
                    a.setName(r.name);
                    a.setProperties(structOf(r.outputs));
                    a.setOptions(options(r));
                    a.setParent(r.parent);
                    a.setDependenciesList([...r.dependencies]);
                    const provider = providerOf(r);
                    if (provider) a.setProvider(provider);
                    return a;
                }),
            );
            collect(await unary<analyzerProto.AnalyzeResponse>((cb) => client.analyzeStack(stackReq, cb)));
            return findings;
        } finally {
            client.close();
        }
    } finally {
        child.kill();
        await exited;
    }
}
