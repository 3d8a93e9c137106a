/**
 * `npm run demo`: the tenant the dev stack declares, served on 127.0.0.1, with the login code
 * run through it, and the post-deploy grant verification run against it. No Auth0 account, no
 * network, no real secrets (the stack's generated secrets are mock values here, and are never
 * printed anyway).
 *
 * 1. Deploys Pulumi.dev.yaml, in actions mode and in rules mode, as `pulumi up` does: the real
 *    program (infra/) run against the engine double, applied through the provider double to a local
 *    Management API (local/engine/localDeploy.ts), and reads what the deploy left there
 *    (local/tenant/deployedTenant.ts).
 * 2. Serves that tenant locally over HTTPS (token endpoint, JWKS, Management API, the custom API,
 *    the Authorization Extension API) with a throwaway CA.
 * 3. Runs a few logins through the deployed login code in the Actions or Rules runtime, printing
 *    each step: tokens requested or served from cache, APIs called, claims added, denials.
 * 4. Runs scripts/verify-grants.ts, exactly as `pulumi up` does (tokens, then what the login code
 *    calls with them), against the local tenant; then against copies that went wrong, to show what
 *    a failure reads like: a scope added by hand, a wrong authzExtensionUrl.
 * 5. Runs scripts/check-login-drift.ts, as the drift workflow does, against the tenant after someone
 *    bound a Marketplace action to post-login by hand.
 */
import { runChild } from "../../tools/childProcess";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { LOGIN_CALLS } from "../../infra/loginContract";
import { deployedTenant, DeployedTenant, deployTenant } from "../tenant/deployedTenant";
import { modeSettings } from "../engine/operation";
import { Harness } from "../runtime/loginHarness";
import { deployerScopes } from "../../tools/deployerScopes";
import { ConfigError, loadConfig } from "../../infra/config";
import { LocalTenant } from "../tenant/localTenant";
import { LocalManagementApi } from "../tenant/managementApi";
import { MANAGEMENT_API } from "../tenant/model";
import { PROJECT, stackFileConfig, TEST_PROVIDER_CONFIG } from "../../tools/stack/program";
import type { ClientToVerify } from "../../tools/verifyGrants";
import { testTls } from "../tenant/tls";
import { ROOT } from "../../tools/repository";
import { STACK_FILES_HELP } from "../../tools/stack/stackFiles";
import { Command, parseStrict } from "../../tools/cli";

const USAGE = `usage: npm run demo

The dev stack's tenant served on 127.0.0.1: pulumi up of the program in actions and rules mode
through the engine and provider doubles onto a local tenant, logins run through the deployed login
code, then the post-deploy grant verification against it and against a drifted copy. No Auth0
account, no network. No options but --help.
${STACK_FILES_HELP}`;

const STACK = "dev";

/** The logins the demo runs, in order: the second alice shows the token cache at work. */
const LOGINS: readonly { userId: string; why: string }[] = [
    { userId: "auth0|alice", why: "verified email, member of admins and readers" },
    { userId: "auth0|bob", why: "verified email, no groups" },
    { userId: "auth0|carol", why: "email not verified" },
    { userId: "auth0|alice", why: "again: tokens come from the cache" },
];

const ENDPOINT_NAMES: Record<string, string> = {
    authzExtension: "Authorization Extension API",
    api: "custom API",
    managementApi: "Management API",
};

const out = (line = "") => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
    out("Demo: Pulumi.dev.yaml deployed to a local tenant and served on 127.0.0.1. No Auth0 account, no network.");
    const ca = await testTls();
    const caDir = mkdtempSync(join(tmpdir(), "tenant-demo-"));
    const caFile = join(caDir, "local-ca.pem");
    writeFileSync(caFile, ca.cert);
    try {
        // Both deploys at once: each runs the program in a process of its own.
        const [actions, rules] = await Promise.all([deployTenant({ stack: STACK }), deployTenant({ stack: STACK, set: modeSettings("rules") })]);
        await runMode("actions mode (Pulumi.dev.yaml as is)", actions, caFile, true);
        await runMode(
            'rules mode (pulumi config set extensibility rules, rulesEndOfLifeAcknowledged true, managementApiScopes ["update:users_app_metadata"])',
            rules,
            caFile,
            false,
        );
    } finally {
        rmSync(caDir, { recursive: true, force: true });
    }
    out("");
    out("Done: every server stopped. Deploy for real with `pulumi up` (docs/demo-and-verification.md).");
}

async function runMode(title: string, deployed: DeployedTenant, caFile: string, showDrift: boolean): Promise<void> {
    out("");
    out(`=== ${title} ===`);
    describeDeployment(deployed);
    const harness = await Harness.start(deployed.mode, deployed.model, { files: deployed.loginFiles, tenant: deployed.tenantOptions() });
    try {
        const tenant = harness.tenant;
        out(`local tenant: https://${tenant.domain} (token endpoint, JWKS, Management API ${tenant.audience("managementApi")})`);
        const settings = deployed.localSettings(tenant);
        out(`  custom API at ${settings.API_BASE_URL}${settings.AUTHZ_EXTENSION_URL ? `, Authorization Extension API at ${settings.AUTHZ_EXTENSION_URL}` : ""}`);
        const container = harness.container(settings);
        for (const login of LOGINS) {
            out("");
            out(`login ${login.userId} (${login.why})`);
            const tokensBefore = snapshot(tenant, (aud) => tenant.tokenRequests(aud));
            const callsBefore = snapshot(tenant, (aud) => tenant.calls(aud));
            const logsBefore = container.logs.length;
            const result = await harness.login(container, login.userId);
            for (const call of LOGIN_CALLS.filter((c) => c.modes.includes(deployed.mode))) {
                const audience = tenant.audience(call.audience);
                const tokens = tenant.tokenRequests(audience) - tokensBefore[call.audience];
                const calls = tenant.calls(audience) - callsBefore[call.audience];
                if (tokens === 0 && calls === 0) continue;
                out(`  token  ${audience}: ${tokens > 0 ? "requested at /oauth/token (client credentials)" : "served from cache"}`);
                if (calls > 0) out(`  call   ${call.method} ${call.path} on the ${ENDPOINT_NAMES[call.audience]}`);
            }
            for (const [claim, value] of Object.entries(result.idTokenClaims)) out(`  claim  ${claim} = ${JSON.stringify(value)}`);
            const stored = tenant.user(login.userId).app_metadata;
            if (result.outcome === "allowed" && stored && Object.keys(stored).length > 0) out(`  app_metadata now ${JSON.stringify(stored)}`);
            for (const line of container.logs.slice(logsBefore)) out(`  log    ${line}`);
            out(result.outcome === "allowed" ? `  => allowed (${Math.round(result.durationMs)} ms)` : `  => ${result.outcome}: ${result.reason}`);
        }

        out("");
        out("grant verification (scripts/verify-grants.ts, as pulumi up runs it after the grants exist):");
        const code = await verify(tenant, deployed.localVerification(tenant), caFile);
        if (code !== 0) throw new Error(`grant verification failed against the deployed tenant (exit ${code})`);

        if (showDrift) {
            await showDriftedTenant(deployed, caFile);
            await showWrongExtensionUrl(deployed, caFile);
            await showHandAddedBinding(deployed, caFile);
        }
    } finally {
        await harness.stop();
    }
}

/** The same deployed tenant with one scope added to a grant by hand: verification must name it. */
async function showDriftedTenant(deployed: DeployedTenant, caFile: string): Promise<void> {
    const [client] = deployed.credentials;
    const grant = client.grants.find((g) => g.audience === deployed.model.customApi);
    const api = deployed.model.apis.find((a) => a.identifier === deployed.model.customApi);
    const added = api?.scopes.find((s) => !grant?.scopes.includes(s));
    if (!grant || !added) return;
    out("");
    out(`drift: the same tenant after someone adds ${added} to ${client.name}'s grant on ${grant.audience} in the dashboard:`);
    // The dashboard's change, made in a copy of the deployed Management API; the tenant served is what it then holds.
    const changed = LocalManagementApi.restore(deployed.deploy.api.snapshot());
    const held = [...changed.clientGrants.values()].find((g) => g.client_id === client.clientId && g.audience === grant.audience)!;
    held.scope = [...(held.scope as string[]), added];
    const afterChange = deployedTenant({ ...deployed.deploy, api: changed });
    const drifted = await LocalTenant.start(afterChange.model, afterChange.tenantOptions());
    try {
        const code = await verify(drifted, deployed.localVerification(drifted), caFile);
        out(`  => verify-grants exited ${code}: pulumi up would fail here${code === 0 ? " (it did not: unexpected)" : ""}`);
        if (code !== 1) throw new Error(`grant verification did not catch the drift (exit ${code})`);
    } finally {
        await drifted.stop();
    }
}

/**
 * A wrong authzExtensionUrl: tokens are issued and every grant is right, yet every login would be
 * denied. The configuration refuses a URL without /api; another extension's id passes it, and the
 * verification's call to the groups endpoint catches it.
 */
async function showWrongExtensionUrl(deployed: DeployedTenant, caFile: string): Promise<void> {
    const dashboardUrl = String(deployed.settings.AUTHZ_EXTENSION_URL).replace(/\/api$/, "");
    out("");
    out(`wrong authzExtensionUrl: the extension's dashboard URL (${dashboardUrl}) instead of its API URL:`);
    const values: Record<string, string> = { ...TEST_PROVIDER_CONFIG, ...stackFileConfig(STACK), [`${PROJECT}:authzExtensionUrl`]: dashboardUrl };
    try {
        loadConfig({ project: PROJECT, stack: STACK, get: (ns, key) => values[`${ns}:${key}`], keys: () => Object.keys(values), env: {}, rootDir: ROOT });
        throw new Error("the configuration accepted an extension URL without /api");
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        err.problems.forEach((p) => out(`  refused before anything is declared: ${p}`));
    }
    out("wrong authzExtensionUrl: another extension's id, which the configuration cannot tell from the right one:");
    const tenant = await LocalTenant.start(deployed.model, deployed.tenantOptions());
    try {
        const wrong = deployed.localVerification(tenant).map((client) => ({
            ...client,
            grants: client.grants.map((g) => (g.probe?.expect === "groups" ? { ...g, probe: { ...g.probe, url: g.probe.url.replace("/api/users/", "/0000000000000000/api/users/") } } : g)),
        }));
        const code = await verify(tenant, wrong, caFile);
        out(`  => verify-grants exited ${code}: pulumi up would fail here, though every token was issued${code === 0 ? " (it did not: unexpected)" : ""}`);
        if (code !== 1) throw new Error(`the verification did not catch the wrong extension URL (exit ${code})`);
    } finally {
        await tenant.stop();
    }
}

/** A Marketplace action bound to post-login by hand: invisible to a refresh, named by the drift check. */
async function showHandAddedBinding(deployed: DeployedTenant, caFile: string): Promise<void> {
    const reader = { id: "demo-drift-reader", secret: "demo-drift-reader-secret-not-real-0123456789abcdef" };
    const tenant = await LocalTenant.start(
        {
            ...deployed.model,
            clients: [...deployed.model.clients, reader],
            grants: [...deployed.model.grants, { clientId: reader.id, audience: MANAGEMENT_API, scopes: deployerScopes("preview", "actions") }],
        },
        deployed.tenantOptions(),
    );
    try {
        const marketplace = tenant.management.createActionByHand("Marketplace: Geo Enrichment");
        tenant.management.bindByHand("post-login", marketplace, "Marketplace: Geo Enrichment");
        out("");
        out("drift a refresh cannot see: someone binds a Marketplace action to post-login in the dashboard");
        out(`  (scripts/check-login-drift.ts, as drift.yml runs it, with the read-only deployer: ${deployerScopes("preview", "actions").join(" ")})`);
        const result = await runChild(process.execPath, ["--import", "tsx", join("scripts", "check-login-drift.ts")], {
            cwd: ROOT,
            env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, AUTH0_CLIENT_ID: reader.id, AUTH0_CLIENT_SECRET: reader.secret },
            stdin: JSON.stringify(deployed.localExport(tenant)),
        });
        (result.stdout + result.stderr).split("\n").filter(Boolean).forEach((line) => out(`  ${line}`));
        out(`  => check-login-drift exited ${result.code}: the drift workflow opens an issue${result.code === 1 ? "" : " (it did not: unexpected)"}`);
        if (result.code !== 1) throw new Error(`the drift check did not catch the hand-added binding (exit ${result.code})`);
    } finally {
        await tenant.stop();
    }
}

function describeDeployment(deployed: DeployedTenant): void {
    out(`deployed (pulumi up of infra/ through the engine and provider doubles, mode ${deployed.mode}), the tenant now holds:`);
    for (const api of deployed.model.apis) out(`  API    ${api.identifier}: scopes ${api.scopes.join(", ")}`);
    for (const client of deployed.credentials) {
        out(`  client ${client.name} (${client.clientId}, ${client.authenticationMethod}, secret generated by the stack)`);
        for (const grant of client.grants) out(`    grant ${grant.audience}: ${grant.scopes.join(", ")}`);
    }
    out(`  login code, in order: ${deployed.loginFiles.map((f) => relative(ROOT, f)).join(" -> ")}`);
    const provided = Object.entries(deployed.settings).filter(([, v]) => v !== undefined).map(([k]) => k);
    out(`  settings (${deployed.mode === "actions" ? "action secrets" : "rule configs"} as the provider sent them, values not shown): ${provided.join(", ")}`);
    out(`  served locally with AUTH0_DOMAIN, API_BASE_URL, AUTHZ_EXTENSION_URL pointing at 127.0.0.1`);
}

function snapshot(tenant: LocalTenant, count: (audience: string) => number): Record<string, number> {
    return Object.fromEntries(
        (["authzExtension", "api", "managementApi"] as const).map((audience) => [audience, count(tenant.audience(audience))]),
    );
}

/** Runs the verification script in a child process, as the Command does; relays its lines. */
async function verify(tenant: LocalTenant, credentials: readonly ClientToVerify[], caFile: string): Promise<number> {
    const result = await runChild(process.execPath, ["--import", "tsx", join("scripts", "verify-grants.ts")], {
        cwd: ROOT,
        env: {
            ...process.env,
            NODE_EXTRA_CA_CERTS: caFile,
            VERIFY_GRANTS_DOMAIN: tenant.domain,
            VERIFY_GRANTS_CLIENTS: JSON.stringify(credentials),
        },
    });
    // Per-check lines go to stdout, the failure summary to stderr: relayed in that order.
    (result.stdout + result.stderr).split("\n").filter(Boolean).forEach((line) => out(`  ${line}`));
    return result.code ?? 1;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<void> = {
    name: "demo",
    usage: USAGE,
    parse: (argv) => void parseStrict(argv, {}),
    run: async () => {
        try {
            await main();
        } catch (err) {
            throw new Error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
        }
    },
};
