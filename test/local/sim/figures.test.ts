import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BenchFigures, loginLatencySpec, readFigures, renderSvg, RotationFigures, rotationTimelineSpec, tokenRequestsSpec } from "../../../local/sim/figures";
import { ROOT } from "../../../tools/repository";

const FIXTURES = path.join(ROOT, "test", "fixtures", "figures");
const fixtureText = (name: string) => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const bench = () => readFigures(fixtureText("bench.json"), "bench.json") as BenchFigures;
const rotation = () => readFigures(fixtureText("rotation.json"), "rotation.json") as RotationFigures;

/** The `aria-label`s Vega gives each drawn mark of a kind: one per bar, point, text. */
function markLabels(svg: string, mark: "rect" | "symbol"): string[] {
    const groups = [...svg.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^>]*>(.*?)</g>`, "gs"))].map((m) => m[1]);
    return groups.flatMap((g) => [...g.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]));
}

describe("local/sim/figures", () => {
    it("must read both documents in the shapes --json prints", () => {
        assert.strictEqual(bench().results.length, 4);
        assert.strictEqual(rotation().runs[1].timeline[2].failedLogins, 37);
    });

    it("must refuse a document off its shape, naming each wrong field", () => {
        const broken = JSON.parse(fixtureText("bench.json")) as { results: Record<string, unknown>[] };
        delete broken.results[1].addedLatencyMs;
        broken.results[2].mode = "hooks";
        assert.throws(
            () => readFigures(JSON.stringify(broken), "x.json"),
            /x\.json: not the figures --json prints:\n {2}- results\[1\]\.addedLatencyMs: expected an object\n(.|\n)* {2}- results\[2\]\.mode: "hooks"; expected one of: actions, rules/,
        );
        const short = JSON.parse(fixtureText("rotation.json")) as { runs: { timeline: unknown[] }[] };
        short.runs[0].timeline.pop();
        assert.throws(() => readFigures(JSON.stringify(short), "r.json"), /runs\[0\]\.timeline: 3 points for 3 steps; expected one per step plus start/);
        assert.throws(() => readFigures("{}", "e.json"), /kind: undefined; expected "bench" or "rotation"/);
        assert.throws(() => readFigures("Rotations 1 -> 11 ...", "t.txt"), /t\.txt: not JSON/);
    });

    it("must draw a bar per audience and approach on a log axis, leaving out audiences asked 0 times", async () => {
        const svg = await renderSvg(tokenRequestsSpec(bench()));
        assert.match(svg, /^<svg /);
        assert.match(svg, /X-axis titled 'token requests \(log scale\)' for a log scale/);
        const bars = markLabels(svg, "rect");
        // 9 non-zero entries in the fixture; rules "token per login" asked mgmt 0 times.
        assert.strictEqual(bars.length, 9, bars.join("\n"));
        assert.ok(bars.includes("token requests (log scale): 120; approach: token per login; audience: authz"));
        assert.ok(!bars.some((b) => b.startsWith("token requests (log scale): 0;")));
    });

    it("must draw the four added-latency figures of each approach", async () => {
        const svg = await renderSvg(loginLatencySpec(bench()));
        const bars = markLabels(svg, "rect");
        assert.strictEqual(bars.length, 16);
        assert.ok(bars.includes("added latency (ms): 91.9; approach: this repo; measure: cold p99"), bars.join("\n"));
        assert.match(svg, /20 ms round trip/);
    });

    it("must draw the failed logins after every step, one line per update strategy", async () => {
        const svg = await renderSvg(rotationTimelineSpec(rotation()));
        const points = markLabels(svg, "symbol");
        assert.strictEqual(points.length, 8);
        assert.ok(points.includes("step (0 = before the first rotation): 2; failed logins: 37; update: in-place"), points.join("\n"));
        assert.ok(points.includes("step (0 = before the first rotation): 2; failed logins: 0; update: blue-green"));
    });
});
