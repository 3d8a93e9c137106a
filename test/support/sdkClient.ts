/**
 * The official auth0 SDK (v7), unchanged, against a tenant: run as a child process so it trusts
 * the local tenant's CA the standard way (NODE_EXTRA_CA_CERTS), with the domain as host:port.
 * Input from the environment (secrets never on the command line); prints one JSON object with
 * what each call answered: never a token or a secret.
 *
 *   SDK_DOMAIN, SDK_CLIENT_ID, SDK_CLIENT_SECRET, SDK_AUDIENCE, SDK_USER_ID
 */
import { ManagementClient } from "auth0";

// v7 ships the Authentication API client at its documented `auth0/legacy` entry, which re-exports
// the package auth0-legacy; tsconfig's "node" resolution cannot see package exports, so the
// types are taken from that package directly.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AuthenticationClient } = require("auth0/legacy") as typeof import("auth0-legacy");

interface Outcome {
    readonly ok: boolean;
    readonly status?: number;
    readonly error?: string;
    readonly value?: unknown;
}

async function attempt(run: () => Promise<unknown>): Promise<Outcome> {
    try {
        return { ok: true, value: await run() };
    } catch (err) {
        const e = err as { statusCode?: number; error?: string; body?: { error?: string }; message?: string };
        return { ok: false, status: e.statusCode, error: e.error ?? e.body?.error ?? e.message };
    }
}

async function main(): Promise<void> {
    const env = (name: string) => {
        const value = process.env[name];
        if (!value) throw new Error(`${name} is not set`);
        return value;
    };
    const domain = env("SDK_DOMAIN");
    const clientId = env("SDK_CLIENT_ID");
    const clientSecret = env("SDK_CLIENT_SECRET");
    const auth = new AuthenticationClient({ domain, clientId, clientSecret });
    const wrongSecret = new AuthenticationClient({ domain, clientId, clientSecret: `${clientSecret}-wrong` });
    const management = new ManagementClient({ domain, clientId, clientSecret });

    const result = {
        customApi: await attempt(async () => {
            const { data } = await auth.oauth.clientCredentialsGrant({ audience: env("SDK_AUDIENCE") });
            // The SDK's TokenSet type omits `scope`; the response body carries it.
            const scope = (data as typeof data & { scope?: string }).scope;
            return { scope, token_type: data.token_type, expires_in: data.expires_in, hasToken: data.access_token.length > 0 };
        }),
        wrongSecret: await attempt(() => wrongSecret.oauth.clientCredentialsGrant({ audience: env("SDK_AUDIENCE") })),
        unknownAudience: await attempt(() => auth.oauth.clientCredentialsGrant({ audience: "https://not-declared.example" })),
        updateAppMetadata: await attempt(async () => {
            const user = await management.users.update(env("SDK_USER_ID"), { app_metadata: { plan: "gold" } });
            return { user_id: user.user_id, app_metadata: user.app_metadata };
        }),
    };
    process.stdout.write(JSON.stringify(result));
}

main().catch((err: unknown) => {
    process.stderr.write(`sdk client: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
