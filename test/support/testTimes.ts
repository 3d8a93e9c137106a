/**
 * Where `npm run test:unit`'s time goes: runs mocha as .mocharc.cjs configures it, with the
 * per-file timer of test/support/fileTimes.ts, then prints each test file's wall time, CPU time
 * (its worker's and its children's) and test count, longest first, and the run's totals.
 * Figures to compare, not limits: nothing fails for being slow.
 *
 *   npm run test:times [-- [--from <file>] [--json] [--top <n>] [<mocha argument>...]]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { ROOT } from "../../tools/repository";
import { Command, parseStrict, UsageError } from "../../tools/cli";
import { FILE_TIMES_ENV, type FileTime } from "./fileTimes";
import { CensusRow, formatCensus, ProcessCensus } from "./processCensus";
import { statFields, TICKS_PER_S } from "./procStat";

const USAGE = `usage: npm run test:times [-- [--from <file>] [--json] [--top <n>] [<mocha argument>...]]

Runs mocha as npm run test:unit does (.mocharc.cjs), timing each test file, then prints per file
its wall seconds, CPU seconds (its worker and the commands it started) and tests, longest first,
the run's wall and CPU seconds, and the run's processes by kind (program runs, policy packs,
scripts, npm…) with their CPU seconds. Mocha's own report goes to stderr.
  --from <file>   print the figures of an earlier run (the JSON lines TEST_FILE_TIMES names)
                  instead of running mocha
  --json          the figures as JSON
  --top <n>       only the n files with the most CPU time (default: every file)
  <mocha argument>  passed on to mocha, e.g. a test file to time alone
Exit 0 when mocha passes (or --from), 1 when it fails, 2 bad arguments.`;

interface Args {
    readonly from?: string;
    readonly json: boolean;
    readonly top?: number;
    readonly mocha: readonly string[];
}

function parse(argv: readonly string[]): Args {
    const { values, positionals } = parseStrict(argv, { from: { type: "string" }, json: { type: "boolean" }, top: { type: "string" } }, true);
    let top: number | undefined;
    if (values.top !== undefined) {
        top = Number(values.top);
        if (!Number.isInteger(top) || top < 1) throw new UsageError("--top: expected a whole number of files, 1 or more");
    }
    if (values.from !== undefined && positionals.length) throw new UsageError("--from prints an earlier run: no mocha arguments with it");
    return { from: values.from, json: !!values.json, top, mocha: positionals };
}

/** The run's totals: wall seconds, and CPU seconds of mocha and every process it waited for. */
interface Totals {
    readonly wallS: number;
    /** Undefined where /proc is not. */
    readonly cpuS?: number;
    /** The run's processes by kind, from /proc (test/support/processCensus.ts); empty without /proc. */
    readonly census?: readonly CensusRow[];
}

/** One line per file of `record` (JSON lines, as test/support/fileTimes.ts appends them). */
export function readFileTimes(text: string): FileTime[] {
    return text
        .split("\n")
        .filter((line) => line.trim())
        .map((line, i) => {
            const value = JSON.parse(line) as FileTime;
            if (typeof value.file !== "string" || typeof value.ms !== "number") throw new Error(`line ${i + 1}: not a file's figures`);
            return value;
        });
}

const cpuOf = (t: FileTime) => (t.cpuS ?? 0) + (t.loadCpuS ?? 0);

/** The table: per file, longest CPU first, then the sums and (when known) the run's totals. */
export function formatFileTimes(times: readonly FileTime[], top: number | undefined, totals?: Totals): string[] {
    const sorted = [...times].sort((a, b) => cpuOf(b) - cpuOf(a) || b.ms - a.ms);
    const shown = top === undefined ? sorted : sorted.slice(0, top);
    const width = Math.max(4, ...shown.map((t) => t.file.length));
    const row = (file: string, wall: string, cpu: string, tests: string) => `${file.padEnd(width)}  ${wall.padStart(7)}  ${cpu.padStart(7)}  ${tests.padStart(5)}`;
    const lines = [row("file", "wall s", "CPU s", "tests")];
    for (const t of shown) lines.push(row(t.file, ((t.ms + (t.loadMs ?? 0)) / 1000).toFixed(1), cpuOf(t).toFixed(1), String(t.tests)));
    const sumWall = times.reduce((s, t) => s + t.ms + (t.loadMs ?? 0), 0) / 1000;
    const sumCpu = times.reduce((s, t) => s + cpuOf(t), 0);
    lines.push(row(`${times.length} files, summed`, sumWall.toFixed(1), sumCpu.toFixed(1), String(times.reduce((s, t) => s + t.tests, 0))));
    if (totals) lines.push(`the run: ${totals.wallS.toFixed(1)} s wall${totals.cpuS === undefined ? "" : `, ${totals.cpuS.toFixed(1)} s CPU (mocha and every process it waited for)`}`);
    if (totals?.census) lines.push(...formatCensus(totals.census, totals.cpuS));
    return lines;
}

/** Runs mocha with the timer; resolves to its exit code and the run's totals. */
function runMocha(record: string, mochaArgs: readonly string[]): Promise<{ code: number; totals: Totals }> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--require", "test/support/fileTimes.ts", ...mochaArgs], {
            cwd: ROOT,
            env: { ...process.env, [FILE_TIMES_ENV]: record },
            // Mocha's report on stderr, so stdout holds the figures only.
            stdio: ["ignore", process.stderr, process.stderr],
        });
        const census = child.pid === undefined ? undefined : new ProcessCensus(child.pid).start();
        child.on("error", reject);
        child.on("close", (code) => {
            census?.stop();
            // Mocha's CPU and that of every process it waited for: this process's reaped children's.
            resolve({ code: code ?? 1, totals: { wallS: (performance.now() - started) / 1000, cpuS: childrenCpuSeconds(), census: census?.rows() } });
        });
    });
}

/** cutime + cstime of /proc/self/stat (proc(5), fields 16 and 17), in seconds at 100 ticks a second; undefined without /proc. */
function childrenCpuSeconds(): number | undefined {
    const fields = statFields("/proc/self/stat");
    return fields && (Number(fields[13]) + Number(fields[14])) / TICKS_PER_S;
}

async function run(args: Args): Promise<number> {
    let times: FileTime[];
    let totals: Totals | undefined;
    let code = 0;
    if (args.from) {
        times = readFileTimes(fs.readFileSync(args.from, "utf8"));
    } else {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-times-"));
        const record = path.join(dir, "times.jsonl");
        try {
            const ran = await runMocha(record, args.mocha);
            code = ran.code === 0 ? 0 : 1;
            totals = ran.totals;
            times = fs.existsSync(record) ? readFileTimes(fs.readFileSync(record, "utf8")) : [];
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    if (args.json) process.stdout.write(`${JSON.stringify({ files: times, totals }, null, 2)}\n`);
    else process.stdout.write(`${formatFileTimes(times, args.top, totals).join("\n")}\n`);
    return code;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "test:times", usage: USAGE, parse, run };
