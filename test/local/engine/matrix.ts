/**
 * The engine matrix for one stack: its file (or generated review file) in each mode, deployed
 * by `pulumi up` from an empty state, then every routine change previewed and applied from there,
 * all through the engine double (the CLI's config checks, cmd/run, provider schemas and facts, the
 * plan, the policy pack).
 */
import * as assert from "node:assert/strict";
import { StackFile } from "../../../local/engine/cliConfig";
import { StateResource, Step } from "../../../local/engine/deployment";
import { OperationResult, operate } from "../../../local/engine/operation";
import { Mode, emptiesPostLogin, explain, isProtected, modeSettings, routineChanges, stackFileOf, stepsOf } from "./support";
import { compileCacheWarm } from "./warmCompileCache";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

/**
 * `ENGINE_MATRIX=full npm run test:unit` runs every change in both operations on every stack and
 * mode. By default (each run costs the SDK's own ~1.4 s of CPU, and npm test has a budget):
 * - every stack and mode is deployed from empty and rotated; prod also previews the rotation;
 * - every stack in actions mode, and prod in rules mode, previews no change; prod in actions
 *   mode also applies it;
 * - prod in actions mode (the protected stack, in the mode every tenant has) also previews every
 *   other change but turning the extension back on; rules mode protects the same objects
 *   (infra/index.ts), and dev in rules mode (end of life since 2026-11-18) adds only dev's values.
 */
const FULL = process.env.ENGINE_MATRIX === "full";
function operationsFor(stack: string, mode: Mode, change: string): ReadonlyArray<"preview" | "update"> {
    if (FULL) return ["preview", "update"];
    if (stack === "dev" && mode === "rules") return change === "rotation by +1" ? ["update"] : [];
    // A rotation's preview differs from its update by the unknowns (the fresh secret), the same on
    // every stack: prod previews it, in both modes; the other stacks apply it.
    if (change === "rotation by +1" && stack !== "prod") return ["update"];
    // With no change every step is a same step, whose outputs are the prior state's in a preview
    // and in an update alike (pulumi/pulumi pkg/resource/deploy/step.go SameStep.Apply, lines
    // 177-179: "Retain the ID and outputs"); the two then differ only in the `--dry-run` the
    // program is given, which infra/ never reads (test/local/engine/dryRunUnread.test.ts). Every stack previews it,
    // as its pull request does; prod in actions mode also applies it.
    if (change === "no change") return stack === "prod" && mode === "actions" ? ["preview", "update"] : ["preview"];
    if (change === "rotation by +1") return ["preview", "update"];
    // Turning the extension back on only creates grants and updates the Action's secrets, neither
    // of which the engine refuses or the provider replaces (local/engine/providerFacts.ts); the
    // full matrix previews and applies it, after applying it turned off.
    if (change === "the extension enabled") return [];
    return stack === "prod" && mode === "actions" ? ["preview"] : [];
}

/**
 * Where the policy pack runs (it costs a process like the program's). Its verdicts depend on the
 * mode (the rules' policies) and on the stack (protection on prod), so by default it sees every
 * stack's first deploy in actions mode and prod's in rules mode; and the monthly rotation's pull
 * request, which previews prod with the pack, in actions mode (a rotation changes the rules'
 * settings' values, not what the pack checks of them).
 */
function packOnFirstDeploy(stack: string, mode: Mode): boolean {
    return FULL || mode === "actions" || stack === "prod";
}
function packOnRotationPreview(stack: string, mode: Mode, change: string): boolean {
    return stack === "prod" && change === "rotation by +1" && (FULL || mode === "actions");
}

/**
 * The matrix's processes run at a lower priority (`ENGINE_DOUBLE_NICE`, default 10; 0 turns it
 * off), so they take the CPU the rest of npm test leaves idle rather than slow it down.
 */
const NICE = Math.min(19, Math.max(0, Number(process.env.ENGINE_DOUBLE_NICE ?? 10) || 0));

/** How many operations one test file runs at once (`ENGINE_DOUBLE_RUNS_AT_ONCE`, default 2). */
const RUNS_AT_ONCE = Math.max(1, Number(process.env.ENGINE_DOUBLE_RUNS_AT_ONCE ?? 2) || 1);
let running = 0;
const waiting: Array<() => void> = [];

/** Runs `task` when fewer than `RUNS_AT_ONCE` are running, in the order asked. */
async function runLimited<T>(task: () => Promise<T>): Promise<T> {
    if (running >= RUNS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
        return await task();
    } finally {
        running--;
        waiting.shift()?.();
    }
}

/**
 * One routine change from `prior`: `pulumi up` to `from` first when the change starts elsewhere,
 * then the preview and/or the update of the changed settings, each from the same state.
 */
async function runChange(
    stack: string,
    file: StackFile,
    base: Record<string, unknown>,
    prior: readonly StateResource[],
    settings: Record<string, unknown>,
    from: Record<string, unknown> | undefined,
    operations: ReadonlyArray<"preview" | "update">,
    pack: boolean,
): Promise<Partial<Record<"preview" | "update", OperationResult>>> {
    let start = prior;
    if (from) {
        const before = await runLimited(() => operate({ stack, stackFile: file, set: { ...base, ...from }, dryRun: false, prior, priority: NICE }));
        assertAccepted(before, `pulumi up of ${stack} with ${JSON.stringify(from)}`);
        start = before.state;
    }
    const set = { ...base, ...settings };
    const results: Partial<Record<"preview" | "update", OperationResult>> = {};
    await Promise.all(
        operations.map(async (op) => {
            // The monthly rotation's pull request previews prod with the policy pack.
            results[op] = await runLimited(() => operate({ stack, stackFile: file, set, dryRun: op === "preview", prior: start, policyPack: op === "preview" && pack ? "policy" : undefined, priority: NICE }));
        }),
    );
    return results;
}

/** Auth0 objects: the provider updates each of them in place for every routine change. */
const isAuth0 = (type: string) => type.startsWith("auth0:");

function assertAccepted(result: OperationResult, what: string): asserts result is Extract<OperationResult, { stage: "plan" | "program" }> {
    assert.ok(result.ok, `${what} was refused:\n${explain(result)}`);
    assert.equal(result.stage, "plan");
}

function byName(steps: readonly Step[], name: string): Step {
    const found = steps.filter((s) => s.name === name && !s.replaced);
    assert.equal(found.length, 1, `one step for ${name}, found ${found.length}`);
    return found[0];
}

/** The position of a resource's step in the order the engine issues steps. */
const at = (steps: readonly Step[], name: string) => byName(steps, name).index;

export function describeStack(stack: string, modes: readonly Mode[]): void {
    const file = stackFileOf(stack);
    for (const mode of modes) {
        describe(`stack ${stack} in ${mode} mode, through the engine double`, function () {
            this.timeout(120_000);
            const base = modeSettings(mode);
            let first: OperationResult;

            // Every change starts from the first deploy's state and from nothing else, so once that
            // state exists the changes' runs are started together (each still its own process, as
            // the CLI starts one per operation), up to `RUNS_AT_ONCE` at a time; each change's
            // hook below waits for its own. A worker's runs then use the CPU the other worker's
            // tests leave idle while they wait on timers and sockets. They start while the first
            // deploy's policy pack still runs (operate's onState).
            const pending = new Map<string, Promise<Partial<Record<"preview" | "update", OperationResult>>>>();
            before(async () => {
                await compileCacheWarm();
                let started = false;
                const startChanges = (prior: readonly StateResource[]) => {
                    started = true;
                    for (const [change, { set: settings, from }] of Object.entries(routineChanges(file, mode))) {
                        const operations = operationsFor(stack, mode, change);
                        if (!operations.length) continue;
                        const run = runChange(stack, file, base, prior, settings, from, operations, packOnRotationPreview(stack, mode, change));
                        run.catch(() => undefined); // reported by the change's own hook
                        pending.set(change, run);
                    }
                };
                first = await runLimited(() => operate({ stack, stackFile: file, set: base, dryRun: false, policyPack: packOnFirstDeploy(stack, mode) ? "policy" : undefined, onState: startChanges, priority: NICE }));
                if (first.stage !== "config" && !started) startChanges(first.state);
            });

            it(`must be accepted by the CLI, compiled and run by the host's entry point, and pass the providers' schemas${packOnFirstDeploy(stack, mode) ? " and the policy pack" : ""}`, () => {
                assertAccepted(first, `pulumi up of ${stack}`);
                assert.deepEqual(first.violations, []);
                assert.deepEqual(first.policy.filter((p) => p.enforcement === "mandatory"), []);
                assert.ok(stepsOf(first).every((s) => s.op === "create"), "a new stack only creates");
            });

            for (const change of Object.keys(routineChanges(file, mode))) {
                const operations = operationsFor(stack, mode, change);
                if (!operations.length) continue;
                describe(change, () => {
                    let results: Partial<Record<"preview" | "update", OperationResult>> = {};
                    before(async () => {
                        const run = pending.get(change);
                        assert.ok(run, "the first deploy must have started this change's runs");
                        results = await run;
                    });

                    for (const op of operations) {
                        if (isProtected(file) && emptiesPostLogin(file, mode, change)) {
                            // The binding is protected: emptying post-login takes `pulumi state unprotect`
                            // first (pulumi/pulumi pkg/cmd/pulumi/state/state_unprotect.go), then the update.
                            it(`must refuse to ${op} it, the post-login binding being protected, naming the acknowledgment`, () => {
                                const result = results[op]!;
                                assert.equal(result.stage, "plan", explain(result));
                                assert.equal(result.ok, false, "emptying a protected stack's post-login must be refused");
                                const refused = stepsOf(result).filter((s) => s.refused);
                                const binding = `urn:pulumi:${stack}::auth0-tenant::auth0-tenant:login:LoginFlow$auth0:index/triggerActions:TriggerActions::login-post-login`;
                                assert.deepEqual(refused.map((s) => `${s.op} ${s.urn}`), [`delete ${binding}`]);
                                assert.match(refused[0].refused!, /cannot be deleted\nbecause it is protected/);
                                assert.ok(refused[0].refused!.includes(`pulumi state unprotect '${binding}'`), refused[0].refused);
                                const replaced = stepsOf(result).filter((s) => s.op === "replace" && isAuth0(s.type));
                                assert.deepEqual(replaced.map((s) => s.name), []);
                            });
                            continue;
                        }
                        it(`must ${op} with no step refused and no Auth0 object replaced`, () => {
                            const result = results[op]!;
                            assertAccepted(result, `${op} of ${change} on ${stack}`);
                            const replaced = stepsOf(result).filter((s) => s.op === "replace" && isAuth0(s.type));
                            assert.deepEqual(replaced.map((s) => `${s.name}: ${s.replaceReasons.join(", ")}`), []);
                        });
                    }

                    if (change === "no change") {
                        it("must plan nothing", () => {
                            for (const op of operations) {
                                assert.deepEqual(stepsOf(results[op]!).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`), [], op);
                            }
                        });
                    }

                    if (change.startsWith("rotation by +1")) {
                        it("must regenerate the idle slot, verify it, and only then switch the login code to it, leaving the slot in use untouched", () => {
                            const generation = Number(file.config["auth0-tenant:secretGeneration"] ?? 1);
                            const [active, fresh] = generation % 2 === 1 ? ["blue", "green"] : ["green", "blue"];
                            for (const op of operations) {
                                const steps = stepsOf(results[op]!);
                                for (const s of steps.filter((x) => x.name.startsWith(`login-code-${active}-`))) assert.equal(s.op, "same", `${op}: ${s.name} (slot in use) must not change`);
                                assert.equal(byName(steps, `login-code-${fresh}-secret`).op, "replace");
                                assert.equal(byName(steps, `login-code-${fresh}-credentials`).op, "update");
                                const verify = byName(steps, "verify-grants-check");
                                assert.equal(verify.op, "replace");
                                const switches = steps.filter((s) => (s.type === RESOURCE_TYPES.action || s.type === RESOURCE_TYPES.ruleConfig) && s.op === "update");
                                assert.ok(switches.length > 0, `${op}: the login code's settings must change`);
                                for (const s of switches) {
                                    for (const before of [`login-code-${fresh}-secret`, `login-code-${fresh}-credentials`, "verify-grants-check"]) {
                                        assert.ok(at(steps, before) < s.index, `${op}: ${before} must come before ${s.name}`);
                                    }
                                    for (const grant of steps.filter((x) => x.name.startsWith(`login-code-${fresh}-grant-`))) assert.ok(grant.index < s.index);
                                    assert.ok(dependsOnTransitively(steps, s.urn, verify.urn), `${op}: ${s.name} must wait for the verification`);
                                }
                            }
                        });
                    }
                });
            }
        });
    }
}

function dependsOnTransitively(steps: readonly Step[], from: string, to: string): boolean {
    const byUrn = new Map(steps.filter((s) => !s.replaced).map((s) => [s.urn, s]));
    const seen = new Set<string>();
    const visit = (urn: string): boolean => {
        if (urn === to) return true;
        if (seen.has(urn)) return false;
        seen.add(urn);
        return (byUrn.get(urn)?.dependsOn ?? []).some(visit);
    };
    return visit(from);
}
