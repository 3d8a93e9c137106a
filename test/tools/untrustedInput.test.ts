import * as assert from "node:assert/strict";
import { InputError, jsonSyntaxError, parseJsonInput, parseStackName, parseYamlInput } from "../../tools/untrustedInput";

/** The message of what `fn` throws; fails when it throws nothing or not an InputError. */
function refusal(fn: () => unknown): string {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
        return err.message;
    }
    assert.fail("expected a refusal");
}

describe("tools/untrustedInput", () => {
    it("must say where JSON breaks and what was expected, never quoting the text", () => {
        const message = refusal(() => parseJsonInput("SECRET-TOKEN-abc", "stdin", "a stack export"));
        assert.equal(message, "stdin: not JSON: at line 1, column 1 (byte offset 0), expected a JSON value; expected a stack export");
        const trailing = refusal(() => parseJsonInput('{"users": [\n  {"password": "hunter2-very-secret",}\n]}', "users.json", "a users file"));
        assert.match(trailing, /^users\.json: not JSON: at line 2, column 38 \(byte offset 49\), expected a double-quoted property name; expected a users file$/);
        assert.doesNotMatch(trailing, /hunter2/);
    });

    it("must find the same first error as JSON.parse, for texts V8 reports with a position", () => {
        for (const text of ['{"a":1,}', "[1,]", '{"a" 1}', '"open', "[1 2]", "01", "{} x", '"\\q"', "tru", "-", "1.", ""]) {
            const error = jsonSyntaxError(text);
            assert.ok(error, `${JSON.stringify(text)} must be refused`);
            assert.throws(() => JSON.parse(text), SyntaxError);
            const v8 = /position (\d+)/.exec((() => { try { JSON.parse(text); } catch (e) { return (e as Error).message; } return ""; })());
            if (v8) assert.equal(error.offset, Number(v8[1]), `offset for ${JSON.stringify(text)}`);
        }
        for (const text of ['{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n"]}', " [ ] ", "0"]) assert.equal(jsonSyntaxError(text), undefined, text);
    });

    it("must refuse __proto__, constructor and prototype keys at any depth, naming the path", () => {
        assert.match(refusal(() => parseJsonInput('{"users":[{"__proto__":{"admin":true}}]}', "users.json", "x")), /^users\.json: users\[0\]\.__proto__: the key __proto__ is refused/);
        assert.match(refusal(() => parseJsonInput('{"a":{"constructor":1}}', "--set a", "x")), /a\.constructor: the key constructor is refused/);
        assert.match(refusal(() => parseYamlInput("config:\n  prototype: 1\n", "Pulumi.fixture.yaml", "x")), /config\.prototype: the key prototype is refused/);
    });

    it("must say where YAML breaks without the snippet js-yaml adds", () => {
        const message = refusal(() => parseYamlInput("config:\n  key: \"secret-value\n", "Pulumi.x.yaml", "a stack file"));
        assert.match(message, /^Pulumi\.x\.yaml: not YAML: at line \d+, column \d+, .+; expected a stack file$/);
        assert.doesNotMatch(message, /secret-value/);
    });

    it("must not quote the text in js-yaml's reason (an alias, a tag), keeping only the rule's leading words", () => {
        for (const [text, rule] of [
            ["pw: *hunter2secret\n", "unidentified alias"],
            ["pw: !<tag:hunter2secret> x\n", "unknown tag"],
            ["pw: !<hunter2secret%e9> x\n", "tag name is malformed"],
            ["pw: !<hunter2 secret> x\n", "tag name cannot contain such characters"],
            ["pw: !hunter2secret!x y\n", "undeclared tag handle"],
        ]) {
            const message = refusal(() => parseYamlInput(text, "Pulumi.x.yaml", "a stack file"));
            assert.match(message, new RegExp(`^Pulumi\\.x\\.yaml: not YAML: at line 1, column \\d+, ${rule}; expected a stack file$`), text);
            assert.doesNotMatch(message, /hunter2/, text);
        }
    });

    it("must take a stack name as Pulumi does, and never a path", () => {
        for (const name of ["dev", "prod", "pr-42", "my_stack.v2"]) assert.equal(parseStackName(name), name);
        assert.match(refusal(() => parseStackName("../../../x")), /^--stack: not a stack name: character 3 is not allowed; .*never a path/);
        assert.match(refusal(() => parseStackName("org/dev")), /character 4 is not allowed/);
        assert.match(refusal(() => parseStackName("")), /empty/);
        assert.match(refusal(() => parseStackName("x".repeat(101))), /101 characters; expected a stack name of at most 100/);
        for (const name of [".", ".."]) {
            assert.match(refusal(() => parseStackName(name, "--stack")), /^--stack: not a stack name: \. and \.\. name directories; expected a stack name \(letters, digits, hyphens, underscores or periods\), such as dev or prod, never a path$/, name);
        }
        assert.equal(parseStackName("...x"), "...x");
    });
});
