/**
 * Mocha global fixture: one preview of the dev stack through the engine double, with the policy
 * pack, so the program and the pack are type-checked and compiled once into ts-node's and Node's
 * compile caches (node_modules/.cache/engine-double) before tests run them through cmd/run.
 *
 * The warm-up runs in mocha's main process while the workers already run the tests that do not
 * need it (it would otherwise hold up every worker for its ~10 s of type-checking). The tests
 * that run the program call `compileCacheWarm()` first, so no two processes compile at once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { COMPILE_CACHE, operate } from "../../../local/engine/operation";

/** Names the file the warm-up writes when it is done; the workers inherit it from mocha's environment. */
const WARM_UP_MARKER = "ENGINE_DOUBLE_WARM_UP_MARKER";
/** How long a test waits for the warm-up before compiling for itself. */
const WARM_UP_WAIT_MS = 180_000;

let warming: Promise<void> | undefined;

export function mochaGlobalSetup(): void {
    fs.mkdirSync(COMPILE_CACHE, { recursive: true });
    const marker = path.join(COMPILE_CACHE, `warm-up-${process.pid}.done`);
    fs.rmSync(marker, { force: true });
    process.env[WARM_UP_MARKER] = marker;
    warming = operate({ stack: "dev", dryRun: true, policyPack: "policy" })
        .then((result) => {
            // A failure here is reported by the tests that run the same preview; the cache is filled either way.
            if (result.stage === "config") console.error(`engine double warm-up: ${result.error}`);
        })
        .catch((err: unknown) => console.error(`engine double warm-up: ${(err as Error).message}`))
        .finally(() => fs.writeFileSync(marker, ""));
}

export async function mochaGlobalTeardown(): Promise<void> {
    await warming;
    const marker = process.env[WARM_UP_MARKER];
    if (marker) fs.rmSync(marker, { force: true });
}

/** Resolves once the global warm-up is done (at once when mocha runs without it). */
export async function compileCacheWarm(): Promise<void> {
    const marker = process.env[WARM_UP_MARKER];
    if (!marker) return;
    const deadline = Date.now() + WARM_UP_WAIT_MS;
    while (!fs.existsSync(marker) && Date.now() < deadline) await delay(100);
}
