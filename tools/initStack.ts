/**
 * Writes a new stack's configuration, `Pulumi.<stack>.yaml`, from what differs per tenant, and
 * checks it with the program's own validation (infra/config.ts `loadConfig`) before writing:
 *
 *   npm run init -- --stack dev --domain dev-abc123.us.auth0.com --api-base-url https://api.example.com \
 *       --authz-extension-url https://dev-abc123.us12.webtask.run/<extension id>/api
 *
 * Keys that Pulumi.yaml gives a default are written only when an option sets them: the CLI hands
 * the program a declared default as if the stack had set it (pulumi/pulumi pkg/workspace/config.go
 * mergeConfig). The deploying application's credentials are never written: they come from the
 * environment (AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET), see docs/first-deploy.md.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, ConfigSource, loadConfig } from "../infra/config";
import { LOGIN_CALLS, scopesNeeded } from "../infra/loginContract";
import { parseStackName, parseYamlInput } from "./untrustedInput";
import { stackFilePath, stackFilesDir, stackNames } from "./stack/stackFiles";
import { ROOT } from "./repository";
import { Command, parseStrict, UsageError } from "./cli";

const USAGE = `usage: npm run init -- --stack <name> --domain <tenant domain> --api-base-url <https URL>
                     (--authz-extension-url <https URL ending in /api> | --no-authz-extension)
                     [--api-identifier <URI>] [--claim-namespace <https URL/>]
                     [--login-code-order <file,file,...>] [--no-api-probe]

Writes Pulumi.<name>.yaml for a new stack, checked by the program's own validation
(infra/config.ts), beside Pulumi.yaml or in the directory TENANT_STACK_FILES names.
Never overwrites a file, never writes credentials: the deploying application's come
from AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET (docs/first-deploy.md).

  --stack <name>                 the stack's name as pulumi stack init takes it, without <org>/:
                                 letters, digits, -, _ and . (at most 100)
  --domain <host>                the tenant's domain, e.g. dev-abc123.us.auth0.com
  --api-base-url <URL>           where your API is served (the login code calls it there)
  --authz-extension-url <URL>    the Authorization Extension's API URL (ends in /api)
  --no-authz-extension           the stack does not use the extension
  --api-identifier <URI>         the API's audience. Default: urn:auth0-tenant:<stack>:api
  --claim-namespace <URL>        https, ending in /. Default: Pulumi.yaml's
  --login-code-order <list>      the actions/ files in execution order. Default: the order the
                                 repository's stack files agree on
  --no-api-probe                 apiProbeEnabled: false, for an API that is not served yet
  --help                         this text
Exit 0 written, 1 the configuration is refused (each problem names its key), 2 bad arguments.`;

export interface InitArgs {
    readonly stack: string;
    readonly domain: string;
    readonly apiBaseUrl: string;
    /** The extension's API URL, or false for --no-authz-extension. */
    readonly authzExtensionUrl: string | false;
    readonly apiIdentifier?: string;
    readonly claimNamespace?: string;
    readonly loginCodeOrder?: readonly string[];
    readonly apiProbe: boolean;
}

export function parse(argv: readonly string[]): InitArgs {
    const { values } = parseStrict(argv, {
        stack: { type: "string" },
        domain: { type: "string" },
        "api-base-url": { type: "string" },
        "authz-extension-url": { type: "string" },
        "no-authz-extension": { type: "boolean" },
        "api-identifier": { type: "string" },
        "claim-namespace": { type: "string" },
        "login-code-order": { type: "string" },
        "no-api-probe": { type: "boolean" },
    });
    for (const required of ["stack", "domain", "api-base-url"] as const) {
        if (!values[required]) throw new UsageError(`--${required} is required`);
    }
    const stack = parseStackName(values.stack!);
    const extensionUrl = values["authz-extension-url"];
    if ((extensionUrl === undefined) === !values["no-authz-extension"]) {
        throw new UsageError("expected exactly one of --authz-extension-url <URL> and --no-authz-extension");
    }
    return {
        stack,
        domain: values.domain!,
        apiBaseUrl: values["api-base-url"]!,
        authzExtensionUrl: extensionUrl ?? false,
        apiIdentifier: values["api-identifier"],
        claimNamespace: values["claim-namespace"],
        loginCodeOrder: values["login-code-order"]?.split(",").map((n) => n.trim()),
        apiProbe: !values["no-api-probe"],
    };
}

interface ProjectFile {
    readonly name: string;
    readonly config: Record<string, { default?: unknown }>;
}

function readYaml<T>(file: string, expected: string): T {
    return parseYamlInput(fs.readFileSync(file, "utf8"), path.basename(file), expected) as T;
}

/** The loginCodeOrder every stack file in `stacks` agrees on, if they agree. */
function agreedLoginCodeOrder(stacks: string, project: string): string[] | undefined {
    const orders = stackNames(stacks)
        .map((stack) => readYaml<{ config?: Record<string, unknown> } | null>(stackFilePath(stack, stacks), "a stack file")?.config?.[`${project}:loginCodeOrder`])
        .filter((o): o is string[] => Array.isArray(o));
    const distinct = [...new Set(orders.map((o) => JSON.stringify(o)))];
    return distinct.length === 1 ? (JSON.parse(distinct[0]) as string[]) : undefined;
}

/** The stack file's config for `args`: what has no default in Pulumi.yaml, and what an option sets. */
export function stackConfig(args: InitArgs, root = ROOT, stacks = stackFilesDir()): { project: string; config: Record<string, unknown> } {
    const project = readYaml<ProjectFile>(path.join(root, "Pulumi.yaml"), "the project file");
    const key = (k: string) => `${project.name}:${k}`;
    const order = args.loginCodeOrder ?? agreedLoginCodeOrder(stacks, project.name);
    const config: Record<string, unknown> = {
        "auth0:domain": args.domain,
        [key("loginCodeOrder")]: order,
        [key("apiIdentifier")]: args.apiIdentifier ?? `urn:${project.name}:${args.stack}:api`,
        [key("apiBaseUrl")]: args.apiBaseUrl,
        // The API's permissions start as the scopes the login code calls it with.
        [key("apiScopes")]: scopesNeeded("api", "actions").map((scope) => {
            const call = LOGIN_CALLS.find((c) => c.audience === "api" && c.scopes.includes(scope))!;
            return `${scope} ${call.method} ${call.path}, called by the login code`;
        }),
        // What the actions' code calls: none (Pulumi.yaml declares no default for it).
        [key("managementApiScopes")]: scopesNeeded("managementApi", "actions"),
        [key("authzExtensionEnabled")]: args.authzExtensionUrl !== false,
    };
    if (args.authzExtensionUrl !== false) config[key("authzExtensionUrl")] = args.authzExtensionUrl;
    if (args.claimNamespace !== undefined) config[key("claimNamespace")] = args.claimNamespace;
    if (!args.apiProbe) config[key("apiProbeEnabled")] = false;
    if (order === undefined) delete config[key("loginCodeOrder")];
    // The CLI refuses a stack that leaves a declared key without a default unset
    // (pulumi/pulumi pkg/workspace/config.go mergeConfig): a key added to Pulumi.yaml that way
    // must be added here too.
    const unset = Object.entries(project.config).filter(([k, d]) => d.default === undefined && !(key(k) in config) && k !== "loginCodeOrder");
    if (unset.length) throw new Error(`Pulumi.yaml declares ${unset.map(([k]) => k).join(", ")} without a default, and init does not know a value`);
    return { project: project.name, config };
}

/**
 * Runs the program's validation over `config` as the CLI would hand it over: Pulumi.yaml's
 * defaults under the stack's values, every value as its text (JSON for lists).
 */
export function validate(stack: string, project: string, config: Record<string, unknown>, root = ROOT): void {
    const declared = readYaml<ProjectFile>(path.join(root, "Pulumi.yaml"), "the project file").config;
    const values: Record<string, string> = {};
    for (const [k, d] of Object.entries(declared)) if (d.default !== undefined) values[`${project}:${k}`] = text(d.default);
    for (const [k, v] of Object.entries(config)) values[k] = text(v);
    const source: ConfigSource = {
        project,
        stack,
        get: (namespace, k) => values[`${namespace}:${k}`],
        keys: () => Object.keys(values),
        // The credentials are the environment's business at deploy time, not the file's: stand-ins
        // keep loadConfig's "no credentials" refusal out of a check of the file.
        env: { AUTH0_CLIENT_ID: "checked-at-deploy", AUTH0_CLIENT_SECRET: "checked-at-deploy" },
        rootDir: root,
    };
    loadConfig(source);
}

function text(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

const HEADER = (stack: string) => `# Stack ${stack}, written by npm run init. Plain values only: the deploying application's
# credentials are not kept here but in the environment, AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET
# (a stack file's auth0:clientId / auth0:clientSecret would win over them; docs/first-deploy.md).
`;

export function run(args: InitArgs, root = ROOT, stacks = stackFilesDir()): number {
    const file = stackFilePath(args.stack, stacks);
    if (fs.existsSync(file)) {
        console.error(`init: ${path.basename(file)} exists; not overwritten (edit it, or remove it first)`);
        return 1;
    }
    const { project, config } = stackConfig(args, root, stacks);
    try {
        validate(args.stack, project, config, root);
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const hint = config[`${project}:loginCodeOrder`] === undefined ? "\n(the stack files disagree on loginCodeOrder, or there are none: pass --login-code-order)" : "";
        console.error(`init: Pulumi.${args.stack}.yaml not written, ${err.message}${hint}`);
        return 1;
    }
    // "wx": fails rather than overwrite a file created since the check above.
    fs.writeFileSync(file, HEADER(args.stack) + yaml.dump({ config }, { lineWidth: -1 }), { flag: "wx" });
    console.log(`init: wrote ${path.basename(file)}; next: pulumi stack init ${args.stack} (or <org>/${args.stack}), then npm run preview -- --stack ${args.stack} --from-empty`);
    return 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<InitArgs> = { name: "init", usage: USAGE, parse, run: (args) => run(args) };
