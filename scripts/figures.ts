/**
 * `npm run figures`: runs `npm run bench -- --json` and `npm run simulate:rotation -- --json`
 * (or reads their saved output with --bench / --rotation) and draws docs/figures/: token requests
 * per approach (log scale), the latency the login code adds per approach, and the rotation
 * timeline (failed logins per step, blue/green against in-place), as SVG rendered offline with
 * Vega-Lite (local/sim/figures.ts). The JSON each figure was drawn from is written beside it
 * (local/sim/drawFigures.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { drawFigures } from "../local/sim/drawFigures";
import { ROOT } from "../tools/repository";
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

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = {
    name: "figures",
    usage: USAGE,
    parse,
    run: async (args) => {
        const written = await drawFigures(args, (line) => process.stderr.write(`${line}\n`));
        for (const file of written) console.log(`wrote ${path.relative(process.cwd(), file)}`);
    },
};

if (require.main === module) void runCommand(command);
