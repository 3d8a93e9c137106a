import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_DEFAULTS, ConfigSource, PROJECT_CONFIG_KEYS, loadConfig } from "../../infra/config";
import { PROJECT, ROOT, TEST_PROVIDER_CONFIG, stackFileConfig } from "../../tools/stack/program";

interface Declared { type?: string; description?: string; secret?: boolean; items?: { type?: string }; default?: unknown }
const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string; main: string; runtime: unknown; config: Record<string, Declared> };

/** Every `<namespace>:<key>` that loadConfig asks for, recorded while it reads a stack. */
function keysRead(stack: string): Set<string> {
    const read = new Set<string>();
    const values: Record<string, string> = { ...TEST_PROVIDER_CONFIG, ...stackFileConfig(stack) };
    const source: ConfigSource = {
        project: PROJECT,
        stack,
        get: (ns, key) => { read.add(`${ns}:${key}`); return values[`${ns}:${key}`]; },
        keys: () => Object.keys(values),
        env: {},
        rootDir: ROOT,
    };
    loadConfig(source);
    return read;
}

describe("Pulumi.yaml and the stack files", () => {
    it("must name the project the program reads and run infra/ with TypeScript", () => {
        assert.strictEqual(project.name, PROJECT);
        assert.strictEqual(project.main, "infra/");
        assert.deepStrictEqual(project.runtime, { name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
    });

    it("must declare every project key the program reads, with a description and a type", () => {
        const read = [...keysRead("dev")].filter((k) => k.startsWith(`${PROJECT}:`)).map((k) => k.slice(PROJECT.length + 1));
        assert.ok(read.length >= 15, `only ${read.length} keys read`);
        assert.deepStrictEqual(read.filter((k) => !(k in project.config)), [], "read but not declared");
        assert.deepStrictEqual(Object.keys(project.config).filter((k) => !read.includes(k)), [], "declared but never read");
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(decl.description && decl.description.length > 20, `${key} has no description`);
            assert.ok(["string", "integer", "boolean", "array"].includes(decl.type ?? ""), `${key} has no valid type`);
            if (decl.type === "array") assert.ok(decl.items?.type, `${key} declares no item type`);
        }
    });

    it("must list in infra/config.ts exactly the keys Pulumi.yaml declares, so no declared key is refused as unknown", () => {
        assert.deepStrictEqual([...PROJECT_CONFIG_KEYS].sort(), Object.keys(project.config).sort());
    });

    it("must state as its defaults exactly CONFIG_DEFAULTS, the ones the program applies (infra/config/keys.ts)", () => {
        const declared = Object.fromEntries(Object.entries(project.config).flatMap(([key, decl]) => (decl.default === undefined ? [] : [[key, decl.default]])));
        // A default that depends on the project is stated in Pulumi.yaml for its own name.
        const applied = Object.fromEntries(Object.entries(CONFIG_DEFAULTS).map(([key, value]) => [key, typeof value === "function" ? value(project.name) : value]));
        assert.deepStrictEqual(declared, applied);
    });
});
