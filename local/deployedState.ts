/**
 * The stack as if `pulumi up` had deployed it to a local tenant: the declared Actions (with their
 * secret names) and the post-login binding are put into the local Management API, and the state
 * `pulumi stack export --show-secrets` would print is built from the same declaration, with the
 * tenant's ids. Secret inputs are wrapped the way Pulumi marks them in an export
 * (`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "<JSON>"}`:
 * pulumi/pulumi sdk/go/common/apitype/core.go:604 SecretV1, read back by
 * pkg/resource/stack/deployment.go:1097; `ciphertext` instead of `plaintext` without --show-secrets).
 */
import { DeclaredTenant } from "./declaredTenant";
import { LocalTenant } from "./servers/localTenant";
import { PROJECT, ProgramRun, T } from "./stack/program";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown) => ({ [SECRET_SIG]: SECRET, plaintext: JSON.stringify(value) });

export interface DeployedState {
    /** What `pulumi stack export --show-secrets` prints for the stack. */
    readonly exported: unknown;
    /** The tenant's action id of each declared Action, by its Auth0 name. */
    readonly actionIds: Readonly<Record<string, string>>;
}

/** Deploys `run`'s login flow to `tenant` and returns the stack's state as exported. */
export function deployToLocalTenant(run: ProgramRun, declared: DeclaredTenant, tenant: LocalTenant, stack = "dev"): DeployedState {
    const urn = (type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
    const actionIds: Record<string, string> = {};
    const resources: unknown[] = [];
    for (const action of run.ofType(T.action)) {
        const name = String(action.inputs.name);
        const secrets = (action.inputs.secretsWos ?? []) as { name: string; value: string }[];
        const id = tenant.management.createActionByHand(name, String(action.inputs.code));
        tenant.management.actions.get(id)!.secrets = secrets.map((s) => ({ name: s.name }));
        actionIds[name] = id;
        resources.push({ urn: urn(T.action, action.name), type: T.action, id, inputs: { name, secretsWos: secret(secrets) } });
    }
    for (const trigger of run.ofType(T.triggerActions)) {
        const bindings = (trigger.inputs.actions as { displayName: string }[]).map((a) => ({ id: actionIds[a.displayName], displayName: a.displayName }));
        tenant.management.bindings.set(String(trigger.inputs.trigger), []);
        bindings.forEach((b) => tenant.management.bindByHand(String(trigger.inputs.trigger), b.id, b.displayName));
        resources.push({ urn: urn(T.triggerActions, trigger.name), type: T.triggerActions, id: trigger.inputs.trigger, inputs: { trigger: trigger.inputs.trigger, actions: bindings } });
    }
    const command = run.ofType("command:local:Command").find((c) => c.name.endsWith("-check"));
    if (command) {
        resources.push({
            urn: urn("command:local:Command", command.name),
            type: "command:local:Command",
            id: command.name,
            inputs: { environment: { VERIFY_GRANTS_DOMAIN: tenant.domain, VERIFY_GRANTS_CLIENTS: secret(JSON.stringify(declared.localVerification(tenant))) } },
        });
    }
    return { exported: { version: 3, deployment: { resources } }, actionIds };
}
