/**
 * `npm run simulate:rotation [-- --rotations N] [--json]`: secret rotations applied to the local
 * tenant while logins keep running, the stack's blue/green update side by side with the naive
 * in-place update of one credential (local/sim/rotationRuns.ts). Prints the tables
 * (local/sim/rotationReport.ts) or with --json the figures as one JSON document (shape:
 * RotationFigures in local/sim/figures.ts, read by `npm run figures`). Progress goes to stderr
 * when it is a terminal. Never prints a secret.
 */
import { Progress } from "../local/sim/progress";
import { formatRotationReport } from "../local/sim/rotationReport";
import { runRotationFigures } from "../local/sim/rotationRuns";
import { Command, parseStrict, runCommand, UsageError } from "../tools/cli";

const DEFAULT_ROTATIONS = 10;
const MAX_ROTATIONS = 100;

const USAGE = `usage: npm run simulate:rotation [-- [--rotations N] [--json]]

Secret rotations under continuous logins against the local tenant: the stack's blue/green update
against the naive in-place update, in actions mode (5 s and 61 s token lifetimes) and rules mode.
  --rotations N  rotations per run, 1 to ${MAX_ROTATIONS} (default ${DEFAULT_ROTATIONS}; about 3 s each for the six runs)
  --json         print the figures as one JSON document instead of the tables (for npm run figures)
  --help         this text
Progress goes to stderr when it is a terminal.
Exit 0 done, 1 the simulation failed, 2 bad arguments.`;

interface Args {
    readonly rotations: number;
    readonly json: boolean;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, { rotations: { type: "string" }, json: { type: "boolean" } });
    const rotations = values.rotations === undefined ? DEFAULT_ROTATIONS : Number(values.rotations);
    if (!Number.isInteger(rotations) || rotations < 1 || rotations > MAX_ROTATIONS) {
        throw new UsageError(`--rotations ${JSON.stringify(values.rotations)}: expected a whole number from 1 to ${MAX_ROTATIONS}`);
    }
    return { rotations, json: values.json ?? false };
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = {
    name: "simulate:rotation",
    usage: USAGE,
    parse,
    run: async ({ rotations, json }) => {
        const figures = await runRotationFigures(rotations, new Progress(process.stderr));
        process.stdout.write(json ? `${JSON.stringify(figures, null, 2)}\n` : `${formatRotationReport(figures).join("\n")}\n`);
    },
};

if (require.main === module) void runCommand(command);
