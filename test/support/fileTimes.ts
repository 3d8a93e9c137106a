/**
 * Mocha root hooks that time each test file: with `--require test/support/fileTimes.ts` and
 * TEST_FILE_TIMES naming a file, each test file appends one JSON line to it, `{ file, ms, tests }`,
 * with its wall time from its first hook to its last. Under `parallel` mocha runs the root hooks
 * once per file, in the worker that runs it (mocha docs, "Root Hook Plugins" > "Available Root
 * Hooks": "In parallel mode, `beforeAll` and `afterAll` run once per file",
 * https://mochajs.org/#available-root-hooks), so the timer sees one file at a time. With
 * TEST_FILE_TIMES unset it does nothing. `npm run test:times` prints the figures.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Context, RootHookObject, Suite } from "mocha";
import { statFields, TICKS_PER_S } from "./procStat";

/** The environment variable naming the file the durations are appended to. */
export const FILE_TIMES_ENV = "TEST_FILE_TIMES";

/** One test file's figures, as appended to TEST_FILE_TIMES. */
export interface FileTime {
    /** The file, relative to the working directory. */
    readonly file: string;
    readonly ms: number;
    /**
     * The time in this worker between the previous file's end (or this module's loading) and this
     * file's first hook: mostly loading and compiling the file and its imports.
     */
    readonly loadMs: number;
    /**
     * CPU seconds the worker and the children it reaped spent on the file, from /proc/self/stat
     * (utime, stime, cutime, cstime: proc(5)); less sensitive than `ms` to what else the machine
     * runs. Absent where /proc is not.
     */
    readonly cpuS?: number;
    /** The same over `loadMs`. */
    readonly loadCpuS?: number;
    /** How many tests it declares. */
    readonly tests: number;
    /** Each test that ran, with its own duration (the rest of `ms` is hooks and loading). */
    readonly each: readonly { readonly title: string; readonly ms: number }[];
}

/** The CPU time of this process and of its reaped children, in clock ticks (proc(5)); undefined without /proc. */
function cpuTicks(): number | undefined {
    // utime, stime, cutime, cstime: fields 14-17 of proc(5).
    return statFields("/proc/self/stat")?.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
}

let startedAt = 0;
let cpuAtStart: number | undefined;
let previousEnd = performance.now();
let cpuAtPreviousEnd = cpuTicks();
let each: { title: string; ms: number }[] = [];

/** The test file a root suite runs: the file of its first test or suite that names one. */
function fileOf(suite: Suite | undefined): string | undefined {
    if (!suite) return undefined;
    if (suite.file) return suite.file;
    for (const test of suite.tests) if (test.file) return test.file;
    for (const child of suite.suites) {
        const file = fileOf(child);
        if (file) return file;
    }
    return undefined;
}

export const mochaHooks: RootHookObject = {
    beforeAll(this: Context) {
        startedAt = performance.now();
        cpuAtStart = cpuTicks();
        each = [];
    },
    afterEach(this: Context) {
        const test = this.currentTest;
        if (test?.duration !== undefined) each.push({ title: test.fullTitle(), ms: test.duration });
    },
    afterAll(this: Context) {
        const target = process.env[FILE_TIMES_ENV];
        if (!target) return;
        const root = this.test?.parent;
        const file = fileOf(root);
        if (!root || !file) return;
        const record: FileTime = {
            file: path.relative(process.cwd(), file).split(path.sep).join("/"),
            ms: Math.round(performance.now() - startedAt),
            loadMs: Math.round(startedAt - previousEnd),
            cpuS: cpuAtStart === undefined ? undefined : ((cpuTicks() ?? cpuAtStart) - cpuAtStart) / TICKS_PER_S,
            loadCpuS: cpuAtStart === undefined || cpuAtPreviousEnd === undefined ? undefined : (cpuAtStart - cpuAtPreviousEnd) / TICKS_PER_S,
            tests: root.total(),
            each,
        };
        fs.appendFileSync(target, `${JSON.stringify(record)}\n`);
        previousEnd = performance.now();
        cpuAtPreviousEnd = cpuTicks();
    },
};
