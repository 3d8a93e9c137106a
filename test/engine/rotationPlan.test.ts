/**
 * simulate:rotation takes its steps from the engine double's plan (reconcileWithEngine). The
 * deploys it reconciles are built here, so each refusal is shown on its own; the real engine's
 * deploys of both modes are reconciled by test/scripts/simulateRotation.test.ts.
 */
import * as assert from "node:assert/strict";
import { StateResource, Step, StepOp } from "../../local/engine/deployment";
import { EngineDeploys, reconcileWithEngine, Rotation, RotationStep } from "../../local/rotationSimulation";
import { T } from "../../local/stack/tokens";

const STACK = "urn:pulumi:dev::auth0-tenant::";
const urnOf = (type: string, name: string) => `${STACK}${type}::${name}`;

function step(op: StepOp, type: string, name: string, index: number, extra: Partial<Step> = {}): Step {
    return { op, urn: urnOf(type, name), type, name, diffs: [], replaceReasons: [], dependsOn: [], index, ...extra };
}

function resource(type: string, name: string, custom = true): StateResource {
    return {
        urn: urnOf(type, name), type, name, parent: "", custom, inputs: {}, outputs: {}, protect: false, retainOnDelete: false,
        dependencies: [], additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], deleteBeforeReplace: false,
    };
}

const SECRET = T.randomPassword;
const CREDENTIALS = T.clientCredentials;
const CHECK = "command:local:Command";
const ACTION = T.action;
const COMPONENT = "auth0-tenant:rotation:RotatingM2mApplication";
const PROVIDER = "pulumi:providers:auth0";

const registered: RotationStep[] = [
    { type: ACTION, name: "login-action", after: ["verify-check"], effect: { kind: "deploy", settings: { M2M_CLIENT_ID: "green" } } },
    { type: SECRET, name: "green-secret", after: [], effect: { kind: "state" } },
    { type: CREDENTIALS, name: "green-credentials", after: ["green-secret"], effect: { kind: "client-secret", clientId: "green", secret: "not-a-real-secret" } },
    { type: CHECK, name: "verify-check", after: ["green-credentials"], effect: { kind: "check" } },
];
const rotation: Rotation = { from: 1, to: 2, steps: registered };

const state = [resource(SECRET, "green-secret"), resource(CREDENTIALS, "green-credentials"), resource(CHECK, "verify-check"), resource(ACTION, "login-action"), resource(COMPONENT, "login-code", false), resource(PROVIDER, "default")];

/** The engine's update at generation 2: the secret replaced (its old copy deleted last), then the rest in dependency order. */
const engineSteps: Step[] = [
    step("same", PROVIDER, "default", 0),
    step("same", COMPONENT, "login-code", 1),
    step("replace", SECRET, "green-secret", 2),
    step("update", CREDENTIALS, "green-credentials", 3),
    step("replace", CHECK, "verify-check", 4),
    step("update", ACTION, "login-action", 5),
    step("delete", SECRET, "green-secret", 6, { replaced: true }),
    step("delete", CHECK, "verify-check", 7, { replaced: true }),
];

const deploys = (steps: Step[], resources = state): EngineDeploys => ({ stack: "dev", byGeneration: new Map([[2, { steps, state: resources }]]) });

describe("simulate:rotation's steps from the engine double's plan", () => {
    it("must take the engine's changed custom resources in the engine's order, with the registrations' effects", () => {
        const reconciled = reconcileWithEngine({ rotations: [rotation] }, deploys(engineSteps));
        assert.deepEqual(reconciled.rotations[0].steps.map((s) => s.name), ["green-secret", "green-credentials", "verify-check", "login-action"]);
        assert.equal(reconciled.rotations[0].steps[3], registered[0]);
    });

    it("must refuse a plan that changes a resource the registrations do not, or the reverse", () => {
        const extra = { rotations: [{ ...rotation, steps: [...registered, { type: "auth0:index/client:Client", name: "blue-client", after: [], effect: { kind: "state" as const } }] }] };
        assert.throws(() => reconcileWithEngine(extra, deploys(engineSteps)), /rotation 1->2: the engine plans \[green-credentials, green-secret, login-action, verify-check\] but the program's registrations change \[blue-client, green-credentials, green-secret, login-action, verify-check\]/);
        const unplanned = engineSteps.map((s) => (s.name === "login-action" ? { ...s, op: "same" as const } : s));
        assert.throws(() => reconcileWithEngine({ rotations: [rotation] }, deploys(unplanned)), /the engine plans \[green-credentials, green-secret, verify-check\] but the program's registrations change \[.*login-action.*\]/);
    });

    it("must refuse a plan that deletes anything but a replaced resource's old copy", () => {
        const withDelete = [...engineSteps, step("delete", "auth0:index/clientGrant:ClientGrant", "blue-grant", 8)];
        assert.throws(() => reconcileWithEngine({ rotations: [rotation] }, deploys(withDelete)), /the engine plans deletes in rotation 1->2: blue-grant/);
    });

    it("must refuse a rotation the engine did not deploy", () => {
        assert.throws(() => reconcileWithEngine({ rotations: [{ ...rotation, to: 3 }] }, deploys(engineSteps)), /the engine double did not deploy dev at generation 3/);
    });
});
