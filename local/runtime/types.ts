/** The user a login presents to the login code (the fields Rules and Actions both see). */
export interface LoginUser {
    readonly user_id: string;
    readonly email: string;
    readonly email_verified: boolean;
    readonly app_metadata?: Record<string, unknown>;
    readonly user_metadata?: Record<string, unknown>;
}

/** What a login ended with, as the platform would see it. */
export interface LoginResult {
    /** allowed: tokens issued; denied: the code refused (UnauthorizedError / api.access.deny); error: anything else. */
    readonly outcome: "allowed" | "denied" | "error";
    /** The deny reason or error message the application would receive. */
    readonly reason?: string;
    readonly idTokenClaims: Record<string, unknown>;
    readonly accessTokenClaims: Record<string, unknown>;
    /** app_metadata as the login code left it: after the rule's writes, or the Action's setAppMetadata calls. */
    readonly appMetadataUpdates: Record<string, unknown>;
    readonly durationMs: number;
}

/**
 * The transaction a login belongs to, as Auth0 hands it to the code: the application logging in
 * (Actions: event.client; Rules: context.clientID, context.clientName) and the protocol
 * (event.transaction.protocol, context.protocol). Default: LOCAL_TRANSACTION.
 */
export interface LoginTransaction {
    readonly client: { readonly clientId: string; readonly name: string };
    /** e.g. "oidc-basic-profile" (authorization code), "oauth2-refresh-token" (refresh token exchange). */
    readonly protocol: string;
    readonly requestedScopes: readonly string[];
}

/** What a login presents when its caller names no application: the runtimes' own test client. */
export const LOCAL_TRANSACTION: LoginTransaction = {
    client: { clientId: "local-app", name: "Local App" },
    protocol: "oidc-basic-profile",
    requestedScopes: ["openid", "profile", "email"],
};

/** One container of a runtime: logins run in it concurrently and share its memory. */
export interface LoginContainer {
    login(user: LoginUser, transaction?: LoginTransaction): Promise<LoginResult>;
    /** Every console line the login code wrote in this container. */
    readonly logs: readonly string[];
    /** Platform-contract breaches seen so far (e.g. a rule calling callback twice). */
    readonly violations: readonly string[];
}

/** Auth0's limit on one execution of the login pipeline, ms. */
export const EXECUTION_LIMIT_MS = 20000;
