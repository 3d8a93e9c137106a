import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/stack/program";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { nodeProblem } = require(path.join(ROOT, ".ci", "check-node.cjs")) as { nodeProblem: (version: string, range: string, nodePath?: string) => string | undefined };
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string }; scripts: Record<string, string> };
const CHECK = "node .ci/check-node.cjs";

describe(".ci/check-node.cjs", () => {
    it("must refuse a Node older than engines.node in one line naming the Node needed and `source .ci/node22.sh`", () => {
        const problem = nodeProblem("20.20.2", ">=22", "/usr/bin/node");
        assert.ok(problem);
        assert.doesNotMatch(problem, /\n/);
        assert.match(problem, /needs Node 22 or newer .*this shell runs node v20\.20\.2 \(\/usr\/bin\/node\)\. Run `source \.ci\/node22\.sh` first/);
    });

    it("must accept Node 22 and newer", () => {
        for (const version of ["22.0.0", "v22.23.5", "24.1.0"]) assert.strictEqual(nodeProblem(version, ">=22"), undefined, version);
    });

    it("must run before npm ci installs the project and before every npm script", () => {
        assert.strictEqual(pkg.engines.node, ">=22");
        assert.strictEqual(pkg.scripts.preinstall, CHECK);
        for (const [name, command] of Object.entries(pkg.scripts)) {
            assert.ok(command === CHECK || command.startsWith(`${CHECK} && `), `npm run ${name} does not check the Node version first: ${command}`);
        }
    });

    it("must stop an npm script on Node 20 with that line and a non-zero exit", async function () {
        this.timeout(30_000);
        // The node npm and the script run on reports 20.11.1: a preload sets process.versions.node.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-node-"));
        try {
            const preload = path.join(dir, "node20.cjs");
            fs.writeFileSync(preload, 'Object.defineProperty(process.versions, "node", { value: "20.11.1" });\n');
            // Under `npm test`, npm says where it is; run directly, the npm on PATH.
            const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
            const result = await runChild(npm[0], [...npm.slice(1), "run", "--silent", "typecheck"], {
                cwd: ROOT,
                env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: `--require ${preload}` },
            });
            assert.notStrictEqual(result.code, 0);
            assert.match(result.stderr, /^This project needs Node 22 or newer .* Run `source \.ci\/node22\.sh` first: it puts Node 22 from the npm registry on PATH\.\n$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
