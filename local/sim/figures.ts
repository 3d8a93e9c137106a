/**
 * The figures the bench and the rotation simulation print with `--json`, checked when read, and
 * drawn as SVG with Vega-Lite (compiled to Vega, rendered headless by Vega's own SVG renderer: no
 * browser, no canvas, no network). `npm run figures` (scripts/figures.ts) writes docs/figures/.
 */
// vega-lite declares its types through package.json "exports" only, which this repo's
// moduleResolution ("node") does not read; the file they point at is named directly.
import { parseJsonInput } from "../../tools/untrustedInput";
import type { TopLevelSpec } from "vega-lite/build/index";

export const BENCH_FIGURES_KIND = "bench";
export const ROTATION_FIGURES_KIND = "rotation";

/** `npm run bench -- --json`. */
export interface BenchFigures {
    readonly kind: typeof BENCH_FIGURES_KIND;
    /** Round-trip time the local servers added to every request, ms. */
    readonly rttMs: number;
    /** Logins per run. */
    readonly logins: number;
    readonly results: readonly BenchResult[];
}

export interface BenchResult {
    readonly mode: "actions" | "rules";
    /** The approach measured, e.g. `this repo (single-flight cache)`. */
    readonly approach: string;
    /** Token requests over the run, by audience label (`authz`, `api`, `mgmt`, ...). */
    readonly tokenRequests: Readonly<Record<string, number>>;
    /** Login duration minus its own HTTP requests, ms: first wave (cold) and the rest (warm). */
    readonly addedLatencyMs: { readonly coldP50: number; readonly coldP99: number; readonly warmP50: number; readonly warmP99: number };
    /** HTTP round trips a login makes. */
    readonly roundTrips: { readonly coldP50: number; readonly warmP50: number };
}

/** `npm run simulate:rotation -- --json`. */
export interface RotationFigures {
    readonly kind: typeof ROTATION_FIGURES_KIND;
    readonly firstGeneration: number;
    /** Rotations per run. */
    readonly rotations: number;
    readonly concurrency: number;
    readonly containers: number;
    readonly stepDelayMs: number;
    readonly rotationIntervalMs: number;
    readonly loginsPerStep: number;
    /** The first rotation's steps per mode, `<resource name> (<effect>)`, in the engine's order. */
    readonly firstRotationSteps: Readonly<Record<string, readonly string[]>>;
    readonly runs: readonly RotationRun[];
}

export interface RotationRun {
    readonly mode: "actions" | "rules";
    readonly tokenLifetimeS: number;
    readonly strategy: "blue-green" | "in-place";
    readonly rotations: number;
    readonly steps: number;
    readonly deploys: number;
    readonly logins: number;
    readonly tokenRequests: number;
    readonly failedLogins: number;
    readonly wallMs: number;
    /** Failed logins by the reason the login code gave (never a secret). */
    readonly failureReasons: Readonly<Record<string, number>>;
    /** Every step in order, `start` first (`<from>-><to> <resource name>`), with the logins that failed after it. */
    readonly timeline: readonly { readonly step: string; readonly failedLogins: number }[];
}

export type Figures = BenchFigures | RotationFigures;

/** Reads either document, refusing anything off its shape with the path of what is wrong. */
export function readFigures(text: string, source: string): Figures {
    const value = parseJsonInput(text, source, "the output of --json");
    const check = new ShapeCheck(source);
    const doc = check.object(value, "");
    if (doc.kind === BENCH_FIGURES_KIND) {
        check.number(doc.rttMs, "rttMs");
        check.number(doc.logins, "logins");
        check.array(doc.results, "results", true).forEach((r, i) => {
            const at = `results[${i}]`;
            const result = check.object(r, at);
            check.oneOf(result.mode, `${at}.mode`, ["actions", "rules"]);
            check.string(result.approach, `${at}.approach`);
            const tokens = check.object(result.tokenRequests, `${at}.tokenRequests`);
            for (const [audience, n] of Object.entries(tokens)) check.number(n, `${at}.tokenRequests.${audience}`);
            const added = check.object(result.addedLatencyMs, `${at}.addedLatencyMs`);
            for (const k of ["coldP50", "coldP99", "warmP50", "warmP99"]) check.number(added[k], `${at}.addedLatencyMs.${k}`);
            const trips = check.object(result.roundTrips, `${at}.roundTrips`);
            for (const k of ["coldP50", "warmP50"]) check.number(trips[k], `${at}.roundTrips.${k}`);
        });
    } else if (doc.kind === ROTATION_FIGURES_KIND) {
        for (const k of ["firstGeneration", "rotations", "concurrency", "containers", "stepDelayMs", "rotationIntervalMs", "loginsPerStep"]) check.number(doc[k], k);
        check.object(doc.firstRotationSteps, "firstRotationSteps");
        check.array(doc.runs, "runs", true).forEach((r, i) => {
            const at = `runs[${i}]`;
            const run = check.object(r, at);
            check.oneOf(run.mode, `${at}.mode`, ["actions", "rules"]);
            check.oneOf(run.strategy, `${at}.strategy`, ["blue-green", "in-place"]);
            for (const k of ["tokenLifetimeS", "rotations", "steps", "deploys", "logins", "tokenRequests", "failedLogins", "wallMs"]) check.number(run[k], `${at}.${k}`);
            check.object(run.failureReasons, `${at}.failureReasons`);
            const timeline = check.array(run.timeline, `${at}.timeline`, true);
            timeline.forEach((t, j) => {
                const point = check.object(t, `${at}.timeline[${j}]`);
                check.string(point.step, `${at}.timeline[${j}].step`);
                check.number(point.failedLogins, `${at}.timeline[${j}].failedLogins`);
            });
            if (timeline.length !== Number(run.steps) + 1) check.fail(`${at}.timeline`, `${timeline.length} points for ${String(run.steps)} steps; expected one per step plus start`);
        });
    } else {
        check.fail("kind", `${JSON.stringify(doc.kind)}; expected "${BENCH_FIGURES_KIND}" or "${ROTATION_FIGURES_KIND}"`);
    }
    check.throwIfAny();
    return value as Figures;
}

class ShapeCheck {
    private readonly problems: string[] = [];
    constructor(private readonly source: string) {}
    fail(at: string, what: string): void {
        this.problems.push(`${at || "(top)"}: ${what}`);
    }
    object(v: unknown, at: string): Record<string, unknown> {
        if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
        this.fail(at, "expected an object");
        return {};
    }
    array(v: unknown, at: string, nonEmpty: boolean): unknown[] {
        if (Array.isArray(v) && (!nonEmpty || v.length > 0)) return v;
        this.fail(at, nonEmpty ? "expected a non-empty array" : "expected an array");
        return [];
    }
    number(v: unknown, at: string): void {
        if (typeof v !== "number" || !Number.isFinite(v) || v < 0) this.fail(at, `${JSON.stringify(v)}; expected a number, 0 or more`);
    }
    string(v: unknown, at: string): void {
        if (typeof v !== "string" || v.length === 0) this.fail(at, "expected a non-empty string");
    }
    oneOf(v: unknown, at: string, allowed: readonly string[]): void {
        if (typeof v !== "string" || !allowed.includes(v)) this.fail(at, `${JSON.stringify(v)}; expected one of: ${allowed.join(", ")}`);
    }
    throwIfAny(): void {
        if (this.problems.length) throw new Error(`${this.source}: not the figures --json prints:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

const WIDTH = 520;
const LOG_FLOOR = 0.5;
const FONT = "Helvetica, Arial, sans-serif";
const CONFIG = { font: FONT, view: { stroke: "#ddd" }, axis: { labelFontSize: 11, titleFontSize: 12 }, header: { labelFontSize: 12, titleFontSize: 12 } } as const;

/** A spec with one panel per value of a field (vega-lite's facet operator). */
type FacetedSpec = Extract<TopLevelSpec, { facet: unknown }>;

/** What one bar chart of approaches shows: the bars' offset field, their measure, and its label format. */
interface ApproachBars {
    /** The field that splits an approach's bars (and colours them), with its order and legend title. */
    readonly offset: { readonly field: string; readonly sort?: readonly string[]; readonly legend: string | null };
    /** The measured field, its scale (when not linear) and axis title. */
    readonly x: { readonly field: string; readonly scale?: Record<string, unknown>; readonly title: string };
    /** d3 format of the number printed at each bar's end (the field's own by default). */
    readonly format?: string;
}

/**
 * Horizontal bars per approach with their value printed at the end, one panel per login code
 * mode: the shape of the bench's figures.
 */
function approachBarsSpec(bars: ApproachBars): FacetedSpec["spec"] {
    const offset = { field: bars.offset.field, type: "nominal", ...(bars.offset.sort ? { sort: bars.offset.sort } : {}) };
    const x = { field: bars.x.field, type: "quantitative", ...(bars.x.scale ? { scale: bars.x.scale } : {}), stack: null };
    return {
        width: WIDTH,
        height: { step: 12 },
        layer: [
            {
                mark: { type: "bar" },
                encoding: {
                    y: { field: "approach", type: "nominal", title: null, sort: null, axis: { labelLimit: 0 } },
                    yOffset: offset,
                    x: { ...x, title: bars.x.title },
                    color: { field: bars.offset.field, type: "nominal", title: bars.offset.legend, ...(bars.offset.sort ? { sort: bars.offset.sort } : {}) },
                },
            },
            {
                mark: { type: "text", align: "left", dx: 3, fontSize: 10 },
                encoding: {
                    y: { field: "approach", type: "nominal", sort: null },
                    yOffset: offset,
                    x,
                    text: { field: bars.x.field, type: "quantitative", ...(bars.format ? { format: bars.format } : {}) },
                },
            },
        ],
    } as FacetedSpec["spec"];
}

/** Token requests per approach and audience, one panel per mode, on a log scale. */
export function tokenRequestsSpec(bench: BenchFigures): TopLevelSpec {
    const values = bench.results.flatMap((r) =>
        Object.entries(r.tokenRequests).map(([audience, requests]) => ({ mode: r.mode, approach: r.approach, audience, requests })),
    );
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: { text: `Token requests over ${bench.logins} logins, per approach and audience`, subtitle: "log scale; an audience asked 0 times has no bar" },
        data: { values },
        // A log scale has no 0: those bars are left out, and the label says how many.
        transform: [{ filter: "datum.requests > 0" }],
        facet: { row: { field: "mode", type: "nominal", title: null } },
        // Bars on a log scale start at its lower end: below 1, so a single request still shows.
        spec: approachBarsSpec({
            offset: { field: "audience", legend: "audience" },
            x: { field: "requests", scale: { type: "log", domainMin: LOG_FLOOR }, title: "token requests (log scale)" },
        }),
        config: CONFIG,
    };
}

/** Added login latency per approach: p50 and p99, cold (first wave) and warm, one panel per mode. */
export function loginLatencySpec(bench: BenchFigures): TopLevelSpec {
    const measures = [
        ["coldP50", "cold p50"],
        ["coldP99", "cold p99"],
        ["warmP50", "warm p50"],
        ["warmP99", "warm p99"],
    ] as const;
    const values = bench.results.flatMap((r) => measures.map(([k, label]) => ({ mode: r.mode, approach: r.approach, measure: label, ms: r.addedLatencyMs[k] })));
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `Latency the login code adds, per approach (${bench.logins} logins, ${bench.rttMs} ms round trip)`,
            subtitle: "login duration minus its own HTTP requests; cold = first wave, warm = the rest",
        },
        data: { values },
        facet: { row: { field: "mode", type: "nominal", title: null } },
        spec: approachBarsSpec({
            offset: { field: "measure", sort: measures.map(([, label]) => label), legend: null },
            x: { field: "ms", title: "added latency (ms)" },
            format: ".1f",
        }),
        config: CONFIG,
    };
}

/** Failed logins after each step of the rotations, blue/green against in-place, one panel per run. */
export function rotationTimelineSpec(rotation: RotationFigures): TopLevelSpec {
    const values = rotation.runs.flatMap((r) =>
        r.timeline.map((t, index) => ({
            run: `${r.mode}, ${r.tokenLifetimeS} s tokens`,
            strategy: r.strategy,
            index,
            step: t.step,
            failed: t.failedLogins,
        })),
    );
    const stepsPerRotation = rotation.runs[0].steps / Math.max(1, rotation.runs[0].rotations);
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: {
            text: `Failed logins during ${rotation.rotations} secret rotations, blue/green against in-place`,
            subtitle: `${rotation.concurrency} concurrent logins; each point: logins that started after that step and failed (${stepsPerRotation} steps per rotation)`,
        },
        data: { values },
        facet: { row: { field: "run", type: "nominal", title: null, sort: null } },
        spec: {
            width: WIDTH,
            height: 110,
            mark: { type: "line", point: true, interpolate: "step-after" },
            encoding: {
                x: { field: "index", type: "quantitative", title: "step (0 = before the first rotation)", axis: { tickMinStep: 1 } },
                y: { field: "failed", type: "quantitative", title: "failed logins" },
                color: {
                    field: "strategy",
                    type: "nominal",
                    title: "update",
                    scale: { domain: ["blue-green", "in-place"], range: ["#1f77b4", "#d62728"] },
                },
            },
        },
        config: CONFIG,
    };
}

const VEGA_LITE: string = "vega-lite";

/** Compiles a Vega-Lite spec and renders it to SVG in this process. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
    // Both are ES modules (vega-canvas awaits at its top level), so they are imported, not required.
    const vegaLite = (await import(VEGA_LITE)) as typeof import("vega-lite/build/index");
    const vega = await import("vega");
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
    try {
        return `${await view.toSVG()}\n`;
    } finally {
        view.finalize();
    }
}
