import * as pulumi from "@pulumi/pulumi";
import { AUTH0_DEFAULT_TOKEN_LIFETIME_S } from "./auth0Defaults";
import * as auth0 from "@pulumi/auth0";

export interface ApiArgs {
    /** The API's identifier (the `audience` of its tokens), e.g. `https://test-api`. No default. */
    readonly identifier: pulumi.Input<string>;
    /** Display name in the dashboard. No default. */
    readonly displayName: pulumi.Input<string>;
    /** The permissions the API defines. No default. */
    readonly scopes: pulumi.Input<pulumi.Input<{ name: string; description: string }>[]>;
    /** Access token lifetime in seconds. Default: 86400. */
    readonly tokenLifetime?: pulumi.Input<number>;
    /** Protect the API and its scopes from deletion and replacement (prod). Default: false. */
    readonly protect?: boolean;
}

/**
 * A custom API ("APIs > Create API", then "register the permissions": "Call API From Rule",
 * https://community.auth0.com/t/call-api-from-rule/106093). The
 * permissions are declared with `auth0.ResourceServerScopes`, the one way @pulumi/auth0 3.49.0
 * has: its `ResourceServer` takes no scopes (node_modules/@pulumi/auth0/resourceServer.d.ts).
 * That resource owns the API's whole list: an update replaces it, so a permission added in the
 * dashboard is removed, and a create over an API that already has other scopes is refused
 * ("Import the resource instead": terraform-provider-auth0 v1.53.0
 * internal/auth0/resourceserver/resource_scopes.go:131 guardAgainstErasingUnwantedScopes).
 */
export class Api extends pulumi.ComponentResource {
    /** The API's identifier, i.e. the audience tokens are requested for; resolves once its scopes exist. */
    readonly identifier: pulumi.Output<string>;
    /** The resource server's id in the tenant. */
    readonly resourceServerId: pulumi.Output<string>;
    /** The scope names the API defines (known once its permissions exist). */
    readonly scopeNames: pulumi.Output<string[]>;

    constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("auth0-tenant:api:Api", name, {}, opts);
        const resourceServer = new auth0.ResourceServer(
            `${name}-server`,
            {
                identifier: args.identifier,
                name: args.displayName,
                signingAlg: "RS256",
                tokenLifetime: args.tokenLifetime ?? AUTH0_DEFAULT_TOKEN_LIFETIME_S,
                tokenDialect: "access_token",
                skipConsentForVerifiableFirstPartyClients: true,
                allowOfflineAccess: false,
            },
            // Create-before-delete. The provider alone would delete first: the bridge answers
            // delete-before-replace for any replacement of a resource whose auto-named `name` the
            // program sets (pulumi-terraform-bridge v3.133.0 pkg/tfbridge/provider.go 1253-1254,
            // schema.go nameRequiresDeleteBeforeReplace; pulumi-auth0 v3.49.0 provider/resources.go:126),
            // and the engine then deletes the scopes, every grant to the API and the verification
            // before the API (pulumi/pulumi pkg/resource/deploy/step_generator.go 2043-2155): a login
            // gets no token in between, none at all if the create fails. Nothing here needs the old
            // API gone first: its one ForceNew field is `identifier`, unique per tenant
            // (terraform-provider-auth0 v1.53.0 internal/auth0/resourceserver/resource.go 46-47), so a
            // replacement always creates a new identifier beside the old one; names are not unique. The
            // option overrides the provider's answer (step_generator.go 2043-2046).
            { parent: this, protect: args.protect ?? false, deleteBeforeReplace: false },
        );
        const permissions = new auth0.ResourceServerScopes(
            `${name}-scopes`,
            { resourceServerIdentifier: resourceServer.identifier, scopes: args.scopes },
            { parent: this, protect: args.protect ?? false },
        );
        // Taken from the permissions resource, so whatever uses the identifier (a client grant)
        // is created only after the scopes it names exist.
        this.identifier = permissions.resourceServerIdentifier;
        this.resourceServerId = resourceServer.id;
        this.scopeNames = permissions.scopes.apply((scopes) => scopes.map((s) => s.name));
        this.registerOutputs({ identifier: this.identifier, resourceServerId: this.resourceServerId, scopeNames: this.scopeNames });
    }
}
