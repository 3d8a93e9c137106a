/**
 * One `pulumi preview` or `pulumi up` of a stack, as the engine carries it out: every registration
 * the program makes is checked against what the provider accepts, diffed against the prior state,
 * and turned into a step — same, create, update, replace, delete — with `protect`,
 * `replaceOnChanges`, `ignoreChanges` and `retainOnDelete` applied and the deletes issued last.
 * Sources, pulumi/pulumi at 1b5949891b:
 *
 * - URNs: sdk/go/common/resource/urn/urn.go `New`, 80-93 (the parent's qualified type, `$`, the
 *   type; the stack's own type is left out);
 * - default providers: pkg/resource/deploy/providers/provider.go `DefaultName`, 107-130
 *   (`pulumi:providers:<pkg>::default_<major>_<minor>_<patch>`);
 * - the step of a registration: pkg/resource/deploy/step_generator.go — replaceOnChanges applied
 *   to the diff (applyReplaceOnChanges, 1948), a replacement of a resource protected before and
 *   after refused with "unable to replace resource ... as it is currently marked for protection"
 *   (1950-1970; in preview the error is shown and the preview continues, in an update the engine
 *   bails before creating the replacement);
 * - the order of a replacement: step_generator.go 2031-2166 — create-before-delete unless the
 *   provider's Diff answers delete-before-replace (for auth0, the bridge: ./providerFacts.ts
 *   `autonamedName`), and the `deleteBeforeReplace` option, when the program sets it, overrides
 *   that answer either way (2043-2046). Delete-before-replace first deletes every dependent the
 *   replacement would replace (calculateDependentReplacements, 3268-3415: a dependent whose input
 *   depends on a replaced resource, diffed with that input unknown, replaces), dependents first,
 *   refusing a protected one (2105-2118), then the resource, then creates it; a dependent deleted
 *   that way is re-created when it registers, whatever its diff (1851-1863);
 * - deletes: pkg/resource/deploy/step.go `DeleteStep.Apply`, 641-650 — a protected resource is
 *   refused even in preview (`deleteProtectedError`, 614-624); resources are deleted only when the
 *   program ran to completion, after every create and update, dependents before what they depend
 *   on, replaced resources' old copies among them (create-before-delete);
 * - outputs during a preview: a created or replaced resource's computed outputs are unknown;
 *   `additionalSecretOutputs` makes those outputs secret (source_eval.go RegisterResource).
 *
 * What a property change means for each type comes from the providers (./providerFacts.ts), what
 * a property may hold from the installed packages (./schema.ts).
 */
import { AUTHZ_EXTENSION_AUDIENCE } from "../../infra/loginContract";
import * as crypto from "crypto";
import { MonitorHandlers, MonitorShutDown, RegisterResult, Registration, Severity } from "./monitor";
import { PROVIDER_FACTS, TypeFacts, Validation } from "./providerFacts";
import { Auth0ProviderDouble } from "./providers/auth0";
import { CommandRunner, commandRunOf } from "./providers/command";
import { SchemaError, checkProps, schemaOf } from "./schema";
import { Props, Secret, UNKNOWN, Value, containsUnknown, reveal, sameValue } from "./wire";
import { DATA_SOURCE_TYPES, RESOURCE_TYPES } from "../../infra/resourceTypes";

const STACK_TYPE = "pulumi:pulumi:Stack";

/** A resource as the state file keeps it after an update. */
export interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string;
    readonly custom: boolean;
    readonly id?: string;
    readonly inputs: Props;
    readonly outputs: Props;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly dependencies: readonly string[];
    readonly provider?: string;
    /** Registration options the policy pack sees. */
    readonly additionalSecretOutputs: readonly string[];
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    readonly deleteBeforeReplace: boolean;
    /** The resources each input's value came from (the registration's propertyDependencies). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export type StepOp = "same" | "create" | "update" | "replace" | "delete";

export interface Step {
    readonly op: StepOp;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Changed input properties (update, replace). */
    readonly diffs: readonly string[];
    /** The properties that forced a replacement, each with the fact behind it. */
    readonly replaceReasons: readonly string[];
    /** Why the engine refuses this step, in its words. */
    readonly refused?: string;
    /** URNs this step waits for (its dependencies and parent). */
    readonly dependsOn: readonly string[];
    /** True for a delete of a replaced resource's old copy, or a delete kept in Auth0 by retainOnDelete. */
    readonly replaced?: boolean;
    readonly retained?: boolean;
    /** True for a delete issued before the replacement's create (delete-before-replace). */
    readonly deleteBeforeReplace?: boolean;
    /** Position in the order the engine issues steps. */
    readonly index: number;
}

export interface Diagnostic {
    readonly severity: Severity;
    readonly message: string;
    readonly urn: string;
}

/** What the tenant answers to the data sources the program reads. */
export interface DataSourceAnswers {
    /** Scopes of the Authorization Extension's API, or absent when its API access is off. */
    readonly authzExtensionApiScopes?: readonly string[];
}

export interface DeploymentOptions {
    readonly project: string;
    readonly stack: string;
    readonly dryRun: boolean;
    /** The state before this operation (empty for a new stack). */
    readonly prior: readonly StateResource[];
    readonly tenant: DataSourceAnswers;
    /** Provider configuration by package (`auth0` → {domain, ...}), from the stack's config. */
    readonly providerConfig: Readonly<Record<string, Props>>;
    /**
     * When set, an update (not a preview) carries out each create, update and delete through the
     * provider double against the local tenant instead of making outputs up.
     */
    readonly provider?: Auth0ProviderDouble;
    /**
     * When set, an update (not a preview) runs each `command:local:Command`'s create, update and
     * delete through it, as pulumi-command does (./providers/command.ts); its stdout and stderr
     * become the Command's outputs, and a failure fails the step.
     */
    readonly commands?: CommandRunner;
    /** The program's directory, where the Command provider runs: a relative `dir` starts there. Default: the current directory. */
    readonly programDir?: string;
}

/** A check failure: what the provider's Check would return, or a schema violation. */
export interface Violation {
    readonly urn: string;
    readonly type: string;
    readonly message: string;
}

export class Deployment implements MonitorHandlers {
    readonly steps: Step[] = [];
    readonly diagnostics: Diagnostic[] = [];
    readonly violations: Violation[] = [];
    /** The registrations, in the order the engine received them. */
    readonly registrations: Array<Registration & { urn: string }> = [];
    readonly stackOutputs: Props = {};
    private readonly state = new Map<string, StateResource>();
    private readonly prior: Map<string, StateResource>;
    private readonly qualifiedTypes = new Map<string, string>();
    private readonly providers = new Map<string, string>();
    /** Old copies deleted before their replacement's create: never deleted again at the end. */
    private readonly deletedBeforeReplace = new Set<string>();
    private generation = 0;

    constructor(private readonly opts: DeploymentOptions) {
        this.prior = new Map(opts.prior.map((r) => [r.urn, r]));
        // Every creation gets a number no earlier operation used, so stand-in ids and generated
        // values (a RandomPassword's result) are new on every replacement, as they are for real.
        this.generation = Math.max(0, ...opts.prior.map((r) => Number(/-(\d+)$/.exec(r.id ?? "")?.[1] ?? 0)));
    }

    private urnOf(type: string, name: string, parent: string): string {
        const parentType = parent ? this.qualifiedTypes.get(parent) : undefined;
        const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
        const urn = `urn:pulumi:${this.opts.stack}::${this.opts.project}::${qualified}::${name}`;
        this.qualifiedTypes.set(urn, qualified);
        return urn;
    }

    private step(step: Omit<Step, "index">): void {
        this.steps.push({ ...step, index: this.steps.length });
    }

    /** The default provider of a package, registered (and planned) the first time it is needed. */
    private defaultProvider(type: string, version: string): string {
        const pkg = type.split(":")[0];
        const key = `${pkg}@${version}`;
        const existing = this.providers.get(key);
        if (existing) return existing;
        const name = version ? `default_${version.split(/[.+-]/).slice(0, 3).join("_")}` : "default";
        const providerType = `pulumi:providers:${pkg}`;
        const urn = `urn:pulumi:${this.opts.stack}::${this.opts.project}::${providerType}::${name}`;
        this.providers.set(key, urn);
        const inputs: Props = { ...(this.opts.providerConfig[pkg] ?? {}), version };
        const old = this.prior.get(urn);
        const diffs = old ? changedKeys(old.inputs, inputs) : [];
        this.step({ op: !old ? "create" : diffs.length ? "update" : "same", urn, type: providerType, name, diffs, replaceReasons: [], dependsOn: [] });
        this.state.set(urn, {
            urn, type: providerType, name, parent: "", custom: true, id: old?.id ?? (this.opts.dryRun ? undefined : `${name}-provider`),
            inputs, outputs: inputs, protect: false, retainOnDelete: false, dependencies: [], additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false,
        });
        return urn;
    }

    /** Whether a step failed in this update, cancelling the deployment (see `failStep`). */
    get cancelled(): boolean {
        return this.stepFailed;
    }
    private stepFailed = false;

    register(req: Registration): Promise<RegisterResult> {
        if (this.stepFailed) return Promise.reject(new MonitorShutDown("resource monitor shut down while sending resource registration"));
        try {
            return this.registerNow(req);
        } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
    }

    private registerNow(req: Registration): Promise<RegisterResult> {
        const urn = this.urnOf(req.type, req.name, req.parent);
        if (this.state.has(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
        this.registrations.push({ ...req, urn });
        const dependsOn = [...new Set([...req.dependencies, ...Object.values(req.propertyDependencies).flat(), ...(req.parent ? [req.parent] : [])])];
        const protect = req.protect ?? false;
        const old = this.prior.get(urn);
        const base = {
            urn, type: req.type, name: req.name, parent: req.parent, custom: req.custom, protect, retainOnDelete: req.retainOnDelete ?? false,
            dependencies: dependsOn, additionalSecretOutputs: req.additionalSecretOutputs, ignoreChanges: req.ignoreChanges,
            replaceOnChanges: req.replaceOnChanges, deleteBeforeReplace: req.deleteBeforeReplace ?? false,
            propertyDependencies: req.propertyDependencies,
        };
        if (!req.custom) {
            // Components have no provider: they are created or kept, never diffed.
            this.step({ op: old ? "same" : "create", urn, type: req.type, name: req.name, diffs: [], replaceReasons: [], dependsOn });
            this.state.set(urn, { ...base, inputs: req.inputs, outputs: {} });
            return Promise.resolve({ urn, outputs: {} });
        }
        const provider = req.provider || this.defaultProvider(req.type, req.version);
        const facts = factsOf(req.type);
        this.check(urn, req.type, req.inputs, facts);

        // ignoreChanges keeps the prior value of the named properties.
        const inputs: Props = { ...req.inputs };
        if (old) for (const ignored of req.ignoreChanges) inputs[topLevel(ignored)] = old.inputs[topLevel(ignored)];

        let op: StepOp = "create";
        let diffs: string[] = [];
        const replaceReasons: string[] = [];
        let refused: string | undefined;
        let deletedFirst: StateResource[] = [];
        if (old && this.deletedBeforeReplace.has(urn)) {
            // Deleted already by a delete-before-replace it depends on: re-created whatever its diff
            // (step_generator.go 1851-1863).
            op = "replace";
            diffs = changedKeys(old.inputs, inputs, Object.keys(facts.writeOnly));
            replaceReasons.push("deleted before the replacement of what it depends on (delete-before-replace)");
        } else if (old) {
            diffs = changedKeys(old.inputs, inputs, Object.keys(facts.writeOnly));
            for (const [property, fact] of Object.entries(facts.forceNew)) {
                if (changedPath(old.inputs, inputs, property)) replaceReasons.push(`${property} (ForceNew, ${facts.provider} ${fact.source})`);
            }
            for (const pattern of req.replaceOnChanges) {
                const property = topLevel(pattern);
                if (diffs.includes(property) && !replaceReasons.some((r) => r.startsWith(`${property} `))) replaceReasons.push(`${property} (replaceOnChanges)`);
            }
            op = replaceReasons.length ? "replace" : diffs.length ? "update" : "same";
            if (op === "replace" && protect && old.protect) {
                refused =
                    `unable to replace resource "${urn}"\nas it is currently marked for protection. To unprotect the resource, ` +
                    "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`";
            }
            if (op === "replace" && !refused) {
                // The bridge's answer (./providerFacts.ts autonamedName): the program's own name
                // makes any replacement delete-before-replace. The option overrides it either way.
                const providerAnswer = facts.autonamedName !== undefined && inputs.name !== undefined && inputs.name !== null;
                const deleteFirst = req.deleteBeforeReplace ?? providerAnswer;
                if (deleteFirst) {
                    replaceReasons.push(
                        req.deleteBeforeReplace !== undefined
                            ? "delete-before-replace: the deleteBeforeReplace option"
                            : `delete-before-replace: name is set by the program (auto-named by the bridge, ${facts.provider} ${facts.autonamedName!.source}; pulumi-terraform-bridge v3.133.0 pkg/tfbridge/schema.go nameRequiresDeleteBeforeReplace)`,
                    );
                    deletedFirst = this.deleteBeforeReplacing(old);
                }
            }
        }
        this.step({ op, urn, type: req.type, name: req.name, diffs, replaceReasons, refused, dependsOn });
        if (refused) {
            this.diagnostics.push({ severity: "error", message: refused, urn });
            // An update stops here (step_generator.go: BailErrorf); a preview carries on.
            if (!this.opts.dryRun) throw new Error(refused);
        }

        const schema = schemaOf(req.type);
        let id: string | undefined;
        let outputs: Props;
        if (op === "same" && old) {
            id = old.id;
            outputs = old.outputs;
        } else if (op === "update" && old) {
            id = old.id;
            outputs = { ...old.outputs, ...stored(inputs, facts) };
        } else {
            const generation = ++this.generation;
            id = this.opts.dryRun ? undefined : `${req.name}-${generation}`;
            outputs = { ...stored(inputs, facts) };
            for (const property of schema.outputsOnly) {
                outputs[property] = this.opts.dryRun ? UNKNOWN : computedOutput(req.type, req.name, property, inputs, generation);
            }
        }
        const finish = (id: string | undefined, outputs: Props): RegisterResult => {
            for (const secret of req.additionalSecretOutputs) {
                if (outputs[secret] !== undefined && !(outputs[secret] instanceof Secret)) outputs[secret] = new Secret(outputs[secret]);
            }
            this.state.set(urn, { ...base, id, inputs, outputs, provider });
            return { urn, id: id ?? "", outputs };
        };
        const double = this.opts.provider;
        const commands = req.type === RESOURCE_TYPES.localCommand ? this.opts.commands : undefined;
        if (this.opts.dryRun || (!double && !commands) || op === "same") return Promise.resolve(finish(id, outputs));
        // Reserve the URN while the provider works, so a duplicate is still caught.
        this.state.set(urn, { ...base, id, inputs, outputs, provider });
        const made = outputs;
        // Delete-before-replace: the old copies go first, in the order planned.
        let first: Promise<void> = Promise.resolve();
        for (const gone of deletedFirst) first = first.then(() => this.applyDelete(gone));
        if (commands) {
            const operation = op === "update" ? "update" : "create";
            const run = commandRunOf(operation, urn, inputs, this.programDir, op === "update" ? old?.outputs : {});
            return first
                .then(() => (run ? commands(run) : undefined))
                .then(
                    (out) => finish(id, out ? { ...made, stdout: out.stdout, stderr: out.stderr } : made),
                    (err: unknown) => {
                        // A failed run leaves no new state (the prior copy, if any, stays), so the
                        // next update runs it again.
                        this.state.delete(urn);
                        throw this.failStep(urn, err);
                    },
                );
        }
        if (!double?.serves(req.type)) return first.then(() => finish(id, outputs));
        const applied = op === "update" && old?.id
            ? first.then(() => double.update(req.type, old.id!, old.inputs, inputs)).then((read) => ({ id: old.id, read }))
            : first.then(() => double.create(req.type, inputs)).then((c) => ({ id: c.id, read: c.outputs }));
        return applied.then(
            ({ id: realId, read }) => finish(realId, { ...made, ...stored(read, facts) }),
            (err: unknown) => {
                throw this.failStep(urn, err);
            },
        );
    }

    /**
     * A step that fails in an update: its error is reported on its URN and the deployment is
     * cancelled (pulumi/pulumi 1b5949891b pkg/resource/deploy/step_executor.go 404-460, without
     * --continue-on-error); the waiting registration is answered as the monitor shutting down.
     */
    private failStep(urn: string, err: unknown): MonitorShutDown {
        if (err instanceof MonitorShutDown) return err;
        const message = err instanceof Error ? err.message : String(err);
        this.diagnostics.push({ severity: "error", message, urn });
        this.stepFailed = true;
        return new MonitorShutDown("resource monitor shut down while waiting on step's done channel");
    }

    /**
     * Plans the deletes a delete-before-replace of `old` issues before its create: the dependents
     * the replacement replaces (last-registered first), then `old` itself. Returns them in order.
     * pulumi/pulumi 1b5949891b pkg/resource/deploy/step_generator.go 2062-2148, 3268-3415.
     */
    private deleteBeforeReplacing(old: StateResource): StateResource[] {
        const dependents = this.dependentReplacements(old);
        const deleted: StateResource[] = [];
        for (const dependent of [...dependents].reverse()) {
            // Deleted already by another delete-before-replace.
            if (this.deletedBeforeReplace.has(dependent.urn)) continue;
            if (dependent.protect) {
                const message =
                    `unable to replace resource "${dependent.urn}" as part of replacing "${old.urn}" as it is currently marked for protection. ` +
                    "To unprotect the resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, " +
                    `or use the command:\n\`pulumi state unprotect '${dependent.urn}'\``;
                this.diagnostics.push({ severity: "error", message, urn: old.urn });
                throw new Error(message);
            }
            deleted.push(dependent);
        }
        deleted.push(old);
        for (const r of deleted) {
            this.deletedBeforeReplace.add(r.urn);
            this.step({ op: "delete", urn: r.urn, type: r.type, name: r.name, diffs: [], replaceReasons: [], dependsOn: [], replaced: true, deleteBeforeReplace: true });
        }
        return deleted;
    }

    /**
     * calculateDependentReplacements (step_generator.go 3268-3415): of the prior resources that
     * depend on `root`, directly or not, and are not registered yet, those a replacement replaces —
     * an input whose value comes from a replaced resource, made unknown, changes a ForceNew
     * property or one of its replaceOnChanges — in dependency (state) order.
     */
    private dependentReplacements(root: StateResource): StateResource[] {
        const replaced = new Set([root.urn]);
        const reached = new Set([root.urn]);
        const result: StateResource[] = [];
        for (const r of this.opts.prior) {
            if (r.urn === root.urn) continue;
            const links = [...r.dependencies, r.parent, r.provider ?? "", ...Object.values(r.propertyDependencies ?? {}).flat()];
            if (!links.some((u) => reached.has(u))) continue;
            reached.add(r.urn);
            // Registered already, so it no longer depends on the root (3396-3405); components never replace.
            if (this.state.has(r.urn) || !r.custom) continue;
            const byProperty = r.propertyDependencies ?? Object.fromEntries(Object.keys(r.inputs).map((k) => [k, r.dependencies]));
            const unknown = Object.keys(r.inputs).filter((k) => (byProperty[k] ?? []).some((u) => replaced.has(u)));
            const facts = PROVIDER_FACTS[r.type];
            const forceNew = Object.keys(facts?.forceNew ?? {}).map(topLevel);
            const replaces = (r.provider !== undefined && replaced.has(r.provider)) ||
                unknown.some((k) => forceNew.includes(k) || r.replaceOnChanges.some((p) => topLevel(p) === k));
            if (!replaces) continue;
            replaced.add(r.urn);
            result.push(r);
        }
        return result;
    }

    private get programDir(): string {
        return this.opts.programDir ?? process.cwd();
    }

    /**
     * Deletes a resource of the prior state through its provider double, if it has one: the
     * Auth0 provider's Delete, or the Command's `delete` run (an update only).
     */
    async applyDelete(gone: StateResource): Promise<void> {
        if (this.opts.dryRun || !gone.id) return;
        if (gone.type === RESOURCE_TYPES.localCommand) {
            const commands = this.opts.commands;
            const run = commands && commandRunOf("delete", gone.urn, gone.inputs, this.programDir, gone.outputs);
            if (commands && run) await commands(run);
            return;
        }
        if (this.opts.provider?.serves(gone.type)) await this.opts.provider.delete(gone.type, gone.id);
    }

    /** Schema and provider validations; a failure fails the step as the provider's Check would. */
    private check(urn: string, type: string, inputs: Props, facts: TypeFacts): void {
        const schema = schemaOf(type);
        const owner = `${argsName(type)} (${schema.packageName} ${schema.packageVersion}, ${schema.file})`;
        for (const message of checkProps(schema.inputs, inputs, "", owner)) this.violations.push({ urn, type, message });
        for (const v of facts.validations) {
            const message = validate(v, inputs);
            if (message) this.violations.push({ urn, type, message: `${message} (${facts.provider} ${v.source})` });
        }
    }

    registerOutputs(urn: string, outputs: Props): void {
        if (this.qualifiedTypes.get(urn) === STACK_TYPE) Object.assign(this.stackOutputs, outputs);
    }

    invoke(token: string, args: Props): Props {
        const schema = schemaOf(token, true);
        const problems = checkProps(schema.inputs, args, "", `${argsName(token)} (${schema.packageName} ${schema.packageVersion})`);
        if (problems.length) throw new Error(`${token}: ${problems.join("; ")}`);
        if (token === DATA_SOURCE_TYPES.getResourceServer) {
            const identifier = reveal(args.identifier);
            if (identifier === AUTHZ_EXTENSION_AUDIENCE && this.opts.tenant.authzExtensionApiScopes) {
                return {
                    id: "authz-extension-api",
                    identifier,
                    name: "auth0-authorization-extension-api",
                    scopes: this.opts.tenant.authzExtensionApiScopes.map((name) => ({ name, description: name })),
                };
            }
            // What the provider's data source answers for an identifier the tenant does not have
            // (internal/auth0/resourceserver/data_source.go reads GET /api/v2/resource-servers/{id}).
            throw new Error("404 Not Found: The resource server does not exist");
        }
        throw new Error(`engine double: the data source ${token} is not modelled (local/engine/deployment.ts invoke)`);
    }

    log(severity: Severity, message: string, urn: string): void {
        if (severity !== "debug") this.diagnostics.push({ severity, message, urn });
    }

    /**
     * Ends the operation once the program exited: the deletes of what it no longer declares and of
     * replaced resources' old copies, dependents first. Returns the state an update leaves.
     */
    finish(programSucceeded: boolean): StateResource[] {
        const registered = new Set(this.state.keys());
        const condemned = programSucceeded ? [...this.prior.values()].filter((r) => !registered.has(r.urn) && !this.deletedBeforeReplace.has(r.urn)) : [];
        // Replaced resources' old copies (create-before-delete) are deleted with the condemned ones,
        // dependents first (step_generator.go GenerateDeletes 2328-2420, sorted by ScheduleDeletes).
        const replacedCopies = new Set(
            this.steps.filter((x) => x.op === "replace" && !this.deletedBeforeReplace.has(x.urn) && this.prior.has(x.urn)).map((x) => x.urn),
        );
        for (const r of deleteOrder([...this.prior.values()].filter((p) => replacedCopies.has(p.urn) || condemned.includes(p)))) {
            if (replacedCopies.has(r.urn)) {
                this.step({ op: "delete", urn: r.urn, type: r.type, name: r.name, diffs: [], replaceReasons: [], dependsOn: [], replaced: true });
                continue;
            }
            const refused = r.protect
                ? `resource "${r.urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the \`protect\` flag ` +
                  `from the resource in your Pulumi program and run \`pulumi up\`, or use the command:\n\`pulumi state unprotect '${r.urn}'\``
                : undefined;
            this.step({ op: "delete", urn: r.urn, type: r.type, name: r.name, diffs: [], replaceReasons: [], refused, dependsOn: [], retained: r.retainOnDelete });
            if (refused) this.diagnostics.push({ severity: "error", message: refused, urn: r.urn });
        }

        const kept = [...this.state.values()];
        // A refused delete leaves the resource in the state.
        for (const s of this.steps) if (s.op === "delete" && s.refused && !s.replaced) kept.push(this.prior.get(s.urn)!);
        // On failure the prior resources the program did not reach stay as they were.
        if (!programSucceeded) for (const r of this.prior.values()) if (!registered.has(r.urn) && !this.deletedBeforeReplace.has(r.urn)) kept.push(r);
        return kept;
    }
}

/**
 * The deletes `finish` planned, carried out through the provider double in their order (an
 * update only): what the program no longer declares, dependents first, then replaced resources'
 * old copies (create-before-delete). Retained and refused deletes make no call, nor the deletes
 * of a delete-before-replace, made before their replacement's create.
 */
export async function applyDeletes(deployment: Deployment, prior: readonly StateResource[]): Promise<void> {
    const byUrn = new Map(prior.map((r) => [r.urn, r]));
    for (const s of deployment.steps) {
        const gone = byUrn.get(s.urn);
        if (s.op !== "delete" || s.refused || s.retained || s.deleteBeforeReplace || !gone) continue;
        await deployment.applyDelete(gone);
    }
}

function factsOf(type: string): TypeFacts {
    const facts = PROVIDER_FACTS[type];
    if (!facts) {
        throw new SchemaError(
            `engine double: no provider facts for ${type}; add its ForceNew fields, write-only inputs and validations, ` +
                "with source file and line, to local/engine/providerFacts.ts",
        );
    }
    return facts;
}

function argsName(token: string): string {
    const member = token.split(":")[2] ?? token;
    return `${member.charAt(0).toUpperCase()}${member.slice(1)}Args`;
}

function topLevel(property: string): string {
    return property.split(/[.[]/)[0];
}

/** Input properties whose values differ, write-only ones left out (never in state, never diffed). */
function changedKeys(before: Props, after: Props, writeOnly: readonly string[] = []): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((k) => k !== "__defaults" && !writeOnly.includes(k) && !sameValue(before[k], after[k])).sort();
}

function valueAt(props: Value, path: string): Value {
    let current: Value = props;
    for (const part of path.split(".")) {
        if (current instanceof Secret) current = current.value;
        if (current === UNKNOWN) return UNKNOWN;
        if (!current || typeof current !== "object" || Array.isArray(current)) return undefined;
        current = (current as Props)[part];
    }
    return current;
}

function changedPath(before: Props, after: Props, path: string): boolean {
    const b = valueAt(before, path);
    const a = valueAt(after, path);
    if (b === undefined && a === undefined) return false;
    return !sameValue(b, a);
}

/** What the state keeps of the inputs: all but write-only values. */
function stored(inputs: Props, facts: TypeFacts): Props {
    return Object.fromEntries(Object.entries(inputs).filter(([k]) => !(k in facts.writeOnly)));
}

/** A computed output of a created resource, stable per (resource, creation). */
function computedOutput(type: string, name: string, property: string, inputs: Props, generation: number): Value {
    if (type === RESOURCE_TYPES.randomPassword && property === "result") {
        const length = typeof inputs.length === "number" ? inputs.length : 16;
        return crypto.createHash("sha512").update(`${name}:${generation}`).digest("base64url").replace(/[^A-Za-z0-9]/g, "").slice(0, length).padEnd(length, "x");
    }
    if (type === RESOURCE_TYPES.localCommand && (property === "stdout" || property === "stderr")) return "";
    if (type === RESOURCE_TYPES.localCommand && (property === "assets" || property === "archive")) return undefined;
    return `${name}-${property}-${generation}`;
}

export function validate(v: Validation, inputs: Props): string | undefined {
    const values = valuesAt(inputs, v.property);
    for (const raw of values) {
        if (raw === UNKNOWN || containsUnknown(raw)) continue;
        const value = reveal(raw);
        if (value === undefined || value === null) continue;
        switch (v.kind) {
            case "oneOf": {
                const ok = typeof value === "string" && v.values.some((x) => (v.ignoreCase ? x.toLowerCase() === value.toLowerCase() : x === value));
                if (!ok) return `${v.property}: expected one of [${v.values.join(" ")}], got ${JSON.stringify(value)}`;
                break;
            }
            case "lengthBetween":
                if (typeof value === "string" && (value.length < v.min || value.length > v.max)) {
                    return `${v.property}: expected length between ${v.min} and ${v.max}, got ${value.length}`;
                }
                break;
            case "intAtLeast":
                if (typeof value === "number" && value < v.min) return `${v.property}: expected to be at least (${v.min}), got ${value}`;
                break;
            case "notEmpty":
                if (value === "") return `${v.property}: expected not to be an empty string`;
                break;
            case "match":
                if (typeof value === "string" && !v.pattern.test(value)) return `${v.property}: ${v.message} (got ${JSON.stringify(value)})`;
                break;
            case "conflictsWith": {
                const present = v.others.filter((o) => inputs[o] !== undefined && inputs[o] !== null);
                if (present.length) return `"${v.property}": conflicts with ${present.join(", ")}`;
                break;
            }
            case "requiredWith": {
                const absent = v.others.filter((o) => inputs[o] === undefined || inputs[o] === null);
                if (absent.length) return `"${v.property}": all of \`${[v.property, ...v.others].join(",")}\` must be specified`;
                break;
            }
        }
    }
    return undefined;
}

/** Values at a path; `scopes[]` means every element of `scopes`. */
function valuesAt(inputs: Props, path: string): Value[] {
    if (path.endsWith("[]")) {
        const list = reveal(valueAt(inputs, path.slice(0, -2)));
        return Array.isArray(list) ? list : [];
    }
    return [valueAt(inputs, path)];
}

/** Dependents before what they depend on (children before parents, resources before their provider). */
function deleteOrder(resources: StateResource[]): StateResource[] {
    const urns = new Set(resources.map((r) => r.urn));
    const ordered: StateResource[] = [];
    const visited = new Set<string>();
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const dependents = (urn: string) => resources.filter((r) => r.dependencies.includes(urn) || r.parent === urn || r.provider === urn);
    const visit = (r: StateResource) => {
        if (visited.has(r.urn)) return;
        visited.add(r.urn);
        for (const d of dependents(r.urn)) visit(d);
        ordered.push(r);
    };
    // Start from the ones registered last so ties keep reverse registration order.
    for (const r of [...resources].reverse()) if (urns.has(r.urn)) visit(byUrn.get(r.urn)!);
    return ordered;
}
