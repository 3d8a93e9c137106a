import assert from "node:assert/strict";
import { deployerScopes } from "../../../tools/deployerScopes";
import { importResources, importValidationWarning } from "../../../local/engine/import";
import { Auth0ProviderDouble, inProcessTransport } from "../../../local/engine/providers/auth0";
import { Secret } from "../../../local/engine/wire";
import { LocalManagementApi } from "../../../local/tenant/managementApi";
import { RESOURCE_TYPES } from "../../../infra/resourceTypes";

const writer = (api: LocalManagementApi) => new Auth0ProviderDouble(inProcessTransport(api, deployerScopes("write", "rules")));

function tenant(): LocalManagementApi {
    const api = new LocalManagementApi();
    api.rulesConfigs.set("API_AUDIENCE", "https://fixture-api.test/dev");
    api.clients.set("cl_login", { client_id: "cl_login", name: "Login code M2M", app_type: "non_interactive", client_secret: "hand-made-secret-0123456789", token_endpoint_auth_method: "client_secret_post" });
    return api;
}

describe("local/engine/import (pulumi import --file through the provider double)", function () {
    it("must read each entry by its id, parent components first, and warn as the CLI does for inputs that fail the provider's check", async function () {
        const result = await importResources({
            stack: "dev",
            provider: writer(tenant()),
            file: {
                resources: [
                    { type: "auth0-tenant:login:LoginFlow", name: "login", component: true },
                    { type: RESOURCE_TYPES.ruleConfig, name: "login-config-API_AUDIENCE", id: "API_AUDIENCE", parent: "login", version: "3.49.0" },
                ],
            },
        });
        assert.ok(result.ok, result.error);
        const urn = "urn:pulumi:dev::auth0-tenant::auth0-tenant:login:LoginFlow$auth0:index/ruleConfig:RuleConfig::login-config-API_AUDIENCE";
        assert.deepEqual(result.imported, ["urn:pulumi:dev::auth0-tenant::auth0-tenant:login:LoginFlow::login", urn]);
        const config = result.state.find((r) => r.urn === urn)!;
        assert.deepEqual(config.inputs, { key: "API_AUDIENCE" }, "a rule config's value is never read");
        assert.equal(config.provider, "urn:pulumi:dev::auth0-tenant::pulumi:providers:auth0::default_3_49_0");
        assert.equal(config.protect, true, "--protect defaults to true");
        assert.deepEqual(result.diagnostics.map((d) => d.message), [
            importValidationWarning("auth0"),
            "auth0:index/ruleConfig:RuleConfig resource 'login-config-API_AUDIENCE' has a problem: Missing required property 'value'",
        ]);
        assert.ok(result.state.some((r) => r.urn === "urn:pulumi:dev::auth0-tenant::pulumi:pulumi:Stack::auth0-tenant-dev"), "the stack resource is created");
    });

    it("must import with an unversioned default provider when the file names no version", async function () {
        const result = await importResources({ stack: "dev", provider: writer(tenant()), file: { resources: [{ type: RESOURCE_TYPES.ruleConfig, name: "c", id: "API_AUDIENCE" }] } });
        assert.equal(result.state.find((r) => r.name === "c")!.provider, "urn:pulumi:dev::auth0-tenant::pulumi:providers:auth0::default");
    });

    it("must read a ClientCredentials' hand-made secret into the state: its Read starts with no client_secret_wo_version", async function () {
        const result = await importResources({ stack: "dev", provider: writer(tenant()), file: { resources: [{ type: RESOURCE_TYPES.clientCredentials, name: "creds", id: "cl_login", version: "3.49.0" }] } });
        const creds = result.state.find((r) => r.name === "creds")!;
        assert.ok(creds.inputs.clientSecret instanceof Secret);
        assert.equal((creds.inputs.clientSecret).value, "hand-made-secret-0123456789");
    });

    it("must refuse an id the tenant does not have, an URN already in the state, and a component with an id", async function () {
        const api = tenant();
        const missing = await importResources({ stack: "dev", provider: writer(api), file: { resources: [{ type: RESOURCE_TYPES.rule, name: "r", id: "rul_nope" }] } });
        assert.equal(missing.ok, false);
        assert.equal(missing.error, "resource 'rul_nope' does not exist");
        const once = await importResources({ stack: "dev", provider: writer(api), file: { resources: [{ type: RESOURCE_TYPES.ruleConfig, name: "c", id: "API_AUDIENCE" }] } });
        const twice = await importResources({ stack: "dev", provider: writer(api), prior: once.state, file: { resources: [{ type: RESOURCE_TYPES.ruleConfig, name: "c", id: "API_AUDIENCE" }] } });
        assert.equal(twice.error, "resource 'urn:pulumi:dev::auth0-tenant::auth0:index/ruleConfig:RuleConfig::c' already exists");
        const component = await importResources({ stack: "dev", provider: writer(api), file: { resources: [{ type: "auth0-tenant:login:LoginFlow", name: "login", component: true, id: "x" } as never] } });
        assert.match(String(component.error), /a component has no id/);
    });
});
