/**
 * The rotations a simulation applies, planned through the one offline deploy path.
 *
 * `planRotations` deploys the stack (local/engine/localDeploy.ts: the real program, the engine
 * double, the provider double, a local Management API) at generation N, then runs each rotation as
 * a team does — `pulumi config set secretGeneration N+1 && pulumi up` — from the state the last
 * update left. Each rotation's steps are the engine's steps of that update, in the order it issued
 * them, each with its effect on the tenant as the provider's Management API calls made it: a
 * RandomPassword lives only in Pulumi's state; a ClientCredentials update PATCHes a client's new
 * secret; an Action deploy or a RuleConfig write gives the login code new settings; a local
 * Command (the GrantVerification check) only reads the tenant. Any other change, and any delete
 * but that of a replaced resource's old copy, is refused, so nothing slips through unapplied.
 * local/sim/rotationSimulation.ts applies the plan under load.
 */
import { ExtensibilityMode, LoginSettingName } from "../../infra/loginContract";
import { modeSettings } from "../engine/operation";
import { DeployedTenant, deployedTenant } from "../tenant/deployedTenant";
import { DeployedUpdate, deployUpdates } from "../engine/localDeploy";
import { SampleDirectory } from "../tenant/sampleDirectory";
import { LocalManagementApi } from "../tenant/managementApi";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

/** What applying one changed resource does to the running tenant. */
export type StepEffect =
    /** Exists only in Pulumi's state (a RandomPassword): nothing changes in the tenant. */
    | { readonly kind: "state" }
    /** Reads the tenant and changes nothing (a local Command: the GrantVerification check). */
    | { readonly kind: "check" }
    /** The tenant accepts `secret` for `clientId` from now on, and no longer the previous one. */
    | { readonly kind: "client-secret"; readonly clientId: string; readonly secret: string }
    /** New executions of the login code run with these settings changed. */
    | { readonly kind: "deploy"; readonly settings: Readonly<Partial<Record<LoginSettingName, string>>> };

export interface RotationStep {
    readonly type: string;
    readonly name: string;
    /** Changed resources of the same update this one waits for: its inputs depend on them. */
    readonly after: readonly string[];
    readonly effect: StepEffect;
}

export interface Rotation {
    readonly from: number;
    readonly to: number;
    /** In the order the engine applies them: dependencies first. */
    readonly steps: readonly RotationStep[];
}

export interface RotationPlan {
    readonly mode: ExtensibilityMode;
    /** The tenant as the deploy of generation `rotations[0].from` left it. */
    readonly initial: DeployedTenant;
    readonly rotations: readonly Rotation[];
}

/** Users the simulation logs in: verified, members of a group, with entitlements. */
export const SIMULATION_DIRECTORY: SampleDirectory = (() => {
    const users = Array.from({ length: 50 }, (_, i) => ({ user_id: `auth0|rotation-${i}`, email: `rotation-${i}@example.test`, email_verified: true }));
    const members = users.map((u) => u.user_id);
    return {
        users,
        groups: [{ _id: "g-readers", name: "readers", description: "Read-only access to reports", members }],
        entitlements: Object.fromEntries(members.map((id) => [id, ["reports:read"]])),
    };
})();

export interface PlanOptions {
    /** The stack; default dev. */
    readonly stack?: string;
    /** Where its stack file is read from; default: stackFilesDir(). */
    readonly stackDir?: string;
}

/**
 * Deploys the stack at generation `first` and runs `count` rotations, each `pulumi config set
 * secretGeneration n+1 && pulumi up` from the state the last left, and returns their steps.
 */
export async function planRotations(first: number, count: number, mode: ExtensibilityMode = "actions", options: PlanOptions = {}): Promise<RotationPlan> {
    const stack = options.stack ?? "dev";
    const updates = await deployUpdates({
        stack,
        stackDir: options.stackDir,
        updates: Array.from({ length: count + 1 }, (_, i) => ({ ...modeSettings(mode), secretGeneration: first + i })),
    });
    const [deployed] = updates;
    const initial = deployedTenant(
        { stack, mode, api: LocalManagementApi.restore(deployed.tenant), state: deployed.state, outputs: deployed.outputs, authzExtensionScopes: deployed.authzExtensionScopes },
        { directory: SIMULATION_DIRECTORY },
    );
    const rotations = updates.slice(1).map((update, i) => ({ from: first + i, to: first + i + 1, steps: rotationSteps(updates[i], update, `${first + i}->${first + i + 1}`) }));
    return { mode, initial, rotations };
}

/**
 * The steps of the update from `before` to `after`: the engine's changed custom resources in the
 * order it issued them, each with its effect on the tenant from the provider's calls.
 */
export function rotationSteps(before: Pick<DeployedUpdate, "tenant">, after: Pick<DeployedUpdate, "steps" | "state" | "writes" | "tenant">, label: string): RotationStep[] {
    const deletes = after.steps.filter((s) => s.op === "delete" && !s.replaced);
    if (deletes.length) throw new Error(`rotation ${label} deletes ${deletes.map((s) => s.name).join(", ")}; the simulation applies updates only`);
    const changed = [...after.steps]
        .sort((a, b) => a.index - b.index)
        .filter((s) => s.op !== "same" && !s.replaced && !s.type.startsWith("pulumi:providers:") && after.state.some((r) => r.urn === s.urn && r.custom));
    const names = changed.map((s) => s.name);
    if (new Set(names).size !== names.length) throw new Error(`rotation ${label} changes two resources of one name: ${names.join(", ")}`);
    return changed.map((step) => {
        const resource = after.state.find((r) => r.urn === step.urn)!;
        return {
            type: step.type,
            name: step.name,
            after: changed.filter((c) => c !== step && step.dependsOn.includes(c.urn)).map((c) => c.name),
            effect: effectOf(step.type, step.name, String(resource.id), before, after),
        };
    });
}

function effectOf(type: string, name: string, id: string, before: Pick<DeployedUpdate, "tenant">, after: Pick<DeployedUpdate, "writes" | "tenant">): StepEffect {
    const writes = after.writes.filter((w) => w.type === type);
    switch (type) {
        case RESOURCE_TYPES.randomPassword:
            return { kind: "state" };
        case RESOURCE_TYPES.localCommand:
            return { kind: "check" };
        case RESOURCE_TYPES.clientCredentials: {
            const sent = writes.find((w) => w.method === "PATCH" && w.path === `/api/v2/clients/${id}` && typeof w.body.client_secret === "string");
            if (!sent) throw new Error(`rotation updates ${name} but the provider sent client ${id} no secret`);
            return { kind: "client-secret", clientId: id, secret: String(sent.body.client_secret) };
        }
        case RESOURCE_TYPES.action: {
            const secretsIn = (tenant: DeployedUpdate["tenant"]) =>
                Object.fromEntries((tenant.actions.find(([actionId]) => actionId === id)?.[1].secrets ?? []).map((s) => [s.name, s.value]));
            const then = secretsIn(before.tenant);
            const now = secretsIn(after.tenant);
            return { kind: "deploy", settings: Object.fromEntries(Object.entries(now).filter((entry): entry is [string, string] => entry[1] !== undefined && then[entry[0]] !== entry[1])) };
        }
        case RESOURCE_TYPES.ruleConfig: {
            const sent = writes.find((w) => w.method === "PUT" && w.path === `/api/v2/rules-configs/${id}`);
            if (!sent) throw new Error(`rotation updates ${name} but the provider wrote no rule config ${id}`);
            return { kind: "deploy", settings: { [id]: String(sent.body.value) } };
        }
        default:
            throw new Error(`rotation changes ${type} ${name}, which the simulation does not know how to apply to the tenant`);
    }
}
