/**
 * Provider-side rules the packages' types cannot express, as facts we wrote from the providers'
 * sources, each with its file and line. Property names are the Pulumi (camelCase) names the SDK
 * sends; the bridge maps them to the Terraform snake_case fields named in each source.
 *
 * - auth0: terraform-provider-auth0 v1.53.0 (commit 7ab86e53), the provider inside
 *   @pulumi/auth0 3.49.0 (pulumi/pulumi-auth0 v3.49.0 `upstream` submodule).
 * - random: terraform-provider-random f8d869dc98d9 ("prep for release v3.9.0"), the module
 *   pulumi/pulumi-random v4.21.1 provider/go.mod pins.
 * - command: pulumi/pulumi-command v1.2.1.
 *
 * Cross-checked against ../shared/provider-data/auth0-tf-validations-1.53.0.json (every ForceNew
 * field of these types that the stack can set is here; the nested credential blocks of
 * ClientCredentials the stack never sets are listed there and left out here). To refresh on a
 * version bump: re-read the files below at the new tag (`git show <tag>:<file>`), update lines
 * and facts, and run `npm test` — test/local/engine/providerFacts.test.ts fails on a property the
 * installed package no longer declares.
 */
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

export interface Cited {
    /** `file:line` in the provider's source at the version above. */
    readonly source: string;
}

export type Validation =
    | (Cited & { readonly kind: "oneOf"; readonly property: string; readonly values: readonly string[]; readonly ignoreCase: boolean })
    | (Cited & { readonly kind: "lengthBetween"; readonly property: string; readonly min: number; readonly max: number })
    | (Cited & { readonly kind: "intAtLeast"; readonly property: string; readonly min: number })
    | (Cited & { readonly kind: "notEmpty"; readonly property: string })
    | (Cited & { readonly kind: "match"; readonly property: string; readonly pattern: RegExp; readonly message: string })
    | (Cited & { readonly kind: "conflictsWith"; readonly property: string; readonly others: readonly string[] })
    | (Cited & { readonly kind: "requiredWith"; readonly property: string; readonly others: readonly string[] });

export interface TypeFacts {
    readonly provider: string;
    /** Where the resource's schema is defined. */
    readonly file: string;
    /** A change of one of these replaces the resource (ForceNew / RequiresReplace). */
    readonly forceNew: Readonly<Record<string, Cited>>;
    /** Write-only inputs: never stored in state, so never diffed; their `*Version` drives updates. */
    readonly writeOnly: Readonly<Record<string, Cited>>;
    readonly validations: readonly Validation[];
    /**
     * The input `name` the bridge auto-names (the Terraform field is an input string named `name`:
     * pulumi-terraform-bridge v3.133.0 pkg/tfbridge/info/autonaming.go 43-62, applied to every
     * auth0 resource by pulumi-auth0 v3.49.0 provider/resources.go:126 `prov.SetAutonaming(255, "-")`).
     * When the program sets it, the bridge answers delete-before-replace for any replacement
     * (pkg/tfbridge/provider.go 1253-1254, schema.go 193-240 `nameRequiresDeleteBeforeReplace`:
     * a value not listed in Check's `__defaults`, schema.go:986). Absent: the type has no such field.
     */
    readonly autonamedName?: Cited;
}

const AUTH0 = "terraform-provider-auth0 v1.53.0";
const RS = "internal/auth0/resourceserver/resource.go";
const RSS = "internal/auth0/resourceserver/resource_scopes.go";
const CLIENT = "internal/auth0/client/resource.go";
const CREDS = "internal/auth0/client/resource_credentials_schema.go";
const GRANT = "internal/auth0/client/resource_grant.go";
const ACTION = "internal/auth0/action/resource.go";
const TRIGGER = "internal/auth0/action/resource_trigger_actions.go";
const RULE = "internal/auth0/rule/resource.go";
const RULE_CONFIG = "internal/auth0/rule/resource_config.go";
const PASSWORD = "internal/provider/resource_password.go";

// client.go ValidAppTypes, internal/auth0/client/resource.go:23-28.
const APP_TYPES = [
    "native", "spa", "regular_web", "non_interactive", "resource_server", "rms", "box", "cloudbees", "concur", "dropbox", "mscrm",
    "echosign", "egnyte", "newrelic", "office365", "salesforce", "sentry", "sharepoint", "slack", "springcm", "sso_integration",
    "zendesk", "zoom", "express_configuration",
];

export const PROVIDER_FACTS: Readonly<Record<string, TypeFacts>> = {
    [RESOURCE_TYPES.resourceServer]: {
        provider: AUTH0,
        file: RS,
        autonamedName: { source: `${RS}:37` },
        forceNew: { identifier: { source: `${RS}:46` } },
        writeOnly: {},
        validations: [
            { kind: "oneOf", property: "signingAlg", values: ["HS256", "RS256", "PS256"], ignoreCase: true, source: `${RS}:54` },
            { kind: "oneOf", property: "tokenDialect", values: ["access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz"], ignoreCase: true, source: `${RS}:134` },
        ],
    },
    [RESOURCE_TYPES.resourceServerScopes]: {
        provider: AUTH0,
        file: RSS,
        forceNew: { resourceServerIdentifier: { source: `${RSS}:23` } },
        writeOnly: {},
        validations: [],
    },
    [RESOURCE_TYPES.client]: {
        provider: AUTH0,
        file: CLIENT,
        autonamedName: { source: `${CLIENT}:80` },
        forceNew: { "jwtConfiguration.secretEncoded": { source: `${CLIENT}:298` } },
        writeOnly: {},
        validations: [
            { kind: "lengthBetween", property: "description", min: 0, max: 140, source: `${CLIENT}:88` },
            { kind: "oneOf", property: "appType", values: APP_TYPES, ignoreCase: false, source: `${CLIENT}:129` },
            { kind: "oneOf", property: "jwtConfiguration.alg", values: ["HS256", "RS256", "PS256"], ignoreCase: false, source: `${CLIENT}:310` },
        ],
    },
    [RESOURCE_TYPES.clientCredentials]: {
        provider: AUTH0,
        file: CREDS,
        forceNew: { clientId: { source: `${CREDS}:42` } },
        writeOnly: { clientSecretWo: { source: `${CREDS}:86` } },
        validations: [
            {
                kind: "oneOf",
                property: "authenticationMethod",
                values: ["none", "client_secret_post", "client_secret_basic", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"],
                ignoreCase: false,
                source: `${CREDS}:49`,
            },
            { kind: "conflictsWith", property: "clientSecretWo", others: ["clientSecret", "privateKeyJwt", "tlsClientAuth", "selfSignedTlsClientAuth"], source: `${CREDS}:88` },
            { kind: "requiredWith", property: "clientSecretWo", others: ["clientSecretWoVersion"], source: `${CREDS}:94` },
            { kind: "requiredWith", property: "clientSecretWoVersion", others: ["clientSecretWo"], source: `${CREDS}:102` },
            { kind: "intAtLeast", property: "clientSecretWoVersion", min: 1, source: `${CREDS}:103` },
        ],
    },
    [RESOURCE_TYPES.clientGrant]: {
        provider: AUTH0,
        file: GRANT,
        forceNew: {
            clientId: { source: `${GRANT}:37` },
            audience: { source: `${GRANT}:45` },
            subjectType: { source: `${GRANT}:75` },
            defaultFor: { source: `${GRANT}:99` },
        },
        writeOnly: {},
        validations: [
            { kind: "conflictsWith", property: "clientId", others: ["defaultFor"], source: `${GRANT}:38` },
            { kind: "notEmpty", property: "scopes[]", source: `${GRANT}:52` },
            { kind: "oneOf", property: "subjectType", values: ["client", "user"], ignoreCase: true, source: `${GRANT}:77` },
        ],
    },
    [RESOURCE_TYPES.action]: {
        provider: AUTH0,
        file: ACTION,
        autonamedName: { source: `${ACTION}:35` },
        forceNew: {},
        writeOnly: { secretsWos: { source: `${ACTION}:147` } },
        validations: [
            { kind: "oneOf", property: "runtime", values: ["node12", "node16", "node18", "node22"], ignoreCase: false, source: `${ACTION}:92` },
            { kind: "conflictsWith", property: "secretsWos", others: ["secrets"], source: `${ACTION}:128` },
            { kind: "requiredWith", property: "secretsWos", others: ["secretsWoVersion"], source: `${ACTION}:129` },
            { kind: "requiredWith", property: "secretsWoVersion", others: ["secretsWos"], source: `${ACTION}:157` },
        ],
    },
    [RESOURCE_TYPES.triggerActions]: {
        provider: AUTH0,
        file: TRIGGER,
        forceNew: { trigger: { source: `${TRIGGER}:33` } },
        writeOnly: {},
        validations: [
            {
                kind: "oneOf",
                property: "trigger",
                values: [
                    "post-login", "credentials-exchange", "pre-user-registration", "post-user-registration", "post-change-password", "send-phone-message",
                    "password-reset-post-challenge", "custom-email-provider", "custom-phone-provider", "login-post-identifier", "signup-post-identifier",
                ],
                ignoreCase: false,
                source: `${TRIGGER}:34`,
            },
        ],
    },
    [RESOURCE_TYPES.rule]: {
        provider: AUTH0,
        file: RULE,
        autonamedName: { source: `${RULE}:35` },
        forceNew: {},
        writeOnly: {},
        validations: [
            {
                kind: "match",
                property: "name",
                // ruleNameRegexp, internal/auth0/rule/resource.go:15.
                pattern: /^[^\s-][\w -]+[^\s-]$/,
                message: "Can only contain alphanumeric characters, spaces and '-'. Can neither start nor end with '-' or spaces.",
                source: `${RULE}:38`,
            },
        ],
    },
    [RESOURCE_TYPES.ruleConfig]: {
        provider: AUTH0,
        file: RULE_CONFIG,
        forceNew: { key: { source: `${RULE_CONFIG}:31` } },
        writeOnly: {},
        validations: [],
    },
    [RESOURCE_TYPES.randomPassword]: {
        provider: "terraform-provider-random f8d869dc98d9",
        file: PASSWORD,
        // Every attribute of random_password carries a RequiresReplace plan modifier.
        forceNew: {
            keepers: { source: `${PASSWORD}:576` },
            length: { source: `${PASSWORD}:585` },
            special: { source: `${PASSWORD}:604` },
            upper: { source: `${PASSWORD}:614` },
            lower: { source: `${PASSWORD}:624` },
            number: { source: `${PASSWORD}:637` },
            numeric: { source: `${PASSWORD}:657` },
        },
        writeOnly: {},
        validations: [],
    },
    [RESOURCE_TYPES.localCommand]: {
        provider: "pulumi-command v1.2.1",
        file: "provider/pkg/provider/common/inputs.go",
        // `triggers` is replaceOnChanges (inputs.go:10); the SDK also sends it as the resource
        // option replaceOnChanges: ["triggers[*]"] (@pulumi/command local/command.js), which the
        // engine applies (step_generator.go applyReplaceOnChanges). Every other input updates in place.
        forceNew: { triggers: { source: "provider/pkg/provider/common/inputs.go:10" } },
        writeOnly: {},
        validations: [],
    },
};
