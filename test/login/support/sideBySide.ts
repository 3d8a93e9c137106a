import { setTimeout as delay } from "node:timers/promises";
import { ExtensibilityMode } from "../../../infra/loginContract";
import { Harness } from "../../../local/loginHarness";
import { aTenant, TenantBuilder } from "./builders";
import { stopAndCheck } from "./spec";

/** Starts a harness for a scenario; the scenario's harnesses are stopped and checked when it ends. */
export type StartHarness = (mode: ExtensibilityMode, tenant?: TenantBuilder) => Promise<Harness>;

interface Scenario {
    readonly run: (started: () => void) => Promise<unknown>;
    result?: Promise<unknown>;
    /** Resolves once the scenario's first harness is up (or the scenario ended). */
    started?: Promise<void>;
}

/**
 * Tests that mostly wait out the login code's own time limits (CALL_TIMEOUT_MS), run side by side.
 * Each registers its logins with `add` while the suite is declared; `startAll`, from the suite's
 * `before` hook, starts them together and resolves once each has its first harness up, so the
 * servers' start (keys, TLS) is not paid while a test's own login is timed; and each test awaits
 * its own scenario's result and asserts on it. The suite then waits about one limit rather than
 * one per test, while each test still asserts what it asserted alone.
 *
 * A scenario's harnesses are stopped and checked (stopAndCheck: log lines, secrets, platform
 * violations) when it ends, so a failing check fails the test that awaits it.
 */
export class SideBySide {
    private readonly scenarios: Scenario[] = [];

    /** Registers `scenario`; the returned function resolves to its result once `startAll` ran. */
    add<T>(scenario: (start: StartHarness) => Promise<T>): () => Promise<T> {
        const entry: Scenario = { run: (started) => runScenario(scenario, started) };
        this.scenarios.push(entry);
        return () => {
            if (!entry.result) throw new Error("SideBySide: the scenario was not started (call startAll in a before hook)");
            return entry.result as Promise<T>;
        };
    }

    /** Starts every registered scenario that has not started yet; resolves when each has its first harness up. */
    async startAll(): Promise<void> {
        for (const entry of this.scenarios) {
            if (entry.result) continue;
            let started!: () => void;
            entry.started = new Promise<void>((resolve) => (started = resolve));
            entry.result = entry.run(started);
            // Reported by the test that awaits it; a test left out (--grep) must not fail the run.
            entry.result.catch(() => undefined).finally(started);
        }
        await Promise.all(this.scenarios.flatMap((entry) => (entry.started ? [entry.started] : [])));
    }

    /** Resolves when every started scenario has ended, so no harness outlives the file. */
    async settled(): Promise<void> {
        await Promise.allSettled(this.scenarios.flatMap((entry) => (entry.result ? [entry.result] : [])));
    }
}

async function runScenario<T>(scenario: (start: StartHarness) => Promise<T>, started: () => void): Promise<T> {
    const harnesses: Harness[] = [];
    const start: StartHarness = async (mode, tenant = aTenant(mode)) => {
        const harness = await Harness.start(mode, tenant.build());
        harnesses.push(harness);
        started();
        return harness;
    };
    let result: T;
    try {
        result = await scenario(start);
    } catch (err) {
        await Promise.allSettled(harnesses.map((harness) => harness.stop()));
        throw err;
    }
    // A second callback would arrive after the first: give it a moment to show up.
    await delay(20);
    for (const harness of harnesses) await stopAndCheck(harness);
    return result;
}
