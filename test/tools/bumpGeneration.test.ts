import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { bumpGeneration, KEY, main } from "../../tools/bumpGeneration";
import { stackFilePath } from "../../tools/stack/stackFiles";
import { runUnderMocks } from "../../tools/stack/program";

const stackFile = (stack: string) => fs.readFileSync(stackFilePath(stack), "utf8");
const changedLines = (before: string, after: string) => {
    const a = before.split("\n");
    const b = after.split("\n");
    assert.equal(b.length, a.length, "no line added or removed");
    return a.map((line, i) => [line, b[i]]).filter(([x, y]) => x !== y);
};

describe("scripts/bump-generation", () => {
    for (const stack of ["dev", "prod"]) {
        it(`must raise ${stack}'s generation by one, changing that line and nothing else`, () => {
            const text = stackFile(stack);
            const current = (yaml.load(text) as { config: Record<string, number> }).config[KEY];
            const bump = bumpGeneration(text);
            assert.deepEqual([bump.from, bump.to], [current, current + 1]);
            assert.deepEqual(changedLines(text, bump.text), [[`  ${KEY}: ${current}`, `  ${KEY}: ${current + 1}`]]);
        });
    }

    it("must name the slot the program makes active at the new generation", async () => {
        const bump = bumpGeneration(stackFile("dev"));
        const to = (yaml.load(bump.text) as { config: Record<string, number> }).config[KEY];
        const run = await runUnderMocks({ config: { secretGeneration: String(to) } });
        assert.equal(run.outputs.activeCredential, bump.slot);
    });

    it("must keep comments, a comment on the key's own line, indentation and CRLF line ends", () => {
        const text = "# the dev tenant\r\nconfig:\r\n    # rotated monthly\r\n    auth0:domain: a.example.com\r\n    auth0-tenant:secretGeneration: 41   # by the workflow\r\n";
        const bump = bumpGeneration(text);
        assert.equal(bump.text, text.replace("secretGeneration: 41", "secretGeneration: 42"));
    });

    it("must skip a generation for an emergency rotation (--by 2), which regenerates both slots", () => {
        const bump = bumpGeneration("config:\n  auth0-tenant:secretGeneration: 3\n", 2);
        assert.deepEqual([bump.from, bump.to, bump.slot], [3, 5, "blue"]);
    });

    it("must declare the key at the default generation plus one when the stack file does not set it", () => {
        const text = "# comment\nconfig:\n  auth0:domain: a.example.com\n";
        const bump = bumpGeneration(text);
        assert.deepEqual([bump.from, bump.to], [1, 2]);
        assert.deepEqual(yaml.load(bump.text), { config: { "auth0:domain": "a.example.com", [KEY]: 2 } });
        assert.ok(bump.text.startsWith("# comment\nconfig:\n"));
    });

    describe("refuses, naming the problem", () => {
        const cases: [string, string, number, RegExp][] = [
            ["a step other than 1 or 2", "config:\n  auth0-tenant:secretGeneration: 1\n", 3, /--by must be 1 .* or 2/],
            ["a generation that is not a whole number", "config:\n  auth0-tenant:secretGeneration: \"two\"\n", 1, /positive whole number, found "two"/],
            ["a generation below 1", "config:\n  auth0-tenant:secretGeneration: 0\n", 1, /positive whole number, found 0/],
            ["a file without config", "encryptionsalt: abc\n", 1, /no config: mapping/],
            ["the key in a flow mapping, not on a line of its own", "config: { auth0-tenant:secretGeneration: 1 }\n", 1, /exactly one line of its own/],
            ["the key mentioned again in a block scalar", "config:\n  auth0-tenant:secretGeneration: 1\n  auth0-tenant:note: |\n    auth0-tenant:secretGeneration: 9\n", 1, /exactly one line of its own, found 2/],
        ];
        for (const [title, text, by, message] of cases) {
            it(title, () => assert.throws(() => bumpGeneration(text, by), message));
        }
    });

    it("must exit 2 without touching any file on unusable arguments", () => {
        const before = ["dev", "prod"].map(stackFile);
        const errors: string[] = [];
        const consoleError = console.error;
        console.error = (...args: unknown[]) => errors.push(args.join(" "));
        try {
            for (const args of [[], ["../dev"], ["nosuchstack"], ["dev", "--by"], ["dev", "--by", "3"], ["dev", "--by", "1", "x"]]) {
                assert.equal(main(args), 2, args.join(" "));
            }
        } finally {
            console.error = consoleError;
        }
        assert.deepEqual(["dev", "prod"].map(stackFile), before);
        assert.ok(errors.some((e) => e.includes("usage:")) && errors.some((e) => e.includes("--by must be 1")), errors.join("\n"));
    });
    it("must refuse a stack file that is not YAML, saying where without quoting it", () => {
        assert.throws(
            () => bumpGeneration('config:\n  auth0-tenant:secretGeneration: 1\n  auth0:clientSecret: "unclosed-sekrit\n'),
            (e: Error) => /^not YAML: at line \d+, column \d+, /.test(e.message) && !e.message.includes("sekrit"),
        );
    });
});
