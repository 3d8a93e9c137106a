/**
 * Writes a `pulumi import --file` document that adopts a tenant's existing objects (clicked
 * together by hand) into a stack, without recreating them. See docs/delivery.md, "Adopting".
 *
 *   npm run adopt -- --stack dev --out adopt.json [--client "<app name or client id>"]
 *                    [--match <logical name>=<name or id>]... [--domain <host[:port]>]
 *
 * The stack's resources (logical names, types, parents) come from running the real program for
 * that stack under mocks; each is matched with the tenant's object through the Management API
 * (official auth0 SDK), as the deploying or the read-only preview M2M application given by AUTH0_CLIENT_ID /
 * AUTH0_CLIENT_SECRET (the scopes of adoptScopes for the stack's mode, which both hold). Secrets are
 * never read or printed. An object the stack cannot take over safely is refused, and nothing is written.
 *
 *   --stack   the stack to adopt into (its Pulumi.<stack>.yaml is the program's configuration)
 *   --out     where to write the import file
 *   --client  an existing application no login code uses yet, to become the login code's client
 *             (default: the name the stack gives it); adopting the one hand-made login code
 *             authenticates as is refused (the first up changes its secret)
 *   --match   any other object named differently by hand, by the stack's logical name
 *   --domain  where to reach the tenant, host[:port] (default: the stack's auth0:domain); the
 *             Management API audience stays https://<auth0:domain>/api/v2/
 *
 * Exit codes: 0 file written; 1 the tenant could not be read, a match is ambiguous, or an object
 * cannot be taken over safely (no file is written); 2 unusable arguments. To trust a private CA,
 * set NODE_EXTRA_CA_CERTS.
 */
import * as fs from "fs";
import * as path from "path";
import { ManagementClient } from "auth0";
import { adoptScopes, describePlan, planAdoption, readTenant } from "./adopt";
import { ExtensibilityMode } from "../infra/loginContract";
import { runUnderMocks, stackFileConfig } from "./stack/program";
import { parseStackName, refuseReservedKey } from "./untrustedInput";
import { Command, parseStrict, UsageError } from "./cli";
import { stackFilePath } from "./stack/stackFiles";

export { UsageError };

const SCOPES_BY_MODE = `${adoptScopes("actions").join(" ")} (actions mode), ${adoptScopes("rules").join(" ")} (rules mode)`;

export const USAGE = `usage: npm run adopt -- --stack <stack> --out <file> [--client <app name or client id>]
                        [--match <logical name>=<name or id>]... [--domain <host[:port]>]

Writes a pulumi import file that adopts the tenant's hand-made objects into the stack.
  --stack   the stack to adopt into (its Pulumi.<stack>.yaml is the program's configuration)
  --out     where to write the import file
  --client  an existing application no login code uses yet, to become the login code's
            client (default: the name the stack gives it)
  --match   any other object named differently by hand, by its logical name (repeatable)
  --domain  where to reach the tenant, host[:port] (default: the stack's auth0:domain)
  --help    this text
Environment: AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET of an M2M application with the scopes
  (the preview and the write deployer both hold them)
    actions mode: ${adoptScopes("actions").join(" ")}
    rules mode: ${adoptScopes("rules").join(" ")}
  NODE_EXTRA_CA_CERTS to trust a private CA.
Exit codes: 0 file written; 1 the tenant could not be read, a match is ambiguous, or an object
  cannot be taken over safely (nothing is written); 2 unusable arguments.`;

interface Args {
    readonly stack: string;
    readonly out: string;
    readonly client?: string;
    readonly matches: Record<string, string>;
    readonly domain?: string;
}

export function parseAdoptArgs(argv: readonly string[]): Args {
    const parsed = parseStrict(argv, {
        stack: { type: "string" },
        out: { type: "string" },
        client: { type: "string" },
        match: { type: "string", multiple: true },
        domain: { type: "string" },
    }).values;
    if (!parsed.stack) throw new UsageError("--stack is required (the stack to adopt into, e.g. dev)");
    const stack = parseStackName(parsed.stack);
    if (!parsed.out) throw new UsageError("--out is required (where to write the import file, e.g. adopt.json)");
    const matches: Record<string, string> = {};
    for (const m of parsed.match ?? []) {
        const eq = m.indexOf("=");
        if (eq <= 0 || eq === m.length - 1) throw new UsageError(`--match ${JSON.stringify(m)}: expected <logical name>=<existing name or id>`);
        matches[refuseReservedKey(m.slice(0, eq), `--match ${m.slice(0, eq)}`)] = m.slice(eq + 1);
    }
    return { stack, out: parsed.out, client: parsed.client, matches, domain: parsed.domain };
}

/** Runs the script: writes the import file and returns the report it prints. `fetch`: how to reach the tenant (tests). */
export async function adopt(argv: readonly string[], env: NodeJS.ProcessEnv, fetch?: typeof globalThis.fetch): Promise<string> {
    const args = parseAdoptArgs(argv);
    const clientId = env.AUTH0_CLIENT_ID;
    const clientSecret = env.AUTH0_CLIENT_SECRET;
    if (!clientId || !clientSecret) {
        throw new UsageError(`set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET to an M2M application with ${SCOPES_BY_MODE}`);
    }
    const stackFile = stackFilePath(args.stack);
    if (!fs.existsSync(stackFile)) throw new UsageError(`--stack ${args.stack}: no ${path.relative(process.cwd(), stackFile)}`);
    // The tenant's canonical domain names its Management API; --domain only changes where it is reached.
    const tenantDomain = stackFileConfig(args.stack)["auth0:domain"] ?? env.AUTH0_DOMAIN;
    if (!tenantDomain) throw new UsageError(`no tenant domain: set auth0:domain in Pulumi.${args.stack}.yaml or AUTH0_DOMAIN`);
    const domain = args.domain ?? tenantDomain;

    const run = await runUnderMocks({ stack: args.stack });
    const mode: ExtensibilityMode = run.outputs.extensibility === "rules" ? "rules" : "actions";
    const audience = `https://${tenantDomain}/api/v2/`;
    const management = new ManagementClient({ domain, audience, clientId, clientSecret, ...(fetch ? { fetch } : {}) });
    let tenant;
    try {
        tenant = await readTenant(management, mode);
    } catch (err) {
        throw new Error(`reading the tenant at ${domain} failed: ${whyTenantUnread(err, adoptScopes(mode), audience)}`);
    }
    const plan = await planAdoption(run, tenant, { loginClient: args.client, matches: args.matches });
    fs.writeFileSync(args.out, JSON.stringify(plan.file, null, 2) + "\n");
    return (
        `${describePlan(plan)}\n\nwrote ${args.out}: ${plan.adopted.length} to import, ${plan.file.resources.length - plan.adopted.length} components, ` +
            `${plan.missing.length + plan.notImportable.length} left for pulumi up to create.\n` +
            `next: pulumi import --stack ${args.stack} --file ${args.out} --protect=false --generate-code=false, then pulumi preview`
    );
}

/**
 * Why the Management API could not be read. Only a 403 of the Management API is about scopes; the
 * token endpoint's 403 (`{error, error_description}`: "Service not found" for an audience the
 * tenant does not have — a custom domain in auth0:domain — or an application with no grant to
 * it) is shown in Auth0's words; with no answer at all (fetch's TypeError "fetch failed", its
 * cause the socket's error: DNS, refused, TLS) the network is the problem and says so.
 */
export function whyTenantUnread(err: unknown, scopes: readonly string[], audience: string): string {
    const e = err as { statusCode?: number; body?: unknown; message?: string; cause?: { code?: string; message?: string } };
    if (e.statusCode) {
        // The Management API answers {"statusCode", "error", "message", "errorCode"}; the token endpoint {"error", "error_description"}.
        const body = e.body as { message?: unknown; error_description?: unknown } | undefined;
        if (typeof body?.error_description === "string" && e.statusCode !== 401) {
            return (
                `the token endpoint refused the application (HTTP ${e.statusCode}: ${body.error_description}); the audience asked for is ${audience}, ` +
                "the Management API of the tenant's canonical domain (auth0:domain must be <tenant>.<region>.auth0.com, not a custom domain), and the application needs a grant to it"
            );
        }
        const said = typeof body?.message === "string" ? body.message : typeof body?.error_description === "string" ? body.error_description : (e.message ?? "").split("\n")[0];
        const answer = `HTTP ${e.statusCode}${said ? ` (${said})` : ""}`;
        if (e.statusCode === 403) return `${answer}; the application needs ${scopes.join(" ")}`;
        if (e.statusCode === 401) return `${answer}; the tenant refused AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET`;
        return answer;
    }
    return `no answer from the tenant: ${e.cause?.message ?? e.cause?.code ?? e.message ?? String(err)}`;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<readonly string[]> = {
    name: "adopt",
    usage: USAGE,
    // Checked here so unusable arguments get the usage; adopt() parses them again.
    parse: (argv) => (parseAdoptArgs(argv), argv),
    run: async (argv) => console.log(await adopt(argv, process.env)),
};

