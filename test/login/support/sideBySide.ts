import { setTimeout as delay } from "node:timers/promises";
import { ExtensibilityMode } from "../../../infra/loginContract";
import { Harness } from "../../../local/runtime/loginHarness";
import { aTenant, TenantBuilder } from "./builders";
import { stopAndCheck } from "./spec";

/** Starts a harness for a scenario; the scenario's harnesses are stopped and checked when it ends. */
export type StartHarness = (mode: ExtensibilityMode, tenant?: TenantBuilder) => Promise<Harness>;

interface Scenario {
    /** Starts the scenario's servers; resolves to the logins to run once every scenario's are up. */
    readonly arrange: () => Promise<{ readonly act: () => Promise<unknown>; readonly end: (failed: boolean) => Promise<void> }>;
    result?: Promise<unknown>;
}

/**
 * Tests that mostly wait out the login code's own time limits (CALL_TIMEOUT_MS), run side by side.
 * Each registers a scenario with `add` while the suite is declared: `arrange` starts its harnesses
 * and sets up their faults, `act` runs the timed logins. `startAll`, from the suite's `before`
 * hook, arranges every scenario, then starts every `act` together once all servers are up (their
 * keys and TLS are not paid while a login is timed); each test awaits its own scenario's result and
 * asserts on it. The suite then waits about one limit rather than one per test, while each test
 * still asserts what it asserted alone.
 *
 * A scenario's harnesses are stopped and checked (stopAndCheck: log lines, secrets, platform
 * violations) when it ends, so a failing check fails the test that awaits it.
 */
export class SideBySide {
    private readonly scenarios: Scenario[] = [];

    /** Registers a scenario; the returned function resolves to what `act` returned once `startAll` ran. */
    add<A, T>(arrange: (start: StartHarness) => Promise<A>, act: (arranged: A) => Promise<T>): () => Promise<T> {
        const entry: Scenario = {
            arrange: async () => {
                const harnesses: Harness[] = [];
                const end = async (failed: boolean) => {
                    if (failed) {
                        await Promise.allSettled(harnesses.map((harness) => harness.stop()));
                        return;
                    }
                    // A second callback would arrive after the first: give it a moment to show up.
                    await delay(20);
                    for (const harness of harnesses) await stopAndCheck(harness);
                };
                try {
                    const arranged = await arrange(async (mode, tenant = aTenant(mode)) => {
                        const harness = await Harness.start(mode, tenant.build());
                        harnesses.push(harness);
                        return harness;
                    });
                    return { act: () => act(arranged), end };
                } catch (err) {
                    await end(true);
                    throw err;
                }
            },
        };
        this.scenarios.push(entry);
        return () => {
            if (!entry.result) throw new Error("SideBySide: the scenario was not started (call startAll in a before hook)");
            return entry.result as Promise<T>;
        };
    }

    /** Arranges every scenario not started yet, then starts their logins together; resolves once they are under way. */
    async startAll(): Promise<void> {
        const pending = this.scenarios.filter((entry) => !entry.result);
        const arranged = await Promise.allSettled(pending.map((entry) => entry.arrange()));
        pending.forEach((entry, i) => {
            const ready = arranged[i];
            entry.result =
                ready.status === "rejected"
                    ? Promise.reject(ready.reason instanceof Error ? ready.reason : new Error(String(ready.reason)))
                    : ready.value.act().then(
                          async (value) => (await ready.value.end(false), value),
                          async (err: unknown) => {
                              await ready.value.end(true);
                              throw err;
                          },
                      );
            // Reported by the test that awaits it; a test left out (--grep) must not fail the run.
            entry.result.catch(() => undefined);
        });
    }

    /** Resolves when every started scenario has ended, so no harness outlives the suite. */
    async settled(): Promise<void> {
        await Promise.allSettled(this.scenarios.flatMap((entry) => (entry.result ? [entry.result] : [])));
    }
}
