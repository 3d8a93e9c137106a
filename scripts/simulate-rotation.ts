/**
 * `npm run simulate:rotation [-- --rotations N] [--json]`: secret rotations applied to the local
 * tenant while logins keep running (local/sim/rotationSimulation.ts), the stack's blue/green update
 * side by side with the naive in-place update of one credential. Each rotation is
 * `pulumi config set secretGeneration N+1 && pulumi up` through the engine and provider doubles
 * (local/engine/localDeploy.ts); its steps are the engine's, in its order, with the provider's calls.
 *
 * Runs: Actions with a 5 s token lifetime (the code caches no token: every login fetches its
 * tokens, the worst case), Actions with 61 s (each token reused for about a second: warm caches,
 * refreshed during the run), and legacy Rules with 5 s. Prints figures, at most 120 columns, or
 * with --json the figures as one JSON document (shape: RotationFigures in local/sim/figures.ts, read
 * by `npm run figures`). Progress goes to stderr when it is a terminal. Never prints a secret.
 */
import { ExtensibilityMode } from "../infra/loginContract";
import { RotationFigures, RotationRun, ROTATION_FIGURES_KIND } from "../local/sim/figures";
import { planRotations, RotationPlan, simulateRotations, Strategy } from "../local/sim/rotationSimulation";
import { Progress, wrap } from "../local/sim/progress";
import { Command, parseStrict, runCommand, UsageError } from "../tools/cli";

const FIRST_GENERATION = 1;
const CONCURRENCY = 50;
const CONTAINERS = 4;
const STEP_DELAY_MS = 50;
const ROTATION_INTERVAL_MS = 200;
const LOGINS_PER_STEP = 20;
const DEFAULT_ROTATIONS = 10;
const MAX_ROTATIONS = 100;
const WIDTH = 120;

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

/** Every step of a plan as the simulation labels it, `start` first (SimulationReport.failuresByStep). */
function stepLabels(plan: RotationPlan): string[] {
    return ["start", ...plan.rotations.flatMap((r) => r.steps.map((s) => `${r.from}->${r.to} ${s.name}`))];
}

/** Runs every mode and strategy and returns the figures. */
export async function simulate(rotations: number, progress: Progress): Promise<RotationFigures> {
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

/** The figures as the tables a person reads, no line longer than 120 columns. */
export function formatRotationReport(figures: RotationFigures): string[] {
    const lines: string[] = [];
    lines.push(...wrap(`Rotations ${figures.firstGeneration} -> ${figures.firstGeneration + figures.rotations}, each pulumi up of the dev stack file through the engine and provider doubles; steps of the first, in the engine's order:`, WIDTH));
    for (const [mode, steps] of Object.entries(figures.firstRotationSteps)) {
        lines.push(...wrap(steps.join(" -> "), WIDTH, `  ${mode.padEnd(8)} `, " ".repeat(11)));
    }
    lines.push("");
    lines.push(
        ...wrap(
            `${figures.concurrency} concurrent logins over ${figures.containers} containers per deployment (a deploy starts fresh containers; ` +
                `logins in flight keep theirs), ${figures.stepDelayMs} ms after each step and at least ${figures.loginsPerStep} logins started ` +
                `after it, ${figures.rotationIntervalMs} ms between rotations.`,
            WIDTH,
        ),
    );
    lines.push("");
    const header = "mode     token lifetime  strategy     rotations  steps  logins  token requests  failed logins  failed %   wall";
    lines.push(header, "-".repeat(header.length));
    for (const r of figures.runs) {
        lines.push(
            [
                r.mode.padEnd(8),
                `${r.tokenLifetimeS} s`.padStart(14),
                ` ${r.strategy.padEnd(11)}`,
                String(r.rotations).padStart(9),
                String(r.steps).padStart(6),
                String(r.logins).padStart(7),
                String(r.tokenRequests).padStart(15),
                String(r.failedLogins).padStart(14),
                `${((100 * r.failedLogins) / Math.max(1, r.logins)).toFixed(1)} %`.padStart(9),
                `${(r.wallMs / 1000).toFixed(1)} s`.padStart(7),
            ].join(" "),
        );
    }
    lines.push("", "Where failed logins started (after which step), and why:");
    for (const r of figures.runs) {
        if (r.failedLogins === 0) continue;
        const byStep = new Map<string, number>();
        for (const { step: label, failedLogins } of r.timeline) {
            if (failedLogins === 0) continue;
            const step = label.replace(/^\d+->\d+ /, "").replace(/-(blue|green)-/, "-<slot>-");
            byStep.set(step, (byStep.get(step) ?? 0) + failedLogins);
        }
        const steps = [...byStep].map(([step, count]) => `${count} after ${step}`).join(", ");
        lines.push(...wrap(`${r.mode} ${r.tokenLifetimeS} s ${r.strategy}: ${steps}`, WIDTH, "  ", "    "));
        for (const [reason, count] of Object.entries(r.failureReasons)) lines.push(...wrap(`${count} × "${reason}"`, WIDTH, "    ", "      "));
    }
    lines.push("");
    lines.push(
        ...wrap(
            "A login fails when it fetches a token with settings whose secret the tenant no longer accepts. With a 5 s lifetime " +
                "(no longer than the code's 60 s refresh margin) no token is cached, so every login in every intermediate state " +
                "fetches; with 61 s the naive update fails only when a refresh falls between the tenant's change and the deploy. " +
                "Rules read the credential as one rule config (M2M_CREDENTIALS), so, like an action deploy, one write switches id and secret.",
            WIDTH,
        ),
    );
    return lines;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = {
    name: "simulate:rotation",
    usage: USAGE,
    parse,
    run: async ({ rotations, json }) => {
        const figures = await simulate(rotations, new Progress(process.stderr));
        process.stdout.write(json ? `${JSON.stringify(figures, null, 2)}\n` : `${formatRotationReport(figures).join("\n")}\n`);
    },
};

if (require.main === module) void runCommand(command);
