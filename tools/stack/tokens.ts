/**
 * What names the program and its resources, without the Pulumi SDK: the repository root, the
 * project, the resource type tokens. For code that reads a program run's results (the local
 * tenant's serving thread) and must not pay for loading @pulumi/pulumi (tools/stack/program.ts
 * re-exports these).
 */

export { ROOT } from "../repository";
export const PROJECT = "auth0-tenant";

export const T = {
    resourceServer: "auth0:index/resourceServer:ResourceServer",
    resourceServerScopes: "auth0:index/resourceServerScopes:ResourceServerScopes",
    client: "auth0:index/client:Client",
    clientCredentials: "auth0:index/clientCredentials:ClientCredentials",
    clientGrant: "auth0:index/clientGrant:ClientGrant",
    action: "auth0:index/action:Action",
    triggerActions: "auth0:index/triggerActions:TriggerActions",
    rule: "auth0:index/rule:Rule",
    ruleConfig: "auth0:index/ruleConfig:RuleConfig",
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;
