/**
 * The rotation simulation's figures (local/sim/rotationRuns.ts) as the tables `npm run
 * simulate:rotation` prints.
 */
import { RotationFigures } from "./figures";
import { wrap } from "./progress";

const WIDTH = 120;

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
