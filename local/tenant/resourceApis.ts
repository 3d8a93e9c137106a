/**
 * The APIs the login code calls besides the Management API (infra/loginContract.ts LOGIN_CALLS):
 * the custom API's entitlements and the Authorization Extension API's groups. Each endpoint
 * requires a bearer token for its API carrying every scope LOGIN_CALLS lists for it, and answers
 * from the tenant model. Faults can be injected per endpoint; calls are counted per audience.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Audience, LOGIN_CALLS, LoginCall } from "../../infra/loginContract";
import { AccessTokens } from "./accessTokens";
import { RequestCounts } from "./counters";
import { applyFault, Endpoint, FaultPlan } from "./faults";
import { pathOf, pathPattern, sendJson } from "./https";
import { TenantModel } from "./model";

/** Prefix of the Authorization Extension API's routes (its URL ends in /api). */
export const AUTHZ_EXTENSION_PREFIX = "/api";

/** Which fault endpoint each contract call is; a call without one fails the start. */
const ENDPOINT_OF: Record<string, Endpoint> = {
    "authzExtension GET": "groups",
    "api GET": "entitlements",
    "managementApi PATCH": "patchUser",
};

export interface LoginRoute {
    readonly call: LoginCall;
    readonly endpoint: Endpoint;
    readonly pattern: RegExp;
}

/** The contract's calls to `audience`, as routes under `prefix`. */
export function loginRoutes(audience: Audience, prefix = ""): LoginRoute[] {
    return LOGIN_CALLS.filter((call) => call.audience === audience).map((call) => {
        const endpoint = ENDPOINT_OF[`${call.audience} ${call.method}`];
        if (!endpoint) throw new Error(`local tenant: no endpoint serves ${call.method} ${call.audience} ${call.path}`);
        return { call, endpoint, pattern: pathPattern(prefix + call.path) };
    });
}

/** The route a request takes, with the path's parameters. */
export function matchRoute(routes: readonly LoginRoute[], method: string, path: string): { route: LoginRoute; params: string[] } | undefined {
    for (const route of routes) {
        const found = route.pattern.exec(path);
        if (found && route.call.method === method) return { route, params: found.slice(1) };
    }
    return undefined;
}

const NOT_FOUND = { statusCode: 404, error: "Not Found", message: "Not Found" };

/** One of the resource APIs: its audience identifier and its routes. */
export class ResourceApi {
    constructor(
        private readonly audience: string,
        private readonly routes: readonly LoginRoute[],
        private readonly model: TenantModel,
        private readonly tokens: AccessTokens,
        private readonly faults: FaultPlan,
        private readonly counts: RequestCounts,
    ) {}

    /** A contract call: route, fault, bearer JWT (signature, issuer, audience), scopes, then the model's answer. */
    async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const match = matchRoute(this.routes, req.method ?? "", pathOf(req));
        if (!match) return sendJson(res, 404, NOT_FOUND);
        this.counts.countCall(this.audience);
        const fault = this.faults.take(match.route.endpoint);
        if (fault && (await applyFault(res, fault)) === "answered") return;

        const granted = await this.tokens.grantedScopes(req, res, this.audience);
        if (!granted) return;
        const scopes = match.route.call.scopes;
        if (scopes.some((scope) => !granted.includes(scope))) {
            return sendJson(res, 403, { statusCode: 403, error: "Forbidden", message: `Insufficient scope, expected all of: ${scopes.join(" ")}` });
        }
        const userId = decodeURIComponent(match.params[0] ?? "");
        sendJson(res, 200, this.read(match.route.endpoint, userId));
    }

    private read(endpoint: Endpoint, userId: string): unknown {
        switch (endpoint) {
            case "groups":
                return this.model.groups
                    .filter((group) => group.members.includes(userId))
                    .map((group) => ({ _id: group._id, name: group.name, description: group.description }));
            case "entitlements":
                return { user_id: userId, entitlements: this.model.entitlements[userId] ?? [] };
            default:
                throw new Error(`local tenant: the resource APIs do not serve ${endpoint}`);
        }
    }
}
