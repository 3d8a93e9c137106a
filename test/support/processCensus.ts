/**
 * Where a test run's CPU goes, by kind of process: `npm run test:times` samples /proc while mocha
 * runs and sums, for every process descended from mocha, the CPU it had used when last seen
 * (utime + stime of /proc/<pid>/stat, proc(5)), grouped by what its command line says it is (a
 * program run through the SDK's cmd/run, a policy pack, a script, npm, the mocha workers…).
 *
 * Sampling, not accounting: a process's CPU after the last sample before it exits is not seen,
 * and a process that lives between two samples not at all, so each figure is a lower bound (at
 * SAMPLE_MS, about 0.05 s per process). It catches every process, whatever environment a test
 * gives it, which a preload through NODE_OPTIONS would not (most tests start their children with
 * a clean environment). Reads /proc only; where there is none the census is empty. A sample of
 * about 80 processes takes 2.5 ms, so sampling costs test:times about 2.5 % of a core, outside
 * mocha's figures.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { statFields, TICKS_PER_S } from "./procStat";

/** How often /proc is read. */
export const SAMPLE_MS = 100;

/** A descendant of the root, keyed by pid and start time (a pid can be reused). */
interface Seen {
    /** The latest command line read: a child forked but not yet exec'd shows its parent's, an exited one none. */
    argv: readonly string[];
    ticks: number;
}

/** One kind of process: how many ran and the CPU seconds they used, at least. */
export interface CensusRow {
    readonly kind: string;
    readonly processes: number;
    readonly cpuS: number;
}

/**
 * What a command line runs, for the census. Node's own flags (`--import tsx`, `--require …`)
 * are looked through; any file under scripts/ counts as a script.
 */
export function processKind(argv: readonly string[]): string {
    const cmd = argv.join(" ");
    const exe = path.basename(argv[0] ?? "");
    if (/@pulumi\/pulumi\/cmd\/run-policy-pack\b/.test(cmd)) return "policy pack (cmd/run-policy-pack)";
    if (/@pulumi\/pulumi\/cmd\/run\b/.test(cmd)) return "program run (cmd/run)";
    if (/mocha\/lib\/nodejs\/worker\.c?js\b|workerpool/.test(cmd)) return "mocha workers (the tests' own code)";
    if (/mocha\/bin\/mocha(\.js)?\b|\.bin\/mocha\b/.test(cmd)) return "mocha main process";
    if (/npm-cli\.js|\bnpm\b/.test(cmd) && /^(node|npm)/.test(exe)) return "npm";
    if (/typescript\/bin\/tsc|typescript\/lib\/tsc\.js/.test(cmd)) return "tsc";
    if (/eslint/.test(cmd)) return "eslint";
    if (exe.startsWith("node")) {
        const script = argv.find((a) => /(^|\/)scripts\/[^/]+\.ts$/.test(a));
        if (script) return "script (node --import tsx scripts/…)";
        if (argv.some((a) => /tsx\/dist\/cli\.mjs$|\.bin\/tsx$/.test(a))) return "tsx";
        if (argv.some((a) => a.endsWith(".ts"))) return "other TypeScript file (tsx)";
        return "other node";
    }
    if (/chrom/.test(exe)) return "chromium";
    if (["sh", "bash", "dash"].includes(exe)) return "shell";
    if (exe === "git") return "git";
    // jq, cat, stubs of gh and the like: a row each would only lengthen the table.
    return "other";
}

/** Samples /proc (or `procRoot`, for tests) for the processes descended from `rootPid`. */
export class ProcessCensus {
    private readonly seen = new Map<string, Seen>();
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly rootPid: number,
        private readonly procRoot = "/proc",
    ) {}

    /** Starts sampling every SAMPLE_MS; a no-op where procRoot cannot be read. */
    start(): this {
        if (!fs.existsSync(this.procRoot)) return this;
        this.sample();
        this.timer = setInterval(() => this.sample(), SAMPLE_MS);
        this.timer.unref();
        return this;
    }

    /** Stops sampling, after one last sample. */
    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        if (fs.existsSync(this.procRoot)) this.sample();
    }

    /** One pass over procRoot: every live process's parent, command line and CPU so far. */
    sample(): void {
        let entries: string[];
        try {
            entries = fs.readdirSync(this.procRoot).filter((e) => /^\d+$/.test(e));
        } catch {
            return;
        }
        const live = new Map<number, { key: string; ppid: number; ticks: number }>();
        for (const pid of entries) {
            const stat = readStat(path.join(this.procRoot, pid, "stat"));
            if (stat) live.set(Number(pid), { key: `${pid}@${stat.start}`, ppid: stat.ppid, ticks: stat.ticks });
        }
        // A process is the root's descendant when its parent is the root or one (every process
        // already seen is); a parent new in this sample is looked up the same way.
        const isDescendant = (pid: number, depth = 0): boolean => {
            if (pid === this.rootPid) return true;
            const p = live.get(pid);
            if (!p || depth > 64) return false;
            return this.seen.has(p.key) || isDescendant(p.ppid, depth + 1);
        };
        for (const [pid, p] of live) {
            let seen = this.seen.get(p.key);
            if (!seen) {
                if (pid !== this.rootPid && !isDescendant(p.ppid)) continue;
                seen = { argv: [], ticks: 0 };
                this.seen.set(p.key, seen);
            }
            seen.ticks = Math.max(seen.ticks, p.ticks);
            const argv = readCmdline(path.join(this.procRoot, String(pid), "cmdline"));
            if (argv.length) seen.argv = argv;
        }
    }

    /** Every kind of process seen, most CPU first. */
    rows(): CensusRow[] {
        const byKind = new Map<string, { processes: number; ticks: number }>();
        for (const s of this.seen.values()) {
            const kind = processKind(s.argv);
            const row = byKind.get(kind) ?? { processes: 0, ticks: 0 };
            row.processes += 1;
            row.ticks += s.ticks;
            byKind.set(kind, row);
        }
        return [...byKind]
            .map(([kind, r]) => ({ kind, processes: r.processes, cpuS: r.ticks / TICKS_PER_S }))
            .sort((a, b) => b.cpuS - a.cpuS || a.kind.localeCompare(b.kind));
    }
}

/** ppid, utime + stime and start time of a /proc/<pid>/stat (proc(5) fields 4, 14, 15, 22); undefined when it is gone. */
function readStat(file: string): { ppid: number; ticks: number; start: string } | undefined {
    const fields = statFields(file);
    return fields && { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), start: fields[19] };
}

function readCmdline(file: string): string[] {
    try {
        return fs.readFileSync(file, "utf8").split("\0").filter(Boolean);
    } catch {
        return [];
    }
}

/** The census as a table under the file table of `npm run test:times`. */
export function formatCensus(rows: readonly CensusRow[], totalCpuS: number | undefined): string[] {
    if (!rows.length) return [];
    const width = Math.max(4, ...rows.map((r) => r.kind.length));
    const line = (kind: string, n: string, cpu: string) => `${kind.padEnd(width)}  ${n.padStart(9)}  ${cpu.padStart(7)}`;
    const out = ["", `the run's processes by kind (/proc sampled every ${SAMPLE_MS} ms: at least this much CPU):`, line("kind", "processes", "CPU s")];
    for (const r of rows) out.push(line(r.kind, String(r.processes), r.cpuS.toFixed(1)));
    const seen = rows.reduce((s, r) => s + r.cpuS, 0);
    out.push(line("seen, summed", String(rows.reduce((s, r) => s + r.processes, 0)), seen.toFixed(1)));
    if (totalCpuS !== undefined) out.push(line("not seen (after a process's last sample)", "", Math.max(0, totalCpuS - seen).toFixed(1)));
    return out;
}
