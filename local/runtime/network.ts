import { Agent as HttpsAgent } from "node:https";
import { Agent as UndiciAgent } from "undici";

/**
 * The runtimes' network configuration: the login code reaches the local servers over real TLS,
 * trusting the test certificate the way a production runtime trusts the public CAs.
 */
export interface TrustedNetwork {
    /** For axios in the Rules runtime. */
    readonly httpsAgent: HttpsAgent;
    /** For fetch in the Actions runtime. */
    readonly dispatcher: UndiciAgent;
    /** Called with the duration of each request the login code makes (for the benchmark). */
    readonly observe?: (elapsedMs: number) => void;
    close(): Promise<void>;
}

export function trustedNetwork(ca: string, observe?: (elapsedMs: number) => void): TrustedNetwork {
    const httpsAgent = new HttpsAgent({ ca, keepAlive: true });
    const dispatcher = new UndiciAgent({ connect: { ca } });
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
