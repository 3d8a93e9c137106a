/**
 * Post-deploy grant verification: for every M2M client and every audience the stack grants it,
 * performs a real client-credentials exchange at the tenant's token endpoint, verifies the token
 * against the tenant's JWKS, and checks that its scopes are exactly the declared ones.
 *
 * Run by `pulumi up` (infra/grantVerification.ts, a `command.local.Command`) and by
 * `npm run demo` against the local tenant:
 *
 *   node --import tsx scripts/verify-grants.ts          (from the repository root, after npm ci)
 *
 * Input comes only from the environment, so no secret is ever on a command line:
 *   VERIFY_GRANTS_DOMAIN   the tenant's domain (host or host:port); tokens at https://<domain>/oauth/token
 *   VERIFY_GRANTS_CLIENTS  JSON [{ name, clientId, clientSecret, authenticationMethod?, grants: [{ audience, scopes, probe?, probeSkipped? }] }]
 *                          probe: { url (with {user_id}), expect: "groups" | "entitlements", notFoundForUnknownUser? }:
 *                          with the grant's token, GET what the login code calls for a probe user that
 *                          exists nowhere, and fail on DNS, TLS, 401, 403, 5xx, a 404 the API does not
 *                          answer for unknown users, or a body the login code would refuse
 *                          probeSkipped: why that call is not probed (a stack whose API does not
 *                          exist yet: auth0-tenant:apiProbeEnabled false); printed with the check
 *   VERIFY_GRANTS_SETTLE_S optional: keep retrying failed checks this long (Auth0 applies changes
 *                          within seconds of the API call that made them). Default 0.
 * To trust a private CA (the local tenant's), set NODE_EXTRA_CA_CERTS.
 *
 * Prints one line per check to stdout (client, audience, scopes; never a secret or a token) and,
 * on failure, a summary to stderr (a failed Command shows both in `pulumi up`). Exits 0 when
 * every check passes, 1 naming each client, audience and the missing or extra scopes otherwise,
 * 2 when the input is unusable.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import { Command, parseStrict } from "./cli";

const USAGE = `usage: VERIFY_GRANTS_DOMAIN=<host[:port]> VERIFY_GRANTS_CLIENTS='<json>' \\
         node --import tsx scripts/verify-grants.ts

Checks every declared grant with a real client-credentials exchange; input from the
environment only (VERIFY_GRANTS_DOMAIN, VERIFY_GRANTS_CLIENTS, VERIFY_GRANTS_SETTLE_S,
NODE_EXTRA_CA_CERTS), no options but --help. Exit 0 all grants as declared, 1 a grant differs,
2 unusable input.`;

const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_INTERVAL_MS = 2_000;
/** Longest error code echoed from the token endpoint (its descriptions are not echoed). */
const ERROR_CODE_MAX = 40;

/** What the login code will get from an API: one GET it makes, with the token of this grant. */
export interface ProbeToVerify {
    /** The URL the login code calls, with `{user_id}` for the (URL-encoded) probe user. */
    readonly url: string;
    /** The body the login code accepts: a list of groups, or `{ entitlements: [...] }`. */
    readonly expect: "groups" | "entitlements";
    /** Whether the API answers an unknown user with 404 (the probe user is unknown). Default: false. */
    readonly notFoundForUnknownUser?: boolean;
}

export interface GrantToVerify {
    readonly audience: string;
    readonly scopes: readonly string[];
    /** Called with the issued token after the scopes check out. Default: none. */
    readonly probe?: ProbeToVerify;
    /** Why the login code's call with this token is not probed; the check's line says so. Default: none. */
    readonly probeSkipped?: string;
}

/** A user id no tenant has: the probe asks the APIs about it, so no real user's data is read. */
export const PROBE_USER_ID = "auth0|verify-grants-probe";

export interface ClientToVerify {
    /** How the stack names the client, e.g. `login-code-blue`. */
    readonly name: string;
    readonly clientId: string;
    readonly clientSecret: string;
    /** Default: client_secret_post. */
    readonly authenticationMethod?: "client_secret_post" | "client_secret_basic";
    readonly grants: readonly GrantToVerify[];
}

export interface CheckResult {
    readonly client: string;
    readonly clientId: string;
    readonly audience: string;
    readonly ok: boolean;
    /** The scopes the token carries (when one was issued). */
    readonly granted?: readonly string[];
    /** What is wrong, naming client, audience and scopes; never a secret. */
    readonly problem?: string;
    /** The URL the probe called (when the grant has one and it answered as the login code expects). */
    readonly probed?: string;
    /** Why no probe ran, as the grant says. */
    readonly probeSkipped?: string;
}

/** Verifies every grant of every client; resolves with one result per (client, audience). */
export async function verifyGrants(domain: string, clients: readonly ClientToVerify[], settleSeconds = 0): Promise<CheckResult[]> {
    const issuer = `https://${domain}/`;
    const jwks = createRemoteJWKSet(new URL(`${issuer}.well-known/jwks.json`), { timeoutDuration: REQUEST_TIMEOUT_MS });
    const deadline = Date.now() + settleSeconds * 1000;
    const checks = clients.flatMap((client) => client.grants.map((grant) => ({ client, grant })));
    return Promise.all(
        checks.map(async ({ client, grant }) => {
            for (;;) {
                const result = await checkOne(issuer, jwks, client, grant);
                if (result.ok || Date.now() + RETRY_INTERVAL_MS > deadline) return result;
                await new Promise((resolve) => setTimeout(resolve, RETRY_INTERVAL_MS));
            }
        }),
    );
}

async function checkOne(
    issuer: string,
    jwks: ReturnType<typeof createRemoteJWKSet>,
    client: ClientToVerify,
    grant: GrantToVerify,
): Promise<CheckResult> {
    const where = `client ${client.name} (${client.clientId}), audience ${grant.audience}`;
    const fail = (problem: string, granted?: string[]): CheckResult => ({
        client: client.name,
        clientId: client.clientId,
        audience: grant.audience,
        ok: false,
        granted,
        problem: `${where}: ${problem}`,
    });
    const form = new URLSearchParams({ grant_type: "client_credentials", audience: grant.audience });
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (client.authenticationMethod === "client_secret_basic") {
        const user = encodeURIComponent(client.clientId);
        headers.authorization = `Basic ${Buffer.from(`${user}:${encodeURIComponent(client.clientSecret)}`).toString("base64")}`;
    } else {
        form.set("client_id", client.clientId);
        form.set("client_secret", client.clientSecret);
    }
    let status: number;
    let body: unknown;
    try {
        const response = await fetch(`${issuer}oauth/token`, {
            method: "POST",
            headers,
            body: form,
            redirect: "error",
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        status = response.status;
        body = await response.json().catch(() => undefined);
    } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        return fail(`token request failed (${cause})`);
    }
    const error = typeof (body as { error?: unknown })?.error === "string" ? String((body as { error: string }).error).slice(0, ERROR_CODE_MAX) : "";
    if (status === 401) {
        return fail(`the tenant refused the client's credentials (401 ${error}): the secret the stack holds is not the one the tenant holds`);
    }
    if (status === 403) {
        return fail(`no grant: the token endpoint answered 403 ${error}; declared scopes ${list(grant.scopes)} are all missing`);
    }
    const accessToken = (body as { access_token?: unknown })?.access_token;
    if (status !== 200 || typeof accessToken !== "string") {
        return fail(`the token endpoint answered ${status}${error ? ` ${error}` : ""} without an access token`);
    }
    let scope: unknown;
    try {
        const verified = await jwtVerify(accessToken, jwks, { issuer, audience: grant.audience });
        scope = verified.payload.scope;
    } catch (err) {
        return fail(`the issued token does not verify against ${issuer}.well-known/jwks.json (${(err as Error).name})`);
    }
    const granted = typeof scope === "string" && scope !== "" ? scope.split(" ").sort() : [];
    const missing = grant.scopes.filter((s) => !granted.includes(s));
    const extra = granted.filter((s) => !grant.scopes.includes(s));
    if (missing.length || extra.length) {
        const parts = [
            missing.length ? `missing scopes ${list(missing)} (declared, not in the token)` : "",
            extra.length ? `extra scopes ${list(extra)} (in the token, not declared)` : "",
        ].filter(Boolean);
        return fail(parts.join("; "), granted);
    }
    if (grant.probe) {
        const problem = await probe(grant.probe, accessToken);
        if (problem) return fail(`the token works, but what the login code calls does not: ${problem}`, granted);
    }
    return { client: client.name, clientId: client.clientId, audience: grant.audience, ok: true, granted, probed: grant.probe?.url, probeSkipped: grant.probeSkipped };
}

/** Transport failures by Node's error code, named the way an operator looks for them. */
function transportProblem(err: unknown): string {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (err as Error).name;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `DNS: the host does not resolve (${code})`;
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `TLS: the certificate is not trusted for that host (${code})`;
    if (code === "TimeoutError" || code === "UND_ERR_CONNECT_TIMEOUT") return "no answer within 10 s (timeout)";
    if (/redirect/i.test(cause?.message ?? (err as Error).message)) return "it redirects (the login code does not follow redirects)";
    return `the request failed (${code})`;
}

/**
 * GETs the probe's URL for PROBE_USER_ID with `accessToken`, as the login code does, and says what
 * is wrong (undefined when the answer is one the login code accepts). Never echoes a body.
 */
export async function probe(target: ProbeToVerify, accessToken: string): Promise<string | undefined> {
    const url = target.url.replace("{user_id}", encodeURIComponent(PROBE_USER_ID));
    const where = `GET ${target.url}`;
    let response: Response;
    try {
        response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` }, redirect: "error", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
        return `${where}: ${transportProblem(err)}`;
    }
    const text = await response.text().catch(() => "");
    if (response.status === 401) return `${where}: 401, the API does not accept the token (wrong audience or issuer for this URL?)`;
    if (response.status === 403) return `${where}: 403, the token lacks a scope this endpoint requires`;
    if (response.status >= 500) return `${where}: ${response.status}, the API is failing`;
    if (response.status === 404) {
        return target.notFoundForUnknownUser ? undefined : `${where}: 404, no such endpoint (is the URL right? the extension's API URL ends in /api)`;
    }
    if (response.status !== 200) return `${where}: ${response.status}, the login code accepts only 200`;
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        return `${where}: 200, but the body is not JSON (${response.headers.get("content-type") ?? "no content-type"})`;
    }
    const ok =
        target.expect === "groups"
            ? Array.isArray(body) && body.every((g) => typeof (g as { name?: unknown })?.name === "string")
            : Array.isArray((body as { entitlements?: unknown })?.entitlements) &&
              ((body as { entitlements: unknown[] }).entitlements).every((e) => typeof e === "string");
    if (!ok) return `${where}: 200, but the body is not ${target.expect === "groups" ? "a list of groups" : "{ entitlements: [strings] }"} as the login code expects`;
    return undefined;
}

function list(scopes: readonly string[]): string {
    return scopes.length ? scopes.join(", ") : "(none)";
}

/** Reads and checks the environment; throws a message naming the variable. */
export function readInput(env: NodeJS.ProcessEnv): { domain: string; clients: ClientToVerify[]; settleSeconds: number } {
    const domain = env.VERIFY_GRANTS_DOMAIN;
    if (!domain || !/^[A-Za-z0-9.-]+(:\d+)?$/.test(domain)) {
        throw new Error("VERIFY_GRANTS_DOMAIN: missing or not a host name; expected the tenant's domain, e.g. dev-abc123.us.auth0.com");
    }
    let clients: unknown;
    try {
        clients = JSON.parse(env.VERIFY_GRANTS_CLIENTS ?? "");
    } catch {
        // The message never echoes the value: it holds secrets.
        throw new Error("VERIFY_GRANTS_CLIENTS: missing or not JSON; expected [{ name, clientId, clientSecret, grants: [{ audience, scopes }] }]");
    }
    const isGrant = (g: unknown): boolean => {
        const grant = g as Partial<Record<keyof GrantToVerify, unknown>> | null;
        const probeInput = grant?.probe as Partial<Record<keyof ProbeToVerify, unknown>> | undefined;
        const probeOk =
            probeInput === undefined ||
            (typeof probeInput.url === "string" && /^https:\/\//.test(probeInput.url) && (probeInput.expect === "groups" || probeInput.expect === "entitlements"));
        const skippedOk = grant?.probeSkipped === undefined || typeof grant.probeSkipped === "string";
        return typeof grant?.audience === "string" && Array.isArray(grant.scopes) && grant.scopes.every((s) => typeof s === "string") && probeOk && skippedOk;
    };
    const isClient = (c: unknown): boolean => {
        const client = c as Partial<Record<keyof ClientToVerify, unknown>> | null;
        return (
            typeof client?.name === "string" &&
            typeof client.clientId === "string" &&
            typeof client.clientSecret === "string" &&
            client.clientSecret !== "" &&
            [undefined, "client_secret_post", "client_secret_basic"].includes(client.authenticationMethod as string | undefined) &&
            Array.isArray(client.grants) &&
            client.grants.every(isGrant)
        );
    };
    const valid = Array.isArray(clients) && clients.every(isClient);
    if (!valid) {
        throw new Error("VERIFY_GRANTS_CLIENTS: expected [{ name, clientId, clientSecret, authenticationMethod?, grants: [{ audience, scopes: [..] }] }]");
    }
    const settleSeconds = Number(env.VERIFY_GRANTS_SETTLE_S ?? "0");
    if (!Number.isFinite(settleSeconds) || settleSeconds < 0) {
        throw new Error("VERIFY_GRANTS_SETTLE_S: expected a number of seconds, 0 or more");
    }
    return { domain, clients: clients as ClientToVerify[], settleSeconds };
}

async function main(): Promise<number> {
    let input: ReturnType<typeof readInput>;
    try {
        input = readInput(process.env);
    } catch (err) {
        console.error(`verify-grants: ${(err as Error).message}`);
        return 2;
    }
    const results = await verifyGrants(input.domain, input.clients, input.settleSeconds);
    for (const r of results) {
        if (r.ok) {
            const probed = r.probed
                ? `; GET ${r.probed} answers as the login code expects`
                : r.probeSkipped
                  ? `; probe skipped: ${r.probeSkipped}`
                  : "";
            console.log(`ok    client ${r.client} (${r.clientId}), audience ${r.audience}: scopes ${list(r.granted ?? [])}${probed}`);
        }
        else console.log(`FAIL  ${r.problem}`);
    }
    const failed = results.filter((r) => !r.ok).length;
    if (failed) {
        console.error(`verify-grants: ${failed} of ${results.length} grants do not work as declared on ${input.domain}`);
        return 1;
    }
    console.log(`verify-grants: all ${results.length} grants of ${input.clients.length} clients work as declared on ${input.domain}`);
    return 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<void> = { name: "verify-grants", usage: USAGE, parse: (argv) => void parseStrict(argv, {}), run: () => main() };

