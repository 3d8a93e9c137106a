/**
 * Mocha's settings for `npm run test:unit`. The test files are listed in the order the two
 * parallel workers take them (each takes the next file as it frees up): first the files that mostly
 * wait on timers and sockets, each beside files that keep the CPU busy meanwhile, then the longest
 * of the rest; every other file after them, alphabetically. The order changes no result, only how
 * much of the two cores the run keeps busy (docs/engine-double.md, "What it costs").
 * test/ci/mocharc.test.ts checks that every file runs exactly once.
 */
const fs = require("node:fs");
const path = require("node:path");

const FIRST = [
    "test/login/bounds.test.ts", // about 10 s, most of it waiting for timeouts (npm run test:times)
    "test/scripts/help.test.ts", // loads every script while mocha's main process compiles for the engine double
    "test/local/engine/stackProdActions.test.ts", // the engine matrix, longest first, beside bounds
    "test/login/pipeline.test.ts", // about 12 s, much of it waiting: taken when bounds ends, beside the rest of the matrix
    "test/local/engine/stackProdRules.test.ts",
    "test/local/engine/stackReview.test.ts",
    "test/local/engine/stackDevActions.test.ts",
    "test/local/engine/stackDevRules.test.ts",
    "test/scripts/simulateRotation.test.ts",
    "test/local/sim/rotationSimulation.test.ts",
];

/** Every `*.test.ts` under `dir`, as paths relative to the repository (mocha's working directory). */
function testFiles(dir) {
    return fs
        .readdirSync(path.join(__dirname, dir), { recursive: true })
        .filter((file) => file.endsWith(".test.ts"))
        .map((file) => path.posix.join(dir, ...file.split(path.sep)))
        .sort();
}

// Node's on-disk code cache (https://nodejs.org/api/module.html#module-compile-cache) for the
// workers and every process a test starts (scripts, the program, the policy pack): each loads
// @pulumi/pulumi and its gRPC stack, whose compiled code is then read instead of compiled again.
// It changes no result; a user's own NODE_COMPILE_CACHE is kept.
process.env.NODE_COMPILE_CACHE ??= path.join(__dirname, "node_modules", ".cache", "node-compile");

const all = testFiles("test");
for (const file of FIRST) if (!all.includes(file)) throw new Error(`.mocharc.cjs: ${file} is listed first but is not a test file`);
module.exports = {
    require: ["tsx/cjs", "test/support/fixtureStacks.ts", "test/local/engine/warmCompileCache.ts"],
    extension: ["ts"],
    spec: [...FIRST, ...all.filter((file) => !FIRST.includes(file))],
    timeout: 20000,
    reporter: "spec",
    parallel: true,
    jobs: 2,
};
