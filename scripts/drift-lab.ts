/**
 * `npm run drift-lab`: per hand change a tenant admin makes in the dashboard, what detects it in
 * drift.yml, the runbook's repair, and what is left after the repair (local/driftLab.ts).
 */
import { ExtensibilityMode } from "../infra/loginContract";
import { casesFor, DriftLabError, DriftRow, runDriftLab } from "../local/driftLab";
import { readStackFile } from "../local/engine/cliConfig";
import { stackFilesDir, stackNames } from "../local/stack/stackFiles";
import { Command, parseStrict, runCommand, UsageError } from "../tools/cli";

const USAGE = `usage: npm run drift-lab -- --stack <name> [--case <name>] [--json]

Deploys the stack file to a fresh local tenant through the engine and provider doubles,
then for each hand change (or the one --case names): makes it as the dashboard does, runs what
drift.yml runs (preview --refresh --expect-no-changes with the read-only deployer, then
check-login-drift), applies the runbook's repair (docs/delivery.md, "Drift"), and counts the
changes preview --refresh still plans and the logins that still fail (both must be 0).
  --stack <name>   a stack with a Pulumi.<name>.yaml
  --case <name>    one case (default: every case of the stack's mode; a wrong one lists them)
  --json           an array of {case, detectedBy, repair, changesAfterRepair,
                   failedLoginsAfterRepair}
Exit 0 every case repaired, 1 a case not detected or not repaired, 2 bad arguments.`;

interface Args {
    readonly stack: string;
    readonly mode: ExtensibilityMode;
    readonly generation: number;
    readonly cases: string[];
    readonly json: boolean;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, { stack: { type: "string" }, case: { type: "string" }, json: { type: "boolean" } });
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
    return { stack: values.stack, mode, generation, cases: values.case ? [values.case] : valid, json: values.json ?? false };
}

const repaired = (r: DriftRow) => r.detectedBy.length > 0 && r.changesAfterRepair === 0 && r.failedLoginsAfterRepair === 0;

async function run(args: Args): Promise<number> {
    let rows: DriftRow[];
    try {
        rows = await runDriftLab({
            ...args,
            onRow: args.json
                ? undefined
                : (r) =>
                      console.log(
                          `${repaired(r) ? "ok   " : "FAIL "} ${r.case}\n      detected by: ${r.detectedBy.join("; ") || "nothing"}\n      repair: ${r.repair}\n` +
                              `      changes after repair: ${r.changesAfterRepair}, failed logins after repair: ${r.failedLoginsAfterRepair}`,
                      ),
        });
    } catch (err) {
        if (err instanceof DriftLabError) throw new UsageError(err.message);
        throw err;
    }
    if (args.json) console.log(JSON.stringify(rows, null, 2));
    const failed = rows.filter((r) => !repaired(r));
    if (failed.length) console.error(`drift-lab: ${failed.map((r) => r.case).join(", ")}: not detected or not repaired`);
    return failed.length ? 1 : 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "drift-lab", usage: USAGE, parse, run };

if (require.main === module) void runCommand(command);
