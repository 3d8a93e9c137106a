/**
 * The tenant's signing key: one RS256 key pair, its JWKS at /.well-known/jwks.json, and the access
 * tokens it signs and verifies. Access tokens carry the claims Auth0 puts in a client-credentials
 * token (https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles, "The Auth0
 * token profile"): iss, sub `<client_id>@clients`, aud, iat, exp, jti, scope, gty, azp.
 */
import { randomUUID } from "node:crypto";
import { createLocalJWKSet, exportJWK, generateKeyPair, JSONWebKeySet, JWTPayload, jwtVerify, SignJWT } from "jose";

export type SigningKeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A new RS256 key pair, extractable, so the OpenID Provider served on a tenant signs with the same key. */
export function signingKeyPair(): Promise<SigningKeyPair> {
    return generateKeyPair("RS256", { extractable: true });
}

/** What an access token says: who it was issued to, for which API, with which scopes, for how long. */
export interface AccessTokenClaims {
    readonly issuer: string;
    readonly clientId: string;
    readonly audience: string;
    readonly scope: string;
    readonly lifetimeS: number;
    readonly jti: string;
}

export class SigningKeys {
    private readonly verifyKeys: ReturnType<typeof createLocalJWKSet>;

    private constructor(
        private readonly privateKey: SigningKeyPair["privateKey"],
        /** The public key set, as /.well-known/jwks.json serves it. */
        readonly jwks: JSONWebKeySet,
        private readonly privateJwks: JSONWebKeySet,
        private readonly kid: string,
    ) {
        this.verifyKeys = createLocalJWKSet(jwks);
    }

    /** The key set of `pair`, under a new kid. */
    static async of(pair: Promise<SigningKeyPair>): Promise<SigningKeys> {
        const { privateKey, publicKey } = await pair;
        const kid = randomUUID();
        const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
        const privateJwks = { keys: [{ ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" }] };
        return new SigningKeys(privateKey, jwks, privateJwks, kid);
    }

    /** The private key set (one key, the kid the JWKS publishes), copied. Never print it. */
    privateKeySet(): JSONWebKeySet {
        return structuredClone(this.privateJwks);
    }

    /** A client-credentials access token. */
    sign(claims: AccessTokenClaims): Promise<string> {
        return new SignJWT({ scope: claims.scope, gty: "client-credentials", azp: claims.clientId })
            .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid })
            .setIssuer(claims.issuer)
            .setSubject(`${claims.clientId}@clients`)
            .setAudience(claims.audience)
            .setIssuedAt()
            .setExpirationTime(`${claims.lifetimeS}s`)
            .setJti(claims.jti)
            .sign(this.privateKey);
    }

    /** The claims of `token` if this key signed it (RS256) for `issuer` and `audience` and it has not expired; throws otherwise. */
    async verify(token: string, issuer: string, audience: string): Promise<JWTPayload> {
        return (await jwtVerify(token, this.verifyKeys, { issuer, audience, algorithms: ["RS256"] })).payload;
    }
}
