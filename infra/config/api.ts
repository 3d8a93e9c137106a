import { AUTHZ_EXTENSION_AUDIENCE } from "../authzExtension";
import { ExtensibilityMode, scopesNeeded } from "../loginContract";
import { CONFIG_DEFAULTS } from "./keys";
import { ConfigReader, readScopeList, withoutUserinfo } from "./reader";

const TOKEN_LIFETIME_MAX_S = 2_592_000; // Auth0's ceiling for API access tokens (30 days)
const TOKEN_LIFETIME_MIN_S = 60;

// Auth0's bounds on an API's permissions. Scopes per API: 1000 (Auth0 docs, "Entity limits",
// https://auth0.com/docs/policies/entity-limits, the Authorization Core RBAC table). A scope's
// value is 1 to 280 characters and its description at most 500: schema ResourceServerScope of
// the Management API v2 OpenAPI document (value minLength 1, maxLength 280; description
// maxLength 500), the body of POST /api/v2/resource-servers
// (https://auth0.com/docs/api/management/v2/resource-servers/post-resource-servers).
const API_SCOPES_MAX = 1000;
const SCOPE_VALUE_MAX_CHARS = 280;
const SCOPE_DESCRIPTION_MAX_CHARS = 500;

export interface ApiScope {
    readonly name: string;
    readonly description: string;
}

export interface ApiSection {
    readonly identifier: string;
    readonly scopes: readonly ApiScope[];
    readonly tokenLifetime: number;
    /** Undefined when refused. */
    readonly baseUrl: string | undefined;
    readonly probe: boolean;
}

/**
 * The custom API: apiIdentifier, apiScopes (which must hold every scope the mode's login code
 * calls it with), apiTokenLifetime, apiBaseUrl and apiProbeEnabled.
 */
export function readApi(reader: ConfigReader, extensibility: ExtensibilityMode, domain: string | undefined): ApiSection {
    const { project, stack, problems, key, raw, parseJson, bool, httpsUrl } = reader;
    // Per stack, so two stacks of a tenant never share an API; Pulumi.yaml cannot state it.
    const identifier = raw("apiIdentifier") ?? `urn:${project}:${stack}:api`;
    validateApiIdentifier(key("apiIdentifier"), identifier, domain, problems);
    const scopes = readApiScopes(key("apiScopes"), parseJson<unknown>("apiScopes", 'a list of "<scope> <description>"'), problems);
    for (const needed of scopesNeeded("api", extensibility)) {
        if (scopes.length && !scopes.some((s) => s.name === needed)) {
            problems.push(`${key("apiScopes")}: the login code calls the API with scope ${needed}, which the API does not declare; add {"name": "${needed}", ...}`);
        }
    }
    const lifetimeText = raw("apiTokenLifetime");
    let tokenLifetime: number = CONFIG_DEFAULTS.apiTokenLifetime;
    if (lifetimeText !== undefined) {
        const n = Number(lifetimeText);
        if (!Number.isInteger(n) || n < TOKEN_LIFETIME_MIN_S || n > TOKEN_LIFETIME_MAX_S) {
            problems.push(`${key("apiTokenLifetime")}: ${JSON.stringify(lifetimeText)} is not valid; expected whole seconds from ${TOKEN_LIFETIME_MIN_S} to ${TOKEN_LIFETIME_MAX_S}`);
        } else {
            tokenLifetime = n;
        }
    }
    const baseUrl = httpsUrl(key("apiBaseUrl"), raw("apiBaseUrl"), "https://api.example.com");
    // A stack whose API is not served yet deploys with the probe off; its logins meanwhile get
    // what failurePolicyApi says for a failing API call.
    const probe = bool("apiProbeEnabled");
    return { identifier, scopes, tokenLifetime, baseUrl, probe };
}

function validateApiIdentifier(label: string, identifier: string, domain: string | undefined, problems: string[]): void {
    const expected = "an absolute URI such as https://test-api or urn:example:api, without spaces";
    if (!identifier || /\s/.test(identifier)) {
        problems.push(`${label}: ${JSON.stringify(withoutUserinfo(identifier))} is not valid; expected ${expected}`);
        return;
    }
    let url: URL;
    try {
        url = new URL(identifier);
    } catch {
        problems.push(`${label}: ${JSON.stringify(withoutUserinfo(identifier))} is not valid; expected ${expected}`);
        return;
    }
    const shown = JSON.stringify(withoutUserinfo(identifier));
    if (!["https:", "http:", "urn:"].includes(url.protocol)) {
        problems.push(`${label}: ${shown} has scheme ${url.protocol}; expected ${expected}`);
    } else if (url.username || url.password) {
        problems.push(`${label}: ${shown} carries credentials before the host; expected ${expected}`);
    } else if (domain && url.hostname === domain.toLowerCase() && url.pathname.toLowerCase().startsWith("/api/v2")) {
        // url.hostname is lower-cased by the URL parser, so the domain is compared the same way.
        problems.push(`${label}: ${shown} is the Management API's identifier; expected your own API's`);
    } else if (identifier.toLowerCase() === AUTHZ_EXTENSION_AUDIENCE) {
        problems.push(`${label}: ${shown} is the Authorization Extension API's identifier (the extension owns that API); expected your own API's`);
    }
}

/** API scopes are written `"<scope> <description>"`: a scope has no spaces, so the first one splits. */
function readApiScopes(label: string, value: unknown, problems: string[]): ApiScope[] {
    const example = '["read:entitlements Read a user\'s entitlements"]';
    if (value === undefined) {
        problems.push(`${label}: missing; expected a list of "<scope> <description>", e.g. ${example}`);
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        problems.push(`${label}: expected a list of "<scope> <description>" strings, e.g. ${example}`);
        return [];
    }
    if (value.length > API_SCOPES_MAX) {
        problems.push(`${label}: ${value.length} scopes; expected at most ${API_SCOPES_MAX}, Auth0's limit of scopes per API`);
        return [];
    }
    const entries = (value as string[]).map((v) => {
        const text = v.trim();
        const space = text.search(/\s/);
        return space < 0 ? { name: text, description: "" } : { name: text.slice(0, space), description: text.slice(space).trim() };
    });
    entries.forEach((e, i) => {
        if (e.name.length > SCOPE_VALUE_MAX_CHARS) {
            problems.push(`${label}[${i}]: the scope is ${e.name.length} characters; expected at most ${SCOPE_VALUE_MAX_CHARS}, Auth0's limit`);
        }
        if (e.description.length > SCOPE_DESCRIPTION_MAX_CHARS) {
            problems.push(`${label}[${i}]: the description of ${e.name} is ${e.description.length} characters; expected at most ${SCOPE_DESCRIPTION_MAX_CHARS}, Auth0's limit`);
        }
    });
    const names = readScopeList(label, entries.map((e) => e.name), { allowEmpty: false }, problems);
    return names.map((name) => {
        const entry = entries.find((e) => e.name === name)!;
        return { name, description: entry.description || name };
    });
}
