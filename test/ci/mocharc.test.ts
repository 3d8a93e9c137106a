import { ROOT } from "../../tools/repository";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";


function testFiles(dir: string): string[] {
    return fs
        .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".test.ts"))
        .map((file) => path.posix.join(dir, ...file.split(path.sep)));
}

describe(".mocharc.cjs", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(path.join(ROOT, ".mocharc.cjs")) as { spec: string[]; parallel: boolean; jobs: number };

    it("must run every test file exactly once, whatever order it gives them", () => {
        const counts = new Map<string, number>();
        for (const file of config.spec) counts.set(file, (counts.get(file) ?? 0) + 1);
        assert.deepEqual([...counts].filter(([, n]) => n > 1), [], "listed more than once");
        assert.deepEqual([...config.spec].sort(), testFiles("test").sort());
    });
});
