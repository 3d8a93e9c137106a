/**
 * `npm run figures`: runs `npm run bench -- --json` and `npm run simulate:rotation -- --json`
 * (or reads their saved output with --bench / --rotation) and draws docs/figures/: token requests
 * per approach (log scale), the latency the login code adds per approach, and the rotation
 * timeline (failed logins per step, blue/green against in-place), as SVG rendered offline with
 * Vega-Lite (local/sim/figures.ts). The JSON each figure was drawn from is written beside it.
 */
import * as fs from "fs";
import * as path from "path";
import { runChild } from "../tools/childProcess";
import { BenchFigures, Figures, loginLatencySpec, readFigures, renderSvg, RotationFigures, rotationTimelineSpec, tokenRequestsSpec } from "../local/sim/figures";
import { ROOT } from "../tools/stack/program";
import { Command, parseStrict, runCommand, UsageError } from "../tools/cli";

const USAGE = `usage: npm run figures [-- [--bench <file>] [--rotation <file>] [--out <dir>]]

Draws the bench's and the rotation simulation's figures as SVG (Vega-Lite, rendered offline).
  --bench <file>     read npm run bench -- --json output from <file> instead of running the bench
  --rotation <file>  read npm run simulate:rotation -- --json output instead of running it
  --out <dir>        where to write (default docs/figures): bench.json, rotation.json,
                     token-requests.svg, login-latency.svg, rotation-timeline.svg
  --help             this text
Exit 0 written, 1 a run failed or its JSON is off the documented shape, 2 bad arguments.`;

interface Args {
    readonly bench?: string;
    readonly rotation?: string;
    readonly out: string;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, { bench: { type: "string" }, rotation: { type: "string" }, out: { type: "string" } });
    for (const key of ["bench", "rotation"] as const) {
        const file = values[key];
        if (file !== undefined && !fs.existsSync(file)) throw new UsageError(`--${key} ${file}: no such file`);
    }
    return { bench: values.bench, rotation: values.rotation, out: values.out ?? path.join(ROOT, "docs", "figures") };
}

/** The figures of one script: read from a file, or printed by running it with --json. */
async function figuresOf(file: string | undefined, script: string, label: string): Promise<{ figures: Figures; text: string }> {
    if (file) {
        const text = fs.readFileSync(file, "utf8");
        return { figures: readFigures(text, file), text };
    }
    process.stderr.write(`figures: running ${label} -- --json\n`);
    const result = await runChild(process.execPath, ["--import", "tsx", script, "--json"], { cwd: ROOT, env: process.env });
    if (result.code !== 0) throw new Error(`${label} -- --json exited ${result.code}: ${result.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    return { figures: readFigures(result.stdout, `${label} -- --json`), text: result.stdout };
}

function expectKind<K extends Figures["kind"]>(figures: Figures, kind: K, source: string): Extract<Figures, { kind: K }> {
    if (figures.kind !== kind) throw new Error(`${source}: "kind" is ${JSON.stringify(figures.kind)}; expected ${JSON.stringify(kind)}`);
    return figures as Extract<Figures, { kind: K }>;
}

/** Renders every figure from the two documents into `out`; returns the files written. */
export async function writeFigures(bench: BenchFigures, rotation: RotationFigures, out: string): Promise<string[]> {
    fs.mkdirSync(out, { recursive: true });
    const drawings: [string, Promise<string>][] = [
        ["token-requests.svg", renderSvg(tokenRequestsSpec(bench))],
        ["login-latency.svg", renderSvg(loginLatencySpec(bench))],
        ["rotation-timeline.svg", renderSvg(rotationTimelineSpec(rotation))],
    ];
    const written: string[] = [];
    for (const [name, svg] of drawings) {
        fs.writeFileSync(path.join(out, name), await svg);
        written.push(path.join(out, name));
    }
    return written;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = {
    name: "figures",
    usage: USAGE,
    parse,
    run: async (args) => {
        const bench = await figuresOf(args.bench, path.join("bench", "login.bench.ts"), "npm run bench");
        const rotation = await figuresOf(args.rotation, path.join("scripts", "simulate-rotation.ts"), "npm run simulate:rotation");
        const benchFigures = expectKind(bench.figures, "bench", args.bench ?? "npm run bench");
        const rotationFigures = expectKind(rotation.figures, "rotation", args.rotation ?? "npm run simulate:rotation");
        fs.mkdirSync(args.out, { recursive: true });
        fs.writeFileSync(path.join(args.out, "bench.json"), bench.text.endsWith("\n") ? bench.text : `${bench.text}\n`);
        fs.writeFileSync(path.join(args.out, "rotation.json"), rotation.text.endsWith("\n") ? rotation.text : `${rotation.text}\n`);
        for (const file of await writeFigures(benchFigures, rotationFigures, args.out)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
    },
};

if (require.main === module) void runCommand(command);
