/**
 * Adoption end to end, offline: a tenant made by hand (local/tenant/handMadeTenant.ts, served by the local
 * Management API), then the runbook of docs/delivery.md "Adopting a tenant made by hand" —
 * `npm run adopt` (the script's own function, reading the tenant over HTTPS with the read-only
 * deployer), `pulumi import --file` (local/engine/import.ts, with the write deployer),
 * `pulumi preview`, `pulumi up` (local/engine/operation.ts through the provider double) and a
 * `pulumi preview --refresh` after it — with the tenant's logins checked after every step and
 * after every write the first `up` makes.
 *
 * A login here is what the login code bound (actions) or enabled (rules) in the tenant does
 * first: a client-credentials token request with the M2M credentials it holds (an action's
 * secrets, the rule settings) for the API audience, with `client_secret_post`. The token
 * endpoint is answered from the tenant's data as Auth0 answers it: 401 for a client or secret it
 * does not hold or another authentication method, 403 without a "client" grant to the audience.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fetch as undiciFetch } from "undici";
import { adoptScopes, deployerScopes } from "../../tools/deployerScopes";
import { ExtensibilityMode } from "../../infra/loginContract";
import { adopt } from "../../tools/adoptCommand";
import { HandClickedTenant, HandClickedTenantServer } from "../tenant/handMadeTenant";
import { ImportFile, ImportResult, importResources } from "../engine/import";
import { operate, OperationResult } from "../engine/operation";
import { Auth0ProviderDouble, ManagementTransport } from "../engine/providers/auth0";
import { trustedNetwork } from "../runtime/network";
import { LocalManagementApi } from "../tenant/managementApi";
import { verificationRunner } from "../tenant/inProcessVerification";
import { testTls } from "../tenant/tls";

export interface AdoptionShape {
    /** The stack adopted into (its file: stackFilesDir()). */
    readonly stack: string;
    readonly mode: ExtensibilityMode;
    readonly tenant: HandClickedTenant;
    /** `npm run adopt` arguments besides --stack, --out and --domain. */
    readonly adoptArgs: readonly string[];
}

export interface LoginFailure {
    /** The step after which (or the first-up call after which) the login failed. */
    readonly after: string;
    readonly problem: string;
}

export interface AdoptionOutcome {
    /** What adopt printed, or why it refused. */
    readonly adopt: { readonly ok: true; readonly report: string; readonly file: ImportFile } | { readonly ok: false; readonly error: string; readonly wroteFile: boolean };
    readonly imported?: ImportResult;
    readonly preview?: OperationResult;
    readonly up?: OperationResult;
    /** `pulumi preview --refresh` after the up: what it still plans. */
    readonly afterUp?: OperationResult;
    /** Login checks that failed, at any step. */
    readonly loginFailures: readonly LoginFailure[];
    /** How many login checks ran. */
    readonly loginChecks: number;
    /** The tenant at the end. */
    readonly api: LocalManagementApi;
}

/** The runbook's commands (docs/delivery.md, "Adopting a tenant clicked by hand", steps 3 and 4), as the lab runs them. */
export function runbook(stack: string): readonly string[] {
    return [
        `npm run adopt -- --stack ${stack} --out adopt.json`,
        `pulumi import --stack ${stack} --file adopt.json --protect=false --generate-code=false`,
        `pulumi preview --stack ${stack} --policy-pack policy`,
        `pulumi up --stack ${stack} --policy-pack policy`,
        `pulumi preview --stack ${stack} --refresh --expect-no-changes`,
    ];
}

const DEPLOYER = { clientId: "cl_adopt_preview_deployer", clientSecret: "adopt-lab-preview-deployer-secret-not-real" };

/** Runs one shape through adopt, import, preview, up and a refresh preview, checking logins throughout. */
export async function runAdoption(shape: AdoptionShape): Promise<AdoptionOutcome> {
    const server = await HandClickedTenantServer.start(shape.tenant, { ...DEPLOYER, scopes: adoptScopes(shape.mode) });
    const network = trustedNetwork((await testTls()).cert);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-lab-"));
    const api = server.api;
    const loginFailures: LoginFailure[] = [];
    let loginChecks = 0;
    const [adoptCommand, importCommand, previewCommand, upCommand] = runbook(shape.stack);
    const checkLogins = (after: string) => {
        for (const problem of loginProblems(api, shape.mode)) loginFailures.push({ after, problem });
        loginChecks++;
    };
    try {
        checkLogins("the hand-made tenant");
        const out = path.join(dir, "adopt.json");
        let adopted: AdoptionOutcome["adopt"];
        try {
            const fetch = ((url: string, init: object) => undiciFetch(url, { ...init, dispatcher: network.dispatcher })) as unknown as typeof globalThis.fetch;
            const report = await adopt(["--stack", shape.stack, "--domain", server.address, "--out", out, ...shape.adoptArgs], { AUTH0_CLIENT_ID: DEPLOYER.clientId, AUTH0_CLIENT_SECRET: DEPLOYER.clientSecret }, fetch);
            adopted = { ok: true, report, file: JSON.parse(fs.readFileSync(out, "utf8")) as ImportFile };
        } catch (err) {
            adopted = { ok: false, error: err instanceof Error ? err.message : String(err), wroteFile: fs.existsSync(out) };
        }
        checkLogins(adoptCommand);
        if (!adopted.ok) return { adopt: adopted, loginFailures, loginChecks, api };

        const writer = (transport: ManagementTransport = (m, p, q, b) => api.handle(m, p, q, b, deployerScopes("write", shape.mode))) => new Auth0ProviderDouble(transport);
        const reader = () => new Auth0ProviderDouble((m, p, q, b) => api.handle(m, p, q, b, deployerScopes("preview", shape.mode)));
        const imported = await importResources({ stack: shape.stack, file: adopted.file, provider: writer(), protect: false });
        checkLogins(importCommand);
        if (!imported.ok) return { adopt: adopted, imported, loginFailures, loginChecks, api };

        const preview = await operate({ stack: shape.stack, dryRun: true, prior: imported.state, provider: reader(), policyPack: "policy" });
        checkLogins(previewCommand);
        // Every write of the first up is followed by a login, as logins go on while it runs.
        const watched: ManagementTransport = (method, p, q, body) => {
            const reply = api.handle(method, p, q, body, deployerScopes("write", shape.mode));
            if (method !== "GET" && reply.status < 300) checkLogins(`${method} ${p} during ${upCommand}`);
            return reply;
        };
        const up = await operate({ stack: shape.stack, dryRun: false, prior: imported.state, provider: writer(watched), commands: verificationRunner(api), policyPack: "policy" });
        checkLogins(upCommand);
        const afterUp = "state" in up && up.ok ? await operate({ stack: shape.stack, dryRun: true, prior: up.state, provider: reader(), refresh: true }) : undefined;
        return { adopt: adopted, imported, preview, up, afterUp, loginFailures, loginChecks, api };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await network.close();
        await server.stop();
    }
}

/** The M2M credentials and audience each running piece of login code holds. */
export function runningLoginCode(api: LocalManagementApi, mode: ExtensibilityMode): { code: string; clientId?: string; clientSecret?: string; audience?: string }[] {
    if (mode === "actions") {
        return (api.bindings.get("post-login") ?? []).flatMap((b) => {
            const action = api.actions.get(b.actionId);
            if (!action || !/M2M_CLIENT_SECRET/.test(String(action.code))) return [];
            const secret = (name: string) => action.secrets.find((s) => s.name === name)?.value;
            return [{ code: `action ${String(action.name)}`, clientId: secret("M2M_CLIENT_ID"), clientSecret: secret("M2M_CLIENT_SECRET"), audience: secret("API_AUDIENCE") }];
        });
    }
    const config = (key: string) => api.rulesConfigs.get(key);
    return [...api.rules.values()]
        .filter((r) => r.enabled !== false && /M2M_(CREDENTIALS|CLIENT_SECRET)/.test(String(r.script)))
        .sort((a, b) => a.order - b.order)
        .map((r) => {
            const script = String(r.script);
            const json = script.includes("M2M_CREDENTIALS") ? (JSON.parse(config("M2M_CREDENTIALS") ?? "{}") as { client_id?: string; client_secret?: string }) : undefined;
            return {
                code: `rule ${String(r.name)}`,
                clientId: json ? json.client_id : config("M2M_CLIENT_ID"),
                clientSecret: json ? json.client_secret : config("M2M_CLIENT_SECRET"),
                audience: config("API_AUDIENCE"),
            };
        });
}

/** Each running login code's token request, answered as the tenant's token endpoint answers it. */
export function loginProblems(api: LocalManagementApi, mode: ExtensibilityMode): string[] {
    return runningLoginCode(api, mode).flatMap((c) => {
        if (!c.clientId || !c.clientSecret || !c.audience) return [`${c.code}: its settings lack the client id, secret or audience`];
        const client = api.clients.get(c.clientId);
        if (!client || client.client_secret !== c.clientSecret) return [`${c.code}: the token endpoint refused the client's credentials (401 access_denied)`];
        if ((client.token_endpoint_auth_method ?? "client_secret_post") !== "client_secret_post") return [`${c.code}: the token endpoint refused client_secret_post (401 invalid_client)`];
        const grant = [...api.clientGrants.values()].find((g) => g.client_id === c.clientId && g.audience === c.audience && (g.subject_type ?? "client") === "client");
        if (!grant) return [`${c.code}: no client grant to ${c.audience} (403 access_denied)`];
        return [];
    });
}
