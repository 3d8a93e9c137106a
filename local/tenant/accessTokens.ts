/**
 * The access tokens a tenant issued: signed with its key, listed so tests can look for them where
 * they must not be, revocable, and checked on every API call as Auth0 checks a bearer token
 * (https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens: signature, issuer,
 * audience, expiry), answering 401 with `WWW-Authenticate: Bearer error="invalid_token"`
 * (RFC 6750 section 3) when it fails.
 */
import { randomUUID } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./https";
import { AccessTokenClaims, SigningKeys } from "./signingKeys";

export class AccessTokens {
    /** Every access token issued. */
    readonly issued: string[] = [];
    /** The jtis revokeIssued() revokes: those the token endpoint issued. */
    private readonly revocable: string[] = [];
    private readonly revoked = new Set<string>();

    constructor(
        readonly keys: SigningKeys,
        /** The tenant's issuer, known once its authorization server listens. */
        private readonly issuer: () => string,
    ) {}

    /**
     * A new access token. `revocable`: revokeIssued() revokes it (the token endpoint's tokens);
     * a token handed out directly (managementToken) stays valid.
     */
    async issue(claims: Omit<AccessTokenClaims, "issuer" | "jti">, revocable: boolean): Promise<string> {
        const jti = randomUUID();
        const token = await this.keys.sign({ ...claims, issuer: this.issuer(), jti });
        if (revocable) this.revocable.push(jti);
        this.issued.push(token);
        return token;
    }

    /** Every revocable token issued so far is rejected from now on with 401 (a stale token). */
    revokeIssued(): void {
        this.revocable.forEach((jti) => this.revoked.add(jti));
    }

    /**
     * The scopes of the request's bearer token, verified as Auth0 verifies an access token for
     * `audience`; or, answering 401 as Auth0 does, undefined.
     */
    async grantedScopes(req: IncomingMessage, res: ServerResponse, audience: string): Promise<string[] | undefined> {
        const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
        const unauthorized = (message: string) => {
            sendJson(res, 401, { statusCode: 401, error: "Unauthorized", message }, { "www-authenticate": 'Bearer error="invalid_token"' });
            return undefined;
        };
        if (!bearer) return unauthorized("Missing authentication");
        let claims;
        try {
            claims = await this.keys.verify(bearer, this.issuer(), audience);
        } catch {
            return unauthorized("Invalid token");
        }
        if (typeof claims.jti === "string" && this.revoked.has(claims.jti)) return unauthorized("Token revoked");
        return typeof claims.scope === "string" ? claims.scope.split(" ") : [];
    }
}
