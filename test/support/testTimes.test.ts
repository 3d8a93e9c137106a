import * as assert from "node:assert/strict";
import { formatFileTimes, readFileTimes } from "./testTimes";

describe("npm run test:times (test/support/testTimes.ts)", () => {
    const record = [
        { file: "test/a.test.ts", ms: 1000, loadMs: 500, cpuS: 0.5, loadCpuS: 0.25, tests: 3, each: [] },
        { file: "test/b.test.ts", ms: 4000, loadMs: 0, cpuS: 3, loadCpuS: 0, tests: 1, each: [] },
        { file: "test/c.test.ts", ms: 9000, loadMs: 0, cpuS: 0.1, loadCpuS: 0, tests: 2, each: [] },
    ]
        .map((r) => JSON.stringify(r))
        .join("\n");

    it("must list the files by CPU time, most first, with their wall time including loading, and the sums", () => {
        const lines = formatFileTimes(readFileTimes(`${record}\n`), undefined, { wallS: 12.34, cpuS: 5.6 });
        assert.deepEqual(
            lines.slice(1, 4).map((l) => l.split(/\s+/)),
            [
                ["test/b.test.ts", "4.0", "3.0", "1"],
                ["test/a.test.ts", "1.5", "0.8", "3"],
                ["test/c.test.ts", "9.0", "0.1", "2"],
            ],
        );
        assert.match(lines[4], /^3 files, summed\s+14\.5\s+3\.9\s+6$/);
        assert.equal(lines[5], "the run: 12.3 s wall, 5.6 s CPU (mocha and every process it waited for)");
    });

    it("must show only the --top files but sum them all", () => {
        const lines = formatFileTimes(readFileTimes(record), 1);
        assert.equal(lines.length, 3);
        assert.match(lines[1], /^test\/b\.test\.ts/);
        assert.match(lines[2], /^3 files, summed\s+14\.5/);
    });

    it("must refuse a line that is not a file's figures, naming it", () => {
        assert.throws(() => readFileTimes(`${record}\n{"tests": 1}\n`), /line 4: not a file's figures/);
    });
});
