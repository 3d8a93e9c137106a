/**
 * `npm run bench`: 1,000 logins in waves of 50 concurrent through the login pipeline, against
 * the local tenant servers, for the Action and the Rule, side by side with the seeds' approaches:
 * a token per login (seed 000) and a cache without single-flight (seed 002), both in
 * bench/variants/. Prints token requests per audience and the latency the code adds over its
 * own API calls (login duration minus the time spent in its HTTP requests, measured per login).
 * Prints figures; asserts nothing about time.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { join } from "node:path";
import { ExtensibilityMode } from "../infra/loginContract";
import { Harness, LOGIN_FILES } from "../local/loginHarness";
import { AUTHZ_EXTENSION_API, contractGrants, TenantModel } from "../local/servers/model";

const LOGINS = 1000;
const WAVE = 50;
/** Warm logins run one at a time after the waves: the code's own cost without 49 neighbours in the event loop. */
const SEQUENTIAL_WARM = 200;
const CUSTOM_API = "https://entitlements.bench.local";
const CLIENT = { id: "bench-m2m", secret: "bench-secret-not-a-real-one" };

interface Variant {
    readonly name: string;
    readonly files: Record<ExtensibilityMode, string[]>;
}

const variant = (file: string): Record<ExtensibilityMode, string[]> => ({
    actions: [LOGIN_FILES.actions[0], join(__dirname, "variants/actions", file)],
    rules: [LOGIN_FILES.rules[0], join(__dirname, "variants/rules", file)],
});

const VARIANTS: Variant[] = [
    { name: "this repo (single-flight cache)", files: LOGIN_FILES },
    { name: "seed 000 (token per login)", files: variant("token-per-login.js") },
    { name: "seed 002 (cache, no single-flight)", files: variant("cache-without-single-flight.js") },
];

interface Figures {
    readonly mode: ExtensibilityMode;
    readonly variant: string;
    readonly tokens: { authz: number; api: number; management: number };
    readonly login: number[];
    readonly overheadAll: number[];
    readonly overheadWarm: number[];
    readonly overheadSequential: number[];
    readonly failed: number;
    readonly wallMs: number;
}

function model(mode: ExtensibilityMode): TenantModel {
    const users = Array.from({ length: WAVE }, (_, i) => ({
        user_id: `auth0|bench-${i}`,
        email: `bench-${i}@example.test`,
        email_verified: true,
    }));
    const members = users.map((user) => user.user_id);
    return {
        clients: [CLIENT],
        apis: [
            { identifier: CUSTOM_API, scopes: ["read:entitlements"] },
            { identifier: AUTHZ_EXTENSION_API, scopes: ["read:users", "read:groups"] },
        ],
        grants: contractGrants(mode, CLIENT.id, CUSTOM_API),
        users,
        groups: [
            { _id: "g1", name: "admins", description: "Tenant administrators", members },
            { _id: "g2", name: "readers", description: "Read-only access", members },
        ],
        entitlements: Object.fromEntries(members.map((id) => [id, ["reports:read"]])),
        customApi: CUSTOM_API,
    };
}

async function run(mode: ExtensibilityMode, candidate: Variant): Promise<Figures> {
    const network = new AsyncLocalStorage<{ ms: number }>();
    const harness = await Harness.start(mode, model(mode), {
        files: candidate.files[mode],
        observe: (elapsedMs) => {
            const store = network.getStore();
            if (store) store.ms += elapsedMs;
        },
    });
    const container = harness.container();
    const login: number[] = [];
    const overheadAll: number[] = [];
    const overheadWarm: number[] = [];
    let failed = 0;
    const started = performance.now();
    for (let wave = 0; wave < LOGINS / WAVE; wave++) {
        const results = await Promise.all(
            Array.from({ length: WAVE }, (_, i) => {
                const store = { ms: 0 };
                return network.run(store, async () => ({ result: await harness.login(container, `auth0|bench-${i}`), store }));
            }),
        );
        for (const { result, store } of results) {
            if (result.outcome !== "allowed") failed += 1;
            const overhead = result.durationMs - store.ms;
            login.push(result.durationMs);
            overheadAll.push(overhead);
            if (wave > 0) overheadWarm.push(overhead);
        }
    }
    const wallMs = performance.now() - started;
    const overheadSequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL_WARM; i++) {
        const store = { ms: 0 };
        const result = await network.run(store, () => harness.login(container, `auth0|bench-${i % WAVE}`));
        if (result.outcome !== "allowed") failed += 1;
        overheadSequential.push(result.durationMs - store.ms);
    }
    const tokens = {
        authz: harness.tenant.tokenRequests(harness.tenant.audience("authzExtension")),
        api: harness.tenant.tokenRequests(harness.tenant.audience("api")),
        management: harness.tenant.tokenRequests(harness.tenant.audience("managementApi")),
    };
    await harness.stop();
    return { mode, variant: candidate.name, tokens, login, overheadAll, overheadWarm, overheadSequential, failed, wallMs };
}

function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) return Number.NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(10);

async function main(): Promise<void> {
    console.log(`${LOGINS} logins per run (+${SEQUENTIAL_WARM} sequential warm logins), waves of ${WAVE} concurrent, one container per run, token lifetime 86400 s\n`);
    const all: Figures[] = [];
    for (const mode of ["actions", "rules"] as const) {
        for (const candidate of VARIANTS) all.push(await run(mode, candidate));
    }
    const header =
        "mode     variant                              tokens authz/api/mgmt   login p50   login p99   added p50   added p99   warm added p50  warm added p99  seq warm p50  seq warm p99  failed  wall";
    console.log(header);
    console.log("-".repeat(header.length));
    for (const f of all) {
        console.log(
            [
                f.mode.padEnd(8),
                f.variant.padEnd(36),
                `${f.tokens.authz}/${f.tokens.api}/${f.tokens.management}`.padStart(22),
                ms(percentile(f.login, 50)),
                ms(percentile(f.login, 99)),
                ms(percentile(f.overheadAll, 50)),
                ms(percentile(f.overheadAll, 99)),
                ms(percentile(f.overheadWarm, 50)).padStart(15),
                ms(percentile(f.overheadWarm, 99)).padStart(15),
                ms(percentile(f.overheadSequential, 50)).padStart(13),
                ms(percentile(f.overheadSequential, 99)).padStart(13),
                String(f.failed).padStart(7),
                `${(f.wallMs / 1000).toFixed(1)} s`.padStart(7),
            ].join(" "),
        );
    }
    console.log("\nRatios against this repo's code (same mode):");
    for (const mode of ["actions", "rules"] as const) {
        const ours = all.find((f) => f.mode === mode && f.variant === VARIANTS[0].name)!;
        const ourTokens = ours.tokens.authz + ours.tokens.api + ours.tokens.management;
        for (const other of all.filter((f) => f.mode === mode && f !== ours)) {
            const otherTokens = other.tokens.authz + other.tokens.api + other.tokens.management;
            console.log(
                `  ${mode.padEnd(8)} ${other.variant.padEnd(36)} token requests ×${(otherTokens / ourTokens).toFixed(1)}` +
                    `   login p50 ×${(percentile(other.login, 50) / percentile(ours.login, 50)).toFixed(2)}` +
                    `   login p99 ×${(percentile(other.login, 99) / percentile(ours.login, 99)).toFixed(2)}`,
            );
        }
    }
    console.log(
        "\n'added' = login duration minus the time the login spent in its own HTTP requests (token, APIs, Management API),\n" +
            "measured per login inside the runtime; 'warm' excludes the first wave (cold cache). In the waves, 'added'\n" +
            "includes waiting behind the 49 other logins and the local servers, which share this event loop;\n" +
            `'seq warm' is ${SEQUENTIAL_WARM} further warm logins one at a time: the code's own cost. Both runtimes' login\n` +
            "durations include the require-verified-email step; Rules also include the Management API update on first login.",
    );
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
