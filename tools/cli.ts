/**
 * What every script in scripts/ does with its command line: `--help` (or `-h`) prints the
 * script's usage to stdout and exits 0; arguments it cannot use print the problem and the usage
 * to stderr and exit 2; a failure while running prints one line to stderr and exits 1.
 */
import { parseArgs, ParseArgsConfig } from "node:util";
import { InputError } from "./untrustedInput";

/**
 * Arguments or environment the script cannot work with (exit code 2). An
 * {@link InputError} (input that does not parse, a reserved key, a path given as a stack name) is
 * treated the same way.
 */
export class UsageError extends Error {}

export interface Command<A> {
    /** How messages name the script, e.g. `adopt`. */
    readonly name: string;
    /** The usage text: `usage: ...` then what the options mean. */
    readonly usage: string;
    /** Turns argv into the script's arguments; throws a {@link UsageError} for unusable ones. */
    readonly parse: (argv: readonly string[]) => A;
    /** Runs the script; resolves to its exit code (default 0). */
    readonly run: (args: A) => Promise<number | void> | number | void;
}

/** Whether the command line asks for help (before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
    const end = argv.indexOf("--");
    return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** util.parseArgs, strict, with its complaints turned into {@link UsageError}s. */
export function parseStrict<T extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: T, allowPositionals = false) {
    try {
        return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
    }
}

/**
 * What the command line alone settles, before the command runs: `--help` (exit 0, the usage on
 * stdout), arguments it cannot use (exit 2, the problem and the usage on stderr), or the parsed
 * arguments to run with.
 */
export type CommandLine<A> = { readonly args: A } | { readonly exitCode: 0 | 2; readonly stdout: string; readonly stderr: string };

/** Reads `argv` for `command` as {@link runCommand} does, printing nothing. */
export function readCommandLine<A>(command: Command<A>, argv: readonly string[]): CommandLine<A> {
    if (wantsHelp(argv)) return { exitCode: 0, stdout: `${command.usage.trimEnd()}\n`, stderr: "" };
    try {
        return { args: command.parse(argv) };
    } catch (err) {
        if (!(err instanceof UsageError || err instanceof InputError)) throw err;
        return { exitCode: 2, stdout: "", stderr: `${command.name}: ${err.message}\n\n${command.usage.trimEnd()}\n` };
    }
}

/** Runs a command from `process.argv`, setting `process.exitCode` as described above. */
export async function runCommand<A>(command: Command<A>, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
    const line = readCommandLine(command, argv);
    if (!("args" in line)) {
        process.stdout.write(line.stdout);
        process.stderr.write(line.stderr);
        process.exitCode = line.exitCode;
        return;
    }
    try {
        process.exitCode = (await command.run(line.args)) ?? 0;
    } catch (err) {
        process.stderr.write(`${command.name}: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof UsageError || err instanceof InputError ? 2 : 1;
    }
}
