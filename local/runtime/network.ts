import { Agent as HttpsAgent } from "node:https";
import { createSecureContext } from "node:tls";
import { Agent as UndiciAgent } from "undici";

/**
 * The runtimes' network configuration: the login code reaches the local servers over real TLS,
 * trusting the test certificate the way a production runtime trusts the public CAs.
 */
export interface TrustedNetwork {
    /** For axios in the Rules runtime, and node:https in the Actions runtime (its global agent). */
    readonly httpsAgent: HttpsAgent;
    /** For fetch in the Actions runtime. */
    readonly dispatcher: UndiciAgent;
    /** Called with the duration of each request the login code makes (for the benchmark). */
    readonly observe?: (elapsedMs: number) => void;
    close(): Promise<void>;
}

export function trustedNetwork(ca: string, observe?: (elapsedMs: number) => void): TrustedNetwork {
    // One secure context for every connection, as a runtime loads its CA store once: given only
    // `ca`, each new connection would parse the certificate again.
    const secureContext = createSecureContext({ ca });
    const httpsAgent = new HttpsAgent({ secureContext, keepAlive: true });
    const dispatcher = new UndiciAgent({ connect: { secureContext } });
    return {
        httpsAgent,
        dispatcher,
        observe,
        async close() {
            httpsAgent.destroy();
            await dispatcher.destroy();
        },
    };
}
