/**
 * The grant verification (scripts/verify-grants.ts) answered by a local Management API's data, for
 * callers that hold the tenant in process and serve no token endpoint (the drift lab, the adoption
 * lab): the token endpoint refuses a secret the tenant does not hold (401) or another
 * authentication method (401), and issues a token only for a grant that exists with the scopes the
 * login code needs (403 otherwise).
 */
import { AUTHZ_EXTENSION_AUDIENCE } from "../../infra/loginContract";
import type { CheckResult, ClientToVerify } from "../../tools/verifyGrants";
import { CommandFailed, CommandRunner } from "../engine/providers/command";
import type { LocalManagementApi } from "./managementApi";

/** Each declared grant's token request, answered as the tenant's token endpoint answers it. */
export function tokenRequests(api: LocalManagementApi, extensionApi: boolean, clients: readonly ClientToVerify[]): CheckResult[] {
    return clients.flatMap((c) =>
        c.grants.map((g): CheckResult => {
            const base = { client: c.name, clientId: c.clientId, audience: g.audience };
            const client = api.clients.get(c.clientId);
            if (!client || client.client_secret !== c.clientSecret) return { ...base, ok: false, problem: `client ${c.name}: the token endpoint refused the client's credentials (401 access_denied)` };
            const method = c.authenticationMethod ?? "client_secret_post";
            if (client.token_endpoint_auth_method !== method) return { ...base, ok: false, problem: `client ${c.name}: the token endpoint refused ${method} (401 invalid_client)` };
            if (g.audience === AUTHZ_EXTENSION_AUDIENCE && !extensionApi) return { ...base, ok: false, problem: `client ${c.name}, audience ${g.audience}: no such API (403 access_denied)` };
            const grant = [...api.clientGrants.values()].find((x) => x.client_id === c.clientId && x.audience === g.audience && (x.subject_type ?? "client") === "client");
            if (!grant) return { ...base, ok: false, problem: `client ${c.name}, audience ${g.audience}: no grant (403 access_denied)` };
            const missing = g.scopes.filter((s) => !(grant.scope as string[]).includes(s));
            if (missing.length) return { ...base, ok: false, problem: `client ${c.name}, audience ${g.audience}: missing ${missing.join(" ")}` };
            return { ...base, ok: true, granted: grant.scope as string[] };
        }),
    );
}

/**
 * The stack's verification Command run in process: its VERIFY_GRANTS_CLIENTS checked by
 * tokenRequests, failing the step as the script's exit 1 fails it (the engine double's runner,
 * local/engine/providers/command.ts).
 */
export function verificationRunner(api: LocalManagementApi, extensionApi = true): CommandRunner {
    return (run) => {
        const clients = run.environment.VERIFY_GRANTS_CLIENTS;
        if (clients === undefined) return Promise.reject(new CommandFailed(`${run.urn} is not the grant verification; only the verification runs in process`));
        const results = tokenRequests(api, extensionApi, JSON.parse(clients) as ClientToVerify[]);
        const failed = results.filter((r) => !r.ok);
        if (failed.length) return Promise.reject(new CommandFailed(`exit status 1: running "${run.command}":\n${failed.map((r) => r.problem).join("\n")}`));
        return Promise.resolve({ stdout: `verify-grants: all ${results.length} grants work as declared`, stderr: "" });
    };
}
