/**
 * What `pulumi preview --diff --policy-pack policy` would show for a stack, offline, from a model:
 * the engine double in local/engine (the CLI's config checks, the program run by the SDK's own
 * cmd/run, the installed providers' schemas, the providers' ForceNew and validation facts, the
 * engine's step rules, the policy pack over the Analyzer protocol). The prior state is that
 * stack's file as committed (HEAD), deployed by the double; the plan is the working copy plus
 * any --set, as a pull request's preview would show it against main. With --from-empty there is
 * no prior state: the plan of a stack's first `pulumi up`, every resource a create.
 *
 *   npm run preview -- --stack prod [--set key=value ...] [--from-empty] [--no-policy]
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { StackFile, parseStackFile } from "./cliConfig";
import { Step } from "./deployment";
import { OperationResult, ROOT, operate } from "./operation";
import { STACK_FILES_HELP, hasStackFile, stackFilePath, stackFilesDir } from "../../tools/stack/stackFiles";
import { show } from "./wire";
import { parseJsonInput, parseStackName, refuseReservedKey } from "../../tools/untrustedInput";
import { Command, parseStrict, UsageError } from "../../tools/cli";
import { loadPipelineTable, stackNames } from "../../tools/pipelineTable";

const USAGE = `usage: npm run preview -- --stack <name> [--set <key>=<value> ...] [--from-empty] [--no-policy]

Prints what \`pulumi preview --diff --policy-pack policy\` would show for the stack, from a model
(local/engine: the Pulumi CLI's config checks, the language host's run, the providers' schemas
and ForceNew facts, the engine's step rules, the policy pack). Exits 1 where the CLI or the
engine would refuse, or where the stack file of a long-lived stack (.github/pipeline.json)
carries the deployer's credentials (auth0:clientId, auth0:clientSecret, auth0:apiToken).

  --stack <name>        a Pulumi.<name>.yaml in the repository, e.g. dev or prod
  --set <key>=<value>   as pulumi config set before the preview; JSON for lists, e.g.
                        --set secretGeneration=2 --set 'apiScopes=["read:entitlements Read"]'
  --from-empty          the plan of the stack's first pulumi up: from an empty state, not from
                        the committed stack file's deploy
  --no-policy           skip the policy pack
  --help                this text
${STACK_FILES_HELP}
Exit 0 the preview succeeds, 1 the CLI or the engine would refuse or a long-lived stack's file
carries the deployer's credentials, 2 bad arguments.`;

interface Args {
    readonly stack: string;
    readonly set: Record<string, unknown>;
    readonly policy: boolean;
    readonly fromEmpty: boolean;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, {
        stack: { type: "string" },
        set: { type: "string", multiple: true },
        "no-policy": { type: "boolean" },
        "from-empty": { type: "boolean" },
    });
    if (!values.stack) throw new UsageError("--stack is required");
    const stack = parseStackName(values.stack);
    if (!hasStackFile(stack)) throw new UsageError(`--stack ${stack}: no Pulumi.${stack}.yaml in ${stackFilesDir()}`);
    const set: Record<string, unknown> = {};
    for (const [i, kv] of (values.set ?? []).entries()) {
        const at = kv.indexOf("=");
        // The argument is not echoed: a value may be a secret.
        if (at <= 0) throw new UsageError(`--set number ${i + 1}: expected <key>=<value>`);
        const key = refuseReservedKey(kv.slice(0, at), `--set ${kv.slice(0, at)}`);
        const raw = kv.slice(at + 1);
        set[key] = /^[[{]/.test(raw) ? parseJsonInput(raw, `--set ${key}`, "a JSON list or object (the value starts with [ or {)") : raw;
    }
    return { stack, set, policy: !values["no-policy"], fromEmpty: values["from-empty"] ?? false };
}

/** The stack file as committed, or the working copy when it is not in git yet (or not the repository's). */
function committedStackFile(stack: string): StackFile {
    let text: string;
    try {
        if (stackFilesDir() !== ROOT) throw new Error("stack files outside the repository have no committed version");
        text = execFileSync("git", ["show", `HEAD:Pulumi.${stack}.yaml`], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
        text = fs.readFileSync(stackFilePath(stack), "utf8");
    }
    return parseStackFile(text, `Pulumi.${stack}.yaml`);
}

/**
 * The deploying application's credentials belong in the environment (AUTH0_CLIENT_ID /
 * AUTH0_CLIENT_SECRET), where each CI job puts its own deployer's. A stack file that carries
 * them silently wins: terraform-provider-auth0 v1.53.0 internal/provider/provider.go 69 and 77
 * read `client_id` / `client_secret` from the provider config before the environment, and
 * internal/config/config.go 157-160 lets an API token (auth0:apiToken, AUTH0_API_TOKEN) override
 * both. Checked here rather than in the program: this command reads the stack file itself, so it
 * can say the file carries them (the program sees merged config and cannot tell the file from
 * `--config`), and CI runs it on every long-lived stack before any Pulumi call (pull-request.yml
 * and deploy.yml preview each stack of .github/pipeline.json). On those stacks it is an error, so
 * that run fails; on any other stack (a laptop's own) a warning, since its deployer is whoever
 * runs it.
 */
export function credentialCheck(stack: string, file: StackFile, longLivedStacks: readonly string[]): { error: boolean; line: string } | undefined {
    const carried = ["auth0:clientId", "auth0:clientSecret", "auth0:apiToken"].filter((k) => k in file.config);
    if (!carried.length) return undefined;
    const error = longLivedStacks.includes(stack);
    const them = carried.length === 1 ? "it" : "them";
    const remove = carried.length === 1 ? `pulumi config rm ${carried[0]}` : `pulumi config rm-all ${carried.join(" ")}`;
    return {
        error,
        line:
            `${error ? "error" : "warning"}: Pulumi.${stack}.yaml sets ${carried.join(", ")}, which the provider takes over AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET ` +
            "(terraform-provider-auth0 internal/provider/provider.go:69,77; an API token overrides both, internal/config/config.go:157-160), " +
            `so the deployer CI puts in the environment is ignored` +
            (error ? `; ${stack} is a long-lived stack (.github/pipeline.json), which CI deploys with its environment's deployer` : "") +
            `; remove ${them} (${remove}) and export the variables instead`,
    };
}

const SYMBOL: Record<Step["op"], string> = { same: "   ", create: " + ", update: " ~ ", replace: "+- ", delete: " - " };

export function render(stack: string, result: OperationResult, fromEmpty = false): { text: string; ok: boolean } {
    const from = fromEmpty ? " from an empty state (a first deploy)" : "";
    const lines = [`Previewing update (${stack})${from} — a model of pulumi preview (local/engine, see docs/engine-double.md), not the Pulumi CLI`, ""];
    if (result.stage === "config") return { text: [...lines, `error: ${result.error}`].join("\n"), ok: false };
    const steps = result.steps.filter((s) => s.op !== "same" && !s.replaced);
    const width = Math.min(60, Math.max(20, ...steps.map((s) => s.type.length)));
    lines.push(`     ${"Type".padEnd(width)}  ${"Name".padEnd(36)}  Plan`);
    for (const s of steps) {
        const info = s.op === "replace" ? `  [replace: ${s.replaceReasons.join("; ")}]` : s.diffs.length ? `  [diff: ${s.diffs.map((d) => `~${d}`).join(", ")}]` : "";
        lines.push(` ${SYMBOL[s.op]} ${s.type.padEnd(width)}  ${s.name.padEnd(36)}  ${s.op}${info}`);
    }
    if (!steps.length) lines.push("     (no changes)");
    const errors = [
        ...(result.error ? [result.error] : []),
        ...result.violations.map((v) => `${v.urn}: ${v.message}`),
        ...result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message),
        ...result.policy.filter((p) => p.enforcement === "mandatory").map((p) => `[mandatory] ${p.pack} ${p.policy}: ${p.message}`),
    ];
    const advisories = result.policy.filter((p) => p.enforcement === "advisory").map((p) => `[advisory] ${p.policy}: ${p.message}`);
    if (advisories.length) lines.push("", "Policies:", ...advisories.map((a) => `    ${a}`));
    if (errors.length) lines.push("", ...errors.map((e) => `error: ${e}`));
    const count = (op: Step["op"]) => steps.filter((s) => s.op === op).length;
    lines.push(
        "",
        `Resources: + ${count("create")} to create, ~ ${count("update")} to update, +- ${count("replace")} to replace, - ${count("delete")} to delete, ` +
            `${result.steps.filter((s) => s.op === "same").length} unchanged`,
    );
    // One output a line, each in full, as the CLI prints them (pulumi/pulumi
    // pkg/backend/display/progress.go 1035-1052 at 1b59498: "Outputs:", then the properties indented).
    const outputs = Object.entries(result.outputs).filter(([, v]) => v !== undefined);
    if (result.stage === "plan" && errors.length === 0 && outputs.length) {
        lines.push("", "Outputs:", ...outputs.map(([k, v]) => `    ${k}: ${show(v)}`));
    }
    return { text: lines.join("\n"), ok: result.ok };
}

async function run(args: Args): Promise<number> {
    const stackFile = parseStackFile(fs.readFileSync(stackFilePath(args.stack), "utf8"), `Pulumi.${args.stack}.yaml`);
    const credentials = credentialCheck(args.stack, stackFile, stackNames(loadPipelineTable()));
    if (credentials?.error) {
        console.error(credentials.line);
        return 1;
    }
    if (credentials) console.log(credentials.line);
    if (args.fromEmpty) {
        const result = await operate({ stack: args.stack, set: args.set, dryRun: true, prior: [], policyPack: args.policy ? "policy" : undefined });
        const { text, ok } = render(args.stack, result, true);
        console.log(text);
        return ok ? 0 : 1;
    }
    const prior = await operate({ stack: args.stack, stackFile: committedStackFile(args.stack), dryRun: false });
    if (prior.stage === "config" || !prior.ok) {
        console.log(`The committed Pulumi.${args.stack}.yaml does not deploy in the model, so there is no prior state to preview against:\n`);
        console.log(render(args.stack, prior).text);
        return 1;
    }
    const result = await operate({ stack: args.stack, set: args.set, dryRun: true, prior: prior.state, policyPack: args.policy ? "policy" : undefined });
    const { text, ok } = render(args.stack, result);
    console.log(text);
    if (result.stage !== "config" && result.undecrypted.length) {
        const keys = result.undecrypted.map((u) => `${u.key} (${u.reason})`).join(", ");
        console.log(`note: not decrypted: ${keys}; carried as an opaque secret, which is enough offline: the model never calls Auth0 with the provider's credentials`);
    }
    return ok ? 0 : 1;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "preview", usage: USAGE, parse, run };
