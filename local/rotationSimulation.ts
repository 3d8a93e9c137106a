/**
 * Secret rotation under load, against the local tenant.
 *
 * `planRotations` runs the real program (`infra/`) under Pulumi's mock runtime for generations
 * N, N+1, ... and derives each rotation's steps by diffing what two consecutive runs declare:
 * the resources whose inputs changed, ordered as the Pulumi engine orders them (a resource after
 * every changed resource its inputs depend on, read from the Outputs with `allResources()`), each
 * with its effect on the tenant: a RandomPassword lives only in Pulumi's state; a
 * ClientCredentials update gives the tenant a client's new secret; an Action deploy or a
 * RuleConfig update gives the login code new settings; a local Command (the GrantVerification
 * check) only reads the tenant. Any other change is refused, so nothing slips through unapplied.
 *
 * `simulateRotations` serves the declared tenant locally and keeps logins running (workers that
 * each start a new login as soon as the last ends) while it applies the steps, one after another
 * with a delay between them. As on Auth0, an Action deploy (or rule config change) reaches new
 * executions only: each deploy starts fresh containers with the new settings, and logins already
 * running finish in the containers they started in, with the settings they started with.
 *
 * Two strategies are compared on the same steps:
 * - `blue-green`: what the program does (infra/rotation.ts), two applications, the idle one
 *   rotated, the code switched to it after its secret and grants exist.
 * - `in-place`: the naive single-credential update, the same steps with both slots collapsed
 *   into the one application the code uses: its secret regenerated in place, then the code updated.
 *
 * A login fails when it needs a fresh token while the settings it runs with hold a secret the
 * tenant no longer accepts. Tokens already issued stay valid after a rotation (Auth0 does not
 * revoke them), so failures only show when logins fetch tokens: token lifetimes are short
 * (`tokenLifetimeS`), by default so short that the code caches none and every login fetches.
 * Each step waits until `loginsPerStep` logins that started after it have finished, so every
 * intermediate state of the tenant is exercised by logins, whatever the machine's speed.
 */
import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { ExtensibilityMode, LoginSettingName } from "../infra/loginContract";
import { StateResource, Step } from "./engine/deployment";
import { modeSettings, operate } from "./engine/operation";
import { DeclaredTenant, declaredTenant, loginCredential, LoginSettings, SampleDirectory } from "./declaredTenant";
import { ActionsRuntime } from "./runtime/actions";
import { trustedNetwork } from "./runtime/network";
import { RulesRuntime } from "./runtime/rules";
import { LoginContainer } from "./runtime/types";
import { LocalTenant } from "./servers/localTenant";
import { TenantModel } from "./servers/model";
import { testTls } from "./servers/tls";
import { installedAuthzExtensionApi } from "./stack/mocks";
import { ConstructedResource, ProgramRun, runProgram, Scenario, T } from "./stack/program";

/** What applying one changed resource does to the running tenant. */
export type StepEffect =
    /** Exists only in Pulumi's state (a RandomPassword): nothing changes in the tenant. */
    | { readonly kind: "state" }
    /** Reads the tenant and changes nothing (a local Command: the GrantVerification check). */
    | { readonly kind: "check" }
    /** The tenant accepts `secret` for `clientId` from now on, and no longer the previous one. */
    | { readonly kind: "client-secret"; readonly clientId: string; readonly secret: string }
    /** New executions of the login code run with these settings changed. */
    | { readonly kind: "deploy"; readonly settings: Readonly<Partial<Record<LoginSettingName, string>>> };

export interface RotationStep {
    readonly type: string;
    readonly name: string;
    /** Changed resources of the same update this one waits for: its inputs depend on them. */
    readonly after: readonly string[];
    readonly effect: StepEffect;
}

export interface Rotation {
    readonly from: number;
    readonly to: number;
    /** In the order the engine applies them: dependencies first. */
    readonly steps: readonly RotationStep[];
}

export interface RotationPlan {
    readonly mode: ExtensibilityMode;
    /** The tenant as generation `rotations[0].from` declares it. */
    readonly initial: DeclaredTenant;
    readonly rotations: readonly Rotation[];
}

/** A command run on the deploying machine (the GrantVerification check); it only reads the tenant. */
const LOCAL_COMMAND = "command:local:Command";

/** Users the simulation logs in: verified, members of a group, with entitlements. */
export const SIMULATION_DIRECTORY: SampleDirectory = (() => {
    const users = Array.from({ length: 50 }, (_, i) => ({ user_id: `auth0|rotation-${i}`, email: `rotation-${i}@example.test`, email_verified: true }));
    const members = users.map((u) => u.user_id);
    return {
        users,
        groups: [{ _id: "g-readers", name: "readers", description: "Read-only access to reports", members }],
        entitlements: Object.fromEntries(members.map((id) => [id, ["reports:read"]])),
    };
})();

/** Program config for a mode; rules need the Management API scope their code uses. */
function modeConfig(mode: ExtensibilityMode): Record<string, string> {
    return mode === "rules" ? { extensibility: "rules", managementApiScopes: '["update:users_app_metadata"]' } : { extensibility: "actions" };
}

/**
 * Runs the program for generations `first` .. `first + count` (dev stack file by default) and
 * derives the `count` rotations between consecutive generations.
 */
export async function planRotations(first: number, count: number, mode: ExtensibilityMode = "actions", scenario: Scenario = {}): Promise<RotationPlan> {
    const run = (generation: number) =>
        runProgram({
            ...scenario,
            config: { ...modeConfig(mode), ...scenario.config, secretGeneration: String(generation) },
            calls: { "auth0:index/getResourceServer:getResourceServer": installedAuthzExtensionApi(), ...scenario.calls },
        });
    let before = await run(first);
    const initial = declaredTenant(before, { directory: SIMULATION_DIRECTORY });
    const rotations: Rotation[] = [];
    for (let generation = first; generation < first + count; generation++) {
        const after = await run(generation + 1);
        rotations.push({ from: generation, to: generation + 1, steps: await deriveSteps(before, after) });
        before = after;
    }
    return { mode, initial, rotations };
}

/** The steps of the update from `before` to `after`, in the engine's order. */
export async function deriveSteps(before: ProgramRun, after: ProgramRun): Promise<RotationStep[]> {
    const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
    const removed = before.declared.filter((r) => !after.declared.some((a) => key(a) === key(r)));
    if (removed.length > 0) throw new Error(`rotation deletes ${removed.map(key).join(", ")}; the simulation applies updates only`);
    const changed = after.declared.filter((r) => {
        const was = before.declared.find((b) => key(b) === key(r));
        return !was || !isDeepStrictEqual(was.inputs, r.inputs);
    });
    const changedNames = changed.map((r) => r.name);
    if (new Set(changedNames).size !== changedNames.length) throw new Error(`rotation changes two resources of one name: ${changedNames.join(", ")}`);

    const unordered = await Promise.all(
        changed.map(async (r) => {
            const constructed = after.constructed.find((c) => c.type === r.type && c.name === r.name);
            if (!constructed) throw new Error(`rotation: ${key(r)} was declared but not constructed`);
            const dependsOn = await dependencyNames(constructed);
            const was = before.declared.find((b) => key(b) === key(r));
            return {
                type: r.type,
                name: r.name,
                after: changedNames.filter((n) => n !== r.name && dependsOn.includes(n)),
                effect: effectOf(r.type, r.name, r.inputs, was?.inputs),
            };
        }),
    );
    // Kahn's algorithm; among steps that are ready together, declaration order.
    const ordered: RotationStep[] = [];
    const pending = [...unordered];
    while (pending.length > 0) {
        const next = pending.findIndex((s) => s.after.every((d) => ordered.some((o) => o.name === d)));
        if (next < 0) throw new Error(`rotation: dependency cycle among ${pending.map((s) => s.name).join(", ")}`);
        ordered.push(pending.splice(next, 1)[0]);
    }
    return ordered;
}

/** Names of the resources any input of `resource` depends on: what the engine orders it after. */
async function dependencyNames(resource: ConstructedResource): Promise<string[]> {
    const output = pulumi.output(resource.props) as unknown as { allResources(): Promise<Set<pulumi.Resource>> };
    const urns = await Promise.all([...(await output.allResources())].map((r) => new Promise<string>((resolve) => r.urn.apply((u) => (resolve(u), u)))));
    return urns.map((urn) => urn.split("::").pop()!);
}

function effectOf(type: string, name: string, inputs: Record<string, unknown>, was: Record<string, unknown> | undefined): StepEffect {
    switch (type) {
        case T.randomPassword:
            return { kind: "state" };
        case LOCAL_COMMAND:
            return { kind: "check" };
        case T.clientCredentials:
            return { kind: "client-secret", clientId: text(inputs.clientId, `${name}.clientId`), secret: text(inputs.clientSecretWo, `${name}.clientSecretWo`) };
        case T.action: {
            const now = secretsOf(inputs);
            const then = was ? secretsOf(was) : {};
            return { kind: "deploy", settings: Object.fromEntries(Object.entries(now).filter(([k, v]) => then[k] !== v)) };
        }
        case T.ruleConfig:
            return { kind: "deploy", settings: { [text(inputs.key, `${name}.key`)]: text(inputs.value, `${name}.value`) } };
        default:
            throw new Error(`rotation changes ${type} ${name}, which the simulation does not know how to apply to the tenant`);
    }
}

function secretsOf(inputs: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(((inputs.secretsWos as { name: string; value: string }[] | undefined) ?? []).map((s) => [s.name, s.value]));
}

function text(value: unknown, what: string): string {
    if (typeof value !== "string" || value === "") throw new Error(`rotation: ${what} is not a known string`);
    return value;
}

/**
 * The naive single-credential update of the same rotation: one application (`clientId`), whose
 * secret every ClientCredentials step regenerates in place, and which every deploy points at
 * (M2M_CLIENT_ID for actions, the client_id inside M2M_CREDENTIALS for rules).
 */
export function inPlace(rotation: Rotation, clientId: string): Rotation {
    return {
        ...rotation,
        steps: rotation.steps.map((step) => {
            const effect = step.effect;
            if (effect.kind === "client-secret") return { ...step, effect: { ...effect, clientId } };
            if (effect.kind !== "deploy") return step;
            const settings = { ...effect.settings };
            if (settings.M2M_CLIENT_ID !== undefined) settings.M2M_CLIENT_ID = clientId;
            const credential = loginCredential({ M2M_CREDENTIALS: settings.M2M_CREDENTIALS });
            if (credential) settings.M2M_CREDENTIALS = JSON.stringify({ client_id: clientId, client_secret: credential.clientSecret });
            return { ...step, effect: { ...effect, settings } };
        }),
    };
}

export type Strategy = "blue-green" | "in-place";

export interface SimulationOptions {
    readonly strategy: Strategy;
    /** Concurrent logins, each worker starting a new login when its last ends. Default: 50. */
    readonly concurrency?: number;
    /** Containers per deployment; logins are spread over them. Default: 4. */
    readonly containers?: number;
    /**
     * Access token lifetime of the APIs in the local model, seconds. The login code refreshes a
     * token TOKEN_EXPIRY_MARGIN_S (60 s) before it expires and does not cache one that lives no
     * longer than that. Default: 5: no token is cached, every login fetches its tokens with the
     * settings it runs with, in every state the tenant passes through (the worst case for a
     * rotation, and deterministic). 61 s: each token is reused for about a second, so containers
     * keep warm caches and refresh them during the run (closer to production, where a failure
     * needs a refresh to fall inside the window).
     */
    readonly tokenLifetimeS?: number;
    /** Pause after each step, as between the engine's API calls. Default: 50 ms. */
    readonly stepDelayMs?: number;
    /** Pause between two rotations. Default: 200 ms. */
    readonly rotationIntervalMs?: number;
    /** Logins that must start and finish after a step before the next one. Default: 20. */
    readonly loginsPerStep?: number;
    /** The whole run fails past this. Default: 120 s. */
    readonly timeLimitMs?: number;
}

export interface SimulationReport {
    readonly strategy: Strategy;
    readonly mode: ExtensibilityMode;
    readonly rotations: number;
    readonly steps: number;
    readonly deploys: number;
    readonly logins: number;
    readonly failedLogins: number;
    /** Failed logins by the reason the login code gave (never a secret). */
    readonly failureReasons: Readonly<Record<string, number>>;
    /** Failed logins by the step after which they started (`<from>-><to> <resource name>`, or `start`). */
    readonly failuresByStep: Readonly<Record<string, number>>;
    readonly tokenRequests: number;
    readonly wallMs: number;
}

interface Deployment {
    readonly settings: LoginSettings;
    readonly containers: LoginContainer[];
    next: number;
}

/** Applies `plan` under continuous logins with one strategy and counts what failed. */
export async function simulateRotations(plan: RotationPlan, options: SimulationOptions): Promise<SimulationReport> {
    const concurrency = options.concurrency ?? 50;
    const containerCount = options.containers ?? 4;
    const tokenLifetimeS = options.tokenLifetimeS ?? 5;
    const stepDelayMs = options.stepDelayMs ?? 50;
    const rotationIntervalMs = options.rotationIntervalMs ?? 200;
    const loginsPerStep = options.loginsPerStep ?? 20;
    const deadline = Date.now() + (options.timeLimitMs ?? 120_000);

    const { initial } = plan;
    const inUse = loginCredential(initial.settings)?.clientId;
    if (!inUse) throw new Error("rotation: the declared login code is given no credential (M2M_CREDENTIALS, or M2M_CLIENT_ID and M2M_CLIENT_SECRET)");
    const model: TenantModel = {
        ...initial.model,
        apis: initial.model.apis.map((api) => ({ ...api, tokenLifetimeS })),
        // The naive stack has one application: the one the code uses, with its grants.
        ...(options.strategy === "in-place"
            ? { clients: initial.model.clients.filter((c) => c.id === inUse), grants: initial.model.grants.filter((g) => g.clientId === inUse) }
            : {}),
    };
    const rotations = options.strategy === "in-place" ? plan.rotations.map((r) => inPlace(r, inUse)) : plan.rotations;

    const tenant = await LocalTenant.start(model);
    const network = trustedNetwork((await testTls()).cert);
    const runtime =
        plan.mode === "rules"
            ? new RulesRuntime({ files: initial.loginFiles, network, auth0Domain: tenant.domain })
            : new ActionsRuntime({ files: initial.loginFiles, network });
    const deploy = (settings: LoginSettings): Deployment => ({
        settings,
        containers: Array.from({ length: containerCount }, () => runtime.newContainer(settings)),
        next: 0,
    });

    let current = deploy(initial.localSettings(tenant));
    let deploys = 0;
    let steps = 0;
    let logins = 0;
    let failedLogins = 0;
    const failureReasons: Record<string, number> = {};
    const failuresByStep: Record<string, number> = {};
    const stepLabels = ["start"];
    const finishedByStep = [0];
    let stopped = false;

    const worker = async (index: number) => {
        while (!stopped) {
            // A login runs where it starts: the deployment current at its start, to the end.
            const deployment = current;
            const container = deployment.containers[deployment.next++ % deployment.containers.length];
            const step = stepLabels.length - 1;
            const user = SIMULATION_DIRECTORY.users[(logins + index) % SIMULATION_DIRECTORY.users.length];
            const result = await container.login(tenant.user(user.user_id));
            logins += 1;
            finishedByStep[step] += 1;
            if (result.outcome !== "allowed") {
                failedLogins += 1;
                const reason = `${result.outcome}: ${result.reason ?? "no reason"}`;
                failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
                failuresByStep[stepLabels[step]] = (failuresByStep[stepLabels[step]] ?? 0) + 1;
            } else if (plan.mode === "actions" && Object.keys(result.appMetadataUpdates).length > 0) {
                tenant.mergeAppMetadata(user.user_id, result.appMetadataUpdates);
            }
        }
    };

    const settle = async (ms: number) => {
        const until = Date.now() + ms;
        while (finishedByStep[finishedByStep.length - 1] < loginsPerStep || Date.now() < until) {
            if (Date.now() > deadline) throw new Error(`rotation simulation: over its time limit at ${stepLabels[stepLabels.length - 1]}`);
            await sleep(2);
        }
    };

    const started = performance.now();
    const workers = Array.from({ length: concurrency }, (_, i) => worker(i));
    try {
        await settle(rotationIntervalMs);
        for (const rotation of rotations) {
            for (const step of rotation.steps) {
                const effect = step.effect;
                if (effect.kind === "client-secret") tenant.setClientSecret(effect.clientId, effect.secret);
                if (effect.kind === "deploy") {
                    current = deploy({ ...current.settings, ...effect.settings });
                    deploys += 1;
                }
                steps += 1;
                stepLabels.push(`${rotation.from}->${rotation.to} ${step.name}`);
                finishedByStep.push(0);
                await settle(stepDelayMs);
            }
            await settle(rotationIntervalMs);
        }
    } finally {
        stopped = true;
        await Promise.allSettled(workers);
        await tenant.stop();
        await network.close();
    }
    const tokenRequests = (["api", "authzExtension", "managementApi"] as const).reduce((sum, a) => sum + tenant.tokenRequests(tenant.audience(a)), 0);
    return {
        strategy: options.strategy,
        mode: plan.mode,
        rotations: rotations.length,
        steps,
        deploys,
        logins,
        failedLogins,
        failureReasons,
        failuresByStep,
        tokenRequests,
        wallMs: performance.now() - started,
    };
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The engine double's `pulumi up` of each generation of a plan: the first from an empty state, each next from the one before. */
export interface EngineDeploys {
    readonly stack: string;
    /** Generation → the update's steps and the state it left. */
    readonly byGeneration: ReadonlyMap<number, { readonly steps: readonly Step[]; readonly state: readonly StateResource[] }>;
}

/**
 * Deploys a plan's generations through the engine double (local/engine): the stack at generation
 * `from` of the first rotation, then `pulumi up` at each `to`, each through the CLI's config
 * checks, the program run by cmd/run and the engine's step rules. Refuses what the engine refuses.
 */
export async function engineDeploys(plan: RotationPlan, stack = "dev"): Promise<EngineDeploys> {
    const settings = (generation: number) => ({ ...modeSettings(plan.mode), secretGeneration: generation });
    const byGeneration = new Map<number, { steps: readonly Step[]; state: readonly StateResource[] }>();
    const deploy = async (generation: number, prior: readonly StateResource[]) => {
        const result = await operate({ stack, set: settings(generation), dryRun: false, prior });
        if (result.stage === "config") throw new Error(`the engine double refuses the configuration of ${stack} at generation ${generation}: ${result.error}`);
        if (!result.ok) {
            const why = [result.error, ...result.violations.map((v) => v.message), ...result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)];
            throw new Error(`the engine double refuses pulumi up of ${stack} at generation ${generation}: ${why.filter(Boolean).join("; ")}`);
        }
        byGeneration.set(generation, { steps: result.steps, state: result.state });
        return result.state;
    };
    let prior = await deploy(plan.rotations[0]?.from ?? 1, []);
    for (const rotation of plan.rotations) prior = await deploy(rotation.to, prior);
    return { stack, byGeneration };
}

/**
 * The same rotations with their steps taken from the engine's plan: the creates, updates and
 * replacements of custom resources, in the order the engine issues them; the values the local
 * tenant needs come from the program's registrations. A plan that changes a resource the
 * registrations do not (or the reverse), or deletes anything, is refused.
 */
export function reconcileWithEngine<P extends { readonly rotations: readonly Rotation[] }>(plan: P, deploys: EngineDeploys): P {
    const rotations: Rotation[] = [];
    for (const rotation of plan.rotations) {
        const next = deploys.byGeneration.get(rotation.to);
        if (!next) throw new Error(`the engine double did not deploy ${deploys.stack} at generation ${rotation.to}`);
        const planned = next.steps.filter((s) => s.op !== "same" && !s.replaced && !s.type.startsWith("pulumi:providers:") && next.state.some((r) => r.urn === s.urn && r.custom));
        const deletes = next.steps.filter((s) => s.op === "delete" && !s.replaced);
        if (deletes.length) throw new Error(`the engine plans deletes in rotation ${rotation.from}->${rotation.to}: ${deletes.map((s) => s.name).join(", ")}`);
        const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name).sort();
        if (!isDeepStrictEqual(names(planned), names(rotation.steps))) {
            throw new Error(`rotation ${rotation.from}->${rotation.to}: the engine plans [${names(planned).join(", ")}] but the program's registrations change [${names(rotation.steps).join(", ")}]`);
        }
        rotations.push({ ...rotation, steps: planned.map((s) => rotation.steps.find((r) => r.name === s.name)!) });
    }
    return { ...plan, rotations };
}

/** The plan's rotations with their steps from the engine double's plan (engineDeploys, then reconcileWithEngine). */
export async function withEnginePlan(plan: RotationPlan, stack = "dev"): Promise<RotationPlan> {
    return reconcileWithEngine(plan, await engineDeploys(plan, stack));
}
