import * as assert from "node:assert/strict";
import { loadConfig } from "../../../infra/config";
import { loadProject } from "../../../local/engine/cliConfig";
import { ROOT } from "../../../local/engine/operation";
import { PROJECT, TEST_PROVIDER_CONFIG, stackFileConfig } from "../../../tools/stack/program";

/** The program's configuration read from a flat map, as pulumi.Config would; or its refusal. */
function configFrom(values: Record<string, string>): unknown {
    try {
        return read(values);
    } catch (err) {
        return { refused: (err as Error).message };
    }
}
function read(values: Record<string, string>) {
    return loadConfig({
        project: PROJECT,
        stack: "dev",
        get: (ns, key) => values[`${ns}:${key}`],
        keys: () => Object.keys(values),
        env: {},
        rootDir: ROOT,
    });
}

describe("Pulumi.yaml defaults", () => {
    const project = loadProject(ROOT);
    const withDefault = Object.entries(project.config).filter(([, t]) => t.default !== undefined);

    it("must declare a default for every key a stack may leave unset", () => {
        assert.deepEqual(
            Object.keys(project.config).filter((k) => project.config[k].default === undefined).sort(),
            ["apiBaseUrl", "apiIdentifier", "apiScopes", "loginCodeOrder", "managementApiScopes"],
            "keys without a default are required in every stack file",
        );
    });

    for (const [key, type] of withDefault) {
        it(`must give ${key} the default infra/config.ts applies when it is unset`, () => {
            const base: Record<string, string> = { ...TEST_PROVIDER_CONFIG, ...stackFileConfig("dev") };
            delete base[`${PROJECT}:${key}`];
            const value = typeof type.default === "string" || typeof type.default === "number" || typeof type.default === "boolean" ? String(type.default) : JSON.stringify(type.default);
            assert.deepEqual(configFrom({ ...base, [`${PROJECT}:${key}`]: value }), configFrom(base));
            // The dev stack with the extension off shows authzExtensionUrl's default is "not set".
            delete base[`${PROJECT}:authzExtensionEnabled`];
            assert.deepEqual(configFrom({ ...base, [`${PROJECT}:${key}`]: value }), configFrom(base));
        });
    }
});
