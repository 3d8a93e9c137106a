/**
 * The Management API over HTTPS on the tenant's authorization server: counts the call, acts out a
 * fault injected into a login call's endpoint (the rules' app_metadata update, "patchUser"),
 * verifies the bearer token for the tenant's Management API audience, then answers through the
 * one dispatcher, LocalManagementApi.handle (local/tenant/managementApi.ts), which checks the
 * call's scope.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { AccessTokens } from "./accessTokens";
import { RequestCounts } from "./counters";
import { applyFault, FaultPlan } from "./faults";
import { parseBody, sendJson } from "./https";
import { LocalManagementApi } from "./managementApi";
import { loginRoutes, matchRoute } from "./resourceApis";

export class ManagementEndpoint {
    /** The login code's calls to the Management API: where a fault for their endpoint applies. */
    private readonly loginRoutes = loginRoutes("managementApi");

    constructor(
        private readonly api: LocalManagementApi,
        /** The tenant's Management API identifier, known once it listens. */
        private readonly audience: () => string,
        private readonly tokens: AccessTokens,
        private readonly faults: FaultPlan,
        private readonly counts: RequestCounts,
    ) {}

    /** Whether a (method, path) is the Management API's. */
    serves(method: string, path: string): boolean {
        return this.api.serves(method, path);
    }

    async answer(req: IncomingMessage, rawBody: string, res: ServerResponse): Promise<void> {
        const audience = this.audience();
        const url = new URL(req.url ?? "/", "https://local");
        this.counts.countCall(audience);
        const login = matchRoute(this.loginRoutes, req.method ?? "", url.pathname);
        const fault = login && this.faults.take(login.route.endpoint);
        if (fault && (await applyFault(res, fault)) === "answered") return;

        const granted = await this.tokens.grantedScopes(req, res, audience);
        if (!granted) return;
        const reply = this.api.handle(req.method ?? "", url.pathname, url.searchParams, parseBody(rawBody, "application/json"), granted);
        if (reply.body === undefined) {
            res.writeHead(reply.status);
            res.end();
            return;
        }
        sendJson(res, reply.status, reply.body);
    }
}
