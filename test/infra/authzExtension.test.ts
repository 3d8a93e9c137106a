import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { missingAuthzExtensionApi } from "../../tools/stack/mocks";
import { runUnderMocks } from "../../tools/stack/program";
import { DATA_SOURCE_TYPES } from "../../infra/resourceTypes";


describe("infra/authzExtension (the lookup of the extension's API)", function () {
    it("must fail with one clean message naming auth0-tenant:authzExtensionEnabled when the extension's API is missing", async function () {
        const err = await runUnderMocks({ calls: { [DATA_SOURCE_TYPES.getResourceServer]: missingAuthzExtensionApi() } }).then(
            () => assert.fail("the program ran without the extension's API"),
            (e: unknown) => e as Error,
        );
        // Reported by the CLI as a RunError: its message, no stack, once.
        assert.ok(pulumi.RunError.isInstance(err), `not a RunError: ${err.message}`);
        assert.doesNotMatch(err.message, /error serializing property/);
        assert.match(err.message, /^authzExtension: could not find the API urn:auth0-authz-api/);
        assert.match(err.message, /or set auth0-tenant:authzExtensionEnabled to false$/);
        assert.doesNotMatch(err.message, /authzExtension\.enabled/);
    });
});
