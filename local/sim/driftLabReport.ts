/**
 * What `npm run drift-lab` prints: each case of the drift lab (local/sim/driftLab.ts) as it ends,
 * whether it was detected and repaired, and what it cost; with --json the rows as one array on
 * stdout and the costs on stderr.
 */
import { CaseCost, DriftRow, LabOptions, runDriftLab } from "./driftLab";

/** Where the report goes: `out` is stdout, `err` stderr, one line (or block) per call. */
export interface ReportStreams {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
}

export type DriftLabReportOptions = Pick<LabOptions, "stack" | "mode" | "generation" | "cases" | "replay"> & { readonly json: boolean };

/** Detected by something, and after the repair: no change planned, no failed login, nothing detected. */
export const repaired = (r: DriftRow) => r.detectedBy.length > 0 && r.changesAfterRepair === 0 && r.failedLoginsAfterRepair === 0 && r.detectedAfterRepair.length === 0;

/** A case's cost, as the lab prints it (figures, not a limit). */
export const costOf = (c: CaseCost) => `${c.seconds.toFixed(1)} s, ${c.programRuns} program runs, ${c.replayed} replayed`;

/** One case as the tables print it: ok or FAIL, its cost, what detected it, the repair and what was left. */
export function formatRow(r: DriftRow, c: CaseCost): string {
    return (
        `${repaired(r) ? "ok   " : "FAIL "} ${r.case} (${costOf(c)})\n      detected by: ${r.detectedBy.join("; ") || "nothing"}\n      repair: ${r.repair}\n` +
        `      changes after repair: ${r.changesAfterRepair}, failed logins after repair: ${r.failedLoginsAfterRepair}\n` +
        `      the next drift run finds: ${r.detectedAfterRepair.join("; ") || "nothing"}`
    );
}

/** Runs the lab, printing as it goes; resolves to the exit code: 0 every case repaired, 1 otherwise. */
export async function runDriftLabReport(options: DriftLabReportOptions, print: ReportStreams): Promise<number> {
    const started = Date.now();
    // With --json, stdout carries the array only; the figures go to stderr.
    const figure = options.json ? print.err : print.out;
    const rows = await runDriftLab({
        stack: options.stack,
        mode: options.mode,
        generation: options.generation,
        cases: options.cases,
        replay: options.replay,
        onDeploy: (c) => figure(`deployed ${options.stack} to a fresh local tenant (${costOf(c)})`),
        onRow: (r, c) => (options.json ? figure(`${r.case}: ${costOf(c)}`) : print.out(formatRow(r, c))),
    });
    figure(`drift-lab: ${rows.length} cases of ${options.stack} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (options.json) print.out(JSON.stringify(rows, null, 2));
    const failed = rows.filter((r) => !repaired(r));
    if (failed.length) print.err(`drift-lab: ${failed.map((r) => r.case).join(", ")}: not detected or not repaired`);
    return failed.length ? 1 : 0;
}
