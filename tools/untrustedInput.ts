/**
 * Text a user hands the tools (a stack export on stdin, a users file, `--set` values, stack files,
 * stack names) parsed without ever repeating it: such text holds secrets (a state export's
 * plaintext, a user's password) or is not ours to print (a file named by mistake). JSON.parse's
 * and js-yaml's own messages quote the text around the error (V8: `Unexpected token 'S',
 * "SECRET-TOK"... is not valid JSON`; js-yaml appends a snippet of the lines around the mark), so
 * a refusal here says where (line, column, byte offset) and what was expected, never what was
 * found. In `infra/` because every room may import it: the program's tools, `local/` and
 * `scripts/`.
 */
import * as yaml from "js-yaml";

/** Input that cannot be used; the message names where it came from and the expected form, never its content. */
export class InputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InputError";
    }
}

/**
 * Keys that reach an object's prototype when assigned (`o["__proto__"] = v` replaces the
 * prototype and is then invisible to Object.keys) or that shadow what every object inherits.
 * Refused wherever a user-provided key becomes an object key.
 */
export const RESERVED_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** Where `offset` falls in `text`, as a person counts: line and column from 1. */
export function positionOf(text: string, offset: number): { line: number; column: number; offset: number } {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return { line, column: offset - (before.lastIndexOf("\n") + 1) + 1, offset };
}

/**
 * Parses JSON from `where` (a file, a flag, stdin). On a syntax error: `<where>: not JSON: at line
 * L, column C (byte offset B), <what the grammar wanted>; expected <expected>`. Then refuses a
 * {@link RESERVED_KEYS} key anywhere in the value, naming its path.
 */
export function parseJsonInput(text: string, where: string, expected: string): unknown {
    return checked(readJson(text, expected), where);
}

/**
 * Parses YAML from `where`. On an error: `<where>: not YAML: at line L, column C, <the rule>`:
 * the leading words of js-yaml's reason, cut before the input it quotes ({@link yamlRule});
 * js-yaml's `message` adds a snippet of the input, so it is not used. Then refuses a {@link RESERVED_KEYS} key anywhere in the value.
 */
export function parseYamlInput(text: string, where: string, expected: string): unknown {
    return checked(readYaml(text, expected), where);
}

/** The value of JSON `text`, or the problem (without `where`) that {@link parseJsonInput} reports. */
export function readJson(text: string, expected: string): { value: unknown } | { problem: string } {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        const error = jsonSyntaxError(text) ?? { offset: 0, wanted: "expected a JSON value" };
        const at = positionOf(text, error.offset);
        const bytes = Buffer.byteLength(text.slice(0, at.offset));
        return { problem: `not JSON: at line ${at.line}, column ${at.column} (byte offset ${bytes}), ${error.wanted}; expected ${expected}` };
    }
    const reserved = reservedKeyProblem(value);
    return reserved ? { problem: reserved } : { value };
}

/** The value of YAML `text`, or the problem (without `where`) that {@link parseYamlInput} reports. */
export function readYaml(text: string, expected: string): { value: unknown } | { problem: string } {
    let value: unknown;
    try {
        value = yaml.load(text);
    } catch (err) {
        if (!(err instanceof yaml.YAMLException)) throw err;
        // js-yaml 4 YAMLException: `reason` is the rule's wording, `mark` the 0-based position.
        const mark = (err as yaml.YAMLException & { mark?: { line: number; column: number } }).mark;
        const at = mark ? `at line ${mark.line + 1}, column ${mark.column + 1}, ` : "";
        return { problem: `not YAML: ${at}${yamlRule(err.reason)}; expected ${expected}` };
    }
    const reserved = reservedKeyProblem(value);
    return reserved ? { problem: reserved } : { value };
}

/**
 * The words of js-yaml's `reason` that name the rule, before any of the input it quotes: the
 * loader appends the text after a quote, `!`, `<` or `:` (js-yaml 4 lib/loader.js, throwError
 * calls such as `'unidentified alias "' + alias + '"'` line 1392, `'unknown tag !<' + state.tag +
 * '>'` line 1608, `'tag name is malformed: ' + tagName` line 1331).
 */
function yamlRule(reason: string | undefined): string {
    const words = (reason ?? "").split(/["'!<:]/)[0].trim();
    return words || "the text breaks a YAML rule";
}

function checked(read: { value: unknown } | { problem: string }, where: string): unknown {
    if ("problem" in read) throw new InputError(`${where}: ${read.problem}`);
    return read.value;
}

/** The path of the first {@link RESERVED_KEYS} key in `value` (own keys, at any depth), as a problem; undefined when there is none. */
export function reservedKeyProblem(value: unknown, path = ""): string | undefined {
    if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) {
            const problem = reservedKeyProblem(item, `${path}[${i}]`);
            if (problem) return problem;
        }
        return undefined;
    }
    if (value === null || typeof value !== "object") return undefined;
    for (const key of Object.keys(value)) {
        const at = path ? `${path}.${key}` : key;
        if (RESERVED_KEYS.includes(key)) return `${at}: the key ${key} is refused (it would reach the object's prototype); expected data keys only`;
        const problem = reservedKeyProblem((value as Record<string, unknown>)[key], at);
        if (problem) return problem;
    }
    return undefined;
}

/** A user-provided key about to become an object key: refused when it is one of {@link RESERVED_KEYS}. */
export function refuseReservedKey(key: string, where: string): string {
    if (RESERVED_KEYS.includes(key)) throw new InputError(`${where}: the key ${key} is refused (it would reach the object's prototype); expected a configuration key`);
    return key;
}

// Pulumi's stack-name rule: pulumi/pulumi sdk/go/common/tokens/stack_name.go at 1b59498
// (v3.259.0+14), ParseStackName, lines 51-86: not empty, at most 100 characters, only
// `[A-Za-z0-9_.-]` ("a stack name may only contain alphanumeric, hyphens, underscores, or
// periods"). Pulumi takes `.` and `..` too; they are refused here as well, since joined to a
// directory they name it or its parent. With no `/` and neither of those, a name can never leave
// the directory it is joined to.
const STACK_NAME_MAX = 100;
const STACK_NAME_PATTERN = /^[A-Za-z0-9_.-]*$/;

/** A name shaped `<org>/<stack>` or `<org>/<project>/<stack>` names the stack in a backend, but its file is Pulumi.<stack>.yaml. */
const QUALIFIED_NAME = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/){1,2}[A-Za-z0-9_.-]+$/;
const BARE_NAME = " (the bare name, without <org>/ or <org>/<project>/: the file is Pulumi.<name>.yaml)";

/** Refuses what Pulumi would not take as a stack name (so never a path); returns the name. */
export function parseStackName(name: string, where = "--stack"): string {
    if (name === "") throw new InputError(`${where}: empty; expected a stack name such as dev or prod`);
    if (name.length > STACK_NAME_MAX) throw new InputError(`${where}: ${name.length} characters; expected a stack name of at most ${STACK_NAME_MAX}`);
    if (name === "." || name === "..") {
        throw new InputError(
            `${where}: not a stack name: . and .. name directories; expected a stack name (letters, digits, hyphens, underscores or periods), such as dev or prod, never a path`,
        );
    }
    const bad = [...name].findIndex((c) => !STACK_NAME_PATTERN.test(c));
    if (bad >= 0) {
        throw new InputError(
            `${where}: not a stack name: character ${bad + 1} is not allowed${QUALIFIED_NAME.test(name) ? BARE_NAME : ""}; expected a stack name (letters, digits, hyphens, ` +
                "underscores or periods, as Pulumi takes them), such as dev or prod, never a path",
        );
    }
    return name;
}

/**
 * The first JSON syntax error in `text`, found by a recursive-descent reading of RFC 8259's
 * grammar: its offset and what the grammar wanted there. Undefined when the text is valid.
 */
export function jsonSyntaxError(text: string): { offset: number; wanted: string } | undefined {
    let i = 0;
    const fail = (wanted: string): never => {
        throw new JsonSyntaxAt(i, wanted);
    };
    const space = () => {
        while (i < text.length && " \t\n\r".includes(text[i])) i++;
    };
    const literal = (word: string) => {
        for (const c of word) {
            if (text[i] !== c) fail(`expected the literal ${word}`);
            i++;
        }
    };
    const string = () => {
        i++; // the opening quote
        for (;;) {
            if (i >= text.length) fail("a string is not closed");
            const c = text.charCodeAt(i);
            if (c === 0x22) return void i++;
            if (c < 0x20) fail("a control character inside a string; expected it escaped");
            if (c === 0x5c) {
                i++;
                if (text[i] === "u") {
                    i++;
                    for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? "")) fail("expected four hex digits after \\u");
                } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) {
                    fail("an unknown escape in a string");
                } else {
                    i++;
                }
            } else {
                i++;
            }
        }
    };
    const number = () => {
        if (text[i] === "-") i++;
        if (text[i] === "0") i++;
        else if (/[1-9]/.test(text[i] ?? "")) while (/[0-9]/.test(text[i] ?? "")) i++;
        else fail("expected a digit");
        if (text[i] === ".") {
            i++;
            if (!/[0-9]/.test(text[i] ?? "")) fail("expected a digit after the decimal point");
            while (/[0-9]/.test(text[i] ?? "")) i++;
        }
        if (text[i] === "e" || text[i] === "E") {
            i++;
            if (text[i] === "+" || text[i] === "-") i++;
            if (!/[0-9]/.test(text[i] ?? "")) fail("expected a digit in the exponent");
            while (/[0-9]/.test(text[i] ?? "")) i++;
        }
    };
    const value = (): void => {
        space();
        const c = text[i];
        if (c === "{") {
            i++;
            space();
            if (text[i] === "}") return void i++;
            for (;;) {
                space();
                if (text[i] !== '"') fail("expected a double-quoted property name");
                string();
                space();
                if (text[i] !== ":") fail("expected ':' after a property name");
                i++;
                value();
                space();
                if (text[i] === ",") i++;
                else if (text[i] === "}") return void i++;
                else fail("expected ',' or '}' after a property value");
            }
        }
        if (c === "[") {
            i++;
            space();
            if (text[i] === "]") return void i++;
            for (;;) {
                value();
                space();
                if (text[i] === ",") i++;
                else if (text[i] === "]") return void i++;
                else fail("expected ',' or ']' after an array element");
            }
        }
        if (c === '"') return string();
        if (c === "t") return literal("true");
        if (c === "f") return literal("false");
        if (c === "n") return literal("null");
        if (c === "-" || /[0-9]/.test(c ?? "")) return number();
        fail(i >= text.length ? "the text ended where a value was expected" : "expected a JSON value");
    };
    try {
        value();
        space();
        if (i < text.length) fail("more text after the JSON value");
        return undefined;
    } catch (err) {
        if (err instanceof JsonSyntaxAt) return { offset: err.offset, wanted: err.wanted };
        throw err;
    }
}

class JsonSyntaxAt extends Error {
    constructor(
        readonly offset: number,
        readonly wanted: string,
    ) {
        super(wanted);
    }
}
