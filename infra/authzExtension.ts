import * as pulumi from "@pulumi/pulumi";
import * as auth0 from "@pulumi/auth0";

import { AUTHZ_EXTENSION_AUDIENCE } from "./loginContract";

export { AUTHZ_EXTENSION_AUDIENCE };

/**
 * Looks up the Authorization Extension's API. The extension is installed by hand and owns its
 * API and client; this stack only grants to it, so it must never declare them itself. Fails with
 * instructions when the API is missing or lacks a scope the login code needs.
 */
export function authzExtensionApi(requiredScopes: readonly string[], enabledKey: string, opts?: pulumi.InvokeOptions): pulumi.Output<string> {
    const instructions =
        "install the Authorization Extension (Dashboard > Extensions > Auth0 Authorization), open it, " +
        `enable API access (gear menu > API), then run pulumi up again; or set ${enabledKey} to false`;
    const lookup = auth0.getResourceServer({ identifier: AUTHZ_EXTENSION_AUDIENCE }, opts).then(
        (api) => {
            if (!api.identifier) {
                throw lookupError(`authzExtension: the tenant has no API ${AUTHZ_EXTENSION_AUDIENCE}; ${instructions}`);
            }
            const defined = new Set(api.scopes.map((s) => s.name));
            const missing = requiredScopes.filter((s) => !defined.has(s));
            if (missing.length) {
                throw lookupError(`authzExtension: the API ${AUTHZ_EXTENSION_AUDIENCE} does not define ${missing.join(", ")}, which the login code needs; ${instructions}`);
            }
            return api.identifier;
        },
        (err: unknown) => {
            const reason = err instanceof Error ? err.message : String(err);
            throw lookupError(`authzExtension: could not find the API ${AUTHZ_EXTENSION_AUDIENCE}${reason ? ` (${reason})` : ""}; ${instructions}`);
        },
    );
    return pulumi.output(lookup);
}

/**
 * The lookup's failure, as the one message the CLI shows. The rejected lookup flows into every
 * input built from it (both slots' grants, the verification's environment and triggers), and the
 * SDK prefixes the *same* error object's message at each level it serializes
 * (@pulumi/pulumi runtime/rpc.js serializeFilteredProperties: `err.message = \`error serializing
 * property "${k}": ${err.message}\``), so one missing API read behind nine prefixes. A RunError is
 * reported without a stack, once per error object (cmd/run/run.js uncaughtHandler); its message is
 * fixed here so the prefixing cannot change it.
 */
function lookupError(message: string): Error {
    const err = new pulumi.RunError(message);
    Object.defineProperty(err, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: false });
    return err;
}
