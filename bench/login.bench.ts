/**
 * `npm run bench [-- options]`: logins in waves through the login pipeline (Action and Rule)
 * against the local tenant, its servers a round-trip time away, side by side with the seeds'
 * sequential approaches in bench/variants/: a token per call, labelled "seed 000" ("Call API
 * From Rule", https://community.auth0.com/t/call-api-from-rule/106093), and a token cache without
 * single-flight, labelled "seed 002" ("How do I get an access token to call Management API v2
 * from a rule?",
 * https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970);
 * the labels are the numbers of those pages in docs/origins.md. Prints, per mode and approach, token requests per audience
 * and the time the login code adds to a login, cold (the first wave, in a fresh container) and
 * warm (every later wave), in milliseconds and in round trips. Prints figures; asserts nothing
 * about time. `--help` for the options.
 */
import { parseArgs } from "node:util";
import type { LoginBenchFigures } from "./loginRuns";
import { Progress } from "../local/sim/progress";

/** Waves per discarded warm-up run (at most --logins logins). */
const WARM_UP_WAVES = 20;

const USAGE = `Usage: npm run bench -- [options]

Logins in waves through the login code (Action and Rule) against the local tenant, every server
a round trip away, beside the seeds' sequential approaches. Prints token requests per audience
and the time the login code adds to a login, cold (first wave) and warm, in ms and round trips.

Options:
  --rtt <ms>       round-trip time to every server, per request (default 40; 0: loopback)
  --jitter <ms>    extra delay per request, uniform from 0 to <ms>, seeded (default 0)
  --logins <n>     logins per run, up to 100000 (default 1000)
  --wave <n>       logins in flight together; the first wave is the cold one (default 10)
  --json           print the figures as JSON on stdout instead of the tables (needs --rtt > 0)
  -h, --help       print this help and exit

Progress goes to stderr when it is a terminal.
`;

interface BenchOptions {
    readonly rttMs: number;
    readonly jitterMs: number;
    readonly logins: number;
    readonly wave: number;
    readonly json: boolean;
}

/** The bench's options, or the reason they are refused. */
function parseOptions(argv: readonly string[]): { options: BenchOptions } | { help: true } | { error: string } {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: false,
            options: {
                rtt: { type: "string" },
                jitter: { type: "string" },
                logins: { type: "string" },
                wave: { type: "string" },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        }).values;
    } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
    }
    if (parsed.help) return { help: true };
    const whole = (name: string, value: string | undefined, fallback: number, min: number, max = 60000): number | string => {
        if (value === undefined) return fallback;
        const n = Number(value);
        return /^\d+$/.test(value) && n >= min && n <= max ? n : `--${name} must be a whole number from ${min} to ${max}, got '${value}'`;
    };
    const rttMs = whole("rtt", parsed.rtt, 40, 0);
    const jitterMs = whole("jitter", parsed.jitter, 0, 0);
    const logins = whole("logins", parsed.logins, 1000, 2, 100000);
    // 10 in flight: enough for a cold stampede to show, few enough that on a small machine the
    // client's own CPU (TLS, HTTP) does not swamp the round trips.
    const wave = whole("wave", parsed.wave, 10, 1, 100000);
    for (const value of [rttMs, jitterMs, logins, wave]) if (typeof value === "string") return { error: value };
    const options = { rttMs, jitterMs, logins, wave, json: parsed.json ?? false } as BenchOptions;
    // The JSON's round trips are numbers: at no distance there is nothing to count them in.
    if (options.json && options.rttMs === 0) return { error: "--json needs --rtt above 0 (its figures include round trips)" };
    if (options.logins <= options.wave) return { error: `--logins (${options.logins}) must exceed --wave (${options.wave}): the waves after the first are the warm ones` };
    return { options };
}

async function main(argv: readonly string[]): Promise<number> {
    const parsed = parseOptions(argv);
    if ("help" in parsed) {
        process.stdout.write(USAGE);
        return 0;
    }
    if ("error" in parsed) {
        process.stderr.write(`bench: ${parsed.error}\n\n${USAGE}`);
        return 2;
    }
    const options = parsed.options;
    // Loaded once the options are read: --help and a refusal answer without starting anything.
    const { APPROACHES, AUDIENCES, FIRST_LOGINS, run, SEED_000, SEED_002, TenantWorker, THIS_CODE } = await import("./loginRuns");
    const { jsonReport, textReport } = await import("./report");
    const progress = new Progress(process.stderr);
    const update = (text: string) => progress.update(text);
    const worker = new TenantWorker();
    const figures: LoginBenchFigures[] = [];
    const firstLogins: LoginBenchFigures[] = [];
    try {
        // A run per mode and approach, discarded, in the measured runs' shape: the process's own
        // start (loading, and V8 compiling and then optimizing the code paths) is not a cold
        // container's cost, and would land on whichever run came first. V8 optimizes hot code only
        // after thousands of calls, so a few logins are not enough: the warm-up runs up to
        // WARM_UP_WAVES waves (docs/lab-notes.md, "The bench").
        const warmUp = { ...options, logins: Math.min(options.logins, WARM_UP_WAVES * options.wave) };
        for (const mode of ["actions", "rules"] as const) {
            for (const approach of APPROACHES) await run(worker, mode, approach, warmUp, (text) => update(`warming up: ${text}`));
        }
        const runs = 2 * APPROACHES.length + 1;
        const numbered = (text: string) => update(`run ${figures.length + firstLogins.length + 1}/${runs}, ${text}`);
        for (const mode of ["actions", "rules"] as const) {
            for (const approach of APPROACHES) figures.push(await run(worker, mode, approach, options, numbered));
            if (mode === "rules") firstLogins.push(await run(worker, mode, FIRST_LOGINS, options, numbered));
        }
    } finally {
        progress.done();
        await worker.close();
    }
    const failed = [...figures, ...firstLogins].reduce((sum, f) => sum + f.failed, 0);
    if (failed > 0) process.stderr.write(`bench: ${failed} logins did not end allowed; their times are in the figures\n`);
    const labels = { ours: THIS_CODE.label, seeds: [SEED_002.label, SEED_000.label], audiences: AUDIENCES };
    if (options.json) {
        process.stdout.write(`${JSON.stringify(jsonReport(figures, labels, options))}\n`);
    } else {
        process.stdout.write(`${textReport(figures, firstLogins, labels, options).join("\n")}\n`);
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
    },
);
