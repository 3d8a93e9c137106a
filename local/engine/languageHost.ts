/**
 * The program run as the nodejs language host runs it. Every rule here is from pulumi/pulumi
 * (commit 1b5949891b, pkg/v3.259.0-14):
 *
 * - working directory and entry point: pkg/engine/project.go getPwdMain, lines 45-71 — `main: infra/`
 *   makes the program directory `<root>/infra` and the entry point `.`;
 * - the command line: sdk/nodejs/cmd/pulumi-language-nodejs/main.go constructArguments, lines
 *   1086-1115 (`node <@pulumi/pulumi/cmd/run> --monitor --engine [--sync] --organization --project
 *   --root-directory --stack --pwd <program dir> [--dry-run] --parallel N <entry point>`);
 * - the environment: execRuntime, lines 905-926 — the CLI's own environment plus PULUMI_CONFIG
 *   (keys rewritten to `<ns>:config:<name>`, constructConfig 1120-1147), PULUMI_CONFIG_SECRET_KEYS,
 *   PULUMI_NODEJS_TYPESCRIPT=true for `typescript: true` (the default, parseOptions 292-301) and
 *   PULUMI_NODEJS_TSCONFIG_PATH for the `tsconfig` runtime option (305-311);
 * - the exit code: execRuntime 1052-1075 — 32 means the program already reported its error;
 *   anything else non-zero is "Program exited with non-zero exit code: N".
 *
 * `--sync` (pipes for the deprecated synchronous invokes) is not passed: the program makes none.
 * `@pulumi/pulumi/cmd/run` is resolved from the program directory as the host's locateModule
 * does (main.go:859). ts-node's compile cache (TS_NODE_CACHE_DIRECTORY, read by the SDK's
 * vendored ts-node 7.0.1) is an environment variable a user can set too; it changes no result.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeploymentInfo, MonitorHandlers, serveEngine } from "./monitor";

/** What `runtime.options` of Pulumi.yaml says about a nodejs program. */
export interface NodejsOptions {
    readonly typescript?: boolean;
    readonly tsconfig?: string;
    readonly nodeargs?: string;
}

export interface ProgramRunRequest {
    /** Directory holding Pulumi.yaml (the CLI's working directory). */
    readonly root: string;
    /** Pulumi.yaml's `main`, if any. */
    readonly main?: string;
    readonly options: NodejsOptions;
    readonly project: string;
    readonly stack: string;
    readonly organization?: string;
    /** Merged configuration, keys `<namespace>:<name>`, values as the CLI hands them (strings). */
    readonly config: Record<string, string>;
    readonly configSecretKeys: string[];
    readonly dryRun: boolean;
    readonly parallel?: number;
    /** Extra environment for the child (the CLI passes its own environment through). */
    readonly env?: Record<string, string | undefined>;
    /** The child's scheduling priority (`nice`, 0 to 19); it changes when the run gets the CPU, not what it does. */
    readonly priority?: number;
}

export interface ProgramRunResult {
    /** The host's RunResponse: an error message, or bail (the program already reported it). */
    readonly error?: string;
    readonly bail: boolean;
    readonly exitCode: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Lowers a child's priority (a process may always lower its own children's; raising one may be refused). */
export function yieldCpu(pid: number | undefined, priority: number | undefined): void {
    if (pid === undefined || !priority) return;
    try {
        os.setPriority(pid, priority);
    } catch {
        // The child already exited, or the system keeps priorities as they are: it is only a hint.
    }
}

/** pkg/engine/project.go getPwdMain (lines 45-71). */
export function programDirectory(root: string, main: string | undefined): { pwd: string; entryPoint: string } {
    if (!main) return { pwd: root, entryPoint: "." };
    const resolved = path.isAbsolute(main) ? main : path.normalize(path.join(root, main));
    let stat: fs.Stats;
    try {
        stat = fs.statSync(resolved);
    } catch (err) {
        throw new Error(`project 'main' could not be read: ${(err as Error).message}`);
    }
    return stat.isDirectory() ? { pwd: resolved, entryPoint: "." } : { pwd: path.dirname(resolved), entryPoint: path.basename(resolved) };
}

/** constructConfig (main.go 1120-1147): `<ns>:<name>` becomes `<ns>:config:<name>`. */
export function languageHostConfig(config: Record<string, string>): string {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        const at = key.indexOf(":");
        if (at <= 0) throw new Error(`could not parse ${key} as a configuration key`);
        out[`${key.slice(0, at)}:config:${key.slice(at + 1)}`] = value;
    }
    return JSON.stringify(out);
}

const NODEJS_EXITED_AFTER_USER_ACTIONABLE_MESSAGE = 32;

/** Runs the program once against `handlers`, as `pulumi preview` / `pulumi up` would. */
export async function runLanguageHost(req: ProgramRunRequest, handlers: MonitorHandlers): Promise<ProgramRunResult> {
    const { pwd, entryPoint } = programDirectory(req.root, req.main);
    const parallel = req.parallel ?? 16;
    const info: DeploymentInfo = {
        project: req.project,
        stack: req.stack,
        organization: req.organization ?? "organization",
        config: req.config,
        configSecretKeys: req.configSecretKeys,
        dryRun: req.dryRun,
        parallel,
    };
    const endpoint = await serveEngine(info, handlers);
    try {
        const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd] });
        const args = [
            runPath,
            "--monitor", endpoint.address,
            "--engine", endpoint.address,
            "--organization", info.organization,
            "--project", req.project,
            "--root-directory", req.root,
            "--stack", req.stack,
            "--pwd", pwd,
            ...(req.dryRun ? ["--dry-run"] : []),
            "--parallel", String(parallel),
            entryPoint,
        ];
        const env: Record<string, string | undefined> = {
            ...process.env,
            ...req.env,
            PULUMI_CONFIG: languageHostConfig(req.config),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.configSecretKeys),
        };
        if (req.options.typescript ?? true) env.PULUMI_NODEJS_TYPESCRIPT = "true";
        if (req.options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = req.options.tsconfig;
        const nodeArgs = req.options.nodeargs ? req.options.nodeargs.split(/\s+/).filter(Boolean) : [];
        const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: req.root, env, stdio: ["ignore", "pipe", "pipe"] });
        yieldCpu(child.pid, req.priority);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const exitCode = await new Promise<number | null>((resolve, reject) => {
            child.on("error", reject);
            child.on("close", (code) => resolve(code));
        });
        if (exitCode === 0) return { bail: false, exitCode, stdout, stderr };
        if (exitCode === NODEJS_EXITED_AFTER_USER_ACTIONABLE_MESSAGE) return { bail: true, exitCode, stdout, stderr };
        return { error: `Program exited with non-zero exit code: ${exitCode}`, bail: false, exitCode, stdout, stderr };
    } finally {
        await endpoint.close();
    }
}
