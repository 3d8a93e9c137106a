import { ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

/** What a local server does instead of answering normally. */
export type Fault =
    /** Answer with this status and a JSON error body (e.g. 500, 503, 403, 401). */
    | { readonly kind: "status"; readonly status: number; readonly body?: unknown }
    /** Accept the request and never answer (until the server stops). */
    | { readonly kind: "hang" }
    /** Answer 200 with a body that is not JSON. */
    | { readonly kind: "invalid-json" }
    /** Token endpoint only: a successful token response without `expires_in`. */
    | { readonly kind: "omit-expires-in" }
    /** Send nothing for `delayMs`, then answer normally: a slow server, headers late. */
    | { readonly kind: "slow-headers"; readonly delayMs: number }
    /**
     * Hold the request until `until` settles, then answer normally, or act out `then` (lets a
     * test line requests up).
     */
    | { readonly kind: "hold"; readonly until: Promise<unknown>; readonly then?: Fault }
    /**
     * Send 200 and its headers at once, then the body one byte every `intervalMs`, never ending
     * (until the client or the server closes): each byte arrives well inside any idle timeout.
     */
    | { readonly kind: "drip-body"; readonly intervalMs: number }
    /**
     * Send 200 and a well-formed JSON body of `bytes` bytes as fast as the client reads it;
     * `declareLength` says whether the headers carry its content-length (else it is chunked).
     */
    | { readonly kind: "oversized-body"; readonly bytes: number; readonly declareLength: boolean };

/** The endpoints faults can be injected into. */
export type Endpoint = "token" | "groups" | "entitlements" | "patchUser";

/**
 * A queue of faults per endpoint: each injected fault applies to the next `times` requests.
 * It also counts the requests each endpoint received, so a test can wait for one to arrive.
 */
export class FaultPlan {
    private readonly queues = new Map<Endpoint, { fault: Fault; remaining: number; audience?: string }[]>();
    private readonly arrivals = new Map<Endpoint, number>();
    private readonly waiters: { endpoint: Endpoint; count: number; resolve: () => void }[] = [];

    /**
     * `audience` (token endpoint only): the fault applies only to token requests for that
     * audience, since the login code requests its tokens concurrently, in no fixed order.
     */
    inject(endpoint: Endpoint, fault: Fault, times = 1, audience?: string): this {
        const queue = this.queues.get(endpoint) ?? [];
        queue.push({ fault, remaining: times, audience });
        this.queues.set(endpoint, queue);
        return this;
    }

    /** Every request to `endpoint` (for `audience`, if given) gets `fault` until `clear()`. */
    always(endpoint: Endpoint, fault: Fault, audience?: string): this {
        return this.inject(endpoint, fault, Number.POSITIVE_INFINITY, audience);
    }

    /** Called once per request the endpoint receives: records its arrival, returns its fault. */
    take(endpoint: Endpoint, audience?: string): Fault | undefined {
        const arrived = (this.arrivals.get(endpoint) ?? 0) + 1;
        this.arrivals.set(endpoint, arrived);
        for (const waiter of this.waiters.filter((w) => w.endpoint === endpoint && w.count <= arrived)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
        }
        const queue = this.queues.get(endpoint);
        const index = queue?.findIndex((entry) => entry.audience === undefined || entry.audience === audience) ?? -1;
        const entry = queue?.[index];
        if (!queue || !entry) return undefined;
        entry.remaining -= 1;
        if (entry.remaining <= 0) queue.splice(index, 1);
        return entry.fault;
    }

    /** Requests `endpoint` has received so far. */
    received(endpoint: Endpoint): number {
        return this.arrivals.get(endpoint) ?? 0;
    }

    /** Resolves once `endpoint` has received `count` requests in all (at once if it already has). */
    arrived(endpoint: Endpoint, count = 1): Promise<void> {
        if ((this.arrivals.get(endpoint) ?? 0) >= count) return Promise.resolve();
        return new Promise((resolve) => this.waiters.push({ endpoint, count, resolve }));
    }

    clear(): void {
        this.queues.clear();
    }
}

/**
 * Acts out `fault` on `res`. "answered": the fault wrote the reply (or never will); "continue":
 * the endpoint answers normally now (after a delay or a hold, or for omit-expires-in, which the
 * token endpoint applies itself).
 */
export async function applyFault(res: ServerResponse, fault: Fault): Promise<"answered" | "continue"> {
    switch (fault.kind) {
        case "hang":
            return "answered";
        case "invalid-json":
            res.writeHead(200, { "content-type": "application/json" });
            res.end("<html><body>upstream proxy error</body></html>");
            return "answered";
        case "status":
            res.writeHead(fault.status, { "content-type": "application/json" });
            res.end(JSON.stringify(fault.body ?? { statusCode: fault.status, error: "injected fault" }));
            return "answered";
        case "omit-expires-in":
            return "continue";
        case "slow-headers": {
            // The timer goes with the client: a test's process must not wait out a delay nobody awaits.
            const gone = new AbortController();
            res.once("close", () => gone.abort());
            await untilClosedOr(res, delay(fault.delayMs, undefined, { signal: gone.signal }));
            return "continue";
        }
        case "hold":
            await untilClosedOr(res, fault.until);
            return fault.then ? applyFault(res, fault.then) : "continue";
        case "drip-body":
            void drip(res, fault.intervalMs);
            return "answered";
        case "oversized-body":
            void sendOversized(res, fault.bytes, fault.declareLength);
            return "answered";
    }
}

/** Waits for `wait`, or less if the client goes away first. */
async function untilClosedOr(res: ServerResponse, wait: Promise<unknown>): Promise<void> {
    const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));
    await Promise.race([wait.then(() => undefined, () => undefined), closed]);
}

async function drip(res: ServerResponse, intervalMs: number): Promise<void> {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    // A JSON prefix that never closes: only a total time limit can end this exchange.
    res.write('{"entitlements":["');
    while (!res.destroyed && !res.writableEnded) {
        await delay(intervalMs);
        if (res.destroyed) return;
        res.write("a");
    }
}

const OVERSIZED_CHUNK = Buffer.alloc(16 * 1024, "a");

async function sendOversized(res: ServerResponse, bytes: number, declareLength: boolean): Promise<void> {
    const head = Buffer.from('{"entitlements":["');
    const tail = Buffer.from('"]}');
    const fill = Math.max(0, bytes - head.length - tail.length);
    res.writeHead(200, { "content-type": "application/json", ...(declareLength ? { "content-length": String(bytes) } : {}) });
    res.write(head);
    let sent = 0;
    while (sent < fill) {
        if (res.destroyed) return;
        const chunk = OVERSIZED_CHUNK.subarray(0, Math.min(OVERSIZED_CHUNK.length, fill - sent));
        sent += chunk.length;
        // Respect backpressure: a client that stops reading stops this writer too.
        if (!res.write(chunk)) {
            await new Promise<void>((resolve) => {
                const done = () => {
                    res.off("drain", done);
                    res.off("close", done);
                    resolve();
                };
                res.on("drain", done);
                res.on("close", done);
            });
        }
    }
    if (!res.destroyed) res.end(tail);
}
