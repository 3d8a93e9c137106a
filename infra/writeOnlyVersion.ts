import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * The version of a write-only value (`clientSecretWoVersion`, `secretsWoVersion`). The provider
 * neither keeps nor reads back a write-only value, and sends it only when its version changes
 * (terraform-provider-auth0 v1.53.0 internal/auth0/client/resource_credentials.go 749-756 for
 * the client secret), so the version must change whenever the value
 * does, for whatever reason the value changed: it is derived from a SHA-256 digest of the value,
 * and the same value always gives the same version. A digest of a secret is kept secret.
 */
export function writeOnlyVersion<T>(value: pulumi.Output<T>): pulumi.Output<number> {
    return pulumi.secret(
        value.apply((resolved) => {
            const digest = crypto.createHash("sha256").update(JSON.stringify(resolved)).digest();
            // 6 bytes: a positive integer that is exact in a JavaScript number; at least 1, as the
            // schema requires (resource_credentials_schema.go 103).
            return digest.readUIntBE(0, 6) + 1;
        }),
    );
}
