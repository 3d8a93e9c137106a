import assert from "node:assert/strict";
import { ChildResult, runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/stack/program";
import type { LoginBenchFigures } from "../../bench/loginRuns";
import { textReport } from "../../bench/report";

/*
 * The approach labels are the command's output, asserted as printed: "seed 000 (token per call)"
 * is the approach of "Call API From Rule" (https://community.auth0.com/t/call-api-from-rule/106093),
 * "seed 002 (cache, sequential)" that of "How do I get an access token to call Management API v2
 * from a rule?" (https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970).
 */

/** `npm run bench -- <args>` from the repository root, as a user types it. */
function bench(...args: string[]) {
    return runChild("npm", ["run", "--silent", "bench", "--", ...args], { cwd: ROOT, env: process.env });
}

describe("npm run bench", function () {
    this.timeout(60000);
    // Every invocation at once: the two short runs take seconds each, and need not take turns.
    let help: ChildResult, unknown: ChildResult, notANumber: ChildResult, json: ChildResult;
    before(async function () {
        [help, unknown, notANumber, json] = await Promise.all([
            bench("--help"),
            bench("--rtt", "40", "--concurrency", "8"),
            bench("--rtt", "fast"),
            bench("--json", "--rtt", "5", "--logins", "2", "--wave", "1"),
        ]);
    });

    it("must print its usage and exit 0 on --help", function () {
        const result = help;
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^Usage: npm run bench -- \[options\]/);
        for (const option of ["--rtt", "--jitter", "--logins", "--wave", "--json", "--help"]) assert.ok(result.stdout.includes(option), option);
        assert.equal(result.stderr, "");
    });

    it("must refuse an unknown option with its usage on stderr and exit 2", function () {
        const result = unknown;
        assert.equal(result.code, 2);
        assert.match(result.stderr, /--concurrency/);
        assert.match(result.stderr, /Usage: npm run bench/);
        assert.equal(result.stdout, "");
    });

    it("must refuse a value that is not a whole number, naming the option, and exit 2", function () {
        const result = notANumber;
        assert.equal(result.code, 2);
        assert.match(result.stderr, /--rtt must be a whole number from 0 to 60000, got 'fast'/);
    });

    it("must write its figures as JSON on stdout with --json, one result per mode and approach, and nothing on stderr when it is not a terminal", function () {
        const result = json;
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "", "progress goes to stderr only when it is a terminal");
        const figures = JSON.parse(result.stdout) as Record<string, unknown>;
        assert.deepEqual(Object.keys(figures), ["kind", "rttMs", "logins", "results"]);
        assert.equal(figures.kind, "bench");
        assert.equal(figures.rttMs, 5);
        assert.equal(figures.logins, 2);
        const results = figures.results as {
            mode: unknown;
            approach: unknown;
            tokenRequests: Record<string, unknown>;
            addedLatencyMs: Record<string, unknown>;
            roundTrips: Record<string, unknown>;
        }[];
        assert.deepEqual(
            results.map((r) => `${String(r.mode)} ${String(r.approach)}`),
            ["actions", "rules"].flatMap((mode) => ["this code", "seed 000 (token per call)", "seed 002 (cache, sequential)"].map((a) => `${mode} ${a}`)),
        );
        for (const r of results) {
            assert.deepEqual(Object.keys(r), ["mode", "approach", "tokenRequests", "addedLatencyMs", "roundTrips"]);
            assert.deepEqual(Object.keys(r.tokenRequests), ["authzExtension", "api", "managementApi"]);
            assert.deepEqual(Object.keys(r.addedLatencyMs), ["coldP50", "coldP99", "warmP50", "warmP99"]);
            assert.deepEqual(Object.keys(r.roundTrips), ["coldP50", "warmP50"]);
            for (const value of [...Object.values(r.tokenRequests), ...Object.values(r.addedLatencyMs), ...Object.values(r.roundTrips)]) {
                assert.equal(typeof value, "number");
            }
            // At least a token and a call, each a round trip away: the figures come from the run.
            assert.ok(Number(r.addedLatencyMs.coldP50) >= 10, JSON.stringify(r));
        }
        const ours = results.find((r) => r.mode === "actions" && r.approach === "this code")!;
        assert.deepEqual(ours.tokenRequests, { authzExtension: 1, api: 1, managementApi: 0 });
        const perCall = results.find((r) => r.mode === "rules" && r.approach === "seed 000 (token per call)")!;
        assert.deepEqual(perCall.tokenRequests, { authzExtension: 2, api: 2, managementApi: 0 });
    });

    it("must print tables and notes within 120 columns, even at the widest figures", function () {
        // The widest a run can make them: logins that hit Auth0's 20 s limit, at 1 ms per round trip, 100,000 token requests per audience (--logins' most).
        const widest = (mode: "actions" | "rules", approach: string): LoginBenchFigures => ({
            mode,
            approach,
            tokenRequests: { authzExtension: 100000, api: 100000, managementApi: 100000 },
            cold: [20000, 20000],
            warm: [19999.99, 20000],
            failed: 0,
        });
        const approaches = ["this code", "seed 000 (token per call)", "seed 002 (cache, sequential)"];
        const figures = (["actions", "rules"] as const).flatMap((mode) => approaches.map((approach) => widest(mode, approach)));
        const labels = { ours: approaches[0], seeds: [approaches[2], approaches[1]], audiences: ["authzExtension", "api", "managementApi"] as const };
        const lines = textReport(figures, [widest("rules", "this code, first logins")], labels, { rttMs: 1, jitterMs: 60000, logins: 100000, wave: 100000 });
        assert.ok(lines.some((line) => line.startsWith("actions  this code")), lines.join("\n"));
        assert.ok(lines.some((line) => /^  actions  seed 002: warm ×\d+\.\d\d, cold ×\d+\.\d\d    seed 000: warm ×/.test(line)), lines.join("\n"));
        assert.ok(lines.some((line) => /p50 can sit above seed 002's/.test(line)));
        for (const line of lines) assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
    });
});
