/**
 * A refresh as the engine runs it before `preview --refresh` / `up --refresh`: every resource in
 * the state is read through its provider; what the provider reads replaces the state's inputs and
 * outputs, and a resource the provider reports gone (404) leaves the state, so the plan that
 * follows diffs the program against the tenant rather than the last update.
 * pulumi/pulumi 1b5949891b pkg/engine/update.go 531-541: the refresh steps are not counted as
 * changes by `--expect-no-changes`; only the plan's steps are.
 */
import { StateResource } from "./deployment";
import { Auth0ProviderDouble } from "./providers/auth0";
import { Props, Secret, sameValue } from "./wire";

export interface Refreshed {
    readonly state: StateResource[];
    /** URNs whose state the read changed or removed. */
    readonly changed: string[];
}

export async function refresh(prior: readonly StateResource[], provider: Auth0ProviderDouble): Promise<Refreshed> {
    const state: StateResource[] = [];
    const changed: string[] = [];
    for (const r of prior) {
        if (!r.custom || !r.id || !provider.serves(r.type)) {
            state.push(r);
            continue;
        }
        const read = await provider.read(r.type, r.id, r.inputs);
        if (!read) {
            changed.push(r.urn);
            continue;
        }
        const inputs: Props = {};
        // A value the program marked secret stays secret in state after the read.
        for (const k of Object.keys(r.inputs)) inputs[k] = r.inputs[k] instanceof Secret && !(read[k] instanceof Secret) ? new Secret(read[k]) : read[k];
        if (Object.keys(inputs).some((k) => !sameValue(inputs[k], r.inputs[k]))) changed.push(r.urn);
        state.push({ ...r, inputs, outputs: { ...r.outputs, ...inputs } });
    }
    return { state, changed };
}
