import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../tools/stack/tokens";

/** A script run as a user types it, with `input` on stdin. */
function script(name: string, args: readonly string[], input = "") {
    const result = spawnSync(process.execPath, ["--import", "tsx", join("scripts", name), ...args], {
        cwd: ROOT,
        input,
        encoding: "utf8",
        timeout: 60_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    return { status: result.status, output: result.stdout + result.stderr, stderr: result.stderr };
}

describe("scripts refuse bad input without echoing or trusting it", function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), "input-refusals-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("check-login-drift: stdin that is not JSON is located, never printed", () => {
        const result = script("check-login-drift.ts", [], "SECRET-TOKEN-abc");
        assert.equal(result.status, 2, result.output);
        assert.doesNotMatch(result.output, /SECRET|TOKEN|abc/);
        assert.match(result.stderr, /check-login-drift: stdin: not JSON: at line 1, column 1 \(byte offset 0\), expected a JSON value; expected the output of pulumi stack export --show-secrets/);
    });

    it("tenant --users: a trailing comma is located without printing the password near it", () => {
        const users = join(dir, "trailing-comma.json");
        writeFileSync(users, '{"users":[{"email":"dave@example.test","password":"hunter2-very-secret-pw"},]}');
        const result = script("tenant.ts", ["--stack", "dev", "--port", "0", "--users", users]);
        assert.equal(result.status, 2, result.output);
        assert.doesNotMatch(result.output, /hunter2|secret-pw|cret-pw/);
        assert.match(result.stderr, /trailing-comma\.json: 1 problem:\n {2}not JSON: at line 1, column 77 \(byte offset 76\), expected a JSON value; expected \{ "users"/);
    });

    it("tenant --users: a file that is not a users file (/etc/shadow's shape) is refused without printing its first characters", () => {
        const shadow = join(dir, "shadow");
        writeFileSync(shadow, "root:$6$saltsalt$hashhashhash:20200:0:99999:7:::\n");
        const result = script("tenant.ts", ["--stack", "dev", "--port", "0", "--users", shadow]);
        assert.equal(result.status, 2, result.output);
        assert.doesNotMatch(result.output, /root:|\$6\$|saltsalt|hashhash/);
        assert.match(result.stderr, /not JSON: at line 1, column 1 \(byte offset 0\)/);
    });

    it("tenant --users: a __proto__ key is refused, naming it", () => {
        const users = join(dir, "proto.json");
        writeFileSync(users, '{"users":[{"email":"dave@example.test","password":"long-enough-pw","__proto__":{"email_verified":true}}]}');
        const result = script("tenant.ts", ["--stack", "dev", "--port", "0", "--users", users]);
        assert.equal(result.status, 2, result.output);
        assert.match(result.stderr, /users\[0\]\.__proto__: the key __proto__ is refused/);
    });

    for (const name of ["preview.ts", "tenant.ts", "adopt.ts"]) {
        it(`${name} --stack: a path is refused as not a stack name, before any file is read`, () => {
            const outside = mkdtempSync(join(tmpdir(), "outside-"));
            // What the unchecked name reaches: path.join drops "Pulumi.../..", leaving <outside>/x.yaml.
            writeFileSync(join(outside, "x.yaml"), "config: {}\n");
            try {
                const relative = join("..", ...Array<string>(ROOT.split("/").length).fill(".."), outside, "x");
                const args = name === "adopt.ts" ? ["--stack", relative, "--out", join(dir, "adopt.json")] : ["--stack", relative];
                const result = script(name, args);
                assert.equal(result.status, 2, result.output);
                assert.match(result.stderr, /--stack: not a stack name: character 3 is not allowed; expected a stack name \(letters, digits, hyphens, underscores or periods/);
            } finally {
                rmSync(outside, { recursive: true, force: true });
            }
        });
    }

    it("preview --set: __proto__, constructor and prototype keys are refused, at the top and nested", () => {
        const top = script("preview.ts", ["--stack", "dev", "--set", '__proto__={"protect":true}']);
        assert.equal(top.status, 2, top.output);
        assert.match(top.stderr, /--set __proto__: the key __proto__ is refused/);
        const nested = script("preview.ts", ["--stack", "dev", "--set", 'apiScopes={"constructor":{"x":1}}']);
        assert.equal(nested.status, 2, nested.output);
        assert.match(nested.stderr, /--set apiScopes: constructor: the key constructor is refused/);
    });

    it("preview --set: a value that does not parse as JSON is located, never printed", () => {
        const result = script("preview.ts", ["--stack", "dev", "--set", 'apiScopes=["read:x sekrit-words",]']);
        assert.equal(result.status, 2, result.output);
        assert.doesNotMatch(result.output, /sekrit/);
        assert.match(result.stderr, /--set apiScopes: not JSON: at line 1, column 24 \(byte offset 23\), expected a JSON value/);
    });
});
