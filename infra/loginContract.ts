/**
 * The contract between the stack and the login code (the files in `rules/` and `actions/`).
 *
 * One list of the HTTP calls the login code makes and the scopes each call needs. The stack
 * derives its client grants from it; the local servers used in tests enforce exactly these
 * scopes per endpoint. So "the grant is enough" and "the grant is no more than needed" are both
 * checked against the same data.
 *
 * And one catalogue of the settings the login code may read (`configuration.NAME` in rules,
 * `event.secrets.NAME` in actions). The stack scans the files for the names they read and
 * refuses a name that is not in this catalogue, so a new setting cannot ship without the stack
 * knowing how to provide it.
 *
 * The three audiences answer three public pages (docs/origins.md):
 * - CALL_API: "Call API From Rule", https://community.auth0.com/t/call-api-from-rule/106093
 * - MANAGEMENT_TOKEN: "How do I get an access token to call Management API v2 from a rule?",
 *   https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970
 * - AUTHZ_FROM_RULE: "Calling the authorization extension API from a rule",
 *   https://community.auth0.com/t/calling-the-authorization-extension-api-from-a-rule/9542
 */

export type ExtensibilityMode = "actions" | "rules";

/** The audience of the Authorization Extension API (AUTHZ_FROM_RULE above). */
export const AUTHZ_EXTENSION_AUDIENCE = "urn:auth0-authz-api";

/** Which audience a call goes to. */
export type Audience =
    /** The custom API the stack declares (CALL_API above, e.g. `https://test-api`). */
    | "api"
    /** Auth0 Management API v2, `https://<domain>/api/v2/` (MANAGEMENT_TOKEN above). */
    | "managementApi"
    /** The Authorization Extension API, `urn:auth0-authz-api` (AUTHZ_FROM_RULE above). */
    | "authzExtension";

export interface LoginCall {
    readonly audience: Audience;
    readonly method: "GET" | "POST" | "PATCH";
    /** Path relative to the audience's base URL; `{user_id}` is the URL-encoded user id. */
    readonly path: string;
    /** Scopes the access token must carry for this call. */
    readonly scopes: readonly string[];
    /** The extensibility modes whose code makes this call. */
    readonly modes: readonly ExtensibilityMode[];
    /** Why the login code makes it. */
    readonly purpose: string;
}

export const LOGIN_CALLS: readonly LoginCall[] = [
    {
        audience: "authzExtension",
        method: "GET",
        path: "/users/{user_id}/groups",
        // The extension's route handler requires read:groups (its docs page says read:users;
        // the code is what is enforced).
        scopes: ["read:groups"],
        modes: ["actions", "rules"],
        purpose: "the user's groups with their descriptions, for the groups claim (AUTHZ_FROM_RULE)",
    },
    {
        audience: "api",
        method: "GET",
        path: "/users/{user_id}/entitlements",
        scopes: ["read:entitlements"],
        modes: ["actions", "rules"],
        purpose: "the user's entitlements from the custom API, for the entitlements claim (CALL_API)",
    },
    {
        audience: "managementApi",
        method: "PATCH",
        path: "/api/v2/users/{user_id}",
        scopes: ["update:users_app_metadata"],
        modes: ["rules"],
        purpose:
            "records the groups in app_metadata (MANAGEMENT_TOKEN); actions use api.user.setAppMetadata instead, " +
            "so they need no Management API grant",
    },
];

/** The scopes the login code of `mode` needs on `audience`, sorted and unique. */
export function scopesNeeded(audience: Audience, mode: ExtensibilityMode): string[] {
    const scopes = new Set<string>();
    for (const call of LOGIN_CALLS) {
        if (call.audience === audience && call.modes.includes(mode)) {
            call.scopes.forEach((s) => scopes.add(s));
        }
    }
    return [...scopes].sort();
}

export interface LoginSetting {
    /** Whether the value is a credential (a Pulumi secret end to end). */
    readonly secret: boolean;
    readonly description: string;
}

/**
 * Every setting the login code may read. Rules read them as `configuration.NAME` (one
 * `auth0.RuleConfig` each), actions as `event.secrets.NAME` (one action secret each). The names
 * are the same in both so one spec can run against both runtimes.
 */
export const LOGIN_SETTINGS = {
    AUTH0_DOMAIN: { secret: false, description: "the tenant's canonical domain; the token endpoint is https://<AUTH0_DOMAIN>/oauth/token" },
    M2M_CLIENT_ID: { secret: false, description: "client id of the M2M application the login code authenticates as" },
    M2M_CLIENT_SECRET: { secret: true, description: "client secret of that M2M application" },
    M2M_CREDENTIALS: {
        secret: true,
        description:
            'the same client id and secret as one JSON value, {"client_id": "...", "client_secret": "..."}: what rules read, ' +
            "so a rotation switches both in one rule-config write (an action deploy carries all its secrets at once)",
    },
    API_AUDIENCE: { secret: false, description: "identifier (audience) of the custom API" },
    API_BASE_URL: { secret: false, description: "https base URL the custom API is served at" },
    AUTHZ_EXTENSION_URL: {
        secret: false,
        description: "https URL of the Authorization Extension API (ends in /api); absent when the extension is not enabled",
    },
    CLAIM_NAMESPACE: { secret: false, description: "https namespace prefix for custom claims, e.g. https://example.com/" },
    FAILURE_POLICY_GROUPS: { secret: false, description: "deny | continue: what a login does when the groups lookup fails" },
    FAILURE_POLICY_API: { secret: false, description: "deny | continue: what a login does when the custom API call fails" },
    FAILURE_POLICY_MANAGEMENT: {
        secret: false,
        description: "deny | continue: what a login does when the Management API call fails (rules only)",
    },
} as const satisfies Record<string, LoginSetting>;

export type LoginSettingName = keyof typeof LOGIN_SETTINGS;

export const FAILURE_POLICIES = ["deny", "continue"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];
