import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loginSecretsStaySecret } from "../../policy/policies";
import { ROOT } from "../../tools/stack/program";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
/** Claims that write-only inputs are absent from Pulumi state, or that a secret input is plaintext there. */
const ABSENT_FROM_STATE = /never stored in state|not stored in (the )?state|stored (in state )?as plain ?text|in state as plain ?text/i;

describe("what the docs and the policy pack say Pulumi does", function () {
    it("must not claim write-only inputs are absent from Pulumi state (pulumi-terraform-bridge #3201: stored encrypted)", function () {
        for (const file of ["docs/delivery.md", "README.md", "policy/policies.ts"]) assert.doesNotMatch(read(file), ABSENT_FROM_STATE, file);
        assert.doesNotMatch(loginSecretsStaySecret.description ?? "", ABSENT_FROM_STATE);
        assert.match(read("docs/delivery.md"), /encrypted, as a secret \(pulumi-terraform-bridge #3201\)/);
    });

    it("must not warn about inline scopes on a ResourceServer that has none in @pulumi/auth0 3.49.0", function () {
        const args = read("node_modules/@pulumi/auth0/resourceServer.d.ts").split("export interface ResourceServerArgs")[1];
        assert.doesNotMatch(args, /^\s+scopes\?:/m, "ResourceServerArgs has scopes again: revisit infra/api.ts");
        assert.doesNotMatch(read("infra/api.ts"), /inline/);
    });

    it("must start a new stack with npm run init and pulumi stack init, credentials from the environment, and name the sample values to replace", function () {
        const readme = read("README.md");
        const section = readme.slice(readme.indexOf("## Deploying to a tenant"), readme.indexOf("### The provider pin"));
        const quickstart = section.slice(section.indexOf("```sh"), section.indexOf("```", section.indexOf("```sh") + 5));
        assert.match(quickstart, /npm run init -- --stack <stack> --domain /);
        assert.match(quickstart, /pulumi stack init <stack>/);
        assert.doesNotMatch(quickstart, /pulumi stack select dev/);
        assert.doesNotMatch(quickstart, /auth0:client(Id|Secret)|config set --secret/, "the deployer's credentials come from the environment");
        assert.match(quickstart, /^pulumi preview --policy-pack policy$/m, "as CI runs it");
        assert.match(quickstart, /^pulumi up --policy-pack policy$/m, "as CI runs it");
        assert.ok(quickstart.indexOf("npm run init") < quickstart.indexOf("pulumi preview"));
        for (const key of ["auth0:domain", "apiBaseUrl", "authzExtensionUrl"]) assert.match(section, new RegExp(`Before the first preview,\\s+replace[\\s\\S]*\`${key}\``), key);
        assert.doesNotMatch(section, /`pulumi up`\s+succeeds, until/, "the verification runs inside up: up fails");
    });
});
