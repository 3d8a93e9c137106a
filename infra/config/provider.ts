import { ConfigReader, withoutUserinfo } from "./reader";

const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * The provider's own settings the program depends on: the tenant's domain (returned as set,
 * undefined when unset) and the deploying client's credentials (only checked to be there).
 */
export function readProvider({ source, problems }: ConfigReader): string | undefined {
    // The tenant domain: the provider's own setting, so the program and the provider agree.
    const domain = source.get("auth0", "domain") ?? source.env.AUTH0_DOMAIN;
    if (!domain) {
        problems.push(
            "auth0:domain: missing; expected the tenant's hostname, e.g. dev-abc123.us.auth0.com " +
                "(pulumi config set auth0:domain <host>, or AUTH0_DOMAIN)",
        );
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(domain)) {
        problems.push(`auth0:domain: ${JSON.stringify(withoutUserinfo(domain))} has a scheme; expected a bare hostname, e.g. dev-abc123.us.auth0.com`);
    } else if (!HOSTNAME_PATTERN.test(domain)) {
        problems.push(`auth0:domain: ${JSON.stringify(withoutUserinfo(domain))} is not a hostname; expected e.g. dev-abc123.us.auth0.com`);
    } else if (domain !== domain.toLowerCase()) {
        // Refused, not lower-cased here: the provider reads auth0:domain itself and would go on
        // using the value as written, so the program and the provider would disagree.
        problems.push(`auth0:domain: ${JSON.stringify(domain)} has upper-case letters; expected it in lower case: ${domain.toLowerCase()}`);
    }

    // The deploying client's credentials are read by the provider itself; refuse early when
    // there are none, rather than failing on the first API call.
    const hasClientCredentials =
        (source.get("auth0", "clientId") ?? source.env.AUTH0_CLIENT_ID) !== undefined &&
        (source.get("auth0", "clientSecret") ?? source.env.AUTH0_CLIENT_SECRET) !== undefined;
    const hasApiToken = (source.get("auth0", "apiToken") ?? source.env.AUTH0_API_TOKEN) !== undefined;
    if (!hasClientCredentials && !hasApiToken) {
        problems.push(
            "auth0:clientSecret: missing; the deploying M2M application needs auth0:clientId and a secret " +
                "auth0:clientSecret (pulumi config set --secret auth0:clientSecret <secret>), " +
                "or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET in the environment",
        );
    }
    return domain;
}
