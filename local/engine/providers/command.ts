/**
 * The Command provider double: `command:local:Command` of pulumi-command v1.2.1, run as its
 * provider runs it during an update (never in a preview). Sources (pulumi/pulumi-command v1.2.1,
 * `provider/pkg/provider/local/`):
 *
 * - Create runs `create`, if set (commandController.go 34-56); Update runs `update`, else
 *   `create`, else nothing (66-90); Delete runs `delete`, if set, with the inputs kept in state
 *   (93-99). A preview runs nothing (47-49, 76-78). Replacements come from `triggers`
 *   (../providerFacts.ts), so a replaced Command runs its `create` again;
 * - how a command runs (commandOutputs.go `run`, 39-146): `/bin/sh -c <command>` unless
 *   `interpreter` is set (41-51); in `dir`, else the provider's working directory, which is the
 *   program's (73-80; pulumi/pulumi sdk/go/common/resource/plugin/provider_plugin.go 287); the
 *   provider process's environment plus the Command's `environment` (81-86), plus the previous
 *   run's output as PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR unless `addPreviousOutputInEnv`
 *   is false (88-95); `stdin` (97-99); a non-zero exit fails the step with
 *   `<exit status>: running "<command>":\n<stdout and stderr>` (112-114); otherwise stdout and
 *   stderr, each without its last newline, become the outputs `stdout` and `stderr` (142-143).
 *
 * The environment carries secrets (the verification's client secrets): they reach the child
 * process only, never a message or a log. `assetPaths` / `archivePaths` are not modelled.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { Props, reveal } from "../wire";

/** One command the provider would run: what it runs, where, with which environment. */
export interface CommandRun {
    readonly urn: string;
    readonly operation: "create" | "update" | "delete";
    readonly command: string;
    /** `/bin/sh -c` unless the Command sets `interpreter`. */
    readonly interpreter: readonly string[];
    /** Absolute: `dir` resolved from the program's directory. */
    readonly dir: string;
    /** The Command's own environment (and the previous output's variables), values revealed. */
    readonly environment: Readonly<Record<string, string>>;
    readonly stdin?: string;
}

export interface CommandOutput {
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a command for the engine double; rejects (with the provider's message) when it fails. */
export type CommandRunner = (run: CommandRun) => Promise<CommandOutput>;

export class CommandFailed extends Error {}

/**
 * The command an operation of a Command runs, or undefined when it runs none. `inputs` are the
 * new inputs (create, update) or those kept in state (delete); `previous` the state's outputs.
 */
export function commandRunOf(operation: CommandRun["operation"], urn: string, inputs: Props, programDir: string, previous: Props = {}): CommandRun | undefined {
    const value = (key: string) => reveal(inputs[key]);
    const command = operation === "create" ? value("create") : operation === "update" ? (value("update") ?? value("create")) : value("delete");
    if (typeof command !== "string") return undefined;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries((value("environment") as Record<string, unknown> | undefined) ?? {})) environment[k] = String(v);
    if (value("addPreviousOutputInEnv") !== false) {
        const stdout = reveal(previous.stdout);
        const stderr = reveal(previous.stderr);
        if (typeof stdout === "string" && stdout !== "") environment.PULUMI_COMMAND_STDOUT = stdout;
        if (typeof stderr === "string" && stderr !== "") environment.PULUMI_COMMAND_STDERR = stderr;
    }
    const interpreter = value("interpreter");
    const dir = value("dir");
    const stdin = value("stdin");
    return {
        urn,
        operation,
        command,
        interpreter: Array.isArray(interpreter) && interpreter.length ? interpreter.map(String) : ["/bin/sh", "-c"],
        dir: typeof dir === "string" ? path.resolve(programDir, dir) : programDir,
        environment,
        ...(typeof stdin === "string" && stdin !== "" ? { stdin } : {}),
    };
}

export interface ShellRunnerOptions {
    /** The provider process's environment (the deploying machine's). Default: process.env. */
    readonly env?: NodeJS.ProcessEnv;
    /**
     * Host names pointed elsewhere, as a hosts file and a port would: every occurrence of a name in
     * the Command's environment values is replaced by its `host:port` (a stack's `auth0:domain`
     * served by a local tenant on loopback). Default: none.
     */
    readonly hosts?: Readonly<Record<string, string>>;
}

/** Runs commands for real, in a child process, as the provider does. */
export function shellRunner(opts: ShellRunnerOptions = {}): CommandRunner {
    return (run) =>
        new Promise<CommandOutput>((resolve, reject) => {
            const environment: Record<string, string> = {};
            for (const [k, v] of Object.entries(run.environment)) {
                environment[k] = Object.entries(opts.hosts ?? {}).reduce((text, [name, target]) => text.split(name).join(target), v);
            }
            const child = spawn(run.interpreter[0], [...run.interpreter.slice(1), run.command], {
                cwd: run.dir,
                env: { ...(opts.env ?? process.env), ...environment },
                // No stdin unless the Command sets one (commandOutputs.go 97-99: nil, the null device).
                stdio: [run.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            let both = "";
            child.stdout?.on("data", (chunk: Buffer) => ((stdout += chunk.toString()), (both += chunk.toString())));
            child.stderr?.on("data", (chunk: Buffer) => ((stderr += chunk.toString()), (both += chunk.toString())));
            child.on("error", (err) => reject(new CommandFailed(`${err.message}: running ${JSON.stringify(run.command)}`)));
            child.on("close", (code, signal) => {
                if (code === 0) return resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") });
                // Go's exec.ExitError text, as the provider wraps it (commandOutputs.go 113).
                const status = signal ? `signal: ${signal}` : `exit status ${code}`;
                reject(new CommandFailed(`${status}: running ${JSON.stringify(run.command)}:\n${both}`));
            });
            if (child.stdin) {
                // A command that exits without reading its stdin is no failure.
                child.stdin.on("error", () => undefined);
                child.stdin.end(run.stdin);
            }
        });
}
