import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/stack/program";
import { Command, readCommandLine } from "../../tools/cli";

const SCRIPTS = path.join(ROOT, "scripts");
/** Every file in scripts/ is a command; what they share lives elsewhere (tools/cli.ts). */
const commands = fs.readdirSync(SCRIPTS).filter((f) => f.endsWith(".ts")).sort();

/**
 * The ways a script in scripts/ starts when run as a program: its last statement, one of these
 * exactly. Every script of the shared entry is checked below in this process, through the
 * command it exports, and one of them is also run as a program; a script with an entry of its
 * own is run as a program.
 */
const ENTRIES = {
    /** tools/cli.ts runCommand over the exported `command`. */
    shared: /\nif \(require\.main === module\) void runCommand\(command\);\n$/,
    /** A main(argv) of the script's own that returns the exit code. */
    ownMain: /\nif \(require\.main === module\) process\.exitCode = main\(process\.argv\.slice\(2\)\);\n$/,
} as const;
type Entry = keyof typeof ENTRIES;

function entryOf(script: string): Entry | undefined {
    const text = fs.readFileSync(path.join(SCRIPTS, script), "utf8");
    return (Object.keys(ENTRIES) as Entry[]).find((entry) => ENTRIES[entry].test(text));
}

/**
 * The script of the shared entry run as a program: the one that loads least (tools/cli.ts and
 * node:util only), so the run proves the entry's wiring, not the cost of an import graph.
 */
const SHARED_ENTRY_RUN = "check-github-settings.ts";

function run(script: string, args: string[]) {
    return runChild(process.execPath, ["--import", "tsx", path.join("scripts", script), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
}

/** What a script printed and exited with for one command line. */
interface Outcome {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** The command line's rules for --help and for an option no script takes (tools/cli.ts). */
function assertHelpAndUnknownOption(script: string, help: Outcome, unknown: Outcome): void {
    assert.strictEqual(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: /);
    assert.strictEqual(help.stderr, "");
    assert.strictEqual(unknown.code, 2, unknown.stdout + unknown.stderr);
    assert.match(unknown.stderr, /usage: /);
    assert.match(unknown.stderr, /--no-such-option/);
    for (const line of help.stdout.split("\n")) assert.ok(line.length <= 100, `${script} --help: ${line.length} columns: ${line}`);
}

/** `command`'s answer to `argv` when the command line alone settles it (help or unusable arguments). */
function answer(command: Command<unknown>, argv: string[]): Outcome {
    const line = readCommandLine(command, argv);
    assert.ok(!("args" in line), `${command.name} ${argv.join(" ")}: parsed as arguments to run with`);
    return { code: line.exitCode, stdout: line.stdout, stderr: line.stderr };
}

describe("every script's command line", function () {
    this.timeout(60_000);

    it("must run each command in scripts/ only as an entry point, so importing one runs nothing", () => {
        assert.ok(commands.length >= 8, commands.join(", "));
        for (const f of commands) assert.ok(entryOf(f), `${f} must end in one of the entry points: ${Object.values(ENTRIES).join(" or ")}`);
        assert.equal(entryOf(SHARED_ENTRY_RUN), "shared");
    });

    it("must reach every npm script the README names that runs a file of scripts/ through that file", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        const named = [...new Set([...readme.matchAll(/npm run ([a-z]+(?:[:-][a-z]+)*)/g)].map((m) => m[1]))];
        assert.ok(named.includes("demo") && named.includes("adopt") && named.includes("simulate:rotation"), named.join(", "));
        for (const name of named) {
            const command = pkg.scripts[name];
            assert.ok(command, `README names npm run ${name}, which package.json lacks`);
            const file = /tsx scripts\/([a-z-]+\.ts)$/.exec(command)?.[1];
            if (file) assert.ok(commands.includes(file), `npm run ${name} runs ${file}`);
        }
    });

    for (const script of commands) {
        it(`must print the usage of scripts/${script} for --help and exit 0; for an unknown option print it to stderr and exit 2`, async () => {
            const entry = entryOf(script);
            assert.ok(entry, `${script}: no entry point`);
            let answered: [Outcome, Outcome] | undefined;
            if (entry === "shared") {
                // require: mocha loads the tests through tsx's CommonJS hook, which import() bypasses.
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const { command } = require(path.join(SCRIPTS, script)) as { command?: Command<unknown> };
                assert.ok(command, `${script} exports no command`);
                answered = [answer(command, ["--help"]), answer(command, ["--no-such-option"])];
                assertHelpAndUnknownOption(script, ...answered);
            }
            if (entry !== "shared" || script === SHARED_ENTRY_RUN) {
                const [help, unknown] = await Promise.all([run(script, ["--help"]), run(script, ["--no-such-option"])]);
                assertHelpAndUnknownOption(script, help, unknown);
                // Run as a program, the script prints and exits exactly as its exported command answers.
                if (answered) assert.deepStrictEqual([help, unknown], answered);
            }
        });
    }
});
