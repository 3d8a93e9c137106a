/**
 * Secret rotation under load, against the local tenant.
 *
 * `planRotations` deploys the stack through the one offline path (local/engine/localDeploy.ts: the real
 * program, the engine double, the provider double, a local Management API) at generation N, then
 * runs each rotation as a team does — `pulumi config set secretGeneration N+1 && pulumi up` — from
 * the state the last update left. Each rotation's steps are the engine's steps of that update, in
 * the order it issued them, each with its effect on the tenant as the provider's Management API
 * calls made it: a RandomPassword lives only in Pulumi's state; a ClientCredentials update PATCHes
 * a client's new secret; an Action deploy or a RuleConfig write gives the login code new settings;
 * a local Command (the GrantVerification check) only reads the tenant. Any other change, and any
 * delete but that of a replaced resource's old copy, is refused, so nothing slips through unapplied.
 *
 * `simulateRotations` serves the deployed tenant locally and keeps logins running (workers that
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
import { ExtensibilityMode, LoginSettingName } from "../../infra/loginContract";
import { modeSettings } from "../engine/operation";
import { DeployedTenant, deployedTenant, loginCredential, LoginSettings } from "../tenant/deployedTenant";
import { DeployedUpdate, deployUpdates } from "../engine/localDeploy";
import { ActionsRuntime } from "../runtime/actions";
import { trustedNetwork } from "../runtime/network";
import { RulesRuntime } from "../runtime/rules";
import { LoginContainer } from "../runtime/types";
import { SampleDirectory } from "../tenant/sampleDirectory";
import { LocalTenant } from "../tenant/localTenant";
import { LocalManagementApi } from "../tenant/managementApi";
import { TenantModel } from "../tenant/model";
import { testTls } from "../tenant/tls";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

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
    /** The tenant as the deploy of generation `rotations[0].from` left it. */
    readonly initial: DeployedTenant;
    readonly rotations: readonly Rotation[];
}

/** A command run on the deploying machine (the GrantVerification check); it only reads the tenant. */

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

export interface PlanOptions {
    /** The stack; default dev. */
    readonly stack?: string;
    /** Where its stack file is read from; default: stackFilesDir(). */
    readonly stackDir?: string;
}

/**
 * Deploys the stack at generation `first` and runs `count` rotations, each `pulumi config set
 * secretGeneration n+1 && pulumi up` from the state the last left, and returns their steps.
 */
export async function planRotations(first: number, count: number, mode: ExtensibilityMode = "actions", options: PlanOptions = {}): Promise<RotationPlan> {
    const stack = options.stack ?? "dev";
    const updates = await deployUpdates({
        stack,
        stackDir: options.stackDir,
        updates: Array.from({ length: count + 1 }, (_, i) => ({ ...modeSettings(mode), secretGeneration: first + i })),
    });
    const [deployed] = updates;
    const initial = deployedTenant(
        { stack, mode, api: LocalManagementApi.restore(deployed.tenant), state: deployed.state, outputs: deployed.outputs, authzExtensionScopes: deployed.authzExtensionScopes },
        { directory: SIMULATION_DIRECTORY },
    );
    const rotations = updates.slice(1).map((update, i) => ({ from: first + i, to: first + i + 1, steps: rotationSteps(updates[i], update, `${first + i}->${first + i + 1}`) }));
    return { mode, initial, rotations };
}

/**
 * The steps of the update from `before` to `after`: the engine's changed custom resources in the
 * order it issued them, each with its effect on the tenant from the provider's calls.
 */
export function rotationSteps(before: Pick<DeployedUpdate, "tenant">, after: Pick<DeployedUpdate, "steps" | "state" | "writes" | "tenant">, label: string): RotationStep[] {
    const deletes = after.steps.filter((s) => s.op === "delete" && !s.replaced);
    if (deletes.length) throw new Error(`rotation ${label} deletes ${deletes.map((s) => s.name).join(", ")}; the simulation applies updates only`);
    const changed = [...after.steps]
        .sort((a, b) => a.index - b.index)
        .filter((s) => s.op !== "same" && !s.replaced && !s.type.startsWith("pulumi:providers:") && after.state.some((r) => r.urn === s.urn && r.custom));
    const names = changed.map((s) => s.name);
    if (new Set(names).size !== names.length) throw new Error(`rotation ${label} changes two resources of one name: ${names.join(", ")}`);
    return changed.map((step) => {
        const resource = after.state.find((r) => r.urn === step.urn)!;
        return {
            type: step.type,
            name: step.name,
            after: changed.filter((c) => c !== step && step.dependsOn.includes(c.urn)).map((c) => c.name),
            effect: effectOf(step.type, step.name, String(resource.id), before, after),
        };
    });
}

function effectOf(type: string, name: string, id: string, before: Pick<DeployedUpdate, "tenant">, after: Pick<DeployedUpdate, "writes" | "tenant">): StepEffect {
    const writes = after.writes.filter((w) => w.type === type);
    switch (type) {
        case RESOURCE_TYPES.randomPassword:
            return { kind: "state" };
        case RESOURCE_TYPES.localCommand:
            return { kind: "check" };
        case RESOURCE_TYPES.clientCredentials: {
            const sent = writes.find((w) => w.method === "PATCH" && w.path === `/api/v2/clients/${id}` && typeof w.body.client_secret === "string");
            if (!sent) throw new Error(`rotation updates ${name} but the provider sent client ${id} no secret`);
            return { kind: "client-secret", clientId: id, secret: String(sent.body.client_secret) };
        }
        case RESOURCE_TYPES.action: {
            const secretsIn = (tenant: DeployedUpdate["tenant"]) =>
                Object.fromEntries((tenant.actions.find(([actionId]) => actionId === id)?.[1].secrets ?? []).map((s) => [s.name, s.value]));
            const then = secretsIn(before.tenant);
            const now = secretsIn(after.tenant);
            return { kind: "deploy", settings: Object.fromEntries(Object.entries(now).filter((entry): entry is [string, string] => entry[1] !== undefined && then[entry[0]] !== entry[1])) };
        }
        case RESOURCE_TYPES.ruleConfig: {
            const sent = writes.find((w) => w.method === "PUT" && w.path === `/api/v2/rules-configs/${id}`);
            if (!sent) throw new Error(`rotation updates ${name} but the provider wrote no rule config ${id}`);
            return { kind: "deploy", settings: { [id]: String(sent.body.value) } };
        }
        default:
            throw new Error(`rotation changes ${type} ${name}, which the simulation does not know how to apply to the tenant`);
    }
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

    const tenant = await LocalTenant.start(model, initial.tenantOptions());
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
