import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testTls } from "../../local/tenant/tls";
import { ChildResult, runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/stack/program";
import { FIXTURE_ENV } from "./fixtureStacks";

export type { ChildResult };

/**
 * Runs a TypeScript file of the repository as a user's machine would (`node --import tsx`, from
 * the repository root), trusting the local servers' CA through NODE_EXTRA_CA_CERTS. Input goes
 * through the environment only.
 */
export async function runTsFile(file: string, env: Record<string, string>, stdin?: string): Promise<ChildResult> {
    const dir = mkdtempSync(join(tmpdir(), "tenant-test-ca-"));
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, (await testTls()).cert);
    try {
        return await runChild(process.execPath, ["--import", "tsx", file], {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...FIXTURE_ENV, NODE_EXTRA_CA_CERTS: caFile, ...env },
            stdin,
        });
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
