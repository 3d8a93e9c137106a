/**
 * `npm run drift-lab`: per hand change a tenant admin makes in the dashboard, what detects it in
 * drift.yml, the runbook's repair, and what is left after the repair (local/sim/driftLab.ts), printed
 * as local/sim/driftLabReport.ts lays it out.
 */
import { ExtensibilityMode } from "../infra/loginContract";
import { casesFor, DriftLabError } from "../local/sim/driftLab";
import { runDriftLabReport } from "../local/sim/driftLabReport";
import { readStackFile } from "../local/engine/cliConfig";
import { stackFilesDir, stackNames } from "../tools/stack/stackFiles";
import { Command, parseStrict, runCommand, UsageError } from "../tools/cli";

const USAGE = `usage: npm run drift-lab -- --stack <name> [--case <name>] [--json]

Deploys the stack file to a fresh local tenant through the engine and provider doubles,
then for each hand change (or the one --case names): makes it as the dashboard does, lets users
log in, runs what drift.yml runs (preview --refresh --expect-no-changes with the read-only
deployer, then check-login-drift), applies the runbook's repair (docs/delivery.md, "Repairing
drift"), and counts the changes preview --refresh still plans and the logins that still fail
(both must be 0), then runs drift.yml's checks again, counting failed logins after the repair
(they must find nothing). Prints what each case cost: seconds, program runs, runs replayed
(to stderr with --json).
  --stack <name>   a stack with a Pulumi.<name>.yaml
  --case <name>    one case (default: every case of the stack's mode; a wrong one lists them)
  --json           an array of {case, detectedBy, repair, changesAfterRepair,
                   failedLoginsAfterRepair, detectedAfterRepair}
  --no-replay      run the program for every operation, never replaying a recorded run
                   (local/engine/programMemo.ts): the same rows, slower
Exit 0 every case repaired, 1 a case not detected or not repaired, 2 bad arguments.`;

interface Args {
    readonly stack: string;
    readonly mode: ExtensibilityMode;
    readonly generation: number;
    readonly cases: string[];
    readonly json: boolean;
    readonly replay: boolean;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, { stack: { type: "string" }, case: { type: "string" }, json: { type: "boolean" }, "no-replay": { type: "boolean" } });
    const stacks = stackNames();
    if (!values.stack) throw new UsageError(`--stack: missing; expected one of: ${stacks.join(", ")}`);
    if (!stacks.includes(values.stack)) throw new UsageError(`--stack ${values.stack}: no Pulumi.${values.stack}.yaml; expected one of: ${stacks.join(", ")}`);
    const config = readStackFile(stackFilesDir(), values.stack).config;
    const mode = (config["auth0-tenant:extensibility"] ?? "actions") as ExtensibilityMode;
    const generation = Number(config["auth0-tenant:secretGeneration"] ?? 1);
    const valid = casesFor(mode);
    if (values.case !== undefined && !valid.includes(values.case)) {
        throw new UsageError(`--case ${values.case}: not a case of the ${mode} stack ${values.stack}; expected one of: ${valid.join(", ")}`);
    }
    return { stack: values.stack, mode, generation, cases: values.case ? [values.case] : valid, json: values.json ?? false, replay: !values["no-replay"] };
}

async function run(args: Args): Promise<number> {
    try {
        return await runDriftLabReport(args, { out: (text) => console.log(text), err: (text) => console.error(text) });
    } catch (err) {
        if (err instanceof DriftLabError) throw new UsageError(err.message);
        throw err;
    }
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "drift-lab", usage: USAGE, parse, run };

if (require.main === module) void runCommand(command);
