/**
 * The program run of declareTenantAside (local/declaredTenant.ts), in its worker thread: the
 * real program under the mock runtime, as declareTenant runs it; answers the declared resources
 * (plain data), or the error's message.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ProgramThreadRequest, runDeclaringProgram } from "../declaredTenant";

const request = workerData as ProgramThreadRequest;
runDeclaringProgram({ stack: request.stack, stackDir: request.stackDir }, request.authzExtensionScopes).then(
    (run) => parentPort?.postMessage({ declared: run.declared }),
    (err: unknown) => parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) }),
);
