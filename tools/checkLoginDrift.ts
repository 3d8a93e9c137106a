/**
 * Drift that `pulumi refresh` cannot see, for one stack:
 *
 * - each Action's secret names: secrets are write-only, so a secret added or changed in the
 *   dashboard never shows in a refresh; an added one makes the next update that changes that
 *   Action's secrets (their names or secretsWoVersion: a rotation) fail with "Unmanaged Action
 *   Secret" (terraform-provider-auth0 v1.53.0 internal/auth0/action/expand.go 154-156 gate
 *   197 checkForUnmanagedActionSecrets); an update of the code alone goes through and keeps it;
 * - the post-login bindings: the stack's `auth0.TriggerActions` owns the whole trigger, so a
 *   binding added in the dashboard or by the Marketplace is removed by the next `pulumi up`
 *   (resource_trigger_actions.go:122 PATCHes the declared list) and `pulumi destroy` empties the
 *   trigger (resource_trigger_actions.go:132);
 * - what the login code will get: the grant verification with its probes (scripts/verify-grants.ts)
 *   for every credential slot, as `pulumi up` runs it; a secret rotated by hand fails it with 401;
 * - what the login code does with the settings it holds: the tenant's failed logins (log event
 *   type `f`, https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes) after `--since`,
 *   read with "Search log events" (https://auth0.com/docs/api/management/v2/logs/get-logs,
 *   `read:logs`). drift.yml passes the later of the stack's last successful update and 24 hours
 *   before the run (the daily schedule's previous run): failed logins from before a repair, or
 *   already counted by the previous run, do not alarm again; those after it do. A rule config's
 *   value never leaves the tenant (GET /rules-configs lists keys: go-auth0
 *   management/rule_config.go:30; the provider's read sets the key only,
 *   terraform-provider-auth0 v1.53.0 internal/auth0/rule/resource_config.go:63), nor does an
 *   Action secret's, so a value changed by hand shows only in what it does: the login code denies
 *   the logins (UnauthorizedError / api.access.deny), and Auth0 logs each as a failed login.
 *
 * Reads what the stack declares from its state, the tenant with the Management API:
 *
 *   pulumi stack export --stack dev --show-secrets | node --import tsx scripts/check-login-drift.ts
 *
 * The Management API client comes from AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET (the read-only
 * preview deployer is enough: `read:actions`, `read:logs`). The domain and the verification's clients come from
 * the state's grant-verification command. Prints one line per check, never a secret or a token;
 * exits 0 when nothing drifted, 1 naming each difference, 2 when the input is unusable.
 */
import { readFileSync } from "node:fs";
import { parseJsonInput } from "./untrustedInput";
import { CheckResult, ClientToVerify, verifyGrants } from "./verifyGrants";

import { Command, parseStrict, UsageError } from "./cli";
import { RESOURCE_TYPES } from "../infra/resourceTypes";

const REQUEST_TIMEOUT_MS = 10_000;
/** Failed logins shown by description, at most. */
const FAILED_LOGIN_SAMPLES = 3;
/** drift.yml runs daily: without `--since`, the failed logins of the last 24 hours count. */
const ONE_DAY_MS = 86_400_000;
/** `--since`: an ISO 8601 UTC timestamp, as `pulumi stack history --json` prints endTime and `date -u` can. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?Z$/;
/** How Pulumi marks a secret value in a state export. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly id?: string;
    readonly inputs?: Record<string, unknown>;
}

/** What the stack declares, read from its state export. */
export interface DeclaredLoginFlow {
    readonly domain: string;
    readonly actions: readonly { name: string; id: string; secretNames: readonly string[] }[];
    /** The post-login binding, when this stack owns it: action ids in order. */
    readonly postLogin?: readonly { actionId: string; displayName: string }[];
    readonly verification: readonly ClientToVerify[];
}

/** A secret's plaintext (`--show-secrets`), or the value itself when not secret. */
function reveal(value: unknown, where: string): unknown {
    if (value && typeof value === "object" && SECRET_SIG in value) {
        const plaintext = (value as { plaintext?: string }).plaintext;
        if (plaintext === undefined) throw new Error(`${where} is encrypted; export the state with --show-secrets`);
        return parseJsonInput(plaintext, where, "the JSON of a secret value");
    }
    return value;
}

/** Reads the declared login flow from `pulumi stack export --show-secrets` output. */
export function declaredLoginFlow(exported: unknown): DeclaredLoginFlow {
    const resources = (exported as { deployment?: { resources?: StateResource[] } })?.deployment?.resources;
    if (!Array.isArray(resources)) throw new Error("stdin: not a `pulumi stack export` (no deployment.resources)");
    const nameOf = (r: StateResource) => r.urn.split("::").pop() ?? r.urn;
    const check = resources.find((r) => r.type === RESOURCE_TYPES.localCommand && nameOf(r).endsWith("-check"));
    if (!check) throw new Error("state: no grant-verification command (verify-grants-check); has the stack been deployed?");
    const environment = reveal(check.inputs?.environment, "verify-grants-check environment") as Record<string, unknown>;
    const domain = reveal(environment.VERIFY_GRANTS_DOMAIN, "VERIFY_GRANTS_DOMAIN");
    const clients = reveal(environment.VERIFY_GRANTS_CLIENTS, "VERIFY_GRANTS_CLIENTS");
    if (typeof domain !== "string" || typeof clients !== "string") throw new Error("state: the verification command has no VERIFY_GRANTS_DOMAIN / VERIFY_GRANTS_CLIENTS");
    const actions = resources
        .filter((r) => r.type === RESOURCE_TYPES.action)
        .map((r) => {
            const secrets = (reveal(r.inputs?.secretsWos, `${nameOf(r)}.secretsWos`) ?? []) as { name: unknown }[];
            return {
                name: String(reveal(r.inputs?.name, `${nameOf(r)}.name`)),
                id: String(r.id),
                secretNames: secrets.map((s) => String(reveal(s.name, `${nameOf(r)}.secretsWos.name`))).sort(),
            };
        });
    const trigger = resources.find((r) => r.type === RESOURCE_TYPES.triggerActions && reveal(r.inputs?.trigger, "trigger") === "post-login");
    const postLogin = trigger
        ? ((reveal(trigger.inputs?.actions, "post-login actions") ?? []) as { id: unknown; displayName: unknown }[]).map((a) => ({
              actionId: String(reveal(a.id, "binding id")),
              displayName: String(reveal(a.displayName, "binding displayName")),
          }))
        : undefined;
    return { domain, actions, postLogin, verification: parseJsonInput(clients, "VERIFY_GRANTS_CLIENTS", "a JSON list of credentials") as ClientToVerify[] };
}

export interface Tenant {
    get(path: string): Promise<{ status: number; body: unknown }>;
}

async function managementApi(domain: string, clientId: string, clientSecret: string): Promise<Tenant> {
    const response = await fetch(`https://${domain}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, audience: `https://${domain}/api/v2/` }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
    if (response.status !== 200 || !body.access_token) {
        throw new Error(`the Management API token request for AUTH0_CLIENT_ID answered ${response.status} ${String(body.error ?? "")}`.trim());
    }
    const token = body.access_token;
    return {
        async get(path) {
            const r = await fetch(`https://${domain}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
            return { status: r.status, body: await r.json().catch(() => undefined) };
        },
    };
}

/** Every difference between the declared login flow and the tenant, one sentence each. */
export async function loginFlowDrift(
    declared: DeclaredLoginFlow,
    tenant: Tenant,
    /** The grant verification; the drift lab (local/sim/driftLab.ts) passes its in-process one. */
    verify: (domain: string, clients: readonly ClientToVerify[]) => Promise<CheckResult[]> = (domain, clients) => verifyGrants(domain, clients),
    /** Failed logins after this time (ISO 8601, UTC) count; default: 24 hours ago. */
    since: string = new Date(Date.now() - ONE_DAY_MS).toISOString(),
): Promise<{ ok: string[]; drift: string[] }> {
    const ok: string[] = [];
    const drift: string[] = [];
    for (const action of declared.actions) {
        const { status, body } = await tenant.get(`/api/v2/actions/actions/${encodeURIComponent(action.id)}`);
        if (status === 404) {
            drift.push(`action ${action.name} (${action.id}) is gone from the tenant (deleted by hand); pulumi up recreates it`);
            continue;
        }
        if (status !== 200) {
            drift.push(`action ${action.name} (${action.id}): the Management API answered ${status}; cannot compare its secrets`);
            continue;
        }
        const inTenant = ((body as { secrets?: { name: string }[] }).secrets ?? []).map((s) => s.name).sort();
        const added = inTenant.filter((n) => !action.secretNames.includes(n));
        const missing = action.secretNames.filter((n) => !inTenant.includes(n));
        for (const name of added) {
            drift.push(
                `action ${action.name} (${action.id}): secret ${name} was added in the tenant, not by the stack; the next update of this ` +
                    `action's secrets (a rotation, a secret added or removed in the program) fails with "Unmanaged Action Secret" ` +
                    "(delete it in the dashboard, or have the stack provide it)",
            );
        }
        for (const name of missing) drift.push(`action ${action.name} (${action.id}): secret ${name} is declared but not in the tenant`);
        if (!added.length && !missing.length) ok.push(`action ${action.name}: secrets ${action.secretNames.join(", ") || "(none)"} as declared`);
    }
    if (declared.postLogin) {
        const { status, body } = await tenant.get("/api/v2/actions/triggers/post-login/bindings?per_page=100");
        if (status !== 200) {
            drift.push(`post-login: the Management API answered ${status}; cannot compare the bindings`);
        } else {
            const bound = ((body as { bindings?: { display_name?: string; action?: { id?: string; name?: string } }[] }).bindings ?? []).map((b) => ({
                actionId: String(b.action?.id),
                name: String(b.display_name ?? b.action?.name),
            }));
            const declaredIds = declared.postLogin.map((b) => b.actionId);
            for (const b of bound.filter((x) => !declaredIds.includes(x.actionId))) {
                drift.push(
                    `post-login: binding ${b.name} (action ${b.actionId}) was added in the tenant (dashboard or Marketplace); this stack ` +
                        "owns the whole post-login trigger, so the next pulumi up removes it (declare it in the stack to keep it)",
                );
            }
            for (const d of declared.postLogin.filter((x) => !bound.some((b) => b.actionId === x.actionId))) {
                drift.push(`post-login: declared binding ${d.displayName} (action ${d.actionId}) is not bound; logins skip it until pulumi up`);
            }
            const order = bound.filter((b) => declaredIds.includes(b.actionId)).map((b) => b.actionId);
            const expected = declaredIds.filter((id) => order.includes(id));
            if (order.join() !== expected.join()) drift.push("post-login: the stack's actions run in another order than declared");
            if (!drift.some((d) => d.startsWith("post-login"))) ok.push(`post-login: bound as declared (${declared.postLogin.map((b) => b.displayName).join(", ")})`);
        }
    }
    const results = await verify(declared.domain, declared.verification);
    for (const r of results) {
        if (r.ok) ok.push(`credential ${r.client}, audience ${r.audience}: token and login-code calls as declared`);
        else drift.push(r.problem ?? `credential ${r.client}, audience ${r.audience}: failed`);
    }
    // The log search's `date` field takes days (YYYY-MM-DD), in a Lucene range `[from TO *]`
    // (https://auth0.com/docs/deploy-monitor/logs/log-search-query-syntax, "Searchable fields"): the
    // search asks for the day of `since`, and each event's own `date` (an ISO 8601 time, the
    // get-logs reply) drops those of that day before it. Newest first, so the 100 kept are the latest.
    const after = Date.parse(since);
    const q = new URLSearchParams({ q: `type:f AND date:[${since.slice(0, 10)} TO *]`, sort: "date:-1", per_page: "100" });
    const logs = await tenant.get(`/api/v2/logs?${q.toString()}`);
    if (logs.status !== 200 || !Array.isArray(logs.body)) {
        drift.push(`tenant logs: the Management API answered ${logs.status}; cannot count failed logins${logs.status === 403 ? " (the drift check's client needs read:logs)" : ""}`);
        return { ok, drift };
    }
    const events = (logs.body as { date?: string; description?: string }[]).filter((e) => Date.parse(String(e.date)) > after);
    if (events.length === 0) {
        ok.push(`tenant logs: no failed login since ${since}`);
    } else {
        // Descriptions are what the login code gave as its reason (generic by design), never a value.
        const reasons = [...new Set(events.map((e) => String(e.description ?? "").slice(0, 160)))].slice(0, FAILED_LOGIN_SAMPLES);
        drift.push(
            `tenant logs: ${events.length}${events.length === 100 ? "+" : ""} failed logins (type f) since ${since}, e.g. ${reasons.map((r) => JSON.stringify(r)).join(", ")}; ` +
                "a rule config or Action secret changed by hand shows only here (no refresh reads their values): docs/delivery.md, Repairing drift",
        );
    }
    return { ok, drift };
}

const USAGE = `usage: pulumi stack export --stack <name> --show-secrets |
         node --import tsx scripts/check-login-drift.ts [--since <time>]

Drift that pulumi refresh cannot see: each Action's secret names, the post-login bindings, the
grant verification with its probes for every credential slot, and the tenant's failed logins
(log type f) after --since. Reads the stack's state on stdin and the tenant with
AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET (read:actions and read:logs are enough).
  --since <time>  count failed logins after this ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SS[.mmm]Z);
                  default: 24 hours ago. drift.yml passes the later of the stack's last
                  successful update (pulumi stack history --json: endTime) and 24 hours ago, so
                  the failures before a repair, or already reported, do not alarm again
  --help          this text
Exit 0 nothing drifted, 1 naming each difference, 2 unusable input.`;

interface Args {
    readonly since?: string;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, { since: { type: "string" } });
    const since = values.since;
    if (since === undefined) return {};
    const m = TIMESTAMP.exec(since);
    // Date.parse accepts 2026-02-30 and rolls it over: the round trip refuses it.
    if (!m || Number.isNaN(Date.parse(since)) || new Date(since).toISOString().slice(0, 19) !== `${m[1]}T${m[2]}`) {
        throw new UsageError(`--since ${JSON.stringify(since)}: expected an ISO 8601 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.mmm]Z, e.g. 2026-12-06T05:17:00.000Z)`);
    }
    return { since };
}

async function run(args: Args): Promise<number> {
    let declared: DeclaredLoginFlow;
    try {
        declared = declaredLoginFlow(parseJsonInput(readFileSync(0, "utf8"), "stdin", "the output of pulumi stack export --show-secrets"));
    } catch (err) {
        // Never echo the input: it holds secrets.
        console.error(`check-login-drift: ${(err as Error).message}`);
        return 2;
    }
    const clientId = process.env.AUTH0_CLIENT_ID;
    const clientSecret = process.env.AUTH0_CLIENT_SECRET;
    if (!clientId || !clientSecret) {
        console.error("check-login-drift: AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET: missing; expected a Management API client with read:actions and read:logs");
        return 2;
    }
    let result: { ok: string[]; drift: string[] };
    try {
        result = await loginFlowDrift(declared, await managementApi(declared.domain, clientId, clientSecret), undefined, args.since);
    } catch (err) {
        console.error(`check-login-drift: ${(err as Error).message}`);
        return 2;
    }
    result.ok.forEach((line) => console.log(`ok     ${line}`));
    result.drift.forEach((line) => console.log(`DRIFT  ${line}`));
    if (result.drift.length) {
        console.error(`check-login-drift: ${result.drift.length} differences on ${declared.domain} that a refresh does not show`);
        return 1;
    }
    console.log(`check-login-drift: nothing drifted on ${declared.domain}`);
    return 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "check-login-drift", usage: USAGE, parse, run };

