/**
 * What the token endpoint authorizes a client-credentials request against: the clients with their
 * secrets, the APIs with their scopes and token lifetimes, and the client grants. The tenant
 * model's first, then what a deploy through the Management API created, as Auth0 issues tokens
 * from the objects its Management API holds.
 */
import { Audience, LOGIN_CALLS } from "../../infra/loginContract";
import { LocalManagementApi } from "./managementApi";
import { ApiModel, ClientModel, GrantModel, MANAGEMENT_API, MANAGEMENT_API_SCOPES, TenantModel } from "./model";

export class ClientsAndApis {
    /** Client secrets by client id: the model's, then whatever setClientSecret/addClient changed. */
    private readonly secrets = new Map<string, string>();

    constructor(
        private readonly model: TenantModel,
        private readonly management: LocalManagementApi,
        /** This tenant's Management API identifier (MANAGEMENT_API with its domain), known once it listens. */
        private readonly managementIdentifier: () => string,
    ) {
        model.clients.forEach((client) => this.secrets.set(client.id, client.secret));
    }

    /** The secret the client authenticates with; undefined for an unknown client. */
    clientSecret(clientId: string): string | undefined {
        return this.secrets.get(clientId) ?? this.managedClientSecret(clientId);
    }

    /** The model's secret of a model client (what loginSettings hands the login code). */
    modelClientSecret(clientId: string): string | undefined {
        return this.secrets.get(clientId);
    }

    setClientSecret(clientId: string, secret: string): void {
        if (!this.secrets.has(clientId)) throw new Error(`local tenant: no client ${clientId}`);
        this.secrets.set(clientId, secret);
    }

    addClient(client: ClientModel): void {
        if (this.secrets.has(client.id)) throw new Error(`local tenant: client ${client.id} exists`);
        this.secrets.set(client.id, client.secret);
    }

    /** The API an audience names: the Management API (by either identifier), a model API or a deployed one. */
    api(identifier: string): ApiModel | undefined {
        const management = this.managementIdentifier();
        if (identifier === management || identifier === MANAGEMENT_API) {
            return { identifier: management, scopes: MANAGEMENT_API_SCOPES };
        }
        return this.model.apis.find((api) => api.identifier === identifier) ?? this.managedApi(identifier);
    }

    /** The grant of `clientId` on the API `apiIdentifier` (as api() names it), the model's first. */
    grant(clientId: string, apiIdentifier: string): GrantModel | undefined {
        return this.model.grants.find((g) => g.clientId === clientId && this.grantAudience(g.audience) === apiIdentifier) ?? this.managedGrant(clientId, apiIdentifier);
    }

    /**
     * Refuses a model the tenant cannot serve: a grant for an unknown API or scope, or a contract
     * call (LOGIN_CALLS) whose API is missing (the extension's may be).
     */
    validate(identifierOf: (audience: Audience) => string): void {
        for (const grant of this.model.grants) {
            const api = this.api(grant.audience);
            if (!api) throw new Error(`local tenant: grant for unknown audience ${grant.audience}`);
            const unknown = grant.scopes.filter((scope) => !api.scopes.includes(scope));
            if (unknown.length > 0) throw new Error(`local tenant: ${grant.audience} has no scopes ${unknown.join(", ")}`);
        }
        for (const call of LOGIN_CALLS) {
            const api = this.api(identifierOf(call.audience));
            if (!api && call.audience !== "authzExtension") throw new Error(`local tenant: no API for ${call.audience}`);
        }
    }

    private grantAudience(audience: string): string {
        return audience === MANAGEMENT_API ? this.managementIdentifier() : audience;
    }

    private managedClientSecret(clientId: string): string | undefined {
        const secret = this.management.clients.get(clientId)?.client_secret;
        return typeof secret === "string" ? secret : undefined;
    }

    private managedApi(identifier: string): ApiModel | undefined {
        const rs = [...this.management.resourceServers.values()].find((r) => r.identifier === identifier);
        if (!rs) return undefined;
        const scopes = ((rs.scopes as { value: string }[] | undefined) ?? []).map((s) => s.value);
        return { identifier, scopes, ...(typeof rs.token_lifetime === "number" ? { tokenLifetimeS: rs.token_lifetime } : {}) };
    }

    private managedGrant(clientId: string, apiIdentifier: string): GrantModel | undefined {
        const g = [...this.management.clientGrants.values()].find((x) => x.client_id === clientId && this.grantAudience(String(x.audience)) === apiIdentifier);
        return g ? { clientId, audience: apiIdentifier, scopes: (g.scope as string[] | undefined) ?? [] } : undefined;
    }
}
