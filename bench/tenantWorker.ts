/**
 * The bench's tenants, in a worker thread: the servers' work (TLS, token signing, JWT checks)
 * runs on an event loop of its own, as the real APIs run on machines of their own, so what a
 * login measures is the login code and its round trips, not the servers' CPU.
 *
 * One tenant at a time: { type: "start", tenant } starts one and is answered "ready" with its
 * settings and CA; "counts" is answered with its token requests per audience; "stop" stops it
 * ("stopped"); "exit" ends the worker.
 */
import { parentPort } from "node:worker_threads";
import { Audience, ExtensibilityMode } from "../infra/loginContract";
import { NetworkDistance } from "../local/tenant/https";
import { LocalTenant } from "../local/tenant/localTenant";
import { TenantModel } from "../local/tenant/model";
import { testTls } from "../local/tenant/tls";

export interface TenantSpec {
    readonly model: TenantModel;
    readonly distance: NetworkDistance;
    readonly mode: ExtensibilityMode;
}

export type TenantWorkerRequest = { readonly type: "start"; readonly tenant: TenantSpec } | { readonly type: "counts" | "stop" | "exit" };

export type TenantWorkerReply =
    | { readonly type: "ready"; readonly settings: Record<string, string | undefined>; readonly domain: string; readonly ca: string }
    | { readonly type: "counts"; readonly tokenRequests: Record<Audience, number> }
    | { readonly type: "stopped" };

const AUDIENCES: readonly Audience[] = ["authzExtension", "api", "managementApi"];

function serve(port: NonNullable<typeof parentPort>): void {
    let tenant: LocalTenant | undefined;
    const reply = (message: TenantWorkerReply) => port.postMessage(message);
    const handle = async (message: TenantWorkerRequest): Promise<void> => {
        switch (message.type) {
            case "start": {
                await tenant?.stop();
                const spec = message.tenant;
                tenant = await LocalTenant.start(spec.model, { distance: spec.distance });
                return reply({ type: "ready", settings: tenant.loginSettings(spec.mode), domain: tenant.domain, ca: (await testTls()).cert });
            }
            case "counts": {
                const current = tenant;
                if (!current) throw new Error("tenant worker: no tenant started");
                const entries = AUDIENCES.map((audience) => [audience, current.tokenRequests(current.audience(audience))]);
                return reply({ type: "counts", tokenRequests: Object.fromEntries(entries) as Record<Audience, number> });
            }
            case "stop":
                await tenant?.stop();
                tenant = undefined;
                return reply({ type: "stopped" });
            case "exit":
                await tenant?.stop();
                port.close();
        }
    };
    port.on("message", (message: TenantWorkerRequest) => {
        handle(message).catch((err: unknown) => {
            // An uncaught error ends the worker; the bench sees it as the worker's "error" event.
            setImmediate(() => {
                throw err;
            });
        });
    });
}

if (parentPort) serve(parentPort);
