import { CONFIG_DEFAULTS } from "./keys";
import { ConfigReader } from "./reader";

export interface AuthzExtensionConfig {
    readonly enabled: boolean;
    /** https URL of the extension's API (ends in `/api`); set when enabled. */
    readonly url?: string;
}

/**
 * The Authorization Extension (authzExtensionEnabled, authzExtensionUrl): installed by hand; the
 * stack only grants to its API, and the login code calls it at its URL.
 */
export function readAuthzExtension({ problems, key, raw, bool, httpsUrl }: ConfigReader): AuthzExtensionConfig {
    const enabled = bool("authzExtensionEnabled");
    if (!enabled) return { enabled: false };
    const url = httpsUrl(
        key("authzExtensionUrl"),
        raw("authzExtensionUrl") ?? CONFIG_DEFAULTS.authzExtensionUrl,
        "https://<tenant>.<region>.webtask.run/<extension id>/api (the extension's API URL)",
    );
    // The login code appends /users/{user_id}/groups to it (auth0/docs
    // articles/api/authorization-extension/_users.md, "Get User Groups"); "Calling the
    // authorization extension API from a rule"
    // (https://community.auth0.com/t/calling-the-authorization-extension-api-from-a-rule/9542)
    // calls <extension URL>/api/users/<id>/groups, so the API's URL is the extension's URL plus /api.
    if (url !== undefined && !/\/api$/.test(new URL(url).pathname)) {
        problems.push(
            `${key("authzExtensionUrl")}: ${JSON.stringify(url)} does not end in /api; expected the extension's API URL, ` +
                "e.g. https://<tenant>.<region>.webtask.run/<extension id>/api (the extension's dashboard, gear menu > API)",
        );
    }
    return { enabled: true, url };
}
