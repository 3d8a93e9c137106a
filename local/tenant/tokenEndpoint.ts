/**
 * POST /oauth/token for the client-credentials grant, answering as Auth0 does
 * (https://auth0.com/docs/api/authentication#client-credentials-flow): 400
 * unsupported_grant_type, 401 access_denied for a wrong secret, 403 access_denied for an unknown
 * API or a client without a grant on it, else a token carrying the grant's scopes for the API's
 * token lifetime. The grants of the interactive flows go to the flows handler when one is set.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "../../infra/auth0Defaults";
import { AccessTokens } from "./accessTokens";
import { ClientsAndApis } from "./clientsAndApis";
import { RequestCounts } from "./counters";
import { applyFault, FaultPlan } from "./faults";
import { parseBody, replay, sendJson } from "./https";

/** What a token request's body named: identifiers only, for the request log. */
export interface TokenRequestFields {
    readonly grantType?: string;
    readonly clientId?: string;
    readonly audience?: string;
}

export interface TokenEndpointParts {
    readonly clientsAndApis: ClientsAndApis;
    readonly tokens: AccessTokens;
    readonly faults: FaultPlan;
    readonly counts: RequestCounts;
    /** The handler of the interactive flows, if one is set now. */
    readonly flows: () => ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

export class TokenEndpoint {
    /** What each request's body named, for the request log. */
    readonly fields = new WeakMap<IncomingMessage, TokenRequestFields>();

    constructor(private readonly parts: TokenEndpointParts) {}

    async answer(rawBody: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
        const { clientsAndApis, tokens, faults, counts } = this.parts;
        const params = parseBody(rawBody, req.headers["content-type"]);
        const audience = typeof params.audience === "string" ? params.audience : "";
        const grantType = typeof params.grant_type === "string" ? params.grant_type : "";
        const clientId = typeof params.client_id === "string" ? params.client_id : "";
        this.fields.set(req, { grantType, clientId: clientId || undefined, audience: audience || undefined });
        // The grants of the interactive flows (authorization code, refresh token) are the OpenID Provider's.
        const flows = this.parts.flows();
        if (grantType !== "client_credentials" && flows) return flows(replay(req, rawBody), res);
        counts.countToken(audience);
        const fault = faults.take("token", audience);
        if (fault && (await applyFault(res, fault)) === "answered") return;

        if (params.grant_type !== "client_credentials") {
            return sendJson(res, 400, { error: "unsupported_grant_type", error_description: "Unsupported grant type" });
        }
        const secret = clientsAndApis.clientSecret(clientId);
        if (secret === undefined || secret !== params.client_secret) {
            return sendJson(res, 401, { error: "access_denied", error_description: "Unauthorized" });
        }
        const api = clientsAndApis.api(audience);
        if (!api) {
            return sendJson(res, 403, { error: "access_denied", error_description: `Service not found: ${audience}` });
        }
        const grant = clientsAndApis.grant(clientId, api.identifier);
        if (!grant) {
            return sendJson(res, 403, {
                error: "access_denied",
                error_description:
                    `Client is not authorized to access "${api.identifier}". You need to create a "client-grant" ` +
                    "associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants",
            });
        }
        const lifetime = api.tokenLifetimeS ?? AUTH0_DEFAULT_TOKEN_LIFETIME_S;
        const scope = grant.scopes.join(" ");
        const accessToken = await tokens.issue({ clientId, audience: api.identifier, scope, lifetimeS: lifetime }, true);
        const response: Record<string, unknown> = { access_token: accessToken, scope, expires_in: lifetime, token_type: "Bearer" };
        if (fault?.kind === "omit-expires-in") delete response.expires_in;
        sendJson(res, 200, response);
    }
}
