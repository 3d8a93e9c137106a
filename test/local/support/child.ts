import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testTls } from "../../../local/servers/tls";
import { ROOT } from "../../../local/stack/program";

export interface ChildResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs a TypeScript file of the repository as a user's machine would (`node --import tsx`, from
 * the repository root), trusting the local servers' CA through NODE_EXTRA_CA_CERTS. Input goes
 * through the environment only.
 */
export async function runTsFile(file: string, env: Record<string, string>): Promise<ChildResult> {
    const dir = mkdtempSync(join(tmpdir(), "tenant-test-ca-"));
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, (await testTls()).cert);
    try {
        return await new Promise<ChildResult>((resolve, reject) => {
            const child = spawn(process.execPath, ["--import", "tsx", file], {
                cwd: ROOT,
                env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_EXTRA_CA_CERTS: caFile, ...env },
                stdio: ["ignore", "pipe", "pipe"],
            });
            const stdout: Buffer[] = [];
            const stderr: Buffer[] = [];
            child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
            child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
            child.on("error", reject);
            child.on("close", (code) =>
                resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
            );
        });
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
