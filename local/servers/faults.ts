/** What a local server does instead of answering normally. */
export type Fault =
    /** Answer with this status and a JSON error body (e.g. 500, 503, 403, 401). */
    | { readonly kind: "status"; readonly status: number; readonly body?: unknown }
    /** Accept the request and never answer (until the server stops). */
    | { readonly kind: "hang" }
    /** Answer 200 with a body that is not JSON. */
    | { readonly kind: "invalid-json" }
    /** Token endpoint only: a successful token response without `expires_in`. */
    | { readonly kind: "omit-expires-in" };

/** The endpoints faults can be injected into. */
export type Endpoint = "token" | "groups" | "entitlements" | "patchUser";

/** A queue of faults per endpoint: each injected fault applies to the next `times` requests. */
export class FaultPlan {
    private readonly queues = new Map<Endpoint, { fault: Fault; remaining: number }[]>();

    inject(endpoint: Endpoint, fault: Fault, times = 1): this {
        const queue = this.queues.get(endpoint) ?? [];
        queue.push({ fault, remaining: times });
        this.queues.set(endpoint, queue);
        return this;
    }

    /** Every request to `endpoint` gets `fault` until `clear()`. */
    always(endpoint: Endpoint, fault: Fault): this {
        return this.inject(endpoint, fault, Number.POSITIVE_INFINITY);
    }

    take(endpoint: Endpoint): Fault | undefined {
        const queue = this.queues.get(endpoint);
        const head = queue?.[0];
        if (!queue || !head) return undefined;
        head.remaining -= 1;
        if (head.remaining <= 0) queue.shift();
        return head.fault;
    }

    clear(): void {
        this.queues.clear();
    }
}
