import { AUTHZ_EXTENSION_AUDIENCE } from "../../infra/loginContract";
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_TYPES } from "../../infra/resourceTypes";

/** A resource the program declared, as the mock engine saw it. */
export interface DeclaredResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly id: string;
}

/** What a data source lookup returns in a scenario, or the error it fails with. */
export type CallHandler = (inputs: Record<string, unknown>) => Record<string, unknown>;

/** The Authorization Extension's API as Auth0 reports it once the extension's API access is on. */
export function installedAuthzExtensionApi(scopes: readonly string[] = ["read:users", "read:groups", "read:roles"]): CallHandler {
    return (inputs) => {
        if (inputs.identifier !== AUTHZ_EXTENSION_AUDIENCE) {
            throw new Error(`unexpected getResourceServer lookup: ${JSON.stringify(inputs)}`);
        }
        return {
            id: "rs-authz-extension",
            identifier: AUTHZ_EXTENSION_AUDIENCE,
            name: "auth0-authorization-extension-api",
            scopes: scopes.map((name) => ({ name, description: name })),
        };
    };
}

/** The lookup failing as the provider does when the tenant has no such API. */
export function missingAuthzExtensionApi(): CallHandler {
    return () => {
        throw new Error("404 Not Found: The resource server does not exist");
    };
}

/**
 * Mocks for the Auth0 stack: records every resource, fills in what Auth0 would compute (ids,
 * client ids), and throws on any data-source call a scenario did not declare, so a new lookup
 * cannot slip through unseen.
 */
export class TenantMocks implements pulumi.runtime.Mocks {
    readonly resources: DeclaredResource[] = [];
    private readonly calls: Record<string, CallHandler>;

    constructor(calls: Record<string, CallHandler> = {}) {
        this.calls = calls;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const id = `${args.name}-id`;
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        this.resources.push({ type: args.type, name: args.name, inputs, id });
        const state: Record<string, unknown> = { ...inputs };
        switch (args.type) {
            case RESOURCE_TYPES.client:
                state.clientId = `${args.name}-client-id`;
                break;
            case RESOURCE_TYPES.resourceServerScopes:
                state.resourceServerIdentifier = inputs.resourceServerIdentifier;
                break;
            case RESOURCE_TYPES.randomPassword:
                // Distinct per generation, so tests can tell which secret reached which input.
                state.result = `mock-secret-${args.name}-${JSON.stringify(inputs.keepers)}`;
                break;
        }
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const handler = this.calls[args.token];
        if (!handler) {
            throw new Error(`unmocked data source call ${args.token}(${JSON.stringify(args.inputs)}): declare it in the scenario`);
        }
        return handler(args.inputs as Record<string, unknown>);
    }
}

/** The mock engine hands secret inputs over wrapped in Pulumi's secret envelope; unwrap them. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(obj.value);
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}
