/**
 * Adoption of a tenant clicked together by hand: what the stack declares (the real program run
 * under mocks) matched against what the tenant holds (read with the Management API), as a
 * `pulumi import --file` document. Used by `scripts/adopt.ts`.
 *
 * Names, types and parents come from the program run, never from a list kept here: a resource
 * the program adds is adopted (or reported) without a change to this file.
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { ManagementClient } from "auth0";
import { adoptScopes } from "./deployerScopes";
import { ExtensibilityMode } from "../infra/loginContract";
import { ImportFile, ImportSpec } from "./importFile";
import { ProgramRun, promiseOf } from "./stack/program";
import { RESOURCE_TYPES } from "../infra/resourceTypes";
import { DeclaredResource } from "./stack/mocks";

/** The provider version every import names: the installed @pulumi/auth0's (package.json pins it). */
const AUTH0_PACKAGE_VERSION = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/auth0/package.json"), "utf8")) as { version: string }).version;

export { ImportFile, ImportSpec };

/** Auth0 allows at most 100 items per page. */
const PAGE_SIZE = 100;
const REQUEST_TIMEOUT_S = 30;

/** What adoption needs of the tenant: ids and the keys they are matched by, never a secret. */
export interface TenantSnapshot {
    readonly resourceServers: readonly { id: string; identifier: string; name?: string }[];
    readonly clients: readonly { client_id: string; name: string; app_type?: string }[];
    /** `subject_type` as Auth0 answers it; a grant made without one is "client". */
    readonly clientGrants: readonly { id: string; client_id: string; audience: string; subject_type?: string }[];
    readonly rules: readonly { id: string; name: string }[];
    /** Rule-config keys (Auth0 never returns their values). */
    readonly ruleConfigKeys: readonly string[];
    /** Actions with the names of their secrets (Auth0 never returns their values). */
    readonly actions: readonly { id: string; name: string; secretNames?: readonly string[] }[];
}

/**
 * Reads the objects adoption matches against, with the lists of the stack's mode only (the
 * scopes of tools/deployerScopes.ts adoptScopes, all held by the read-only preview deployer).
 * Clients are listed with an explicit field list, so no secret or key ever leaves the tenant.
 */
export async function readTenant(management: ManagementClient, mode: ExtensibilityMode): Promise<TenantSnapshot> {
    const opts = { timeoutInSeconds: REQUEST_TIMEOUT_S };
    const all = async <T>(first: Promise<AsyncIterable<T>>): Promise<T[]> => {
        const items: T[] = [];
        for await (const item of await first) items.push(item);
        return items;
    };
    const [resourceServers, clients, clientGrants, rules, ruleConfigs, actions] = await Promise.all([
        all(management.resourceServers.list({ per_page: PAGE_SIZE }, opts)),
        all(management.clients.list({ fields: "client_id,name,app_type", include_fields: true, per_page: PAGE_SIZE }, opts)),
        all(management.clientGrants.list({ take: PAGE_SIZE }, opts)),
        mode === "rules" ? all(management.rules.list({ fields: "id,name", include_fields: true, per_page: PAGE_SIZE }, opts)) : [],
        mode === "rules" ? Promise.resolve(management.rulesConfigs.list(opts)) : [],
        mode === "actions" ? all(management.actions.list({ per_page: PAGE_SIZE }, opts)) : [],
    ]);
    return {
        resourceServers: resourceServers.map((r) => ({ id: r.id!, identifier: r.identifier!, name: r.name })),
        clients: clients.map((c) => ({ client_id: c.client_id!, name: c.name!, app_type: c.app_type })),
        clientGrants: clientGrants.map((g) => ({ id: g.id!, client_id: g.client_id!, audience: g.audience!, subject_type: g.subject_type })),
        rules: rules.map((r) => ({ id: r.id!, name: r.name! })),
        ruleConfigKeys: ruleConfigs.map((c) => c.key!),
        actions: actions.map((a) => ({ id: a.id!, name: a.name!, secretNames: (a.secrets ?? []).map((x) => x.name!) })),
    };
}

/** A declared resource left for `pulumi up` to create, and why. */
export interface NotAdopted {
    readonly type: string;
    readonly name: string;
    readonly reason: string;
}

export interface AdoptionPlan {
    readonly file: ImportFile;
    /** Each imported object, with what it was matched by (for the report). */
    readonly adopted: readonly { type: string; name: string; id: string; matchedBy: string }[];
    /** Declared objects the tenant does not have: `pulumi up` creates them. */
    readonly missing: readonly NotAdopted[];
    /** Declared resources that are not Auth0 objects (generated secrets): `pulumi up` creates them. */
    readonly notImportable: readonly NotAdopted[];
    /** Objects of adopted clients the program does not declare; left alone. */
    readonly leftAlone: readonly string[];
}

export interface AdoptOptions {
    /**
     * The existing application (name or client id) to adopt as the login code's client, i.e. the
     * client the stack's login code uses (its active credential slot). Default: the name the
     * stack gives that client.
     */
    readonly loginClient?: string;
    /** Per logical name, the existing object's name or id, for objects named differently by hand. */
    readonly matches?: Readonly<Record<string, string>>;
}


/** A resource of the program with its URN, inputs (custom resources) and parent. */
interface ProgramNode {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    parent?: ProgramNode;
}

/** The pseudo-type of the stack resource: a resource with no other parent hangs off it. */
const STACK_TYPE = "pulumi:pulumi:Stack";

/** `urn:pulumi:<stack>::<project>::[<parent type>$]<type>::<name>` → the parent's type, if any. */
function parentTypeOf(urn: string): string | undefined {
    const chain = urn.split("::")[2].split("$");
    const parentType = chain.length > 1 ? chain[chain.length - 2] : undefined;
    return parentType === STACK_TYPE ? undefined : parentType;
}

/**
 * The program's resources with their parents. A URN carries the parent's type but not its name;
 * among the resources of that type the parent is the one whose name prefixes the child's
 * (`${name}-<role>`, the house naming rule), and anything else is refused as ambiguous.
 */
async function programNodes(run: ProgramRun): Promise<ProgramNode[]> {
    const declared = (type: string, name: string): DeclaredResource | undefined => run.declared.find((d) => d.type === type && d.name === name);
    const nodes: ProgramNode[] = [];
    for (const c of run.constructed) {
        const custom = pulumi.CustomResource.isInstance(c.resource);
        nodes.push({ type: c.type, name: c.name, urn: await promiseOf(c.resource.urn), custom, inputs: (custom && declared(c.type, c.name)?.inputs) || {} });
    }
    for (const node of nodes) {
        const parentType = parentTypeOf(node.urn);
        if (parentType === undefined) continue;
        const candidates = nodes
            .filter((n) => n !== node && n.type === parentType && node.name.startsWith(`${n.name}-`))
            .sort((a, b) => b.name.length - a.name.length);
        if (!candidates.length || (candidates.length > 1 && candidates[0].name.length === candidates[1].name.length)) {
            throw new Error(`cannot tell the parent of ${node.type} ${node.name} (candidates: ${candidates.map((c) => c.name).join(", ") || "none"})`);
        }
        node.parent = candidates[0];
    }
    return nodes;
}

/** The mock client id of each declared Client, so grants and credentials can name their client. */
async function mockClientIds(run: ProgramRun): Promise<Map<string, string>> {
    const byMockId = new Map<string, string>();
    for (const c of run.constructedOf(RESOURCE_TYPES.client)) {
        const clientId = (c.resource as unknown as { clientId: pulumi.Output<string> }).clientId;
        byMockId.set(await promiseOf(clientId), c.name);
    }
    return byMockId;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** A grant's subject type as Auth0 applies it: none is "client" (client/resource_grant.go 159-164). */
const subjectTypeOf = (v: unknown): string => (typeof v === "string" && v ? v.toLowerCase() : "client");

/** A stack that cannot take an object over safely: adopt writes nothing and says what to do. */
export class AdoptionRefused extends Error {}

/** Types found through another object, never by a name of their own, and what they are found by. */
const FOLLOWS: Readonly<Record<string, string>> = {
    [RESOURCE_TYPES.clientCredentials]: "its application (--client, or --match <the client's logical name>)",
    [RESOURCE_TYPES.clientGrant]: "its application and audience",
    [RESOURCE_TYPES.resourceServerScopes]: "its API's identifier",
    [RESOURCE_TYPES.ruleConfig]: "its key",
    [RESOURCE_TYPES.triggerActions]: "its trigger",
};

/** The scopes adopt needs for the stack's mode (tools/deployerScopes.ts). */
export { adoptScopes };

/**
 * Matches every resource the program declares with the tenant's object and returns the import
 * document. Objects the tenant lacks are reported, never invented; a name that matches more than
 * one object is refused (pass its id).
 */
export async function planAdoption(run: ProgramRun, tenant: TenantSnapshot, options: AdoptOptions = {}): Promise<AdoptionPlan> {
    const nodes = await programNodes(run);
    const clientsByMockId = await mockClientIds(run);
    const matches: Record<string, string> = { ...options.matches };
    const unknownMatches = Object.keys(matches).filter((name) => !nodes.some((n) => n.custom && n.name === name));
    if (unknownMatches.length) {
        throw new Error(`--match names no resource of the stack: ${unknownMatches.join(", ")}`);
    }
    // Only objects found by a name or id of their own take --match; the others follow what they hang off.
    for (const name of Object.keys(matches)) {
        const node = nodes.find((n) => n.custom && n.name === name)!;
        const follows = FOLLOWS[node.type];
        if (follows) throw new AdoptionRefused(`--match ${name}: a ${node.type} is not matched by name or id; it is found by ${follows}, so match that instead`);
    }
    if (options.loginClient !== undefined) {
        const loginClientMockId = str(run.outputs.loginCodeClientId);
        const loginClient = clientsByMockId.get(loginClientMockId);
        if (!loginClient) throw new Error("the stack exports no loginCodeClientId naming one of its clients");
        matches[loginClient] = options.loginClient;
    }

    /** Tenant client id per adopted program Client (by logical name). */
    const adoptedClients = new Map<string, string>();
    /** Why an object cannot be taken over safely: each names the object and what to do. */
    const refusals: string[] = [];
    // Hand-made login code that may hold an application's secret: an action secret or a rule setting named for one.
    const holdsSecret = (name: string) => /SECRET|CREDENTIAL/i.test(name);
    const credentialHolders = [
        ...tenant.actions.flatMap((a) => (a.secretNames ?? []).filter(holdsSecret).map((n) => `the secret ${n} of the action ${JSON.stringify(a.name)}`)),
        ...tenant.ruleConfigKeys.filter(holdsSecret).map((k) => `the rule setting ${k}`),
    ];
    const adopted: { type: string; name: string; id: string; matchedBy: string }[] = [];
    const missing: NotAdopted[] = [];
    const notImportable: NotAdopted[] = [];
    const found = (node: ProgramNode, id: string, matchedBy: string) => adopted.push({ type: node.type, name: node.name, id, matchedBy });
    const lack = (node: ProgramNode, reason: string) => missing.push({ type: node.type, name: node.name, reason });

    const unique = <T>(node: ProgramNode, what: string, candidates: readonly T[], key: (t: T) => string): T | undefined => {
        if (candidates.length > 1) {
            throw new Error(
                `${node.name}: ${candidates.length} ${what}s match (${candidates.map(key).join(", ")}); pass the id with --match ${node.name}=<id>`,
            );
        }
        return candidates[0];
    };
    /** By the override (name or id) if given, else by the declared name. */
    const byNameOrId = <T extends { name: string }>(node: ProgramNode, what: string, list: readonly T[], id: (t: T) => string) => {
        const wanted = matches[node.name] ?? str(node.inputs.name);
        const hits = list.filter((t) => id(t) === wanted);
        const match = hits.length ? hits[0] : unique(node, what, list.filter((t) => t.name === wanted), id);
        if (match) found(node, id(match), `${what} ${JSON.stringify(match.name)}`);
        else lack(node, `no ${what} named ${JSON.stringify(wanted)} (or with that id); if it exists under another name, pass --match ${node.name}=<its name or id>`);
        return match;
    };

    // Clients first: credentials and grants are matched through their client.
    const ordered = [...nodes.filter((n) => n.type === RESOURCE_TYPES.client), ...nodes.filter((n) => n.type !== RESOURCE_TYPES.client)];
    for (const node of ordered) {
        if (!node.custom) continue;
        switch (node.type) {
            case RESOURCE_TYPES.resourceServer: {
                const declaredIdentifier = str(node.inputs.identifier);
                const wanted = matches[node.name] ?? declaredIdentifier;
                const rs = tenant.resourceServers.find((r) => r.identifier === wanted || r.id === wanted);
                if (!rs) lack(node, `no API with identifier ${wanted}`);
                else if (rs.identifier !== declaredIdentifier) {
                    // identifier is ForceNew (terraform-provider-auth0 v1.53.0 internal/auth0/resourceserver/resource.go 43-46):
                    // the first up would replace the hand-made API, deleting it.
                    refusals.push(
                        `${node.name}: the API ${rs.id} has the identifier ${rs.identifier}, the stack's is ${declaredIdentifier}; an identifier cannot change, ` +
                            `so pulumi up would delete that API and create another. Set the stack's apiIdentifier to ${rs.identifier}, or drop --match ${node.name}`,
                    );
                } else found(node, rs.id, `identifier ${rs.identifier}`);
                break;
            }
            case RESOURCE_TYPES.resourceServerScopes: {
                const identifier = str(node.inputs.resourceServerIdentifier);
                if (tenant.resourceServers.some((r) => r.identifier === identifier)) found(node, identifier, `identifier ${identifier}`);
                else lack(node, `no API with identifier ${identifier}`);
                break;
            }
            case RESOURCE_TYPES.client: {
                const client = byNameOrId(node, "application", tenant.clients, (c) => c.client_id);
                const appType = str(node.inputs.appType);
                if (client && client.app_type !== undefined && appType && client.app_type !== appType) {
                    // The first up would turn it into the stack's application type, breaking whatever uses it now.
                    adopted.pop();
                    refusals.push(
                        `${node.name}: the application ${client.client_id} (${JSON.stringify(client.name)}) is a ${client.app_type} application, the stack's is ${appType}; ` +
                            `pass --client or --match ${node.name}=<a ${appType} application's name or id>, or leave it out and let pulumi up create one`,
                    );
                } else if (client && credentialHolders.length) {
                    // Auth0 keeps one secret per application, and the first up sets the stack's on every
                    // slot it adopts (ClientCredentials' create, client/resource_credentials.go 753): the
                    // hand-made login code holding the old one would fail every login until the stack's
                    // code replaces it later in that update. A new application closes that window.
                    adopted.pop();
                    refusals.push(
                        `${node.name}: the first pulumi up sets a new secret on the application ${client.client_id} (${JSON.stringify(client.name)}), while the ` +
                            `tenant's hand-made login code may hold its current one (${credentialHolders.join(", ")}): logins would fail until the stack's ` +
                            `login code replaces it later in that update. Run adopt without --client and --match ${node.name}: pulumi up creates the ` +
                            `stack's own applications and switches the login code to them in one update; delete ${JSON.stringify(client.name)} once no login uses it`,
                    );
                } else if (client) adoptedClients.set(node.name, client.client_id);
                break;
            }
            case RESOURCE_TYPES.clientCredentials:
            case RESOURCE_TYPES.clientGrant: {
                const programClient = clientsByMockId.get(str(node.inputs.clientId));
                if (!programClient) throw new Error(`${node.name}: its clientId names no client of the stack`);
                const clientId = adoptedClients.get(programClient);
                if (!clientId) {
                    lack(node, `its application ${programClient} is not in the tenant`);
                    break;
                }
                if (node.type === RESOURCE_TYPES.clientCredentials) {
                    // Not imported: the provider's Read of an import (no client_secret_wo_version yet) reads the
                    // hand-made client_secret into the state (client/flatten.go 834-838). Its create takes the
                    // adopted application over instead: it sets the stack's authentication method and secret
                    // (client/resource_credentials.go 34, 740, 753) and never reads a secret back.
                    notImportable.push({
                        type: node.type,
                        name: node.name,
                        reason: `of the adopted application ${clientId}: pulumi up sets its authentication method and the stack's secret (an import would store the hand-made secret in the state)`,
                    });
                    break;
                }
                const audience = str(node.inputs.audience);
                const subjectType = subjectTypeOf(node.inputs.subjectType);
                // One grant per client, audience and subject type (client/resource_grant.go 131-141); subject_type is ForceNew (72-76).
                const grant = tenant.clientGrants.find((g) => g.client_id === clientId && g.audience === audience && subjectTypeOf(g.subject_type) === subjectType);
                if (grant) found(node, grant.id, `client ${clientId} + audience ${audience} + subject type ${subjectType}`);
                else lack(node, `application ${clientId} has no ${subjectType} grant to ${audience}`);
                break;
            }
            case RESOURCE_TYPES.rule:
                byNameOrId(node, "rule", tenant.rules, (r) => r.id);
                break;
            case RESOURCE_TYPES.action: {
                const action = byNameOrId(node, "action", tenant.actions, (a) => a.id);
                // The first up sends the stack's secrets; the provider refuses it for any secret the action
                // holds that they do not name ("Unmanaged Action Secret", internal/auth0/action/expand.go
                // 153-247), after the client's new secret is already set: the hand-made action, still bound,
                // would then fail every login. So such an action is refused here.
                const declared = new Set(((node.inputs.secretsWos as { name: string }[] | undefined) ?? []).map((x) => x.name));
                const extra = (action?.secretNames ?? []).filter((n) => !declared.has(n));
                if (action && extra.length) {
                    adopted.pop();
                    refusals.push(
                        `${node.name}: the action ${action.id} (${JSON.stringify(action.name)}) holds secrets the stack does not set: ${extra.join(", ")}; ` +
                            `pulumi up would stop at it with "Unmanaged Action Secret" after changing the client secret. Delete them in the dashboard ` +
                            `(Actions > ${action.name} > Secrets) if the code no longer reads them, or leave the action out (--match ${node.name}=<another action>, or rename it)`,
                    );
                }
                break;
            }
            case RESOURCE_TYPES.ruleConfig: {
                const key = str(node.inputs.key);
                if (tenant.ruleConfigKeys.includes(key)) found(node, key, `key ${key}`);
                else lack(node, `no rule setting ${key}`);
                break;
            }
            case RESOURCE_TYPES.triggerActions: {
                // Every tenant has each trigger; importing it adopts its current bindings.
                const trigger = str(node.inputs.trigger);
                found(node, trigger, `trigger ${trigger} (always exists; its bindings are replaced by the stack's)`);
                break;
            }
            default:
                notImportable.push({
                    type: node.type,
                    name: node.name,
                    reason: node.type.startsWith("auth0:")
                        ? "no adoption rule for this Auth0 type yet; pulumi up would create it"
                        : "not an object of the tenant (generated or run by the stack)",
                });
        }
    }

    if (refusals.length) throw new AdoptionRefused(`the stack cannot take over these objects safely; nothing was written:\n${refusals.map((r) => `  ${r}`).join("\n")}`);

    // Grants of adopted applications that the program does not declare stay as they are.
    const declaredGrants = new Set(
        nodes
            .filter((n) => n.type === RESOURCE_TYPES.clientGrant)
            .map((n) => `${adoptedClients.get(clientsByMockId.get(str(n.inputs.clientId)) ?? "")}|${str(n.inputs.audience)}|${subjectTypeOf(n.inputs.subjectType)}`),
    );
    const leftAlone: string[] = tenant.clientGrants
        .filter((g) => [...adoptedClients.values()].includes(g.client_id) && !declaredGrants.has(`${g.client_id}|${g.audience}|${subjectTypeOf(g.subject_type)}`))
        .map((g) => `client grant ${g.id} (${g.client_id} → ${g.audience}${subjectTypeOf(g.subject_type) === "client" ? "" : `, ${subjectTypeOf(g.subject_type)}`})`);
    // Hand-made login code the stack does not adopt keeps running; say so.
    const adoptedIds = new Set(adopted.map((a) => `${a.type}|${a.id}`));
    leftAlone.push(
        ...tenant.rules.filter((r) => !adoptedIds.has(`${RESOURCE_TYPES.rule}|${r.id}`)).map((r) => `rule ${r.id} (${JSON.stringify(r.name)}), which still runs if enabled`),
        ...tenant.ruleConfigKeys.filter((k) => !adoptedIds.has(`${RESOURCE_TYPES.ruleConfig}|${k}`)).map((k) => `rule setting ${k}`),
        ...tenant.actions.filter((a) => !adoptedIds.has(`${RESOURCE_TYPES.action}|${a.id}`)).map((a) => `action ${a.id} (${JSON.stringify(a.name)})`),
    );

    // Components: every ancestor of an adopted resource, parents before children.
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const components: ProgramNode[] = [];
    const addAncestors = (node: ProgramNode | undefined) => {
        if (!node || components.includes(node)) return;
        addAncestors(node.parent);
        components.push(node);
    };
    for (const a of adopted) addAncestors(byName.get(a.name)?.parent);

    const taken = adopted.map((a) => `${a.type}|${a.id}`);
    const twice = adopted.find((a, i) => taken.indexOf(`${a.type}|${a.id}`) !== i);
    if (twice) throw new Error(`${twice.id} would be adopted twice (${adopted.filter((a) => a.id === twice.id).map((a) => a.name).join(", ")}); pass --match to tell them apart`);

    const names = [...components.map((c) => c.name), ...adopted.map((a) => a.name)];
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) throw new Error(`two resources of the stack are named ${duplicate}; an import file cannot tell them apart as parents`);

    const parentOf = (name: string) => byName.get(name)?.parent?.name;
    // Each resource names the provider version the program registers: without it the CLI imports with
    // an unversioned default provider, the newest plugin on the machine (pulumi/pulumi 1b5949891b
    // pkg/cmd/pulumi/operations/import.go 629-636, pkg/resource/deploy/import.go 331-338).
    const spec = (type: string, name: string, id?: string): ImportSpec => ({
        type,
        name,
        ...(id === undefined ? { component: true as const } : { id, version: AUTH0_PACKAGE_VERSION }),
        ...(parentOf(name) ? { parent: parentOf(name) } : {}),
    });
    // In program order, components (parents) first.
    const order = (name: string) => nodes.findIndex((n) => n.name === name);
    components.sort((a, b) => order(a.name) - order(b.name));
    adopted.sort((a, b) => order(a.name) - order(b.name));
    const file: ImportFile = {
        resources: [...components.map((c) => spec(c.type, c.name)), ...adopted.map((a) => spec(a.type, a.name, a.id))],
    };
    return { file, adopted, missing, notImportable, leftAlone };
}

/** The report printed by the script: one line per resource, ids and names only. */
export function describePlan(plan: AdoptionPlan): string {
    const lines = [
        ...plan.adopted.map((a) => `import   ${a.name} (${a.type}) = ${a.id}, matched by ${a.matchedBy}`),
        ...plan.missing.map((m) => `missing  ${m.name} (${m.type}): ${m.reason}; pulumi up creates it`),
        ...plan.notImportable.map((m) => `create   ${m.name} (${m.type}): ${m.reason}; pulumi up creates it`),
        ...plan.leftAlone.map((l) => `ignored  ${l}: not declared by the stack, left as it is`),
    ];
    return lines.join("\n");
}
