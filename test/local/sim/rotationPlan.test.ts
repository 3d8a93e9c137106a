/**
 * simulate:rotation takes each rotation's steps from the engine's update and their effects from
 * the provider's Management API calls (rotationSteps). The updates are built here, so each rule
 * and each refusal is shown on its own; the real updates of both modes are run by
 * test/local/sim/rotationSimulation.test.ts and test/scripts/simulateRotation.test.ts.
 */
import * as assert from "node:assert/strict";
import { StateResource, Step, StepOp } from "../../../local/engine/deployment";
import { DeployedUpdate, ManagementWrite } from "../../../local/engine/localDeploy";
import { rotationSteps } from "../../../local/sim/rotationPlan";
import { LocalManagementApi } from "../../../local/tenant/managementApi";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

const STACK = "urn:pulumi:dev::auth0-tenant::";
const urnOf = (type: string, name: string) => `${STACK}${type}::${name}`;

function step(op: StepOp, type: string, name: string, index: number, extra: Partial<Step> = {}): Step {
    return { op, urn: urnOf(type, name), type, name, diffs: [], replaceReasons: [], dependsOn: [], index, ...extra };
}

function resource(type: string, name: string, id: string, custom = true): StateResource {
    return {
        urn: urnOf(type, name), type, name, parent: "", custom, id, inputs: {}, outputs: {}, protect: false, retainOnDelete: false,
        dependencies: [], additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false,
    };
}

const SECRET = RESOURCE_TYPES.randomPassword;
const CREDENTIALS = RESOURCE_TYPES.clientCredentials;
const ACTION = RESOURCE_TYPES.action;
const COMPONENT = "auth0-tenant:rotation:RotatingM2mApplication";
const PROVIDER = "pulumi:providers:auth0";

const state = [
    resource(SECRET, "green-secret", "green-secret-id"),
    resource(CREDENTIALS, "green-credentials", "green"),
    resource(RESOURCE_TYPES.localCommand, "verify-check", "verify-check-id"),
    resource(ACTION, "login-action", "action-1"),
    resource(COMPONENT, "login-code", "", false),
    resource(PROVIDER, "default", "provider-id"),
];

/** A tenant holding one action whose M2M_CLIENT_ID / M2M_CLIENT_SECRET are `clientId` / `secret`. */
function tenantWith(clientId: string, secret: string): DeployedUpdate["tenant"] {
    const api = new LocalManagementApi();
    api.actions.set("action-1", { id: "action-1", name: "login-action", secrets: [{ name: "M2M_CLIENT_ID", value: clientId }, { name: "M2M_CLIENT_SECRET", value: secret }, { name: "CLAIM_NAMESPACE", value: "https://x/" }] });
    return api.snapshot();
}

/** The engine's update at generation 2, issued in index order (listed here out of it): the secret replaced, then the rest in dependency order. */
const engineSteps: Step[] = [
    step("update", ACTION, "login-action", 5, { dependsOn: [urnOf(RESOURCE_TYPES.localCommand, "verify-check"), urnOf(CREDENTIALS, "green-credentials")] }),
    step("same", PROVIDER, "default", 0),
    step("same", COMPONENT, "login-code", 1),
    step("replace", SECRET, "green-secret", 2),
    step("update", CREDENTIALS, "green-credentials", 3, { dependsOn: [urnOf(SECRET, "green-secret"), urnOf(COMPONENT, "login-code")] }),
    step("replace", RESOURCE_TYPES.localCommand, "verify-check", 4, { dependsOn: [urnOf(CREDENTIALS, "green-credentials")] }),
    step("delete", SECRET, "green-secret", 6, { replaced: true }),
    step("delete", RESOURCE_TYPES.localCommand, "verify-check", 7, { replaced: true }),
];
const writes: ManagementWrite[] = [
    { type: CREDENTIALS, method: "PATCH", path: "/api/v2/clients/green", body: { client_secret: "green-secret-2-not-real" } },
    { type: ACTION, method: "PATCH", path: "/api/v2/actions/actions/action-1", body: {} },
    { type: ACTION, method: "POST", path: "/api/v2/actions/actions/action-1/deploy", body: {} },
];
const before = { tenant: tenantWith("blue", "blue-secret-1-not-real") };
const update = (over: Partial<Pick<DeployedUpdate, "steps" | "writes" | "state">> = {}) => ({
    steps: engineSteps, state, writes, tenant: tenantWith("green", "green-secret-2-not-real"), ...over,
});

describe("simulate:rotation's steps from the engine's update and the provider's calls", () => {
    it("must take the engine's changed custom resources in the order it issued them, each waiting for the changed ones it depends on", () => {
        const steps = rotationSteps(before, update(), "1->2");
        assert.deepEqual(steps.map((s) => s.name), ["green-secret", "green-credentials", "verify-check", "login-action"]);
        assert.deepEqual(steps.map((s) => s.after), [[], ["green-secret"], ["green-credentials"], ["green-credentials", "verify-check"]]);
    });

    it("must take each effect from what the provider sent: the secret PATCHed, the action's changed secrets, nothing for the password and the check", () => {
        const steps = rotationSteps(before, update(), "1->2");
        assert.deepEqual(steps.map((s) => s.effect), [
            { kind: "state" },
            { kind: "client-secret", clientId: "green", secret: "green-secret-2-not-real" },
            { kind: "check" },
            { kind: "deploy", settings: { M2M_CLIENT_ID: "green", M2M_CLIENT_SECRET: "green-secret-2-not-real" } },
        ]);
    });

    it("must refuse a ClientCredentials update for which the provider sent no secret", () => {
        assert.throws(() => rotationSteps(before, update({ writes: writes.slice(1) }), "1->2"), /rotation updates green-credentials but the provider sent client green no secret/);
    });

    it("must refuse a change it does not know how to apply to the tenant", () => {
        const client = resource(RESOURCE_TYPES.client, "blue-client", "blue");
        const withClient = update({ steps: [...engineSteps, step("update", RESOURCE_TYPES.client, "blue-client", 8)], state: [...state, client] });
        assert.throws(() => rotationSteps(before, withClient, "1->2"), /rotation changes auth0:index\/client:Client blue-client, which the simulation does not know how to apply/);
    });

    it("must refuse an update that deletes anything but a replaced resource's old copy", () => {
        const withDelete = update({ steps: [...engineSteps, step("delete", RESOURCE_TYPES.clientGrant, "blue-grant", 8)] });
        assert.throws(() => rotationSteps(before, withDelete, "1->2"), /rotation 1->2 deletes blue-grant; the simulation applies updates only/);
    });
});
