import * as pulumi from "@pulumi/pulumi";
import { M2mApplication, M2mApplicationArgs } from "./m2mApplication";

/**
 * Blue/green credentials for zero-downtime secret rotation.
 *
 * Auth0 keeps one secret per application, so changing the secret of the application the login
 * code uses opens a window in which the deployed code holds a secret the tenant rejects. Two
 * applications, both granted the same access, close it: generation N is served by one slot;
 * moving to N+1 regenerates the idle slot's secret and only then points the login code at it.
 * The slot in use during an update is never the slot being changed.
 */
export type Slot = "blue" | "green";
export const SLOTS: readonly Slot[] = ["blue", "green"];

/** The slot that serves `generation`: odd generations blue, even green. */
export function slotFor(generation: number): Slot {
    return generation % 2 === 1 ? "blue" : "green";
}

/**
 * The last generation, at or before `generation`, that `slot` served (0 if never). A slot's
 * secret is regenerated exactly when this number changes: at N+1 for the slot becoming active,
 * never for the slot that was active at N.
 */
export function lastGenerationOf(slot: Slot, generation: number): number {
    return slotFor(generation) === slot ? generation : generation - 1;
}

export interface RotatingM2mApplicationArgs extends Omit<M2mApplicationArgs, "secretGeneration" | "displayName"> {
    /** Display name prefix; each slot appends `-blue` / `-green`. No default. */
    readonly displayName: string;
    /** The rotation counter (config `secretGeneration`). No default. */
    readonly generation: number;
}

/** A pair of M2M applications with the same grants; the login code uses the active one. */
export class RotatingM2mApplication extends pulumi.ComponentResource {
    readonly activeSlot: Slot;
    /** Client id of the active slot; resolves once its secret and grants exist. */
    readonly clientId: pulumi.Output<string>;
    /** Secret of the active slot, a Pulumi secret; never export it. */
    readonly clientSecret: pulumi.Output<string>;
    readonly slots: Readonly<Record<Slot, M2mApplication>>;
    readonly grantedScopes: Readonly<Record<string, readonly string[]>>;

    constructor(name: string, args: RotatingM2mApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("auth0-tenant:m2m:RotatingM2mApplication", name, {}, opts);
        const { displayName, generation, ...common } = args;
        const slot = (s: Slot) =>
            new M2mApplication(
                `${name}-${s}`,
                // The version starts at 1 for a slot that has never served.
                { ...common, displayName: `${displayName}-${s}`, secretGeneration: lastGenerationOf(s, generation) + 1 },
                { parent: this },
            );
        this.slots = { blue: slot("blue"), green: slot("green") };
        this.activeSlot = slotFor(generation);
        this.clientId = this.slots[this.activeSlot].clientId;
        this.clientSecret = this.slots[this.activeSlot].clientSecret;
        this.grantedScopes = this.slots[this.activeSlot].grantedScopes;
        this.registerOutputs({ activeSlot: this.activeSlot, clientId: this.clientId });
    }
}
