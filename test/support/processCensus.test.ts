import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatCensus, processKind, ProcessCensus } from "./processCensus";

const PULUMI = "/repo/node_modules/@pulumi/pulumi";

/** A /proc entry as proc(5) lays it out: `pid (comm) state ppid …`, utime and stime at fields 14 and 15, starttime at 22. */
function writeProc(root: string, pid: number, ppid: number, ticks: number, argv: string[], start = 1000): void {
    const dir = path.join(root, String(pid));
    fs.mkdirSync(dir, { recursive: true });
    const fields = ["S", String(ppid), ...Array<string>(9).fill("0"), String(ticks), "0", ...Array<string>(6).fill("0"), String(start), "0"];
    fs.writeFileSync(path.join(dir, "stat"), `${pid} (a (name)) ${fields.join(" ")}\n`);
    fs.writeFileSync(path.join(dir, "cmdline"), argv.length ? `${argv.join("\0")}\0` : "");
}

describe("the process census of npm run test:times (test/support/processCensus.ts)", () => {
    it("must tell program runs, policy packs, scripts, npm and mocha's workers apart by their command lines", () => {
        // The command lines local/engine/languageHost.ts, policyHost.ts, test/support/child.ts and npm start.
        const cases: [string[], string][] = [
            [["/usr/bin/node", `${PULUMI}/cmd/run`, "--monitor", "127.0.0.1:1", "--stack", "dev", "."], "program run (cmd/run)"],
            [["/usr/bin/node", `${PULUMI}/cmd/run-policy-pack`, "127.0.0.1:0", "/repo/policy"], "policy pack (cmd/run-policy-pack)"],
            [["/usr/bin/node", "--import", "tsx", "scripts/verify-grants.ts"], "script (node --import tsx scripts/…)"],
            [["/usr/bin/node", "/repo/node_modules/.bin/tsx", "/repo/scripts/preview.ts", "--stack", "dev"], "script (node --import tsx scripts/…)"],
            [["npm", "run", "--silent", "preview"], "npm"],
            [["/usr/bin/node", "/repo/node_modules/mocha/lib/nodejs/worker.cjs"], "mocha workers (the tests' own code)"],
            [["/usr/bin/node", "/repo/node_modules/mocha/bin/mocha.js", "--require", "x"], "mocha main process"],
            [["/usr/bin/node", "--import", "tsx", "test/support/sdkClient.ts"], "other TypeScript file (tsx)"],
            [["/usr/lib/chromium/chromium", "--headless"], "chromium"],
            [["bash", "-e", "-c", "npm ci"], "shell"],
            [["git", "init"], "git"],
            [["jq", "-r", ".x"], "other"],
            [[], "other"],
        ];
        for (const [argv, kind] of cases) assert.equal(processKind(argv), kind, argv.join(" "));
    });

    it("must sum the CPU last seen of every descendant of the root, and nothing else, by kind", () => {
        const proc = fs.mkdtempSync(path.join(os.tmpdir(), "census-proc-"));
        try {
            writeProc(proc, 10, 1, 50, ["/usr/bin/node", "/repo/node_modules/mocha/bin/mocha.js"]);
            writeProc(proc, 11, 10, 300, ["/usr/bin/node", "/repo/node_modules/mocha/lib/nodejs/worker.cjs"]);
            writeProc(proc, 12, 11, 120, ["/usr/bin/node", `${PULUMI}/cmd/run`, "."]);
            writeProc(proc, 99, 1, 5000, ["/usr/bin/node", "unrelated.js"]);
            const census = new ProcessCensus(10, proc);
            census.sample();
            // The program uses more CPU, exits; another starts under the same pid later (a new start time).
            writeProc(proc, 12, 11, 250, ["/usr/bin/node", `${PULUMI}/cmd/run`, "."]);
            census.sample();
            writeProc(proc, 12, 11, 80, ["/usr/bin/node", `${PULUMI}/cmd/run`, "."], 2000);
            // A grandchild whose parent is new in the same sample is still the root's.
            writeProc(proc, 13, 14, 40, ["npm", "run", "preview"]);
            writeProc(proc, 14, 11, 10, ["bash", "-c", "npm run preview"]);
            census.sample();
            assert.deepEqual(census.rows(), [
                { kind: "program run (cmd/run)", processes: 2, cpuS: 3.3 },
                { kind: "mocha workers (the tests' own code)", processes: 1, cpuS: 3 },
                { kind: "mocha main process", processes: 1, cpuS: 0.5 },
                { kind: "npm", processes: 1, cpuS: 0.4 },
                { kind: "shell", processes: 1, cpuS: 0.1 },
            ]);
            const table = formatCensus(census.rows(), 8);
            assert.match(table[1], /by kind/);
            assert.match(table.at(-2)!, /^seen, summed\s+6\s+7\.3$/);
            assert.match(table.at(-1)!, /^not seen.*\s0\.7$/);
        } finally {
            fs.rmSync(proc, { recursive: true, force: true });
        }
    });

    it("must name a process by its command line after exec, not its parent's seen between fork and exec", () => {
        const proc = fs.mkdtempSync(path.join(os.tmpdir(), "census-proc-"));
        try {
            const worker = ["/usr/bin/node", "/repo/node_modules/mocha/lib/nodejs/worker.cjs"];
            writeProc(proc, 10, 1, 100, worker);
            writeProc(proc, 11, 10, 0, worker);
            const census = new ProcessCensus(10, proc);
            census.sample();
            writeProc(proc, 11, 10, 200, ["/usr/bin/node", `${PULUMI}/cmd/run`, "."]);
            census.sample();
            // Exited, not yet reaped: /proc/<pid>/cmdline is empty then.
            writeProc(proc, 11, 10, 250, []);
            census.sample();
            assert.deepEqual(census.rows(), [
                { kind: "program run (cmd/run)", processes: 1, cpuS: 2.5 },
                { kind: "mocha workers (the tests' own code)", processes: 1, cpuS: 1 },
            ]);
        } finally {
            fs.rmSync(proc, { recursive: true, force: true });
        }
    });

    it("must see the CPU a real child uses, from /proc", async function () {
        if (!fs.existsSync("/proc/self/stat")) this.skip();
        const census = new ProcessCensus(process.pid).start();
        // About 0.6 s of CPU in a child of this process.
        const child = spawn(process.execPath, ["-e", "const end = Date.now() + 600; while (Date.now() < end);"], { stdio: "ignore" });
        await new Promise((resolve) => child.on("close", resolve));
        census.stop();
        const node = census.rows().find((r) => r.kind === "other node");
        assert.ok(node && node.processes >= 1 && node.cpuS >= 0.2, JSON.stringify(census.rows()));
    });
});
