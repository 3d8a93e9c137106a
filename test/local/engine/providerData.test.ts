import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../../local/engine/operation";
import { PROVIDER_FACTS } from "../../../local/engine/providerFacts";
import { schemaOf } from "../../../local/engine/schema";

/**
 * Cross-checks the engine double against the reference extracts of the providers' repositories in
 * ../shared/provider-data (the schema of pulumi-auth0 v3.49.0, the terraform-provider-auth0
 * v1.53.0 validations and ForceNew fields). The project never reads them at run time; where the
 * folder is absent (a clone without ../shared) there is nothing to compare with.
 */
const DATA = path.resolve(ROOT, "..", "shared", "provider-data");
const present = fs.existsSync(path.join(DATA, "auth0-schema-3.49.0.json"));

interface SchemaResource {
    inputProperties?: Record<string, unknown>;
    requiredInputs?: string[];
}
interface TfField {
    type?: string;
    optional?: boolean;
    required?: boolean;
    forceNew?: boolean;
    elem?: { fields?: Record<string, TfField> };
}

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

(present ? describe : describe.skip)("engine double against ../shared/provider-data", () => {
    const read = <T>(file: string) => JSON.parse(fs.readFileSync(path.join(DATA, file), "utf8")) as T;

    it("must read from the installed .d.ts exactly the inputs and required inputs of pulumi-auth0 v3.49.0's schema", () => {
        const schema = read<{ resources: Record<string, SchemaResource> }>("auth0-schema-3.49.0.json");
        for (const type of Object.keys(PROVIDER_FACTS).filter((t) => t.startsWith("auth0:"))) {
            const reference = schema.resources[type];
            assert.ok(reference, `${type} in the reference schema`);
            const ours = schemaOf(type).inputs;
            assert.deepEqual(Object.keys(ours).sort(), Object.keys(reference.inputProperties ?? {}).sort(), type);
            assert.deepEqual(Object.entries(ours).filter(([, p]) => p.required).map(([k]) => k).sort(), [...(reference.requiredInputs ?? [])].sort(), type);
        }
    });

    it("must hold every ForceNew field of terraform-provider-auth0 v1.53.0 that the stack can set", () => {
        const tf = read<{ resources: Record<string, { fields: Record<string, TfField> }> }>("auth0-tf-validations-1.53.0.json");
        for (const [type, facts] of Object.entries(PROVIDER_FACTS).filter(([t]) => t.startsWith("auth0:"))) {
            const fields = tf.resources[type]?.fields ?? {};
            const forceNew: string[] = [];
            const walk = (f: Record<string, TfField>, prefix: string) => {
                for (const [name, field] of Object.entries(f)) {
                    if (field.forceNew) forceNew.push(prefix + camel(name));
                    if (field.elem?.fields) walk(field.elem.fields, `${prefix}${camel(name)}.`);
                }
            };
            walk(fields, "");
            // The nested credential blocks of ClientCredentials (TLS, private key JWT) the stack never sets.
            const settable = forceNew.filter((f) => !/^(tlsClientAuth|selfSignedTlsClientAuth|signedRequestObject|privateKeyJwt)\./.test(f));
            for (const field of settable) assert.ok(field in facts.forceNew, `${type}: ${field} is ForceNew in v1.53.0 but not in local/engine/providerFacts.ts`);
        }
    });

    it("must name as auto-named exactly the types whose Terraform schema has an input string `name` (SetAutonaming)", () => {
        const tf = read<{ resources: Record<string, { fields: Record<string, TfField> }> }>("auth0-tf-validations-1.53.0.json");
        for (const [type, facts] of Object.entries(PROVIDER_FACTS).filter(([t]) => t.startsWith("auth0:"))) {
            const name = tf.resources[type]?.fields.name;
            // pulumi-terraform-bridge v3.133.0 pkg/tfbridge/info/autonaming.go 51-58.
            const autonamed = name !== undefined && name.type === "string" && (name.optional === true || name.required === true);
            assert.equal(facts.autonamedName !== undefined, autonamed, `${type}: autonamedName in local/engine/providerFacts.ts`);
        }
    });
});
