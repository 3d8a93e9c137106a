/**
 * The Pulumi type tokens of the resources the program declares and of the data source it reads:
 * what the engine records in state and URNs, and what the policy pack, the deployer scope table,
 * the drift check, the mocks and the provider doubles key on. The program itself never spells
 * them (it constructs the SDK classes); everything that reads what it declared imports them here.
 *
 * Each is the token the installed SDK registers, read from its generated JavaScript:
 * - @pulumi/auth0 3.49.0: `static __pulumiType = '…'` of each class, e.g.
 *   node_modules/@pulumi/auth0/resourceServer.js:128, client.js:58, action.js:145; the data
 *   source's token is the one getResourceServer.js:53 passes to `pulumi.runtime.invoke`;
 * - @pulumi/random 4.21.2: node_modules/@pulumi/random/randomPassword.js:77;
 * - @pulumi/command 1.2.1: node_modules/@pulumi/command/local/command.js:162.
 * test/infra/resourceTypes.test.ts reads every one back from the installed SDK, so an SDK upgrade
 * that renames a token fails there rather than in a deployment.
 */
export const RESOURCE_TYPES = {
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
    localCommand: "command:local:Command",
} as const;

/** The tokens of the data sources (provider functions) the program invokes. */
export const DATA_SOURCE_TYPES = {
    getResourceServer: "auth0:index/getResourceServer:getResourceServer",
} as const;
