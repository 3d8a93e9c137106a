/**
 * What `npm run figures` does: takes the bench's and the rotation simulation's figures (each
 * read from a file, or printed by running its command with --json), writes each document to
 * `out` beside the SVG figures drawn from it (local/sim/figures.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/repository";
import { BenchFigures, Figures, loginLatencySpec, readFigures, renderSvg, RotationFigures, rotationTimelineSpec, tokenRequestsSpec } from "./figures";

export interface DrawRequest {
    /** A saved `npm run bench -- --json`; undefined: run the bench. */
    readonly bench?: string;
    /** A saved `npm run simulate:rotation -- --json`; undefined: run the simulation. */
    readonly rotation?: string;
    /** Where the documents and the figures are written. */
    readonly out: string;
}

/** The figures of one command: read from a file, or printed by running it with --json (`note` says so). */
async function figuresOf(file: string | undefined, script: string, label: string, note: (line: string) => void): Promise<{ figures: Figures; text: string }> {
    if (file) {
        const text = fs.readFileSync(file, "utf8");
        return { figures: readFigures(text, file), text };
    }
    note(`figures: running ${label} -- --json`);
    const result = await runChild(process.execPath, ["--import", "tsx", script, "--json"], { cwd: ROOT, env: process.env });
    if (result.code !== 0) throw new Error(`${label} -- --json exited ${result.code}: ${result.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    return { figures: readFigures(result.stdout, `${label} -- --json`), text: result.stdout };
}

function expectKind<K extends Figures["kind"]>(figures: Figures, kind: K, source: string): Extract<Figures, { kind: K }> {
    if (figures.kind !== kind) throw new Error(`${source}: "kind" is ${JSON.stringify(figures.kind)}; expected ${JSON.stringify(kind)}`);
    return figures as Extract<Figures, { kind: K }>;
}

/** Renders every figure from the two documents into `out`; returns the files written. */
export async function writeFigures(bench: BenchFigures, rotation: RotationFigures, out: string): Promise<string[]> {
    fs.mkdirSync(out, { recursive: true });
    const drawings: [string, Promise<string>][] = [
        ["token-requests.svg", renderSvg(tokenRequestsSpec(bench))],
        ["login-latency.svg", renderSvg(loginLatencySpec(bench))],
        ["rotation-timeline.svg", renderSvg(rotationTimelineSpec(rotation))],
    ];
    const written: string[] = [];
    for (const [name, svg] of drawings) {
        fs.writeFileSync(path.join(out, name), await svg);
        written.push(path.join(out, name));
    }
    return written;
}

/** Writes both documents and every figure into `req.out`; returns the figures' files. */
export async function drawFigures(req: DrawRequest, note: (line: string) => void): Promise<string[]> {
    const bench = await figuresOf(req.bench, path.join("bench", "login.bench.ts"), "npm run bench", note);
    const rotation = await figuresOf(req.rotation, path.join("scripts", "simulate-rotation.ts"), "npm run simulate:rotation", note);
    const benchFigures = expectKind(bench.figures, "bench", req.bench ?? "npm run bench");
    const rotationFigures = expectKind(rotation.figures, "rotation", req.rotation ?? "npm run simulate:rotation");
    fs.mkdirSync(req.out, { recursive: true });
    fs.writeFileSync(path.join(req.out, "bench.json"), bench.text.endsWith("\n") ? bench.text : `${bench.text}\n`);
    fs.writeFileSync(path.join(req.out, "rotation.json"), rotation.text.endsWith("\n") ? rotation.text : `${rotation.text}\n`);
    return writeFigures(benchFigures, rotationFigures, req.out);
}
