/**
 * `scripts/tenant.ts` run as a person runs it (`node --import tsx`, from the repository root), for
 * the test of the command and the figures' script: started, read until it says it is ready,
 * stopped with a signal.
 */
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../tools/stack/program";
import { STACK_FILES_ENV } from "../../tools/stack/stackFiles";

export interface RunningTenant {
    readonly issuer: string;
    readonly appUrl: string;
    readonly caFile: string;
    /** From the spawn to the "ready" line, ms (the process's start included). */
    readonly readyMs: number;
    /** The steps of the start the command printed, ms since its process started, e.g. { deployed: 1250 }. */
    readonly startup: Readonly<Record<string, number>>;
    /** Everything printed so far, stdout then stderr. */
    output(): string;
    /** Sends `signal`; resolves once the process exited, with its code and how long it took. */
    stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stopMs: number }>;
}

const READY = /^ready in \d+ ms$/m;
/** A first start deploys the stack (local/engine/localDeploy.ts), seconds on an idle machine; later ones read the kept deploy. */
const READY_TIMEOUT_MS = 90_000;

/** Starts the command with `args`; rejects with its output when it exits or times out before it is ready. */
export function startTenantCommand(args: readonly string[]): Promise<RunningTenant> {
    const started = performance.now();
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join("scripts", "tenant.ts"), ...args], {
        cwd: ROOT,
        // The stack files' directory passes through (tools/stack/stackFiles.ts), so the command reads what its caller reads.
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...(process.env[STACK_FILES_ENV] ? { [STACK_FILES_ENV]: process.env[STACK_FILES_ENV] } : {}) },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`tenant command not ready in ${READY_TIMEOUT_MS} ms:\n${stdout}${stderr}`));
        }, READY_TIMEOUT_MS);
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        child.stdout!.on("data", (chunk: Buffer) => {
            stdout += chunk.toString("utf8");
            if (!READY.test(stdout)) return;
            clearTimeout(timer);
            const field = (name: string) => new RegExp(`^  ${name} +(\\S+)`, "m").exec(stdout)?.[1] ?? "";
            resolve({
                issuer: field("issuer"),
                appUrl: field("sample app"),
                caFile: field("CA certificate"),
                readyMs: performance.now() - started,
                startup: Object.fromEntries(
                    (/^startup \(ms since the process started\): (.*)$/m.exec(stdout)?.[1] ?? "")
                        .split(", ")
                        .map((step) => /^(.+) (\d+)$/.exec(step))
                        .filter((m): m is RegExpExecArray => m !== null)
                        .map((m) => [m[1], Number(m[2])]),
                ),
                output: () => stdout + stderr,
                async stop(signal = "SIGINT") {
                    const stopping = performance.now();
                    child.kill(signal);
                    const code = await exited;
                    return { code, stopMs: performance.now() - stopping };
                },
            });
        });
        void exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`tenant command exited ${code} before it was ready:\n${stdout}${stderr}`));
        });
    });
}
