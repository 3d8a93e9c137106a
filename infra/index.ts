import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Api } from "./api";
import { authzExtensionApi } from "./authzExtension";
import { GrantVerification, loginCodeProbe, VerifiedProbe } from "./grantVerification";
import { loadConfig, pulumiConfigSource } from "./config";
import { scopesNeeded } from "./loginContract";
import { LoginFlow } from "./loginFlow";
import { M2mGrant } from "./m2mApplication";
import { RotatingM2mApplication, SLOTS } from "./rotation";

// The whole tenant on one screen: an API, the M2M application the login code authenticates
// as with its grants, and the login code itself (Actions, or legacy Rules).
const config = loadConfig(pulumiConfigSource(path.join(__dirname, "..")));
const mode = config.extensibility;
// `protect` (prod) covers the objects whose loss no `pulumi up` can undo: the API and the two
// applications with their credentials (a new client id breaks every consumer); and the post-login
// binding, whose delete (a mode switch, `loginFlowOwner: false`) empties the tenant's post-login
// trigger, so that takes an explicit `pulumi state unprotect` first (docs/delivery.md). Everything else
// follows the config and must stay replaceable and deletable: a rotation replaces the idle slot's
// RandomPassword and the verification Command, and a change of mode, extension or Management API
// scopes deletes actions, rules, rule configs or grants. The engine refuses to replace or delete a
// protected resource (pulumi/pulumi pkg/resource/deploy/step_generator.go 1950-1970, step.go 641-650).
const protect = config.protect;

const api = new Api(
    "api",
    { identifier: config.api.identifier, displayName: config.api.name, scopes: [...config.api.scopes], tokenLifetime: config.api.tokenLifetime, protect },
);

const grants: Record<string, M2mGrant> = { api: { audience: api.identifier, scopes: scopesNeeded("api", mode) } };
if (config.managementApiScopes.length) {
    grants.managementApi = { audience: `https://${config.domain}/api/v2/`, scopes: config.managementApiScopes };
}
if (config.authzExtension.enabled) {
    const scopes = scopesNeeded("authzExtension", mode);
    grants.authzExtension = { audience: authzExtensionApi(scopes, `${config.project}:authzExtensionEnabled`), scopes };
}

// Two applications with the same grants; the login code uses the one serving the current
// secret generation, so a rotation never changes the credential in use (see infra/rotation.ts).
const loginClient = new RotatingM2mApplication(
    "login-code",
    {
        displayName: `${config.namePrefix}-login-code`,
        description: `Used by the login code of stack ${config.stack} to call APIs at login (managed by Pulumi)`,
        // client_secret_post: the login code sends its credentials in the token request's body.
        authenticationMethod: "client_secret_post",
        generation: config.secretGeneration,
        grants,
        protect,
    },
);

// In every deploy that changes anything the login code depends on (its files, its settings, the
// credentials, grants, scopes and URLs), each credential (both slots: either may serve next) must
// really get the declared scopes from the tenant, and what the login code calls with its tokens
// must answer as the code expects; a mismatch fails the update (infra/grantVerification.ts says
// how it re-runs). The login code, and a fresh slot, go live only after this check passed (its
// settings wait for `verification.checks`).
const probes: Record<string, VerifiedProbe | undefined> = {
    api: config.api.probe ? loginCodeProbe("api", config.api.baseUrl) : undefined,
    authzExtension: config.authzExtension.url ? loginCodeProbe("authzExtension", config.authzExtension.url) : undefined,
};
const probesSkipped: Record<string, string | undefined> = {
    api: config.api.probe
        ? undefined
        : `${config.project}:apiProbeEnabled is false, so GET ${loginCodeProbe("api", config.api.baseUrl).url} is not called ` +
          `(the API is not served yet, or does not accept this stack's audience, as on a review stack); until it does, logins get failurePolicyApi's answer (${config.failurePolicy.api})`,
};
// The login code's settings that are plain config values (the credentials are added below).
const plainSettings = {
    AUTH0_DOMAIN: config.domain,
    API_AUDIENCE: config.api.identifier,
    API_BASE_URL: config.api.baseUrl,
    AUTHZ_EXTENSION_URL: config.authzExtension.url,
    CLAIM_NAMESPACE: config.claimNamespace,
    FAILURE_POLICY_GROUPS: config.failurePolicy.groups,
    FAILURE_POLICY_API: config.failurePolicy.api,
    FAILURE_POLICY_MANAGEMENT: config.failurePolicy.management,
};
const verification = new GrantVerification("verify-grants", {
    domain: config.domain,
    clients: SLOTS.map((slot) => ({
        name: `login-code-${slot}`,
        clientId: loginClient.slots[slot].clientId,
        clientSecret: loginClient.slots[slot].clientSecret,
        authenticationMethod: "client_secret_post",
        grants: Object.entries(grants).map(([role, grant]) => ({ ...grant, probe: probes[role], probeSkipped: probesSkipped[role] })),
    })),
    // What the login code is and reads besides the credentials (whose secrets the verification
    // digests itself): a change to any of it alone re-runs the verification.
    loginCode: JSON.stringify({
        mode,
        owner: config.loginFlowOwner,
        files: config.loginCode.map((file) => ({ name: file.name, code: file.code })),
        settings: plainSettings,
    }),
});
const verified = (value: pulumi.Output<string>): pulumi.Output<string> => pulumi.all([value, verification.checks]).apply(([v]) => v);
const loginClientId = verified(loginClient.clientId);
const loginClientSecret = verified(loginClient.clientSecret);

const loginFlow = new LoginFlow(
    "login",
    {
        mode,
        files: config.loginCode,
        namePrefix: config.namePrefix,
        ownsLoginFlow: config.loginFlowOwner,
        protect,
        settings: {
            ...plainSettings,
            // The API's identifier as the API resource gives it, so the code waits for the API.
            API_AUDIENCE: api.identifier,
            M2M_CLIENT_ID: loginClientId,
            M2M_CLIENT_SECRET: loginClientSecret,
            M2M_CREDENTIALS: pulumi
                .all([loginClientId, loginClientSecret])
                .apply(([client_id, client_secret]) => JSON.stringify({ client_id, client_secret })),
        },
    },
);

// Identifiers only: never a secret.
export const extensibility = mode;
export const apiIdentifier = api.identifier;
export const apiResourceServerId = api.resourceServerId;
export const loginCodeClientId = loginClient.clientId;
export const activeCredential = loginClient.activeSlot;
export const credentialClientIds = { blue: loginClient.slots.blue.clientId, green: loginClient.slots.green.clientId };
export const grantedScopes = pulumi.output(loginClient.grantedScopes);
export const actionIds = loginFlow.actionIds;
export const ruleIds = loginFlow.ruleIds;
export const loginCodeSettings = loginFlow.settingNames;
