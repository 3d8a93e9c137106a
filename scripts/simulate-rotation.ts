/**
 * `npm run simulate:rotation [-- --rotations N]`: secret rotations applied to the local tenant
 * while logins keep running (local/rotationSimulation.ts), the stack's blue/green update side by
 * side with the naive in-place update of one credential. Each rotation's steps are derived from
 * the real program (generation N against N+1) and applied in the engine's order.
 *
 * Runs: Actions with a 5 s token lifetime (the code caches no token: every login fetches its
 * tokens, the worst case), Actions with 61 s (each token reused for about a second: warm caches,
 * refreshed during the run), and legacy Rules with 5 s. Prints figures; never a secret.
 */
import { ExtensibilityMode } from "../infra/loginContract";
import { planRotations, RotationPlan, simulateRotations, SimulationReport, Strategy, withEnginePlan } from "../local/rotationSimulation";

const FIRST_GENERATION = 1;
const CONCURRENCY = 50;
const CONTAINERS = 4;
const STEP_DELAY_MS = 50;
const ROTATION_INTERVAL_MS = 200;
const LOGINS_PER_STEP = 20;

function rotationsFromArgs(argv: readonly string[]): number {
    const at = argv.indexOf("--rotations");
    if (at < 0) return 10;
    const value = Number(argv[at + 1]);
    if (!Number.isInteger(value) || value < 1 || value > 100) throw new Error("--rotations must be a whole number from 1 to 100");
    return value;
}

interface Row {
    readonly lifetimeS: number;
    readonly report: SimulationReport;
}

async function main(): Promise<void> {
    const rotations = rotationsFromArgs(process.argv.slice(2));
    const plans = new Map<ExtensibilityMode, RotationPlan>();
    for (const mode of ["actions", "rules"] as const) plans.set(mode, await withEnginePlan(await planRotations(FIRST_GENERATION, rotations, mode)));

    console.log(`Rotations ${FIRST_GENERATION} -> ${FIRST_GENERATION + rotations}, derived from the program (dev stack file); steps of the first, in the engine's order:`);
    for (const [mode, plan] of plans) {
        const first = plan.rotations[0];
        console.log(`  ${mode.padEnd(8)} ${first.steps.map((s) => `${s.name} (${s.effect.kind})`).join("  ->  ")}`);
    }
    console.log(
        `\n${CONCURRENCY} concurrent logins over ${CONTAINERS} containers per deployment (a deploy starts fresh containers; ` +
            `logins in flight keep theirs), ${STEP_DELAY_MS} ms after each step and at least ${LOGINS_PER_STEP} logins started ` +
            `after it, ${ROTATION_INTERVAL_MS} ms between rotations.\n`,
    );

    const runs: { mode: ExtensibilityMode; lifetimeS: number }[] = [
        { mode: "actions", lifetimeS: 5 },
        { mode: "actions", lifetimeS: 61 },
        { mode: "rules", lifetimeS: 5 },
    ];
    const rows: Row[] = [];
    for (const { mode, lifetimeS } of runs) {
        for (const strategy of ["blue-green", "in-place"] as Strategy[]) {
            const report = await simulateRotations(plans.get(mode)!, {
                strategy,
                concurrency: CONCURRENCY,
                containers: CONTAINERS,
                tokenLifetimeS: lifetimeS,
                stepDelayMs: STEP_DELAY_MS,
                rotationIntervalMs: ROTATION_INTERVAL_MS,
                loginsPerStep: LOGINS_PER_STEP,
            });
            rows.push({ lifetimeS, report });
        }
    }

    const header = "mode     token lifetime  strategy     rotations  steps  logins  token requests  failed logins  failed %   wall";
    console.log(header);
    console.log("-".repeat(header.length));
    for (const { lifetimeS, report: r } of rows) {
        console.log(
            [
                r.mode.padEnd(8),
                `${lifetimeS} s`.padStart(14),
                ` ${r.strategy.padEnd(11)}`,
                String(r.rotations).padStart(9),
                String(r.steps).padStart(6),
                String(r.logins).padStart(7),
                String(r.tokenRequests).padStart(15),
                String(r.failedLogins).padStart(14),
                `${((100 * r.failedLogins) / r.logins).toFixed(1)} %`.padStart(9),
                `${(r.wallMs / 1000).toFixed(1)} s`.padStart(7),
            ].join(" "),
        );
    }

    console.log("\nWhere failed logins started (after which step), and why:");
    for (const { lifetimeS, report: r } of rows) {
        if (r.failedLogins === 0) continue;
        const byStep = new Map<string, number>();
        for (const [label, count] of Object.entries(r.failuresByStep)) {
            const step = label.replace(/^\d+->\d+ /, "").replace(/-(blue|green)-/, "-<slot>-");
            byStep.set(step, (byStep.get(step) ?? 0) + count);
        }
        const steps = [...byStep].map(([step, count]) => `${count} after ${step}`).join(", ");
        const reasons = Object.entries(r.failureReasons).map(([reason, count]) => `${count} × "${reason}"`).join("; ");
        console.log(`  ${r.mode} ${lifetimeS} s ${r.strategy}: ${steps}\n    ${reasons}`);
    }
    console.log(
        "\nA login fails when it fetches a token with settings whose secret the tenant no longer accepts. With a 5 s lifetime\n" +
            "(no longer than the code's 60 s refresh margin) no token is cached, so every login in every intermediate state\n" +
            "fetches; with 61 s the naive update fails only when a refresh falls between the tenant's change and the deploy.\n" +
            "Rules read the credential as one rule config (M2M_CREDENTIALS), so, like an action deploy, one write switches id and secret.",
    );
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
});
