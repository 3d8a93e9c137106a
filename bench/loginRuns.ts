/**
 * The bench's runs: a tenant per run, served by one worker thread (bench/tenantWorker.ts), and
 * the mode's runtime on this thread with one container, logging users in by waves. Loaded by
 * bench/login.bench.ts once its options are read.
 */
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { Audience, ExtensibilityMode } from "../infra/loginContract";
import { LOGIN_FILES } from "../local/runtime/loginHarness";
import { ActionsRuntime } from "../local/runtime/actions";
import { trustedNetwork, TrustedNetwork } from "../local/runtime/network";
import { RulesRuntime } from "../local/runtime/rules";
import { LoginUser } from "../local/runtime/types";
import { AUTHZ_EXTENSION_API, contractGrants, TenantModel } from "../local/tenant/model";
import type { TenantSpec, TenantWorkerReply, TenantWorkerRequest } from "./tenantWorker";

export interface RunOptions {
    readonly rttMs: number;
    readonly jitterMs: number;
    readonly logins: number;
    readonly wave: number;
}

const CUSTOM_API = "https://entitlements.bench.local";
const CLIENT = { id: "bench-m2m", secret: "bench-secret-not-a-real-one" };
const GROUPS = [
    { _id: "g1", name: "admins", description: "Tenant administrators" },
    { _id: "g2", name: "readers", description: "Read-only access" },
];
export const AUDIENCES: readonly Audience[] = ["authzExtension", "api", "managementApi"];

export interface Approach {
    readonly label: string;
    readonly files: Record<ExtensibilityMode, string[]>;
    /** Every login is a user's first: no groups recorded yet, so the rule updates app_metadata. */
    readonly firstLogins?: boolean;
}

const variant = (file: string): Record<ExtensibilityMode, string[]> => ({
    actions: [LOGIN_FILES.actions[0], join(__dirname, "variants/actions", file)],
    rules: [LOGIN_FILES.rules[0], join(__dirname, "variants/rules", file)],
});

export const THIS_CODE: Approach = { label: "this code", files: LOGIN_FILES };
/**
 * The labels keep the numbers the design documents gave the pages (docs/origins.md): "seed 000" is
 * "Call API From Rule" (https://community.auth0.com/t/call-api-from-rule/106093), a token per login;
 * "seed 002" is "How do I get an access token to call Management API v2 from a rule?"
 * (https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970),
 * a token cached per client without single flight.
 */
export const SEED_000: Approach = { label: "seed 000 (token per call)", files: variant("token-per-login.js") };
export const SEED_002: Approach = { label: "seed 002 (cache, sequential)", files: variant("cache-without-single-flight.js") };
export const APPROACHES: readonly Approach[] = [THIS_CODE, SEED_000, SEED_002];
/** Rules only: what the app_metadata update adds, each login a new user's first. */
export const FIRST_LOGINS: Approach = { label: "this code, first logins", files: LOGIN_FILES, firstLogins: true };

export interface LoginBenchFigures {
    readonly mode: ExtensibilityMode;
    readonly approach: string;
    readonly tokenRequests: Record<Audience, number>;
    readonly cold: number[];
    readonly warm: number[];
    readonly failed: number;
}

function model(mode: ExtensibilityMode, users: number, firstLogins: boolean): TenantModel {
    const list = Array.from({ length: users }, (_, i) => ({
        user_id: `auth0|bench-${i}`,
        email: `bench-${i}@example.test`,
        email_verified: true,
        // Returning users have their groups recorded: the rule updates app_metadata only when they change.
        ...(firstLogins ? {} : { app_metadata: { groups: GROUPS.map((group) => group.name) } }),
    }));
    const members = list.map((user) => user.user_id);
    return {
        clients: [CLIENT],
        apis: [
            { identifier: CUSTOM_API, scopes: ["read:entitlements"] },
            { identifier: AUTHZ_EXTENSION_API, scopes: ["read:users", "read:groups"] },
        ],
        grants: contractGrants(mode, CLIENT.id, CUSTOM_API),
        users: list,
        groups: GROUPS.map((group) => ({ ...group, members })),
        entitlements: Object.fromEntries(members.map((id) => [id, ["reports:read"]])),
        customApi: CUSTOM_API,
    };
}

/** The worker serving the bench's tenants, one at a time, driven by messages. */
export class TenantWorker {
    private readonly worker = new Worker(join(__dirname, "tenantWorker.ts"));

    private next<T extends TenantWorkerReply["type"]>(request: TenantWorkerRequest, type: T): Promise<Extract<TenantWorkerReply, { type: T }>> {
        return new Promise((resolve, reject) => {
            const onMessage = (message: TenantWorkerReply) => {
                if (message.type !== type) return;
                this.worker.off("message", onMessage);
                this.worker.off("error", reject);
                resolve(message as Extract<TenantWorkerReply, { type: T }>);
            };
            this.worker.on("message", onMessage);
            this.worker.once("error", reject);
            this.worker.postMessage(request);
        });
    }

    start(tenant: TenantSpec) {
        return this.next({ type: "start", tenant }, "ready");
    }

    async tokenRequests(): Promise<Record<Audience, number>> {
        return (await this.next({ type: "counts" }, "counts")).tokenRequests;
    }

    async stopTenant(): Promise<void> {
        await this.next({ type: "stop" }, "stopped");
    }

    async close(): Promise<void> {
        this.worker.postMessage({ type: "exit" } satisfies TenantWorkerRequest);
        await new Promise((resolve) => this.worker.once("exit", resolve));
    }
}

/**
 * Opens `count` kept-alive connections to each server before the cold wave, through the agent
 * the code's node:https requests use (the Action's https.globalAgent, the rule's axios), with
 * requests that are neither token requests nor calls. So the cold wave pays for an empty token
 * cache, not for TCP and TLS handshakes: on a real network those are two more round trips per
 * new connection, which the model leaves out, and here their CPU, on the same machine as the
 * servers, would swamp the figure. The seeds' Actions use fetch: their connections are opened
 * through its dispatcher as well.
 */
async function openConnections(network: TrustedNetwork, settings: Record<string, string | undefined>, count: number): Promise<void> {
    const origins = [`https://${settings.AUTH0_DOMAIN}`, settings.API_BASE_URL, settings.AUTHZ_EXTENSION_URL]
        .filter((url): url is string => typeof url === "string")
        .map((url) => new URL(url).origin);
    const viaFetch = (origin: string) =>
        fetch(`${origin}/.well-known/jwks.json`, { dispatcher: network.dispatcher }).then((response) => response.text());
    const viaHttps = (origin: string) =>
        new Promise<void>((resolve, reject) => {
            const req = httpsRequest(`${origin}/.well-known/jwks.json`, { agent: network.httpsAgent }, (res) => {
                res.resume();
                res.on("end", () => resolve());
            });
            req.on("error", reject);
            req.end();
        });
    await Promise.all(origins.flatMap((origin) => Array.from({ length: count }, () => [viaFetch(origin), viaHttps(origin)]).flat()));
}

/** One run: a fresh tenant and container, `options.logins` logins in waves; `progress` hears of each wave. */
export async function run(
    worker: TenantWorker,
    mode: ExtensibilityMode,
    approach: Approach,
    options: RunOptions,
    progress: (text: string) => void,
): Promise<LoginBenchFigures> {
    // First logins need a new user each; returning users log in once per wave.
    const users = approach.firstLogins ? options.logins : options.wave;
    const tenantModel = model(mode, users, approach.firstLogins ?? false);
    const ready = await worker.start({ model: tenantModel, distance: { rttMs: options.rttMs, jitterMs: options.jitterMs }, mode });
    const network = trustedNetwork(ready.ca);
    const files = approach.files[mode];
    const runtime =
        mode === "rules" ? new RulesRuntime({ files, network, auth0Domain: ready.domain }) : new ActionsRuntime({ files, network });
    const container = runtime.newContainer(ready.settings);
    await openConnections(network, ready.settings, options.wave);
    // Returning users' records do not change (their groups are current); first logins are each user's only one.
    const byId = new Map<string, LoginUser>(tenantModel.users.map((user) => [user.user_id, user]));
    const cold: number[] = [];
    const warm: number[] = [];
    let failed = 0;
    const waves = Math.ceil(options.logins / options.wave);
    for (let wave = 0; wave < waves; wave++) {
        progress(`${mode} ${approach.label}: wave ${wave + 1}/${waves}`);
        const size = Math.min(options.wave, options.logins - wave * options.wave);
        const results = await Promise.all(
            Array.from({ length: size }, (_, i) => container.login(byId.get(`auth0|bench-${(wave * options.wave + i) % users}`)!)),
        );
        for (const result of results) {
            if (result.outcome !== "allowed") failed += 1;
            (wave === 0 ? cold : warm).push(result.durationMs);
        }
    }
    const tokenRequests = await worker.tokenRequests();
    await network.close();
    await worker.stopTenant();
    return { mode, approach: approach.label, tokenRequests, cold, warm, failed };
}

