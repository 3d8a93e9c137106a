/**
 * Secret rotation under load, against the local tenant.
 *
 * `simulateRotations` serves the tenant a plan's first deploy left (local/sim/rotationPlan.ts)
 * and keeps logins running (workers that each start a new login as soon as the last ends) while
 * it applies the plan's steps, one after another with a delay between them. As on Auth0, an
 * Action deploy (or rule config change) reaches new executions only: each deploy starts fresh
 * containers with the new settings, and logins already running finish in the containers they
 * started in, with the settings they started with.
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
import { ExtensibilityMode } from "../../infra/loginContract";
import { loginCredential, LoginSettings } from "../tenant/deployedTenant";
import { ActionsRuntime } from "../runtime/actions";
import { trustedNetwork } from "../runtime/network";
import { RulesRuntime } from "../runtime/rules";
import { LoginContainer } from "../runtime/types";
import { LocalTenant } from "../tenant/localTenant";
import { TenantModel } from "../tenant/model";
import { testTls } from "../tenant/tls";
import { Rotation, RotationPlan, SIMULATION_DIRECTORY } from "./rotationPlan";

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
