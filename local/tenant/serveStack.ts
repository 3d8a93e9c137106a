/**
 * `npm run tenant -- --stack dev`: the stack deployed to a local tenant (pulumi up through the
 * engine and provider doubles, local/engine/localDeploy.ts), served as an OpenID Provider on 127.0.0.1 until Ctrl-C, with a sample application page to log in from. Every login runs the
 * stack's post-login code, in the stack's order (local/tenant/openidProvider.ts). Prints the
 * issuer, the sample page, the users and the request log; never a token, secret or password.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployTenant } from "./deployedTenant";
import { LoginDirectory, UsersFileError } from "./loginDirectory";
import type { OpenIdProvider } from "./openidProvider";
import { SAMPLE_CLIENT_ID } from "./sampleApp";
import { parseStackName } from "../../tools/untrustedInput";
import { STACK_FILES_HELP, hasStackFile, stackFilesDir } from "../../tools/stack/stackFiles";
import { Command, parseStrict, UsageError } from "../../tools/cli";

const DEFAULT_PORT = 4433;
const DEFAULT_APP_PORT = 4434;

const USAGE = `usage: npm run tenant -- --stack <name> [--port <n>] [--app-port <n>] [--users <file>]
                          [--redirect-uri <url> ...]

Deploys the stack to a local tenant (pulumi up through the engine and provider doubles; kept
between runs until infra/, the login code or the stack file changes) and serves it as an OpenID
Provider on 127.0.0.1 (discovery, /authorize with PKCE, a login page, /oauth/token, JWKS,
userinfo, logout) and a sample application page that logs in and shows the decoded tokens.
Every login runs the stack's post-login code in its order. Runs until Ctrl-C. Prints no token,
secret or password.

  --stack <name>        a Pulumi.<name>.yaml in the repository, e.g. dev or prod
  --port <n>            the issuer's port (default ${DEFAULT_PORT}; 0: any free port)
  --app-port <n>        the sample application's port (default ${DEFAULT_APP_PORT}; 0: any free port)
  --users <file>        more users, JSON: { "users": [ { "email", "password", "email_verified",
                        "user_id", "groups", "entitlements", "app_metadata" } ] }
                        (docs/local-login.md)
  --redirect-uri <url>  also accept this redirect URI for client_id ${SAMPLE_CLIENT_ID} (your app)
  --help                this text
${STACK_FILES_HELP}
Exit 0 after Ctrl-C, 1 a failure while serving, 2 bad arguments or a bad users file.`;

interface Args {
    readonly stack: string;
    readonly port: number;
    readonly appPort: number;
    readonly directory: LoginDirectory;
    readonly redirectUris: readonly string[];
}

function port(value: string | undefined, option: string, fallback: number): number {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${option} ${value}: expected a port number, 0 to 65535`);
    return Number(value);
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, {
        stack: { type: "string" },
        port: { type: "string" },
        "app-port": { type: "string" },
        users: { type: "string" },
        "redirect-uri": { type: "string", multiple: true },
    });
    if (!values.stack) throw new UsageError("--stack is required: the name of a Pulumi.<name>.yaml, e.g. --stack dev");
    const stack = parseStackName(values.stack);
    if (!hasStackFile(stack)) {
        throw new UsageError(`--stack ${stack}: no Pulumi.${stack}.yaml in ${stackFilesDir()}; expected the name of a stack file, e.g. dev or prod`);
    }
    const redirectUris = (values["redirect-uri"] ?? []).map((uri) => {
        const parsed = URL.parse(uri);
        if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.hash) {
            throw new UsageError(`--redirect-uri ${uri}: expected an absolute http(s) URL without a fragment, e.g. http://127.0.0.1:3000/callback`);
        }
        return uri;
    });
    let directory: LoginDirectory;
    try {
        directory = LoginDirectory.load(values.users);
    } catch (err) {
        if (err instanceof UsersFileError) throw new UsageError(`--users ${err.message}`);
        throw err;
    }
    return {
        stack: values.stack,
        port: port(values.port, "--port", DEFAULT_PORT),
        appPort: port(values["app-port"], "--app-port", DEFAULT_APP_PORT),
        directory,
        redirectUris,
    };
}

const out = (line = "") => process.stdout.write(`${line}\n`);

/** GET discovery as a client would, trusting this run's CA: "ready" is said once it answers. */
async function discoveryAnswers(issuer: string, ca: string): Promise<void> {
    const { Agent } = await import("undici");
    const agent = new Agent({ connect: { ca } });
    try {
        const response = await fetch(new URL(".well-known/openid-configuration", issuer), { dispatcher: agent });
        const discovery = (await response.json()) as { issuer?: unknown };
        if (!response.ok || discovery.issuer !== issuer) throw new Error(`discovery at ${issuer} answered ${response.status}`);
    } finally {
        await agent.close();
    }
}

async function serve(args: Args): Promise<number> {
    const steps: string[] = [`modules ${Math.round(performance.now())}`];
    // Request lines from before the header (the check of discovery) are printed under it.
    const early: string[] = [];
    let printing = false;
    const log = (line: string) => (printing ? out(`  ${line}`) : early.push(`  ${line}`));
    const startup = (step: string) => steps.push(`${step} ${Math.round(performance.now())}`);
    // The deploy runs the program in a process of its own, started first, while this one loads
    // the provider (required only now, for that) and makes its keys.
    const deploying = deployTenant({ stack: args.stack }, { directory: args.directory.directory });
    deploying.catch(() => undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OpenIdProvider } = require("./openidProvider") as typeof import("./openidProvider");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { testTls } = require("./tls") as typeof import("./tls");
    let op: OpenIdProvider;
    try {
        op = await OpenIdProvider.start({
            deployed: deploying,
            directory: args.directory,
            port: args.port,
            appPort: args.appPort,
            redirectUris: args.redirectUris,
            log,
            startup,
        });
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UsageError(`a port is in use (--port ${args.port}, --app-port ${args.appPort}); choose others, or 0 for any free one`);
        throw err;
    }
    const deployed = await deploying;
    const ca = (await testTls()).cert;
    await discoveryAnswers(op.issuer, ca);
    startup("discovery answered");
    const caDir = mkdtempSync(join(tmpdir(), "local-tenant-"));
    const caFile = join(caDir, "local-ca.pem");
    writeFileSync(caFile, ca);
    const sampleUsers = args.directory.sampleEmails.join(", ");
    const fileUsers = args.directory.emails.filter((e) => !args.directory.sampleEmails.includes(e));
    out(`Local tenant for stack ${args.stack} (${deployed.mode} mode) on 127.0.0.1. Ctrl-C stops it.`);
    out(`  issuer           ${op.issuer}`);
    out(`  discovery        ${op.issuer}.well-known/openid-configuration`);
    out(`  sample app       ${op.appUrl}  (client_id ${SAMPLE_CLIENT_ID}: public, PKCE; audience ${deployed.model.customApi})`);
    out(`  post-login code  ${op.loginFiles.join(" -> ")}`);
    out(`  CA certificate   ${caFile}  (this run's throwaway CA; NODE_EXTRA_CA_CERTS for node clients)`);
    out(`  users            ${sampleUsers} (the sample password is on the login page)`);
    if (fileUsers.length > 0) out(`                   ${fileUsers.join(", ")} (from the users file, with their own passwords)`);
    out(`How to log in: open ${op.appUrl} in a browser, accept the warning for ${op.issuer} (or trust the CA),`);
    out(`click "Log in" and sign in as one of the users. Request log:`);
    early.forEach((line) => out(line));
    printing = true;
    out(`startup (ms since the process started): ${steps.join(", ")}`);
    out(`ready in ${Math.round(performance.now())} ms`);

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGINT", () => resolve("SIGINT"));
        process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    out(`${signal}: stopping`);
    await op.stop();
    rmSync(caDir, { recursive: true, force: true });
    out("stopped: every server closed");
    return 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "tenant", usage: USAGE, parse, run: serve };
