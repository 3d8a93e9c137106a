import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ChildResult, runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/stack/program";
import { compileCacheWarm } from "../local/engine/warmCompileCache";
import { copyRepository, RepositoryCopy } from "../support/repositoryCopy";

const DOC = "docs/first-deploy.md";

/** The fenced blocks the doc marks as runnable without an account: ```sh offline. */
function offlineBlocks(markdown: string): string[] {
    return [...markdown.matchAll(/^```sh offline\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

describe(`${DOC}: every offline command, as written`, function () {
    this.timeout(600_000);
    const markdown = fs.readFileSync(path.join(ROOT, DOC), "utf8");
    const blocks = offlineBlocks(markdown);
    let repo: RepositoryCopy;
    const results: ChildResult[] = [];

    before(async function () {
        await compileCacheWarm();
        repo = copyRepository("first-deploy");
        // In order, in one copy, each block as one bash script that stops at its first failure.
        for (const block of blocks) {
            const result = await runChild("bash", ["-e", "-c", block], { cwd: repo.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
            results.push(result);
            if (result.code !== 0) break;
        }
    });
    after(() => repo?.remove());

    it("must mark the commands that need no account as offline: writing the stack files and the first deploy's plan", function () {
        assert.ok(blocks.length >= 2, `${blocks.length} offline blocks`);
        assert.ok(blocks.some((b) => /^npm run init -- --stack dev /m.test(b)));
        assert.ok(blocks.some((b) => /^npm run preview -- --stack dev --from-empty$/m.test(b)));
    });

    it("must run each offline block successfully, in order", function () {
        results.forEach((r, i) => assert.equal(r.code, 0, `block ${i + 1}:\n${blocks[i]}\n${r.stdout}${r.stderr}`));
        assert.equal(results.length, blocks.length);
    });

    it("must show the plan the doc states: 26 creates, nothing else", function () {
        const preview = results.find((_, i) => blocks[i].includes("--from-empty"));
        assert.ok(preview, "no preview ran");
        const claimed = /`Resources: \+ (\d+) to create`/.exec(markdown)?.[1];
        assert.equal(claimed, "26");
        assert.match(preview.stdout, new RegExp(`Resources: \\+ ${claimed} to create, ~ 0 to update, \\+- 0 to replace, - 0 to delete, 0 unchanged`));
    });

    it("must leave stack files that carry no credential", function () {
        for (const stack of ["dev", "prod"]) {
            const config = (yaml.load(fs.readFileSync(path.join(repo.dir, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
            assert.match(String(config["auth0:domain"]), /^acme/);
            assert.deepEqual(Object.keys(config).filter((k) => /^auth0:(clientId|clientSecret|apiToken)$/.test(k)), []);
            assert.doesNotMatch(JSON.stringify(config), /"secure"/);
        }
    });
});
