/**
 * `pulumi preview` and `pulumi up` of one stack, offline: the CLI's configuration checks, the
 * program run by the language host's entry point against the engine double, the plan, and the
 * policy pack — with nothing half-computed returned when any of them refuses.
 */
import * as path from "path";
import { ROOT } from "../../tools/repository";
import { ExtensibilityMode } from "../../infra/loginContract";
import { stackFilesDir } from "../../tools/stack/stackFiles";
import { CliConfigError, MergedConfig, Project, StackFile, UndecryptedValue, loadProject, mergeStackConfig, readStackFile } from "./cliConfig";
import { applyDeletes, DataSourceAnswers, Deployment, Diagnostic, StateResource, Step, Violation } from "./deployment";
import { ProgramRunRequest, ProgramRunResult, runLanguageHost } from "./languageHost";
import { MonitorHandlers, serveEngine } from "./monitor";
import { PolicyFinding, runPolicyPack } from "./policyHost";
import { Auth0ProviderDouble } from "./providers/auth0";
import { CommandRunner, shellRunner } from "./providers/command";
import { refresh } from "./refresh";
import { Props, Secret } from "./wire";

export { ROOT };

/** Where the double keeps ts-node's compile cache between runs (a user may set it too). */
export const COMPILE_CACHE = path.join(ROOT, "node_modules", ".cache", "engine-double");
/** The same caches for the program and the pack: both are compiled by the SDK's ts-node 7.0.1. */
export const COMPILE_CACHES = { TS_NODE_CACHE_DIRECTORY: COMPILE_CACHE, NODE_COMPILE_CACHE: path.join(COMPILE_CACHE, "v8") };

/** Credentials the double hands the provider when the environment has none (never sent anywhere). */
export const DOUBLE_DEPLOYER = { AUTH0_CLIENT_ID: "engine-double-deployer", AUTH0_CLIENT_SECRET: "engine-double-deployer-secret-not-real" };

/** The Authorization Extension's API as a tenant with the extension's API access on reports it. */
export const INSTALLED_AUTHZ_EXTENSION: DataSourceAnswers = { authzExtensionApiScopes: ["read:users", "read:groups", "read:roles"] };

/**
 * The settings (`pulumi config set`) that put a stack in a mode: rules call the Management API
 * for app_metadata and need the end-of-life acknowledgment to deploy.
 */
export function modeSettings(mode: ExtensibilityMode): Record<string, unknown> {
    return mode === "rules"
        ? { extensibility: "rules", rulesEndOfLifeAcknowledged: true, managementApiScopes: ["update:users_app_metadata"] }
        : { extensibility: mode, managementApiScopes: [] };
}

export interface OperationRequest {
    readonly stack: string;
    /** The stack file's config; default: `Pulumi.<stack>.yaml` of `stackDir`. */
    readonly stackFile?: StackFile;
    /** Where `Pulumi.<stack>.yaml` is read from; default: stackFilesDir() (the repository, or TENANT_STACK_FILES). */
    readonly stackDir?: string;
    /** `pulumi config set` done before the operation: key (project keys may omit the prefix) → value. */
    readonly set?: Readonly<Record<string, unknown>>;
    readonly dryRun: boolean;
    readonly prior?: readonly StateResource[];
    readonly tenant?: DataSourceAnswers;
    /** Run the policy pack in this directory, as `--policy-pack <dir>`. */
    readonly policyPack?: string;
    readonly root?: string;
    /**
     * Called with the state the program's run leaves, before the policy pack runs (the pack
     * changes no state), so a caller can start the next operation from it meanwhile.
     */
    readonly onState?: (state: readonly StateResource[]) => void;
    /**
     * The provider double against the local tenant, with the deployer's scopes: an update applies
     * through it, and `refresh` reads through it.
     */
    readonly provider?: Auth0ProviderDouble;
    /**
     * Runs each `command:local:Command` an update creates, updates or deletes (the verification).
     * Default: with a provider double, for real in a child process (./providers/command.ts
     * shellRunner, with this process's environment); without one, nothing runs. A caller whose
     * tenant is not served over HTTPS (an in-process Management API) passes its own.
     */
    readonly commands?: CommandRunner;
    /** `--refresh`: read every resource first and diff against what the tenant holds. */
    readonly refresh?: boolean;
    /** The scheduling priority (`nice`) of the program's and the pack's processes; default: the caller's. */
    readonly priority?: number;
    /**
     * Runs the program against the engine's handlers; default: the language host's (runLanguageHost).
     * The drift lab passes one that records a run, or replays a recorded one (local/sim/driftLab.ts).
     */
    readonly program?: (req: ProgramRunRequest, handlers: MonitorHandlers) => Promise<ProgramRunResult>;
}

export type OperationResult =
    | { readonly ok: false; readonly stage: "config"; readonly error: string }
    | {
          readonly ok: boolean;
          readonly stage: "program" | "plan";
          /** The host's error when the program failed. */
          readonly error?: string;
          readonly steps: readonly Step[];
          readonly violations: readonly Violation[];
          readonly diagnostics: readonly Diagnostic[];
          readonly policy: readonly PolicyFinding[];
          /** The state an update leaves (for a preview: what it would). */
          readonly state: readonly StateResource[];
          readonly outputs: Props;
          readonly stderr: string;
          /** `secure:` values the double carried without their plaintext, and why. */
          readonly undecrypted: readonly UndecryptedValue[];
          /**
           * The keys of `secure:` values the double decrypted: their plaintext is in what the
           * operation returns (the default provider's inputs hold `auth0:clientSecret` as a Secret).
           */
          readonly decrypted: readonly string[];
          /** URNs a refresh found changed or gone in the tenant (refresh steps: not counted by --expect-no-changes). */
          readonly refreshed: readonly string[];
      };

/** Applies `set` to a stack file's config, as `pulumi config set [--path]` would write it. */
export function withSettings(project: Project, file: StackFile, set: Readonly<Record<string, unknown>> = {}): StackFile {
    const config: Record<string, unknown> = { ...file.config };
    for (const [k, v] of Object.entries(set)) {
        const key = k.includes(":") ? k : `${project.name}:${k}`;
        if (v === undefined) delete config[key];
        else config[key] = v;
    }
    return { ...file, config };
}

export async function operate(req: OperationRequest): Promise<OperationResult> {
    const root = req.root ?? ROOT;
    let project: Project;
    let merged: MergedConfig;
    try {
        project = loadProject(root);
        const file = withSettings(project, req.stackFile ?? readStackFile(req.stackDir ?? stackFilesDir(), req.stack), req.set);
        merged = mergeStackConfig(project, req.stack, file);
    } catch (err) {
        if (err instanceof CliConfigError) return { ok: false, stage: "config", error: err.message };
        throw err;
    }
    const providerConfig: Record<string, Props> = {};
    for (const [key, value] of Object.entries(merged.config)) {
        const [ns, name] = key.split(":");
        if (ns === project.name) continue;
        (providerConfig[ns] ??= {})[name] = merged.secretKeys.includes(key) ? new Secret(value) : value;
    }
    let prior = req.prior ?? [];
    let refreshed: string[] = [];
    if (req.refresh) {
        if (!req.provider) throw new Error("engine double: --refresh needs the provider double (OperationRequest.provider)");
        ({ state: prior, changed: refreshed } = await refresh(prior, req.provider));
    }
    const deployment = new Deployment({
        project: project.name,
        stack: req.stack,
        dryRun: req.dryRun,
        prior,
        provider: req.provider,
        commands: req.commands ?? (req.provider ? shellRunner() : undefined),
        programDir: path.resolve(root, project.main ?? "."),
        tenant: req.tenant ?? INSTALLED_AUTHZ_EXTENSION,
        providerConfig,
    });
    const env: Record<string, string> = { ...COMPILE_CACHES };
    if (!process.env.AUTH0_CLIENT_ID && !process.env.AUTH0_API_TOKEN) Object.assign(env, DOUBLE_DEPLOYER);
    const run = await (req.program ?? runLanguageHost)(
        {
            root,
            main: project.main,
            options: project.runtime.options,
            project: project.name,
            stack: req.stack,
            config: merged.config,
            configSecretKeys: merged.secretKeys,
            dryRun: req.dryRun,
            env,
            priority: req.priority,
        },
        deployment,
    );
    // A cancelled update (a step failed) applies no deletes and keeps the prior copies of what it did not reach.
    const succeeded = !run.error && !run.bail && !deployment.cancelled;
    const state = deployment.finish(succeeded);
    if (succeeded && !req.dryRun) await applyDeletes(deployment, prior);
    if (succeeded) req.onState?.(state);
    let policy: PolicyFinding[] = [];
    if (req.policyPack && succeeded) {
        const byUrn = new Map(state.map((r) => [r.urn, r]));
        // Default providers first: the engine registers each before its first resource.
        const analyzed = [
            ...state.filter((r) => r.type.startsWith("pulumi:providers:")),
            ...deployment.registrations.flatMap((r) => byUrn.get(r.urn) ?? []),
        ].map((resource) => ({ resource, inputs: resource.inputs }));
        const endpoint = await serveEngine(
            { project: project.name, stack: req.stack, organization: "organization", config: merged.config, configSecretKeys: merged.secretKeys, dryRun: req.dryRun, parallel: 1 },
            { register: () => Promise.reject(new Error("a policy pack registers no resources")), registerOutputs: () => undefined, invoke: () => ({}), log: (severity, message, urn) => deployment.log(severity, message, urn) },
        );
        try {
            policy = await runPolicyPack(
                { packDir: path.resolve(root, req.policyPack), project: project.name, stack: req.stack, dryRun: req.dryRun, config: merged.config, analyzed, stack_: state, env: COMPILE_CACHES, priority: req.priority },
                endpoint.address,
            );
        } finally {
            await endpoint.close();
        }
    }
    const refused = deployment.steps.some((s) => s.refused);
    const errors = deployment.diagnostics.some((d) => d.severity === "error") || deployment.violations.length > 0;
    const mandatory = policy.some((p) => p.enforcement === "mandatory");
    return {
        ok: succeeded && !refused && !errors && !mandatory,
        stage: succeeded ? "plan" : "program",
        error: run.error,
        steps: deployment.steps,
        violations: deployment.violations,
        diagnostics: deployment.diagnostics,
        policy,
        state,
        outputs: deployment.stackOutputs,
        stderr: run.stderr,
        undecrypted: merged.undecrypted,
        decrypted: merged.secretKeys.filter((key) => !merged.undecrypted.some((u) => u.key === key)),
        refreshed,
    };
}
