/**
 * An `apiIdentifier` change on the dev stack, planned by the engine double and applied through the
 * provider double against a local Management API: the order the engine follows (the bridge's
 * delete-before-replace answer, the `deleteBeforeReplace` option: local/engine/deployment.ts), and
 * whether the login code can get its tokens after every Management API call the update makes.
 */
import * as assert from "node:assert/strict";
import { deployerScopes } from "../../../tools/deployerScopes";
import { scopesNeeded } from "../../../infra/loginContract";
import { OperationResult, operate } from "../../../local/engine/operation";
import { Auth0ProviderDouble, inProcessTransport, ManagementTransport } from "../../../local/engine/providers/auth0";
import { CommandRun, CommandRunner } from "../../../local/engine/providers/command";
import { reveal } from "../../../local/engine/wire";
import { LocalManagementApi } from "../../../local/tenant/managementApi";
import { explain, modeSettings, stackFileOf, stepsOf } from "./support";
import { compileCacheWarm } from "./warmCompileCache";

const STACK = "dev";
const MODE = "actions";
const NEW_IDENTIFIER = "https://fixture-api.test/dev-2";
const AUTHZ_EXTENSION_AUDIENCE = "urn:auth0-authz-api";

/** The write deployer's double against `api`, calling `after` with each call made. */
function writer(api: LocalManagementApi, after: (call: string) => void = () => undefined): Auth0ProviderDouble {
    const transport = inProcessTransport(api, deployerScopes("write", MODE));
    const watched: ManagementTransport = (method, path, query, body) => {
        const reply = transport(method, path, query, body);
        after(`${method} ${path}`);
        return reply;
    };
    return new Auth0ProviderDouble(watched);
}

/**
 * What the login code bound to post-login cannot get a token for now: for each of the stack's
 * credentials (both slots: either may serve next), each audience the deployed code calls (its
 * API_AUDIENCE setting, and the extension's API when AUTHZ_EXTENSION_URL is set), a grant with
 * every scope the code needs there.
 */
function loginCodeGaps(api: LocalManagementApi, clientIds: readonly string[]): string[] {
    const bound = (api.bindings.get("post-login") ?? []).map((b) => api.actions.get(b.actionId));
    const settings = new Map(bound.flatMap((a) => a?.secrets ?? []).map((s) => [s.name, s.value]));
    const needs: Array<[string, string[]]> = [];
    const audience = settings.get("API_AUDIENCE");
    if (audience) needs.push([audience, scopesNeeded("api", MODE)]);
    if (settings.get("AUTHZ_EXTENSION_URL")) needs.push([AUTHZ_EXTENSION_AUDIENCE, scopesNeeded("authzExtension", MODE)]);
    if (!needs.length) return ["no login code bound"];
    const gaps: string[] = [];
    for (const clientId of clientIds) {
        for (const [aud, scopes] of needs) {
            const grant = [...api.clientGrants.values()].find((g) => g.client_id === clientId && g.audience === aud);
            const granted = (grant?.scope as string[] | undefined) ?? [];
            const missing = scopes.filter((s) => !granted.includes(s));
            if (missing.length) gaps.push(`${clientId} -> ${aud}: ${grant ? `missing ${missing.join(" ")}` : "no grant"}`);
        }
    }
    return gaps;
}

describe("an apiIdentifier change on the dev stack, through the engine and provider doubles", function () {
    this.timeout(300_000);
    const file = stackFileOf(STACK);
    const settings = modeSettings(MODE);
    const api = new LocalManagementApi();
    let deployed: OperationResult;
    let clientIds: string[];
    // The verification's runs, answered without running it (the in-process tenant has no HTTPS
    // endpoint; test/local/engine/commandProvider.test.ts runs it for real).
    const verifications: CommandRun[] = [];
    const commands: CommandRunner = (run) => {
        verifications.push(run);
        return Promise.resolve({ stdout: "", stderr: "" });
    };

    before(async () => {
        await compileCacheWarm();
        deployed = await operate({ stack: STACK, stackFile: file, set: settings, dryRun: false, provider: writer(api), commands });
        assert.ok(deployed.ok, explain(deployed));
        const slots = reveal(deployed.outputs.credentialClientIds) as Record<string, string>;
        clientIds = Object.values(slots);
        assert.deepEqual(loginCodeGaps(api, clientIds), [], "the first deploy leaves the login code its grants");
    });

    it("must create the new API, its scopes and grants before deleting the old ones, and never leave the login code without a grant", async () => {
        assert.ok(deployed.stage !== "config");
        const windows: string[] = [];
        const calls: string[] = [];
        const provider = writer(api, (call) => {
            calls.push(call);
            const gaps = loginCodeGaps(api, clientIds);
            if (gaps.length) windows.push(`after call ${calls.length} (${call}): ${gaps.join("; ")}`);
        });
        const changed = await operate({
            stack: STACK, stackFile: file, set: { ...settings, apiIdentifier: NEW_IDENTIFIER }, dryRun: false, prior: deployed.state, provider, commands,
        });
        assert.ok(changed.ok, explain(changed));
        assert.deepEqual(windows, [], `the login code lacked a grant during the update:\n${windows.join("\n")}`);
        // The verification ran again, once the new grants existed.
        assert.deepEqual(verifications.map((v) => v.operation), ["create", "create"]);
        assert.match(verifications[1].environment.VERIFY_GRANTS_CLIENTS, new RegExp(NEW_IDENTIFIER.replace(/[.]/g, "\\.")));
        const order = stepsOf(changed).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);
        const at = (step: string) => order.indexOf(step);
        assert.ok(at("replace api-server") >= 0, order.join("\n"));
        // Create-before-delete: the old copies go last, after the login code moved to the new API.
        for (const old of ["api-scopes", "login-code-blue-grant-api", "login-code-green-grant-api", "api-server"]) {
            assert.ok(at(`delete ${old}`) > at("update login-action-enrich-from-apis"), order.join("\n"));
        }
        assert.equal([...api.resourceServers.values()].filter((rs) => rs.identifier !== AUTHZ_EXTENSION_AUDIENCE).map((rs) => rs.identifier).join(), NEW_IDENTIFIER);
    });
});
