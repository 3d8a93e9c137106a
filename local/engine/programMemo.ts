/**
 * Program runs recorded and replayed, for the drift lab's many operations on one stack.
 *
 * A Pulumi program learns about the world only through what the engine tells it: the
 * configuration and deployment info (the language host's command line and environment,
 * local/engine/languageHost.ts; `--dry-run` among them), and the answers to its requests over
 * the ResourceMonitor (RegisterResource, Invoke: pulumi/pulumi 1b5949891b
 * pkg/resource/deploy/source_eval.go). Everything else it reads — the working copy's files, the
 * environment — stays the same during one lab run, and the program reads no clock and no random
 * source (generated secrets come from random.RandomPassword, a resource). So a run whose every
 * answer is the one a recorded run got makes the requests that run made: replaying them into the
 * engine double's handlers is the run, without the node process that costs seconds.
 *
 * Only a run with the same configuration (`pulumi config set` included) and the same dry-run flag
 * is replayed: the SDK treats answers differently in a preview (an input the engine's answer
 * leaves out is unknown in a preview and echoed in an update: sdk/nodejs/runtime/resource.ts
 * `resolveOutputs`, `!isDryRun()`). Requests go in the order the recorded run sent them, each
 * after every answer it could have waited for. The first answer that differs, in value, secrecy or
 * error, stops the replay (ReplayMismatch) and the caller runs the program for real; an update is
 * replayed on a copy of the tenant, so a replay stopped halfway changes nothing.
 */
import { ProgramRunRequest, ProgramRunResult, runLanguageHost } from "./languageHost";
import { MonitorHandlers, Registration, RegisterResult, Severity } from "./monitor";
import { Props, ResourceRef, Secret, UNKNOWN, Value } from "./wire";

export type ProgramRunner = (req: ProgramRunRequest, handlers: MonitorHandlers) => Promise<ProgramRunResult>;

type Event =
    | { readonly kind: "register"; readonly req: Registration; result?: RegisterResult; error?: string }
    | { readonly kind: "invoke"; readonly token: string; readonly args: Props; readonly result?: Props; readonly error?: string }
    | { readonly kind: "registerOutputs"; readonly urn: string; readonly outputs: Props }
    | { readonly kind: "log"; readonly severity: Severity; readonly message: string; readonly urn: string };

export interface Transcript {
    /** `--dry-run` and the configuration the run had. */
    readonly key: string;
    readonly events: readonly Event[];
    readonly result: ProgramRunResult;
}

export class ReplayMismatch extends Error {}

/** What identifies the runs that may replay one another: the dry-run flag and `pulumi config set`. */
export function runKey(dryRun: boolean, set: Readonly<Record<string, unknown>> = {}): string {
    const sorted = Object.keys(set).sort().map((k) => [k, set[k]]);
    return JSON.stringify([dryRun, sorted]);
}

/** The language host's run, with every request and answer kept in `onDone`'s transcript. */
export function recording(key: string, onDone: (t: Transcript) => void, run: ProgramRunner = runLanguageHost): ProgramRunner {
    return async (req, handlers) => {
        const events: Event[] = [];
        const recorder: MonitorHandlers = {
            register: (r) => {
                const event: Event & { kind: "register" } = { kind: "register", req: r };
                events.push(event);
                return handlers.register(r).then(
                    (result) => ((event.result = result), result),
                    (err: unknown) => {
                        event.error = err instanceof Error ? err.message : String(err);
                        throw err;
                    },
                );
            },
            invoke: (token, args) => {
                try {
                    const result = handlers.invoke(token, args);
                    events.push({ kind: "invoke", token, args, result });
                    return result;
                } catch (err) {
                    events.push({ kind: "invoke", token, args, error: err instanceof Error ? err.message : String(err) });
                    throw err;
                }
            },
            registerOutputs: (urn, outputs) => {
                events.push({ kind: "registerOutputs", urn, outputs });
                handlers.registerOutputs(urn, outputs);
            },
            log: (severity, message, urn) => {
                events.push({ kind: "log", severity, message, urn });
                handlers.log(severity, message, urn);
            },
        };
        const result = await run(req, recorder);
        onDone({ key, events, result });
        return result;
    };
}

/** Replays `t` into the handlers; throws ReplayMismatch at the first answer that differs from the recorded one. */
export function replaying(t: Transcript): ProgramRunner {
    return async (_req, handlers) => {
        for (const e of t.events) {
            switch (e.kind) {
                case "register": {
                    if (!e.result && e.error === undefined) throw new ReplayMismatch(`${e.req.name}: the recorded run got no answer`);
                    let result: RegisterResult | undefined;
                    let error: string | undefined;
                    try {
                        result = await handlers.register(e.req);
                    } catch (err) {
                        error = err instanceof Error ? err.message : String(err);
                    }
                    const same = e.result ? !!result && result.urn === e.result.urn && result.id === e.result.id && identical(result.outputs, e.result.outputs) : error === e.error;
                    if (!same) throw new ReplayMismatch(`${e.req.name}: another answer than the recorded run's`);
                    break;
                }
                case "invoke": {
                    let result: Props | undefined;
                    let error: string | undefined;
                    try {
                        result = handlers.invoke(e.token, e.args);
                    } catch (err) {
                        error = err instanceof Error ? err.message : String(err);
                    }
                    if (e.result ? !result || !identical(result, e.result) : error !== e.error) throw new ReplayMismatch(`${e.token}: another answer than the recorded run's`);
                    break;
                }
                case "registerOutputs":
                    handlers.registerOutputs(e.urn, e.outputs);
                    break;
                case "log":
                    handlers.log(e.severity, e.message, e.urn);
                    break;
            }
        }
        return t.result;
    };
}

/** Equal as the program sees it: unknowns, secrecy and resource references included. */
export function identical(a: Value, b: Value): boolean {
    if (a === UNKNOWN || b === UNKNOWN) return a === b;
    if (a instanceof Secret || b instanceof Secret) return a instanceof Secret && b instanceof Secret && identical(a.value, b.value);
    if (a instanceof ResourceRef || b instanceof ResourceRef) return a instanceof ResourceRef && b instanceof ResourceRef && a.urn === b.urn && identical(a.id, b.id);
    if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => identical(v, b[i]));
    if (a && b && typeof a === "object" && typeof b === "object") {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== undefined || b[k] !== undefined));
        return [...keys].every((k) => identical(a[k], b[k]));
    }
    return a === b;
}
