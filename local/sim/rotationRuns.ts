/**
 * What `npm run simulate:rotation` runs: each mode's rotations planned through the one deploy path
 * (local/sim/rotationPlan.ts), then applied under continuous logins (local/sim/rotationSimulation.ts)
 * with the stack's blue/green update and with the naive in-place one: Actions with a 5 s token
 * lifetime (the code caches no token: every login fetches its tokens, the worst case), Actions
 * with 61 s (each token reused for about a second: warm caches, refreshed during the run), and
 * legacy Rules with 5 s. The figures have the shape `npm run figures` reads (RotationFigures in
 * local/sim/figures.ts).
 */
import { ExtensibilityMode } from "../../infra/loginContract";
import { RotationFigures, RotationRun, ROTATION_FIGURES_KIND } from "./figures";
import { Progress } from "./progress";
import { planRotations, RotationPlan } from "./rotationPlan";
import { simulateRotations, Strategy } from "./rotationSimulation";

const FIRST_GENERATION = 1;
const CONCURRENCY = 50;
const CONTAINERS = 4;
const STEP_DELAY_MS = 50;
const ROTATION_INTERVAL_MS = 200;
const LOGINS_PER_STEP = 20;

/** Every step of a plan as the simulation labels it, `start` first (SimulationReport.failuresByStep). */
function stepLabels(plan: RotationPlan): string[] {
    return ["start", ...plan.rotations.flatMap((r) => r.steps.map((s) => `${r.from}->${r.to} ${s.name}`))];
}

/** Runs every mode and strategy over `rotations` rotations and returns the figures. */
export async function runRotationFigures(rotations: number, progress: Progress): Promise<RotationFigures> {
    progress.update(`deploying the stack in each mode and ${rotations} rotations (pulumi up through the engine and provider doubles)`);
    // The two modes' deploys at once: each runs the program in processes of its own.
    const modes = ["actions", "rules"] as const;
    const planned = await Promise.all(modes.map((mode) => planRotations(FIRST_GENERATION, rotations, mode)));
    const plans = new Map<ExtensibilityMode, RotationPlan>(modes.map((mode, i) => [mode, planned[i]]));
    const configurations: { mode: ExtensibilityMode; tokenLifetimeS: number; strategy: Strategy }[] = [];
    for (const [mode, tokenLifetimeS] of [["actions", 5], ["actions", 61], ["rules", 5]] as const) {
        for (const strategy of ["blue-green", "in-place"] as const) configurations.push({ mode, tokenLifetimeS, strategy });
    }
    const runs: RotationRun[] = [];
    for (const [i, { mode, tokenLifetimeS, strategy }] of configurations.entries()) {
        progress.update(`run ${i + 1}/${configurations.length}: ${mode}, ${tokenLifetimeS} s tokens, ${strategy}`);
        const plan = plans.get(mode)!;
        const report = await simulateRotations(plan, {
            strategy,
            concurrency: CONCURRENCY,
            containers: CONTAINERS,
            tokenLifetimeS,
            stepDelayMs: STEP_DELAY_MS,
            rotationIntervalMs: ROTATION_INTERVAL_MS,
            loginsPerStep: LOGINS_PER_STEP,
        });
        runs.push({
            mode,
            tokenLifetimeS,
            strategy,
            rotations: report.rotations,
            steps: report.steps,
            deploys: report.deploys,
            logins: report.logins,
            tokenRequests: report.tokenRequests,
            failedLogins: report.failedLogins,
            wallMs: Math.round(report.wallMs),
            failureReasons: report.failureReasons,
            timeline: stepLabels(plan).map((step) => ({ step, failedLogins: report.failuresByStep[step] ?? 0 })),
        });
    }
    progress.done();
    return {
        kind: ROTATION_FIGURES_KIND,
        firstGeneration: FIRST_GENERATION,
        rotations,
        concurrency: CONCURRENCY,
        containers: CONTAINERS,
        stepDelayMs: STEP_DELAY_MS,
        rotationIntervalMs: ROTATION_INTERVAL_MS,
        loginsPerStep: LOGINS_PER_STEP,
        firstRotationSteps: Object.fromEntries([...plans].map(([mode, plan]) => [mode, plan.rotations[0].steps.map((s) => `${s.name} (${s.effect.kind})`)])),
        runs,
    };
}
