/**
 * Mocha global fixture (runs once, in the main process, before the parallel workers start): one
 * preview of the dev stack through the engine double, with the policy pack, so the program and
 * the pack are type-checked and compiled once into ts-node's and Node's compile caches
 * (node_modules/.cache/engine-double) before several workers would compile them at once.
 */
import { operate } from "../../local/engine/operation";

export async function mochaGlobalSetup(): Promise<void> {
    const result = await operate({ stack: "dev", dryRun: true, policyPack: "policy" });
    // A failure here is reported by the tests that run the same preview; the cache is filled either way.
    if (result.stage === "config") console.error(`engine double warm-up: ${result.error}`);
}
