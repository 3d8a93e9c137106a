import * as assert from "assert";
import * as auth0 from "@pulumi/auth0";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { DATA_SOURCE_TYPES, RESOURCE_TYPES } from "../../infra/resourceTypes";

/** The SDK class each token names; its `__pulumiType` is the token the engine records. */
const CLASSES: Record<keyof typeof RESOURCE_TYPES, unknown> = {
    resourceServer: auth0.ResourceServer,
    resourceServerScopes: auth0.ResourceServerScopes,
    client: auth0.Client,
    clientCredentials: auth0.ClientCredentials,
    clientGrant: auth0.ClientGrant,
    action: auth0.Action,
    triggerActions: auth0.TriggerActions,
    rule: auth0.Rule,
    ruleConfig: auth0.RuleConfig,
    randomPassword: random.RandomPassword,
    localCommand: command.local.Command,
};

/** The SDK function each data source token names; its body passes the token to `invoke`. */
const FUNCTIONS: Record<keyof typeof DATA_SOURCE_TYPES, unknown> = {
    getResourceServer: auth0.getResourceServer,
};

describe("resource type tokens", () => {
    for (const [key, token] of Object.entries(RESOURCE_TYPES)) {
        it(`must spell ${key} as the installed SDK registers it`, () => {
            const cls = CLASSES[key as keyof typeof RESOURCE_TYPES] as { __pulumiType?: string } | undefined;
            assert.ok(cls, `no SDK class listed for RESOURCE_TYPES.${key}`);
            assert.equal(token, cls.__pulumiType);
        });
    }

    for (const [key, token] of Object.entries(DATA_SOURCE_TYPES)) {
        it(`must spell the data source ${key} as the installed SDK invokes it`, () => {
            const fn = FUNCTIONS[key as keyof typeof DATA_SOURCE_TYPES] as ((...args: unknown[]) => unknown) | undefined;
            assert.ok(fn, `no SDK function listed for DATA_SOURCE_TYPES.${key}`);
            const invoked = [...Function.prototype.toString.call(fn).matchAll(/invoke(?:Output)?\("([^"]+)"/g)].map((m) => m[1]);
            assert.deepEqual([...new Set(invoked)], [token]);
        });
    }
});
