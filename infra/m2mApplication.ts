import * as pulumi from "@pulumi/pulumi";
import * as auth0 from "@pulumi/auth0";
import * as random from "@pulumi/random";
import { writeOnlyVersion } from "./writeOnlyVersion";

/** Length of generated client secrets; Auth0 accepts custom secrets of 48 characters or more. */
const CLIENT_SECRET_LENGTH = 64;

export interface M2mGrant {
    /** The API identifier (audience) the client may request tokens for. */
    readonly audience: pulumi.Input<string>;
    /** Exactly the scopes granted; never empty (an empty grant is not declared). */
    readonly scopes: readonly string[];
}

export interface M2mApplicationArgs {
    /** Display name in the dashboard. No default. */
    readonly displayName: pulumi.Input<string>;
    /** Description in the dashboard. Default: none. */
    readonly description?: pulumi.Input<string>;
    /** Token endpoint authentication method. Default: `client_secret_post` (never `none`). */
    readonly authenticationMethod?: pulumi.Input<"client_secret_post" | "client_secret_basic">;
    /** The client's secret is regenerated (and sent to Auth0) whenever this number changes; at least 1. Default: 1. */
    readonly secretGeneration?: pulumi.Input<number>;
    /** Client grants by role, e.g. `{ api: {...}, managementApi: {...} }`. Default: none. */
    readonly grants?: Readonly<Record<string, M2mGrant>>;
    /**
     * Protect the application and its credentials: deleting or replacing them changes the client
     * id every consumer holds. The secret and the grants stay unprotected: a rotation replaces the
     * secret, and a grant follows the config. Default: false.
     */
    readonly protect?: boolean;
}

/**
 * A machine-to-machine application ("Machine to Machine Applications", token endpoint
 * authentication method not `none`, grant type Client Credentials: "Update Auth0 Applications
 * using the Management API", https://auth0.com/blog/update-auth0-applications-using-the-management-api/),
 * its secret and its client grants (step 7 of "Call API From Rule",
 * https://community.auth0.com/t/call-api-from-rule/106093: "toggle the API ... to Authorized").
 *
 * The secret is generated here rather than read back from Auth0, so it flows into the login
 * code's settings as a Pulumi secret in the same update that sets it, and rotation is a
 * config change (bump `secretGeneration`).
 */
export class M2mApplication extends pulumi.ComponentResource {
    readonly clientId: pulumi.Output<string>;
    /** A Pulumi secret; never export it. */
    readonly clientSecret: pulumi.Output<string>;
    /** Granted scopes by audience role, for outputs. */
    readonly grantedScopes: Readonly<Record<string, readonly string[]>>;
    /** The grants as declared (audience and scopes), for post-deploy verification. */
    readonly grants: readonly M2mGrant[];

    constructor(name: string, args: M2mApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("auth0-tenant:m2m:M2mApplication", name, {}, opts);
        const generation = args.secretGeneration ?? 1;
        const client = new auth0.Client(
            `${name}-client`,
            {
                name: args.displayName,
                description: args.description,
                appType: "non_interactive",
                grantTypes: ["client_credentials"],
                isFirstParty: true,
                oidcConformant: true,
                jwtConfiguration: { alg: "RS256" },
            },
            { parent: this, protect: args.protect ?? false },
        );
        const secret = new random.RandomPassword(
            `${name}-secret`,
            { length: CLIENT_SECRET_LENGTH, special: false, keepers: { generation: pulumi.output(generation).apply(String) } },
            { parent: this },
        );
        const credentials = new auth0.ClientCredentials(
            `${name}-credentials`,
            {
                clientId: client.clientId,
                authenticationMethod: args.authenticationMethod ?? "client_secret_post",
                // Write-only: the provider sends it and keeps it out of its own state, and only
                // when the version changes. The version follows the value, not `generation`, so a
                // password replaced for any reason (its length, `pulumi up --replace`, state
                // surgery) reaches Auth0; it changes with the generation since the value does.
                clientSecretWo: secret.result,
                clientSecretWoVersion: writeOnlyVersion(secret.result),
            },
            { parent: this, protect: args.protect ?? false },
        );
        const grants = args.grants ?? {};
        const grantResources = Object.entries(grants).map(
            ([role, grant]) =>
                new auth0.ClientGrant(
                    `${name}-grant-${role}`,
                    { clientId: client.clientId, audience: grant.audience, scopes: [...grant.scopes], subjectType: "client" },
                    { parent: this },
                ),
        );
        // Dependents (the login code's settings) wait until the tenant holds this secret and
        // every grant exists, so code never points at a client that cannot get its tokens yet.
        const ready = pulumi.all([credentials.id, ...grantResources.map((g) => g.id)]);
        this.clientId = pulumi.all([client.clientId, ready]).apply(([id]) => id);
        this.clientSecret = pulumi.secret(pulumi.all([secret.result, ready]).apply(([value]) => value));
        this.grantedScopes = Object.fromEntries(Object.entries(grants).map(([role, g]) => [role, [...g.scopes]]));
        this.grants = Object.values(grants);
        this.registerOutputs({ clientId: this.clientId });
    }
}
