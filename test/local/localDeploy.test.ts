import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { containsSecret } from "../../local/engine/wire";
import { deployStack, deployUpdates } from "../../local/engine/localDeploy";
import { T } from "../../tools/stack/tokens";
import { FIXTURE_STACKS } from "../support/fixtureStacks";

describe("local/engine/localDeploy (pulumi up onto a local tenant, kept by what feeds it)", function () {
    // A deploy not kept yet is a pulumi up through the engine and provider doubles: seconds, more under load.
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-deploy-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("must answer the same request with the deploy it kept, and deploy again when the stack file changes", async function () {
        const first = await deployStack({ stack: "dev" });
        const again = await deployStack({ stack: "dev" });
        // Client ids are drawn at random by the tenant on each create: equal ids are the kept deploy.
        assert.deepEqual([...again.api.clients.keys()], [...first.api.clients.keys()]);
        // Each caller gets a tenant of its own.
        assert.notEqual(again.api, first.api);
        const text = fs.readFileSync(path.join(FIXTURE_STACKS, "Pulumi.dev.yaml"), "utf8");
        assert.match(text, /apiTokenLifetime: 5400/);
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), text.replace("apiTokenLifetime: 5400", "apiTokenLifetime: 3600"));
        const changed = await deployStack({ stack: "dev", stackDir: dir });
        const lifetimes = (d: typeof first) => [...d.api.resourceServers.values()].map((rs) => rs.token_lifetime);
        assert.deepEqual(lifetimes(first), [5400]);
        assert.deepEqual(lifetimes(changed), [3600]);
        assert.ok([...changed.api.clients.keys()].every((id) => !first.api.clients.has(id)), "the changed stack file was answered with the kept deploy");
    });

    it("must run a sequence of updates each from what the one before left, keeping the generated secrets secret", async function () {
        const [one, two] = await deployUpdates({ stack: "dev", updates: [{ secretGeneration: 1 }, { secretGeneration: 2 }] });
        const ids = (u: typeof one) => u.state.filter((r) => r.type === T.client).map((r) => r.id);
        assert.deepEqual(ids(two), ids(one), "the second update replaced the clients instead of updating them");
        assert.ok(two.writes.some((w) => w.type === T.clientCredentials && "client_secret" in w.body), "the rotation sent no secret");
        for (const password of two.state.filter((r) => r.type === T.randomPassword)) assert.ok(containsSecret(password.outputs.result), `${password.name}'s result is not secret`);
    });
});
