/**
 * The drift lab: a stack deployed to a fresh local tenant through the engine double and the
 * provider double; per case, a hand change made through the local Management API the way the
 * dashboard makes it, and logins through the login code as the tenant then runs it (Auth0 logs
 * each denied one); then what drift.yml runs — `pulumi preview --refresh --expect-no-changes` with
 * the read-only deployer, then scripts/check-login-drift.ts — and then the runbook's repair
 * (docs/delivery.md, "Repairing drift"), followed by another `preview --refresh` (must plan
 * nothing), the grant verification of every credential slot and a login (must fail none).
 *
 * The deploy is made once per stack and each case starts from a copy of the tenant it left. A
 * case's three operations (detect, repair, check) each run the program, or replay a recorded run
 * when every answer is the recorded one (LabOperations, local/engine/programMemo.ts).
 */
import { deployerScopes } from "../../tools/deployerScopes";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";
import { AUTHZ_EXTENSION_AUDIENCE, ExtensibilityMode } from "../../infra/loginContract";
import { slotFor } from "../../infra/rotation";
import { DeclaredLoginFlow, declaredLoginFlow, loginFlowDrift, Tenant } from "../../tools/checkLoginDrift";
import { CheckResult, ClientToVerify } from "../../tools/verifyGrants";
import { StateResource } from "../engine/deployment";
import { INSTALLED_AUTHZ_EXTENSION, operate, OperationResult } from "../engine/operation";
import { recording, ReplayMismatch, replaying, runKey, Transcript } from "../engine/programMemo";
import { Auth0ProviderDouble, inProcessTransport } from "../engine/providers/auth0";
import { tokenRequests, verificationRunner } from "../tenant/inProcessVerification";
import { Secret, Value } from "../engine/wire";
import { LocalManagementApi } from "../tenant/managementApi";

export interface DriftRow {
    readonly case: string;
    readonly detectedBy: string[];
    readonly repair: string;
    readonly changesAfterRepair: number;
    readonly failedLoginsAfterRepair: number;
    /** What the next drift.yml run finds after the repair, with users logging in meanwhile: nothing, when the repair holds. */
    readonly detectedAfterRepair: string[];
}

interface LabTenant {
    api: LocalManagementApi;
    /** Whether the Authorization Extension's API access is on. */
    extensionApi: boolean;
}

export interface Deployed {
    readonly state: readonly StateResource[];
    readonly generation: number;
}

export interface DriftCase {
    readonly modes: readonly ExtensibilityMode[];
    /** The hand change, as the dashboard makes it. */
    readonly change: (tenant: LabTenant, deployed: Deployed) => void;
    readonly repair: Repair;
}

export interface Repair {
    /** The runbook's command, as typed. */
    readonly command: (deployed: Deployed) => string;
    /** Whether the `pulumi up` refreshes first (`--refresh`); default: true. */
    readonly refresh?: boolean;
    /** `pulumi config set` the command makes. */
    readonly set?: (deployed: Deployed) => Record<string, unknown>;
    /** A change the runbook makes in the dashboard before `pulumi up --refresh`. */
    readonly byHand?: (tenant: LabTenant, deployed: Deployed) => void;
}

export const UP_REFRESH: Repair = { command: () => "pulumi up --refresh" };
/** `pulumi up` alone diffs the program against the saved state, not the tenant. */
export const PLAIN_UP: Repair = { command: () => "pulumi up", refresh: false };
/**
 * A client secret rotated by hand is never read back (terraform-provider-auth0 v1.53.0
 * internal/auth0/client/flatten.go 834-838) and is sent only when its version changes
 * (resource_credentials.go 749-756); a +1 rotation renews only the slot becoming active
 * (infra/rotation.ts lastGenerationOf), so the repair is a +2 rotation: both slots' versions and
 * secrets change.
 */
const EMERGENCY_ROTATION: Repair = {
    command: (d) => `pulumi config set secretGeneration ${d.generation + 2} && pulumi up --refresh`,
    set: (d) => ({ secretGeneration: d.generation + 2 }),
};

/**
 * A rule config's value is write-only: GET /rules-configs returns keys only (go-auth0
 * management/rule_config.go:30) and the provider's read sets the key alone
 * (terraform-provider-auth0 v1.53.0 internal/auth0/rule/resource_config.go:63), so no refresh sees
 * a value changed by hand and no `up` resends it: the provider PUTs a value only when the
 * program's value differs from the state's (resource_config.go:77). What detects it is what it
 * does: the login code denies logins and Auth0 logs each as a failed login (check-login-drift
 * reads the tenant logs). The repair is the one that works whatever config changed and whatever
 * its value: deleting the stack's configs by hand makes the refresh drop them from the state
 * (the read finds no key; pulumi/pulumi pkg/resource/deploy/deployment_executor.go
 * `rebuildBaseState` strips them and repairs the rules' dependency lists) and `up` create each
 * again with the program's value. A +2 rotation
 * would resend the credentials config only; logins are already denied while the configs are
 * wrong, and stay so only until the `up` ends.
 */
const DELETE_RULE_CONFIGS: Repair = {
    command: () => "delete the stack's rule configs in the dashboard (Rules > Settings; the keys pulumi stack output loginCodeSettings names), then pulumi up --refresh",
    byHand: (t, d) => d.state.filter((r) => r.type === RESOURCE_TYPES.ruleConfig).forEach((r) => t.api.rulesConfigs.delete(String(r.id))),
};

const byName = (state: readonly StateResource[], name: string): StateResource => {
    const found = state.find((r) => r.name === name);
    if (!found) throw new Error(`drift lab: the deployed stack has no resource ${name}`);
    return found;
};
const idOf = (state: readonly StateResource[], name: string): string => String(byName(state, name).id);
const actionIdsOf = (state: readonly StateResource[]) => state.filter((r) => r.type === RESOURCE_TYPES.action).map((r) => String(r.id));

export const CASES: Readonly<Record<string, DriftCase>> = {
    "grant-deleted": {
        modes: ["actions", "rules"],
        change: (t, d) => void t.api.clientGrants.delete(idOf(d.state, `login-code-${slotFor(d.generation)}-grant-api`)),
        repair: UP_REFRESH,
    },
    "grant-scope-added": {
        modes: ["actions", "rules"],
        change: (t, d) => {
            const grant = t.api.clientGrants.get(idOf(d.state, `login-code-${slotFor(d.generation)}-grant-api`))!;
            grant.scope = [...(grant.scope as string[]), "delete:everything"];
        },
        repair: UP_REFRESH,
    },
    "api-scope-added": {
        modes: ["actions", "rules"],
        change: (t, d) => {
            const server = t.api.resourceServers.get(idOf(d.state, "api-server"))!;
            server.scopes = [...(server.scopes as object[]), { value: "admin:all", description: "added in the dashboard" }];
        },
        repair: UP_REFRESH,
    },
    "api-token-lifetime": {
        modes: ["actions", "rules"],
        change: (t, d) => void (t.api.resourceServers.get(idOf(d.state, "api-server"))!.token_lifetime = 2_592_000),
        repair: UP_REFRESH,
    },
    "binding-added": {
        modes: ["actions"],
        change: (t) => t.api.bindByHand("post-login", t.api.createActionByHand("Marketplace: Geo Enrichment"), "Marketplace: Geo Enrichment"),
        repair: UP_REFRESH,
    },
    "binding-removed": {
        modes: ["actions"],
        change: (t, d) => t.api.bindings.set("post-login", (t.api.bindings.get("post-login") ?? []).filter((b) => b.actionId !== actionIdsOf(d.state)[0])),
        repair: UP_REFRESH,
    },
    "binding-order": {
        modes: ["actions"],
        change: (t) => t.api.bindings.set("post-login", [...(t.api.bindings.get("post-login") ?? [])].reverse()),
        repair: UP_REFRESH,
    },
    "action-code-edited": {
        modes: ["actions"],
        change: (t, d) => void (t.api.actions.get(actionIdsOf(d.state)[0])!.code = "exports.onExecutePostLogin = async () => {}; // edited in the dashboard"),
        repair: UP_REFRESH,
    },
    "action-secret-added": {
        modes: ["actions"],
        change: (t, d) => t.api.addActionSecretByHand(actionIdsOf(d.state)[0], "HAND_MADE_TOKEN", "value-set-in-the-dashboard"),
        // Secret values are write-only and the provider refuses to erase a secret it does not
        // manage at the next change of the Action's secrets (internal/auth0/action/expand.go
        // 154-156, 197): the runbook deletes it in the dashboard.
        repair: {
            command: () => "delete the secret in the dashboard (Actions > the action > Secrets), then pulumi up --refresh",
            byHand: (t, d) => {
                const action = t.api.actions.get(actionIdsOf(d.state)[0])!;
                action.secrets = action.secrets.filter((s) => s.name !== "HAND_MADE_TOKEN");
            },
        },
    },
    "secret-rotated-active": {
        modes: ["actions", "rules"],
        change: (t, d) => void (t.api.clients.get(idOf(d.state, `login-code-${slotFor(d.generation)}-client`))!.client_secret = "rotated-in-the-dashboard-0123456789abcdefghijklmnopqrstuvwxyz"),
        repair: EMERGENCY_ROTATION,
    },
    "secret-rotated-idle": {
        modes: ["actions", "rules"],
        change: (t, d) => void (t.api.clients.get(idOf(d.state, `login-code-${slotFor(d.generation + 1)}-client`))!.client_secret = "rotated-in-the-dashboard-0123456789abcdefghijklmnopqrstuvwxyz"),
        repair: EMERGENCY_ROTATION,
    },
    "auth-method-changed": {
        modes: ["actions", "rules"],
        change: (t, d) => void (t.api.clients.get(idOf(d.state, `login-code-${slotFor(d.generation)}-client`))!.token_endpoint_auth_method = "client_secret_basic"),
        repair: UP_REFRESH,
    },
    "extension-api-deleted": {
        modes: ["actions", "rules"],
        change: (t) => void (t.extensionApi = false),
        // The extension's API is the extension's, not the stack's (a data source reads it):
        // the runbook turns its API access back on in the extension's settings.
        repair: {
            command: () => "turn API access back on in the Authorization Extension's settings, then pulumi up --refresh",
            byHand: (t) => void (t.extensionApi = true),
        },
    },
    "rule-config-changed": {
        modes: ["rules"],
        // The client secret in the rules' credentials config, set to another value in Rules > Settings.
        change: (t) => {
            const credentials = JSON.parse(t.api.rulesConfigs.get("M2M_CREDENTIALS") ?? "{}") as Record<string, unknown>;
            t.api.rulesConfigs.set("M2M_CREDENTIALS", JSON.stringify({ ...credentials, client_secret: "set-in-the-dashboard-0123456789abcdefghijklmnopqrstuvwxyz" }));
        },
        repair: DELETE_RULE_CONFIGS,
    },
    "rule-disabled": {
        modes: ["rules"],
        change: (t) => {
            const rule = [...t.api.rules.values()][0];
            rule.enabled = false;
        },
        repair: UP_REFRESH,
    },
};

export class DriftLabError extends Error {}

/**
 * check-login-drift's --since as drift.yml computes it: the later of the stack's last successful
 * update's end and 24 hours before the run (the daily schedule's previous run).
 */
const driftSince = (lastUpdate: string) => [lastUpdate, new Date(Date.now() - 86_400_000).toISOString()].sort().at(-1)!;

let lastTick = 0;
/**
 * The lab's clock: the time now, always later than the last it gave, so an update's end and the
 * logins before and after it are ordered even within a millisecond (cases run in milliseconds).
 */
function tick(): string {
    lastTick = Math.max(Date.now(), lastTick + 1);
    return new Date(lastTick).toISOString();
}

/** The cases that apply to a stack in `mode`. */
export function casesFor(mode: ExtensibilityMode): string[] {
    return Object.entries(CASES).filter(([, c]) => c.modes.includes(mode)).map(([name]) => name);
}

function copyTenant(api: LocalManagementApi): LocalManagementApi {
    const copy = new LocalManagementApi(api.rulesAvailability);
    for (const key of ["clients", "clientGrants", "resourceServers", "actions", "bindings", "rules", "rulesConfigs"] as const) {
        const from = api[key] as Map<string, unknown>;
        const to = copy[key] as Map<string, unknown>;
        for (const [k, v] of from) to.set(k, structuredClone(v));
    }
    copy.logEvents.push(...api.logEvents);
    return copy;
}

/** The state as `pulumi stack export --show-secrets` prints it (what check-login-drift reads). */
function exported(state: readonly StateResource[]): unknown {
    const encode = (v: Value): unknown => {
        if (v instanceof Secret) return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(encode(v.value)) };
        if (Array.isArray(v)) return v.map(encode);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x as Value)]));
        return v;
    };
    return { deployment: { resources: state.map((r) => ({ urn: r.urn, type: r.type, id: r.id, inputs: encode(r.inputs) })) } };
}

/** The Management API as check-login-drift calls it, with the read-only deployer's scopes. */
function readOnlyTenant(api: LocalManagementApi, mode: ExtensibilityMode): Tenant {
    const scopes = deployerScopes("preview", mode);
    return {
        get: (path) => {
            const url = new URL(path, "https://tenant.invalid");
            return Promise.resolve(api.handle("GET", url.pathname, url.searchParams, {}, scopes));
        },
    };
}

/**
 * The grant verification (scripts/verify-grants.ts) answered by the local tenant's data: the
 * token endpoint refuses a secret the tenant does not hold (401) and issues a token only for a
 * grant that exists with the scopes the login code needs.
 */
function verifyInProcess(tenant: LabTenant): (domain: string, clients: readonly ClientToVerify[]) => Promise<CheckResult[]> {
    return (_domain, clients) => Promise.resolve(tokenRequests(tenant.api, tenant.extensionApi, clients));
}

/** The settings of the login code that calls the APIs, as the tenant runs it, or undefined when none runs. */
function runningSettings(tenant: LabTenant, mode: ExtensibilityMode): { settings: Record<string, string | undefined>; clientId?: string; clientSecret?: string } | undefined {
    const api = tenant.api;
    if (mode === "rules") {
        // The rule reads configuration.M2M_CREDENTIALS, one JSON value (rules/enrich-from-apis.js header).
        const running = [...api.rules.values()].some((r) => r.enabled !== false && String(r.script).includes("configuration.M2M_CREDENTIALS"));
        if (!running) return undefined;
        const settings = Object.fromEntries(api.rulesConfigs);
        let credentials: { client_id?: unknown; client_secret?: unknown } = {};
        try {
            credentials = JSON.parse(settings.M2M_CREDENTIALS ?? "") as typeof credentials;
        } catch {
            // Malformed: the rule refuses the login as misconfigured.
        }
        return { settings, clientId: typeof credentials.client_id === "string" ? credentials.client_id : undefined, clientSecret: typeof credentials.client_secret === "string" ? credentials.client_secret : undefined };
    }
    // The action reads event.secrets.M2M_CLIENT_ID / M2M_CLIENT_SECRET (actions/enrich-from-apis.js header), when bound.
    const bound = (api.bindings.get("post-login") ?? []).map((b) => api.actions.get(b.actionId)).find((a) => a && String(a.code).includes("event.secrets.M2M_CLIENT_ID"));
    if (!bound) return undefined;
    const settings = Object.fromEntries(bound.secrets.map((x) => [x.name, x.value]));
    return { settings, clientId: settings.M2M_CLIENT_ID, clientSecret: settings.M2M_CLIENT_SECRET };
}

/**
 * One login through the login code the tenant runs, with the settings the tenant holds for it:
 * the denial reason, or undefined when the login goes through. As rules/enrich-from-apis.js and
 * actions/enrich-from-apis.js say in their headers: missing or malformed credentials or policies
 * deny as misconfigured; each step (groups from the extension's API, entitlements from the API,
 * in rules mode the Management API) gets a token with the configured credentials, and a failed
 * one denies the login when its policy is `deny`. The token requests are answered as the
 * verification's are (tokenRequests), with the scopes the stack declares for that audience.
 */
function signIn(tenant: LabTenant, mode: ExtensibilityMode, declared: DeclaredLoginFlow): string | undefined {
    const running = runningSettings(tenant, mode);
    if (!running) return undefined;
    const { settings, clientId, clientSecret } = running;
    const misconfigured = "Login is not available right now: the login service is misconfigured.";
    const steps = [
        { audience: settings.AUTHZ_EXTENSION_URL ? AUTHZ_EXTENSION_AUDIENCE : undefined, policy: settings.FAILURE_POLICY_GROUPS, denial: "Login is not available right now: group membership could not be verified." },
        { audience: settings.API_AUDIENCE, policy: settings.FAILURE_POLICY_API, denial: "Login is not available right now: entitlements could not be loaded." },
        ...(mode === "rules" ? [{ audience: `https://${settings.AUTH0_DOMAIN}/api/v2/`, policy: settings.FAILURE_POLICY_MANAGEMENT, denial: "Login is not available right now: the user profile could not be updated." }] : []),
    ];
    if (!clientId || !clientSecret || steps.some((s) => s.policy !== "deny" && s.policy !== "continue")) return misconfigured;
    const declaredGrants = declared.verification.flatMap((c) => c.grants);
    for (const step of steps) {
        const grant = declaredGrants.find((g) => g.audience === step.audience);
        if (!grant) continue;
        const [answer] = tokenRequests(tenant.api, tenant.extensionApi, [{ name: "login code", clientId, clientSecret, grants: [grant] }]);
        if (!answer.ok && step.policy === "deny") return step.denial;
    }
    return undefined;
}

/** Users keep logging in between a hand change and the daily drift job: Auth0 logs each denied login as `f`. */
function logins(tenant: LabTenant, mode: ExtensibilityMode, declared: DeclaredLoginFlow): void {
    const denial = signIn(tenant, mode, declared);
    if (denial) tenant.api.logEvent({ date: tick(), type: "f", description: denial });
}

/** What `--expect-no-changes` counts: the plan's steps other than `same` (refresh steps are not counted). */
function changes(r: OperationResult): number {
    return "steps" in r ? r.steps.filter((s) => s.op !== "same").length : 0;
}

export interface LabOptions {
    readonly stack: string;
    readonly mode: ExtensibilityMode;
    readonly cases: readonly string[];
    readonly generation: number;
    /** Cases of the caller's, beside CASES (a test's variants of a case). */
    readonly extraCases?: Readonly<Record<string, DriftCase>>;
    /** Replay a recorded program run when every answer is the recorded one; default: true. */
    readonly replay?: boolean;
    /** Cases run at once; default 2. */
    readonly parallel?: number;
    /** Called after each case, with what it cost. */
    readonly onRow?: (row: DriftRow, cost: CaseCost) => void;
    /** Called after the first deploy, with what it cost. */
    readonly onDeploy?: (cost: CaseCost) => void;
}

/** What a case cost: its wall time, and the program runs it made and replayed (local/engine/programMemo.ts). */
export interface CaseCost {
    readonly seconds: number;
    readonly programRuns: number;
    readonly replayed: number;
}

/**
 * The lab's operations on one stack: each replays a recorded run of the program when every answer
 * is the recorded one (local/engine/programMemo.ts), and otherwise runs it, recording the run.
 */
class LabOperations {
    private readonly transcripts: Transcript[] = [];
    private readonly running = new Map<string, Promise<void>>();

    constructor(
        private readonly stack: string,
        private readonly mode: ExtensibilityMode,
        private readonly replay: boolean,
    ) {}

    async operate(
        run: { readonly dryRun: boolean; readonly prior?: readonly StateResource[]; readonly refresh?: boolean; readonly set?: Readonly<Record<string, unknown>> },
        tenant: LabTenant,
        cost: { programRuns: number; replayed: number },
    ): Promise<OperationResult> {
        // A preview reads with the read-only deployer; an update writes with the write deployer.
        const provider = (api: LocalManagementApi) => new Auth0ProviderDouble(inProcessTransport(api, deployerScopes(run.dryRun ? "preview" : "write", this.mode)));
        // An update runs the grant verification (infra/grantVerification.ts) against the tenant it writes.
        const commands = (api: LocalManagementApi) => verificationRunner(api, tenant.extensionApi);
        const request = { stack: this.stack, ...run, tenant: tenant.extensionApi ? INSTALLED_AUTHZ_EXTENSION : {} };
        const key = runKey(run.dryRun, run.set);
        // A run of the same kind under way may be the one this replays: it is waited for.
        for (let pending = this.running.get(key); pending; pending = this.running.get(key)) await pending;
        for (const transcript of this.replay ? this.transcripts.filter((t) => t.key === key) : []) {
            // An update replays on a copy of the tenant, kept only when the replay went through.
            const api = run.dryRun ? tenant.api : copyTenant(tenant.api);
            try {
                const result = await operate({ ...request, provider: provider(api), commands: commands(api), program: replaying(transcript) });
                tenant.api = api;
                cost.replayed++;
                return result;
            } catch (err) {
                if (!(err instanceof ReplayMismatch)) throw err;
            }
        }
        cost.programRuns++;
        const result = operate({ ...request, provider: provider(tenant.api), commands: commands(tenant.api), program: recording(key, (t) => this.transcripts.push(t)) });
        const settled = result.then(
            () => undefined,
            () => undefined,
        );
        this.running.set(key, settled);
        try {
            return await result;
        } finally {
            if (this.running.get(key) === settled) this.running.delete(key);
        }
    }
}

export async function runDriftLab(opts: LabOptions): Promise<DriftRow[]> {
    const all: Record<string, DriftCase> = { ...CASES, ...opts.extraCases };
    const unknown = opts.cases.filter((c) => !casesFor(opts.mode).includes(c) && !opts.extraCases?.[c]);
    if (unknown.length) throw new DriftLabError(`--case ${unknown.join(", ")}: not a case of a ${opts.mode} stack; expected one of: ${casesFor(opts.mode).join(", ")}`);
    const operations = new LabOperations(opts.stack, opts.mode, opts.replay ?? true);
    const started = Date.now();
    const deployCost = { programRuns: 0, replayed: 0 };
    const first: LabTenant = { api: new LocalManagementApi(), extensionApi: true };
    const deploy = await operations.operate({ dryRun: false }, first, deployCost);
    if (!deploy.ok || !("state" in deploy)) throw new Error(`drift lab: the first deploy of ${opts.stack} failed: ${deploy.error ?? JSON.stringify("violations" in deploy ? deploy.violations : [])}`);
    opts.onDeploy?.({ seconds: (Date.now() - started) / 1000, ...deployCost });
    const base = first.api;
    const deployedAt = tick();
    const deployed: Deployed = { state: deploy.state, generation: opts.generation };
    const runCase = async (name: string): Promise<DriftRow> => {
        const caseStarted = Date.now();
        const cost = { programRuns: 0, replayed: 0 };
        const c = all[name];
        const tenant: LabTenant = { api: copyTenant(base), extensionApi: true };
        c.change(tenant, deployed);
        const declared = declaredLoginFlow(exported(deployed.state));
        logins(tenant, opts.mode, declared);

        // What drift.yml runs: its preview, then check-login-drift.
        const detect = async (preview: OperationResult, flow: DeclaredLoginFlow, since: string): Promise<string[]> => {
            const found: string[] = [];
            if (!preview.ok) found.push("preview --refresh (fails)");
            else if (changes(preview)) found.push(`preview --refresh --expect-no-changes (${changes(preview)} changes)`);
            const check = await loginFlowDrift(flow, readOnlyTenant(tenant.api, opts.mode), verifyInProcess(tenant), since);
            if (check.drift.length) found.push(`check-login-drift (${check.drift.length} differences)`);
            return found;
        };
        const preview = await operations.operate({ dryRun: true, prior: deployed.state, refresh: true }, tenant, cost);
        const detectedBy = await detect(preview, declared, driftSince(deployedAt));

        // The runbook's repair.
        c.repair.byHand?.(tenant, deployed);
        const set = c.repair.set?.(deployed) ?? {};
        const up = await operations.operate({ dryRun: false, prior: deployed.state, refresh: c.repair.refresh ?? true, set }, tenant, cost);
        let changesAfterRepair = -1;
        let failedLoginsAfterRepair = -1;
        let detectedAfterRepair = ["the repair's pulumi up failed"];
        if (up.ok && "state" in up) {
            const repairedAt = tick();
            const after = await operations.operate({ dryRun: true, prior: up.state, refresh: true, set }, tenant, cost);
            changesAfterRepair = after.ok ? changes(after) : -1;
            const repaired = declaredLoginFlow(exported(up.state));
            const verification = tokenRequests(tenant.api, tenant.extensionApi, repaired.verification);
            failedLoginsAfterRepair = verification.filter((r) => !r.ok).length + (signIn(tenant, opts.mode, repaired) ? 1 : 0);
            // The next drift.yml run: users log in meanwhile, then its checks (`after` is its preview).
            logins(tenant, opts.mode, repaired);
            detectedAfterRepair = await detect(after, repaired, driftSince(repairedAt));
        }
        const row: DriftRow = { case: name, detectedBy, repair: c.repair.command(deployed), changesAfterRepair, failedLoginsAfterRepair, detectedAfterRepair };
        opts.onRow?.(row, { seconds: (Date.now() - caseStarted) / 1000, ...cost });
        return row;
    };
    // Each case has a tenant of its own: two at a time keep both cores busy with the programs' runs.
    const rows = new Map<string, DriftRow>();
    const queue = [...opts.cases];
    const worker = async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) rows.set(name, await runCase(name));
    };
    await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 2, queue.length) }, worker));
    return opts.cases.map((name) => rows.get(name)!);
}
