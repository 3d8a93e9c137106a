/**
 * `pulumi import --file <file>` of one stack, offline: each entry of the import file read by its
 * import id through the provider double, and the state it leaves — the state the first
 * `pulumi up` (`operate({ prior: imported.state, dryRun: false, provider })`) starts from.
 * Sources, pulumi/pulumi at 1b5949891b:
 *
 * - the file: pkg/cmd/pulumi/operations/import.go `importSpec` 206-216 (type, name, id, parent,
 *   version, component), checked at 399-410 (a component has no id, a resource has one) and 465
 *   (a parent names an entry of the file); `version` sets the provider version only when given
 *   (629-636), `--protect` defaults to true (1366) and marks every imported resource (738);
 * - the stack resource: pkg/resource/deploy/import.go `getOrCreateStackResource` 237-260
 *   (`pulumi:pulumi:Stack::<project>-<stack>`, kept when the state has one);
 * - default providers: import.go `registerProviders` 331-338, 412-429: one per (package,
 *   version), named by providers.DefaultName — `default_<major>_<minor>_<patch>` for a version,
 *   `default` without one, which runs whatever plugin of the package is newest on the machine;
 * - each resource: import.go `importResources` 693-697 (the URN from the parent's), step.go
 *   `ImportStep.Apply` 1954-2213 — an URN already in the state is refused ("resource '<urn>'
 *   already exists", 1978), the provider's Read by the import id with no inputs (2026-2034),
 *   nothing read is "resource '<id>' does not exist" (2045-2051), the read inputs become the
 *   state's inputs (2160), and Check on them: a failure does not stop the import but prints
 *   "One or more imported inputs failed to validate. This is almost certainly a bug in the `<pkg>`
 *   provider. The import will still proceed, but you will need to edit the generated code after
 *   copying it into your program." (2194-2210) and each failure (step_generator.go
 *   issueCheckFailures 3054-3072, sdk/go/common/diag/errors.go 36-38 "<type> resource '<name>'
 *   has a problem: <reason>"; the bridge's reason for a missing required input, pulumi-terraform-bridge
 *   59de6c661 pkg/tfbridge/check_failures.go 366-369, "Missing required property '<name>'").
 *
 * The provider's Read for an import starts from the id alone, so what it reads depends on what is
 * not configured yet: a ClientCredentials without `client_secret_wo_version` reads the client's
 * secret (terraform-provider-auth0 v1.53.0 internal/auth0/client/flatten.go 834-838), an Action
 * gets no `secrets_wo` (internal/auth0/action/flatten.go 9-35); see ./providers/auth0.ts.
 */
import { CliConfigError, loadProject, mergeStackConfig, readStackFile } from "./cliConfig";
import { Diagnostic, StateResource, validate } from "./deployment";
import { ROOT, withSettings } from "./operation";
import { PROVIDER_FACTS } from "./providerFacts";
import { Auth0ProviderDouble } from "./providers/auth0";
import { checkProps, schemaOf } from "./schema";
import { stackFilesDir } from "../../tools/stack/stackFiles";
import { Props, Secret } from "./wire";
import type { ImportFile, ImportSpec } from "../../tools/importFile";

export type { ImportFile, ImportSpec };

const STACK_TYPE = "pulumi:pulumi:Stack";


export interface ImportRequest {
    readonly stack: string;
    readonly file: ImportFile;
    /** The provider double against the tenant, with the importing deployer's scopes. */
    readonly provider: Auth0ProviderDouble;
    /** The stack's state before the import (empty for a new stack). */
    readonly prior?: readonly StateResource[];
    /** `--protect`; default true, as the CLI's. */
    readonly protect?: boolean;
    /** Where `Pulumi.<stack>.yaml` is read from (its provider configuration); default: stackFilesDir(). */
    readonly stackDir?: string;
    /** `pulumi config set` done before the import. */
    readonly set?: Readonly<Record<string, unknown>>;
    readonly root?: string;
}

export interface ImportResult {
    /** False when the import failed; `state` then holds what was imported before the failure. */
    readonly ok: boolean;
    readonly error?: string;
    readonly state: readonly StateResource[];
    /** Warnings the CLI prints, per URN. */
    readonly diagnostics: readonly Diagnostic[];
    /** The URNs imported, in order. */
    readonly imported: readonly string[];
}

/** The warning the CLI prints before an imported resource's check failures (step.go 2205). */
export function importValidationWarning(pkg: string): string {
    return (
        `One or more imported inputs failed to validate. This is almost certainly a bug in the \`${pkg}\` provider. ` +
        "The import will still proceed, but you will need to edit the generated code after copying it into your program."
    );
}

const resourceState = (r: Pick<StateResource, "urn" | "type" | "name" | "parent" | "custom"> & Partial<StateResource>): StateResource => ({
    inputs: {},
    outputs: {},
    protect: false,
    retainOnDelete: false,
    dependencies: [],
    additionalSecretOutputs: [],
    ignoreChanges: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    ...r,
});

export async function importResources(req: ImportRequest): Promise<ImportResult> {
    const root = req.root ?? ROOT;
    const project = loadProject(root);
    let providerConfig: Record<string, Props>;
    try {
        const merged = mergeStackConfig(project, req.stack, withSettings(project, readStackFile(req.stackDir ?? stackFilesDir(), req.stack), req.set));
        providerConfig = {};
        for (const [key, value] of Object.entries(merged.config)) {
            const [ns, name] = key.split(":");
            if (ns !== project.name) (providerConfig[ns] ??= {})[name] = merged.secretKeys.includes(key) ? new Secret(value) : (value);
        }
    } catch (err) {
        if (err instanceof CliConfigError) return { ok: false, error: err.message, state: req.prior ?? [], diagnostics: [], imported: [] };
        throw err;
    }

    // import.go 399-410, 465: the file is checked whole before anything is read.
    const specs = req.file.resources;
    const problems: string[] = [];
    specs.forEach((s, i) => {
        const which = `resource ${i} (${s.type} ${s.name})`;
        if (s.component && s.id) problems.push(`${which}: a component has no id`);
        if (!s.component && !s.id) problems.push(`${which}: no id`);
        if (s.parent && !specs.some((p) => p.name === s.parent)) problems.push(`${which}: the parent ${s.parent} is not in the file`);
    });
    if (problems.length) return { ok: false, error: problems.join("\n"), state: req.prior ?? [], diagnostics: [], imported: [] };

    const state: StateResource[] = [...(req.prior ?? [])];
    const diagnostics: Diagnostic[] = [];
    const imported: string[] = [];
    const protect = req.protect ?? true;

    let stackResource = state.find((r) => r.type === STACK_TYPE && !r.parent);
    if (!stackResource) {
        const name = `${project.name}-${req.stack}`;
        stackResource = resourceState({ urn: `urn:pulumi:${req.stack}::${project.name}::${STACK_TYPE}::${name}`, type: STACK_TYPE, name, parent: "", custom: false });
        state.push(stackResource);
    }

    const providerOf = (type: string, version: string | undefined): string => {
        const pkg = type.split(":")[0];
        const name = version ? `default_${version.split(/[.+-]/).slice(0, 3).join("_")}` : "default";
        const providerType = `pulumi:providers:${pkg}`;
        const urn = `urn:pulumi:${req.stack}::${project.name}::${providerType}::${name}`;
        if (!state.some((r) => r.urn === urn)) {
            const inputs: Props = { ...(providerConfig[pkg] ?? {}), ...(version ? { version } : {}) };
            state.push(resourceState({ urn, type: providerType, name, parent: "", custom: true, id: `${name}-provider`, inputs, outputs: inputs }));
        }
        return urn;
    };

    const qualified = new Map<string, string>();
    const urnOf = new Map<string, string>();
    for (const spec of specs) {
        const parentUrn = spec.parent ? urnOf.get(spec.parent) : stackResource.urn;
        if (!parentUrn) return { ok: false, error: `${spec.name}: its parent ${spec.parent} must come before it in the file`, state, diagnostics, imported };
        const parentType = qualified.get(parentUrn);
        const type = parentType ? `${parentType}$${spec.type}` : spec.type;
        const urn = `urn:pulumi:${req.stack}::${project.name}::${type}::${spec.name}`;
        qualified.set(urn, type);
        urnOf.set(spec.name, urn);
        if (state.some((r) => r.urn === urn)) return { ok: false, error: `resource '${urn}' already exists`, state, diagnostics, imported };
        if (spec.component) {
            state.push(resourceState({ urn, type: spec.type, name: spec.name, parent: parentUrn, custom: false, protect, dependencies: [parentUrn] }));
            imported.push(urn);
            continue;
        }
        if (!req.provider.serves(spec.type)) throw new Error(`engine double: importing ${spec.type} is not modelled (local/engine/import.ts)`);
        const provider = providerOf(spec.type, spec.version);
        let read: Props | undefined;
        try {
            read = await req.provider.read(spec.type, spec.id!, {});
        } catch (err) {
            return { ok: false, error: `${urn}: ${err instanceof Error ? err.message : String(err)}`, state, diagnostics, imported };
        }
        if (!read) return { ok: false, error: `resource '${spec.id}' does not exist`, state, diagnostics, imported };
        const failures = checkFailures(spec.type, read);
        if (failures.length) {
            diagnostics.push({ severity: "warning", message: importValidationWarning(spec.type.split(":")[0]), urn });
            for (const f of failures) diagnostics.push({ severity: "warning", message: `${spec.type} resource '${spec.name}' has a problem: ${f}`, urn });
        }
        state.push(resourceState({ urn, type: spec.type, name: spec.name, parent: parentUrn, custom: true, id: spec.id, inputs: read, outputs: read, protect, provider, dependencies: [parentUrn] }));
        imported.push(urn);
    }
    return { ok: true, state, diagnostics, imported };
}

/** What the provider's Check refuses in the read inputs: a missing required input, a failed validation. */
function checkFailures(type: string, inputs: Props): string[] {
    const schema = schemaOf(type);
    const failures = checkProps(schema.inputs, inputs, "", type).map((p) => {
        const missing = /^(\S+): missing required property/.exec(p);
        return missing ? `Missing required property '${missing[1]}'` : p;
    });
    for (const v of PROVIDER_FACTS[type]?.validations ?? []) {
        const message = validate(v, inputs);
        if (message) failures.push(message);
    }
    return failures;
}
