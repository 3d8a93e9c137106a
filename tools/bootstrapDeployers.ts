/**
 * Creates a stack's two deploying M2M applications in its tenant, with a one-off Management API
 * token, and prints the `gh secret set` commands that hand them to the pipeline's environments:
 *
 *   AUTH0_BOOTSTRAP_TOKEN=<token> npm run bootstrap -- --domain dev-abc123.us.auth0.com [--stack dev]
 *
 * - write deployer `<project>-<stack>-deployer`: runs `pulumi up` (environment `<stack>`);
 * - read-only deployer `<project>-<stack>-deployer-preview`: runs previews and drift checks
 *   (environments `<stack>-preview` and `<stack>-drift`).
 * Each is a non_interactive client with only client_credentials and client_secret_post, granted
 * the Management API with exactly the scopes of the deployer table (tools/deployerScopes.ts) for
 * the stack's extensibility mode.
 *
 * Duplicates are refused: the tenant's clients are listed first, and a deployer whose name exists
 * is reported (with how its grant differs from the table), never created again; one with no grant
 * (a run stopped between the two calls) is granted. Nothing is created while a secret file a new
 * deployer needs exists already.
 *
 * No secret reaches the terminal, the command line or the shell history: the token comes from the
 * environment; each new client secret is written to `<secrets dir>/<stack>-<role>.secret` (mode
 * 0600, in a 0700 directory git ignores), and the printed command reads it from stdin
 * (`gh secret set AUTH0_CLIENT_SECRET --env dev < file`; gh reads a secret's value from standard
 * input when no --body is given: https://cli.github.com/manual/gh_secret_set).
 */
import * as fs from "fs";
import * as path from "path";
import { BOOTSTRAP_TOKEN_SCOPES, DeployerRole, deployerScopes } from "./deployerScopes";
import { ExtensibilityMode } from "../infra/loginContract";
import { parseStackName, parseYamlInput } from "./untrustedInput";
import { hasStackFile, stackFilePath, stackNames } from "./stack/stackFiles";
import { PROJECT } from "./stack/tokens";
import { ROOT } from "./repository";
import { Command, parseStrict, UsageError } from "./cli";
import { loadPipelineTable } from "./pipelineTable";

const USAGE = `usage: AUTH0_BOOTSTRAP_TOKEN=<token> npm run bootstrap -- --domain <tenant domain>
                     [--stack <name> ...] [--extensibility actions|rules] [--secrets-dir <dir>]

Creates the write and the read-only deploying applications of each stack in the tenant, granted
the Management API with exactly the deployer table's scopes (tools/deployerScopes.ts), and prints
the gh secret set commands for the environments .github/pipeline.json gives that tenant's
deployers (<stack>, <stack>-preview and <stack>-drift by default).
Refuses to create a deployer whose name exists (a rerun creates nothing but a grant a deployer
lacks), or when a secret file it would write exists. Prints no secret.

  AUTH0_BOOTSTRAP_TOKEN   a one-off Management API token (Applications > APIs > Auth0 Management
                          API > API Explorer); never a flag. Scopes it needs:
  ${BOOTSTRAP_TOKEN_SCOPES.join(" ")}
  --domain <host>         the tenant's domain, e.g. dev-abc123.us.auth0.com
  --stack <name>          a stack deploying to it (repeatable). Default: every Pulumi.<stack>.yaml
                          whose auth0:domain is --domain
  --extensibility <mode>  the scopes of that mode. Default: the stack file's, else actions
  --secrets-dir <dir>     where each new secret is written, mode 0600. Default: .deployer-secrets
  --help                  this text
Exit 0 done (created or all present), 1 the tenant refused a call or a secret file exists,
2 bad arguments.`;

const PAGE_SIZE = 100;
const REQUEST_TIMEOUT_MS = 15_000;
const HOST_PATTERN = /^[a-z0-9.-]+(:\d+)?$/;

interface Args {
    readonly domain: string;
    readonly stacks: readonly string[];
    readonly extensibility?: ExtensibilityMode;
    readonly secretsDir: string;
    readonly token: string;
}

interface Client {
    readonly client_id: string;
    readonly name?: string;
    readonly client_secret?: string;
}

/** How a stack file names its domain and mode, when there is one. */
function stackFile(stack: string): { domain?: string; extensibility?: string } | undefined {
    if (!hasStackFile(stack)) return undefined;
    const file = stackFilePath(stack);
    const parsed = parseYamlInput(fs.readFileSync(file, "utf8"), path.basename(file), "a stack file") as { config?: Record<string, unknown> } | null;
    const config = parsed?.config ?? {};
    return { domain: config["auth0:domain"] as string | undefined, extensibility: config[`${PROJECT}:extensibility`] as string | undefined };
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, {
        domain: { type: "string" },
        stack: { type: "string", multiple: true },
        extensibility: { type: "string" },
        "secrets-dir": { type: "string" },
    });
    const domain = values.domain;
    if (!domain) throw new UsageError("--domain is required");
    if (!HOST_PATTERN.test(domain)) throw new UsageError("--domain: expected the tenant's host name in lower case, e.g. dev-abc123.us.auth0.com");
    if (values.extensibility !== undefined && !["actions", "rules"].includes(values.extensibility)) {
        throw new UsageError(`--extensibility ${values.extensibility}: expected actions or rules`);
    }
    const stacks = (values.stack ?? stackNames().filter((s) => isStackName(s) && stackFile(s)?.domain === domain)).map((s) => parseStackName(s));
    if (!stacks.length) throw new UsageError(`no Pulumi.<stack>.yaml has auth0:domain ${domain}; pass --stack <name>`);
    const token = process.env.AUTH0_BOOTSTRAP_TOKEN ?? "";
    if (!token) throw new UsageError("AUTH0_BOOTSTRAP_TOKEN is not set; expected a one-off Management API token in the environment (never on the command line)");
    return {
        domain,
        stacks,
        extensibility: values.extensibility as ExtensibilityMode | undefined,
        secretsDir: path.resolve(values["secrets-dir"] ?? path.join(ROOT, ".deployer-secrets")),
        token,
    };
}

/** Whether a file's `Pulumi.<name>.yaml` names a stack (a file such as `Pulumi.a b.yaml` is no stack's, and is passed over). */
function isStackName(name: string): boolean {
    try {
        return parseStackName(name) === name;
    } catch {
        return false;
    }
}

/** One Management API call; throws naming the call and Auth0's message (never the token). */
async function call<T>(args: Args, method: string, pathAndQuery: string, body?: unknown): Promise<T> {
    const response = await fetch(`https://${args.domain}${pathAndQuery}`, {
        method,
        headers: { authorization: `Bearer ${args.token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        redirect: "error",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const answer = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
    if (!response.ok) {
        const message = typeof answer?.message === "string" ? answer.message.slice(0, 200) : "";
        throw new Error(`${method} ${pathAndQuery.split("?")[0]} answered ${response.status}${message ? `: ${message}` : ""}`);
    }
    return answer as T;
}

async function listClients(args: Args): Promise<Client[]> {
    const clients: Client[] = [];
    for (let page = 0; ; page++) {
        const answer = await call<{ clients: Client[]; total: number }>(args, "GET", `/api/v2/clients?fields=client_id,name&include_fields=true&include_totals=true&page=${page}&per_page=${PAGE_SIZE}`);
        clients.push(...answer.clients);
        if (answer.clients.length < PAGE_SIZE || clients.length >= answer.total) return clients;
    }
}

/**
 * The GitHub environments that hold a deployer of `stack`'s tenant with `access`, as the pipeline's
 * table declares them (`.github/pipeline.json`: `credentials.tenant` and `credentials.auth0`);
 * `review` for the review tenant. A stack the table does not name yet (a laptop stack) gets the
 * conventional names.
 */
function environmentsOf(stack: string, access: "read" | "write"): string[] {
    const declared = Object.entries(loadPipelineTable().environments)
        .filter(([, env]) => env.credentials.tenant === stack && env.credentials.auth0 === access)
        .map(([name]) => name);
    if (declared.length) return declared;
    return access === "write" ? [stack] : [`${stack}-preview`, `${stack}-drift`];
}

const ROLES: readonly { role: DeployerRole; suffix: string; environments: (stack: string) => string[] }[] = [
    { role: "write", suffix: "deployer", environments: (stack) => environmentsOf(stack, "write") },
    { role: "preview", suffix: "deployer-preview", environments: (stack) => environmentsOf(stack, "read") },
];

async function run(args: Args): Promise<number> {
    const audience = `https://${args.domain}/api/v2/`;
    const existing = await listClients(args);
    const secretFile = (stack: string, role: DeployerRole) => path.join(args.secretsDir, `${stack}-${role}.secret`);
    const shown = (file: string) => path.relative(process.cwd(), file) || file;
    // Every secret file a new deployer needs must be free before anything is created: a file left
    // by an earlier run would make the write fail after the client exists, its secret lost.
    const taken = args.stacks
        .flatMap((stack) => ROLES.filter(({ suffix }) => !existing.some((c) => c.name === `${PROJECT}-${stack}-${suffix}`)).map(({ role }) => secretFile(stack, role)))
        .filter((file) => fs.existsSync(file));
    if (taken.length) {
        console.error(
            `bootstrap: ${taken.map(shown).join(", ")} exists; nothing created. It holds the secret of an earlier run's deployer: ` +
                "hand it to the pipeline (gh secret set AUTH0_CLIENT_SECRET --env <environment> < file) or discard it, remove it, then run again",
        );
        return 1;
    }
    const commands: string[] = [];
    let created = 0;
    for (const stack of args.stacks) {
        const mode = (args.extensibility ?? stackFile(stack)?.extensibility ?? "actions") as ExtensibilityMode;
        for (const { role, suffix, environments } of ROLES) {
            const name = `${PROJECT}-${stack}-${suffix}`;
            const scopes = deployerScopes(role, mode);
            const file = secretFile(stack, role);
            const same = existing.filter((c) => c.name === name);
            if (same.length) {
                const ids = same.map((c) => c.client_id);
                const grants = await call<{ client_grants: { scope?: string[] }[] }>(
                    args, "GET", `/api/v2/client-grants?client_id=${encodeURIComponent(ids[0])}&audience=${encodeURIComponent(audience)}&include_totals=true`,
                );
                const granted = grants.client_grants[0]?.scope ?? [];
                const missing = scopes.filter((s) => !granted.includes(s));
                const extra = granted.filter((s) => !scopes.includes(s));
                let grantState: string;
                if (!grants.client_grants.length && same.length === 1) {
                    // A run that stopped between creating the client and granting it: the grant is what is missing.
                    await call(args, "POST", "/api/v2/client-grants", { client_id: ids[0], audience, scope: scopes });
                    grantState = `it had no Management API grant: granted ${audience} with the ${scopes.length} ${role} scopes of ${mode} mode`;
                } else if (!grants.client_grants.length) {
                    grantState = `no Management API grant, and ${same.length} clients have this name: delete all but one in the dashboard, then run again to grant it`;
                } else if (missing.length || extra.length) {
                    grantState = `its grant differs from the table (${[missing.length ? `missing ${missing.join(" ")}` : "", extra.length ? `extra ${extra.join(" ")}` : ""].filter(Boolean).join("; ")})`;
                } else {
                    grantState = "its grant has exactly the table's scopes";
                }
                console.log(`exists  ${name} (${ids.join(", ")}): not created again; ${grantState}`);
                for (const env of environments(stack)) commands.push(`gh secret set AUTH0_CLIENT_ID --env ${env} --body ${ids[0]}`);
                commands.push(`# AUTH0_CLIENT_SECRET of ${name}: from the secret file of the run that created it (${shown(file)}), or rotate it in the dashboard`);
                continue;
            }
            const client = await call<Client>(args, "POST", "/api/v2/clients", {
                name,
                description: `Deploys stack ${stack} of ${PROJECT} (${role === "write" ? "pulumi up" : "read-only: pulumi preview, drift"}); created by npm run bootstrap`,
                app_type: "non_interactive",
                grant_types: ["client_credentials"],
                token_endpoint_auth_method: "client_secret_post",
            });
            // The secret is in the creation's answer when the token may read keys; else one read fetches it.
            const secret =
                client.client_secret ??
                (await call<Client>(args, "GET", `/api/v2/clients/${encodeURIComponent(client.client_id)}?fields=client_id,client_secret&include_fields=true`)).client_secret;
            // The secret is kept before the grant is asked for: a refused grant leaves a client a
            // rerun grants (above), with its secret in the file.
            if (secret) {
                fs.mkdirSync(args.secretsDir, { recursive: true, mode: 0o700 });
                // "wx": fails rather than overwrite a file created since the check above.
                fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
            }
            await call(args, "POST", "/api/v2/client-grants", { client_id: client.client_id, audience, scope: scopes });
            created++;
            console.log(`created ${name} (${client.client_id}): granted ${audience} with the ${scopes.length} ${role} scopes of ${mode} mode`);
            for (const env of environments(stack)) commands.push(`gh secret set AUTH0_CLIENT_ID --env ${env} --body ${client.client_id}`);
            if (!secret) {
                commands.push(`# AUTH0_CLIENT_SECRET of ${name}: the token may not read it (read:client_keys); copy it from the dashboard`);
                continue;
            }
            for (const env of environments(stack)) commands.push(`gh secret set AUTH0_CLIENT_SECRET --env ${env} < ${shown(file)}`);
        }
    }
    console.log(`\n${created} deployer${created === 1 ? "" : "s"} created. Hand them to the pipeline (each secret is read from its file, never shown):\n`);
    for (const line of commands) console.log(`  ${line}`);
    if (created) console.log(`\nThen delete the secret files: rm ${path.relative(process.cwd(), args.secretsDir) || args.secretsDir}/*.secret`);
    return 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "bootstrap", usage: USAGE, parse, run };
