import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { Audience, LOGIN_CALLS } from "./loginContract";

/** How the verification script is started: Node with the project's tsx, from the repository root. */
export const VERIFY_GRANTS_COMMAND = "node --import tsx scripts/verify-grants.ts";
/**
 * The directory the script runs in (holding package.json, node_modules/ and scripts/), relative
 * to the program's working directory, so the Command's inputs, kept in state, are the same from
 * every checkout: an absolute path would plan an update of the Command whenever the stack is
 * deployed from another directory. The Command provider runs in the program's working directory
 * (pulumi/pulumi 1b5949891b sdk/go/common/resource/plugin/provider_plugin.go 287 starts it with
 * `ctx.Pwd`, plugin.go 599 `cmd.Dir = pwd`), which is the directory of Pulumi.yaml's `main:
 * infra/` (pkg/engine/project.go 45-71, pkg/engine/deployment.go 57-68), and hands `dir` to the
 * command unchanged (pulumi-command v1.2.1 provider/pkg/provider/local/commandOutputs.go 73-79),
 * so a relative `dir` is resolved from infra/ (test/infra/grantVerification.test.ts checks it
 * against Pulumi.yaml).
 */
export const SCRIPT_DIR_FROM_PROGRAM = path.relative(__dirname, path.join(__dirname, ".."));

/** One GET the login code makes with a grant's token (see scripts/verify-grants.ts). */
export interface VerifiedProbe {
    /** The URL, with `{user_id}` where the login code puts the user's id. No default. */
    readonly url: string;
    /** The body the login code accepts. No default. */
    readonly expect: "groups" | "entitlements";
    /** Whether the API answers an unknown user with 404. Default: false. */
    readonly notFoundForUnknownUser?: boolean;
}

/**
 * The probe of the GET the login code makes to `audience` at `baseUrl` (LOGIN_CALLS): the
 * extension's groups, or the custom API's entitlements. The custom API may answer an unknown user
 * with 404; the extension answers any user with a list (auth0/docs
 * articles/api/authorization-extension/_users.md, "Get User Groups").
 */
export function loginCodeProbe(audience: Exclude<Audience, "managementApi">, baseUrl: string): VerifiedProbe {
    const call = LOGIN_CALLS.find((c) => c.audience === audience && c.method === "GET");
    if (!call) throw new Error(`grantVerification: the login code makes no GET to ${audience}`);
    return {
        url: baseUrl.replace(/\/+$/, "") + call.path,
        expect: audience === "api" ? "entitlements" : "groups",
        notFoundForUnknownUser: audience === "api",
    };
}

export interface VerifiedGrant {
    /** The audience (API identifier) the client is granted. No default. */
    readonly audience: pulumi.Input<string>;
    /** Exactly the scopes declared for it. No default. */
    readonly scopes: pulumi.Input<readonly string[]>;
    /** What the login code calls with this grant's token, checked after the token. Default: none. */
    readonly probe?: pulumi.Input<VerifiedProbe>;
    /** Why the login code's call to this audience is not probed, said in the verification's output. Default: none. */
    readonly probeSkipped?: string;
}

export interface VerifiedClient {
    /** How messages name the client, e.g. `login-code-blue`. No default. */
    readonly name: string;
    /** The client's id; pass the Output that resolves once its credentials and grants exist. No default. */
    readonly clientId: pulumi.Input<string>;
    /** The client's secret; always treated as a Pulumi secret. No default. */
    readonly clientSecret: pulumi.Input<string>;
    /** Token endpoint authentication method. Default: `client_secret_post`. */
    readonly authenticationMethod?: pulumi.Input<"client_secret_post" | "client_secret_basic">;
    /** Every grant of the client, as declared. No default. */
    readonly grants: readonly VerifiedGrant[];
}

export interface GrantVerificationArgs {
    /** The tenant's domain; tokens are requested at `https://<domain>/oauth/token`. No default. */
    readonly domain: pulumi.Input<string>;
    /** The clients whose grants are verified. No default. */
    readonly clients: readonly VerifiedClient[];
    /** Seconds a failing check is retried while Auth0 applies the update's changes. Default: 30. */
    readonly settleSeconds?: number;
    /**
     * Directory the script runs in (needs `npm ci` done there), relative to the program's working
     * directory. Default: the repository root (SCRIPT_DIR_FROM_PROGRAM).
     */
    readonly dir?: pulumi.Input<string>;
    /**
     * Everything else the login code depends on (its files, its settings), e.g. as JSON: the
     * verification re-runs whenever it changes. Only its digest is kept, secret if it is a
     * secret. Default: none.
     */
    readonly loginCode?: pulumi.Input<string>;
}

/**
 * Proves, in every deploy that changes anything the login code depends on, that each M2M credential really gets the tokens the stack declares,
 * and that what the login code calls with them (the extension's groups endpoint, the custom API's
 * entitlements endpoint) answers as the login code expects:
 * a `command.local.Command` runs `scripts/verify-grants.ts` on the deploying machine, which
 * performs a client-credentials exchange per (client, audience) and compares the token's scopes
 * with the declared ones. A mismatch fails `pulumi up` with a message naming the client, the
 * audience and the missing or extra scopes.
 *
 * Secrets reach the script only through its environment, as a Pulumi secret; the command line
 * is a constant. The Command provider runs it only when the Command is created or updated
 * (pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go 33-90), so everything it
 * must follow is in `triggers`, which replace it (provider/pkg/provider/common/inputs.go 10): the
 * domain, the clients, grants, scopes and probed URLs, the secrets' digest, and the login code's
 * digest (`loginCode`). It runs after the credentials and grants exist, since it consumes the
 * Outputs that resolve then.
 */
export class GrantVerification extends pulumi.ComponentResource {
    /** The checks performed, as `<client> -> <audience>` (no secrets). */
    readonly checks: pulumi.Output<string[]>;

    constructor(name: string, args: GrantVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("auth0-tenant:verify:GrantVerification", name, {}, opts);
        const settleSeconds = args.settleSeconds ?? 30;

        // What is verified, without secrets: plain in state, and what a reviewer sees change.
        const plan = pulumi
            .all(
                args.clients.map((client) =>
                    pulumi.all([
                        client.name,
                        client.clientId,
                        client.authenticationMethod ?? "client_secret_post",
                        pulumi.all(client.grants.map((g) => pulumi.all([g.audience, g.scopes, g.probe, g.probeSkipped]))),
                    ]),
                ),
            )
            .apply((clients) =>
                clients.map(([clientName, clientId, authenticationMethod, grants]) => ({
                    name: clientName,
                    clientId,
                    authenticationMethod,
                    grants: grants.map(([audience, scopes, probe, probeSkipped]) => ({
                        audience,
                        scopes: [...scopes].sort(),
                        ...(probe ? { probe } : {}),
                        ...(probeSkipped ? { probeSkipped } : {}),
                    })),
                })),
            );
        const secrets = pulumi.secret(pulumi.all(args.clients.map((client) => client.clientSecret)));
        const clientsWithSecrets = pulumi.secret(
            pulumi.all([plan, secrets]).apply(([clients, values]) =>
                JSON.stringify(clients.map((client, i) => ({ ...client, clientSecret: values[i] }))),
            ),
        );
        // A new secret must re-run the check; the digest of secrets is itself kept secret.
        const secretsDigest = pulumi.secret(secrets.apply((values) => crypto.createHash("sha256").update(JSON.stringify(values)).digest("hex")));
        // New login code must be verified too; a digest keeps the code out of the state twice.
        const loginCodeDigest = pulumi
            .output(args.loginCode ?? "")
            .apply((value) => crypto.createHash("sha256").update(value).digest("hex"));

        const check = new command.local.Command(
            `${name}-check`,
            {
                create: VERIFY_GRANTS_COMMAND,
                dir: args.dir ?? SCRIPT_DIR_FROM_PROGRAM,
                environment: {
                    VERIFY_GRANTS_DOMAIN: args.domain,
                    VERIFY_GRANTS_CLIENTS: clientsWithSecrets,
                    VERIFY_GRANTS_SETTLE_S: String(settleSeconds),
                },
                triggers: [args.domain, plan.apply((clients) => JSON.stringify(clients)), secretsDigest, loginCodeDigest],
                // Nothing it prints is logged while it runs; a failure still shows its message.
                logging: "none",
            },
            // The script prints no secret, but its output is kept out of plain state regardless.
            { parent: this, additionalSecretOutputs: ["stdout", "stderr"] },
        );
        this.checks = pulumi
            .all([plan, check.id])
            .apply(([clients]) => clients.flatMap((client) => client.grants.map((g) => `${client.name} -> ${g.audience}`)));
        this.registerOutputs({ checks: this.checks });
    }
}
