import * as pulumi from "@pulumi/pulumi";
import * as auth0 from "@pulumi/auth0";
import { ExtensibilityMode, LOGIN_SETTINGS, LoginSettingName } from "./loginContract";
import { LoginCodeFile } from "./loginCode";
import { writeOnlyVersion } from "./writeOnlyVersion";

/**
 * Order of the first rule; the others follow. Auth0 refuses a rule whose order another rule has
 * (409 `rule_conflict`), and the dashboard numbers each new rule after the tenant's highest
 * order, so a hand-made tenant's rules sit at 1, 2, …; these orders stay clear of them.
 */
export const RULE_ORDER_BASE = 10_000;

export interface LoginFlowArgs {
    /** `actions` (post-login Actions) or `rules` (legacy Rules). No default. */
    readonly mode: ExtensibilityMode;
    /** The files of that mode, in execution order. No default. */
    readonly files: readonly LoginCodeFile[];
    /** Prefix of the Auth0 names of the rules/actions, e.g. `auth0-tenant-dev`. No default. */
    readonly namePrefix: string;
    /**
     * The value of every setting the stack can provide; a setting left undefined is not provided
     * (the code treats it as a disabled step). Values of secret settings must be Pulumi secrets.
     */
    readonly settings: Readonly<Partial<Record<LoginSettingName, pulumi.Input<string>>>>;
    /**
     * Whether this stack owns the tenant-wide parts: the post-login binding, or the rules and
     * rule configs. Default: true.
     */
    readonly ownsLoginFlow?: boolean;
    /**
     * Protect the post-login binding: it owns the whole trigger, so deleting it (a mode switch,
     * `ownsLoginFlow` turned off) empties post-login, and the engine then refuses until
     * `pulumi state unprotect` acknowledges it. Default: false.
     */
    readonly protect?: boolean;
}

/**
 * The login code, deployed in one of two modes.
 *
 * - `actions`: one post-login (v3) Action per file on node22, deployed, with the settings it reads
 *   as write-only secrets, bound in order with one `auth0.TriggerActions`.
 * - `rules`: one Rule per file (script = the file, byte for byte) in order, and one RuleConfig per
 *   setting any rule reads.
 *
 * Switching modes is one update: the new mode's resources are created and bound during the
 * update, and the old mode's are deleted only after (Pulumi deletes removed resources last).
 */
export class LoginFlow extends pulumi.ComponentResource {
    /** Action ids (actions mode) by file name. */
    readonly actionIds: pulumi.Output<Record<string, string>>;
    /** Rule ids (rules mode) by file name. */
    readonly ruleIds: pulumi.Output<Record<string, string>>;
    /** The settings provided to the code, by name (names only: values may be secret). */
    readonly settingNames: readonly LoginSettingName[];

    constructor(name: string, args: LoginFlowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("auth0-tenant:login:LoginFlow", name, {}, opts);
        const owns = args.ownsLoginFlow ?? true;
        const provided = (file: LoginCodeFile) => file.settings.filter((s) => args.settings[s] !== undefined);
        this.settingNames = [...new Set(args.files.flatMap(provided))];
        // Whatever the caller passed, a setting the contract calls secret is sent as a secret.
        const value = (setting: LoginSettingName): pulumi.Input<string> => {
            const v = args.settings[setting]!;
            return LOGIN_SETTINGS[setting].secret ? pulumi.secret(v) : v;
        };

        if (args.mode === "actions") {
            const actions = args.files.map((file) => {
                const names = provided(file);
                const secrets = names.map((s) => ({ name: s, value: value(s) }));
                return new auth0.Action(
                    `${name}-action-${file.name}`,
                    {
                        name: `${args.namePrefix}-${file.name}`,
                        code: file.code,
                        runtime: "node22",
                        deploy: true,
                        supportedTriggers: { id: "post-login", version: "v3" },
                        ...(secrets.length
                            ? { secretsWos: secrets, secretsWoVersion: secretsVersion(secrets) }
                            : {}),
                    },
                    { parent: this },
                );
            });
            if (owns) {
                new auth0.TriggerActions(
                    `${name}-post-login`,
                    { trigger: "post-login", actions: actions.map((a) => ({ id: a.id, displayName: a.name })) },
                    // TriggerActions PATCHes the trigger's whole binding list on create and update, and
                    // an empty list on delete (terraform-provider-auth0 v1.53.0
                    // internal/auth0/action/resource_trigger_actions.go 80, 122, 132): its delete unbinds
                    // every post-login action, hand-bound ones included. The binding list changes in
                    // place (an update), so protection refuses only that delete.
                    { parent: this, protect: args.protect ?? false },
                );
            }
            this.actionIds = idsByFile(args.files, actions);
            this.ruleIds = pulumi.output<Record<string, string>>({});
        } else {
            const configs = this.settingNames.map(
                (setting) =>
                    new auth0.RuleConfig(
                        `${name}-config-${setting}`,
                        { key: setting, value: value(setting) },
                        { parent: this },
                    ),
            );
            const rules = args.files.map(
                (file, index) =>
                    new auth0.Rule(
                        `${name}-rule-${file.name}`,
                        { name: `${args.namePrefix}-${file.name}`, script: file.code, order: RULE_ORDER_BASE + index, enabled: true },
                        // A rule must not run before the configuration it reads exists.
                        { parent: this, dependsOn: configs },
                    ),
            );
            this.ruleIds = idsByFile(args.files, rules);
            this.actionIds = pulumi.output<Record<string, string>>({});
        }
        this.registerOutputs({ actionIds: this.actionIds, ruleIds: this.ruleIds });
    }
}

function idsByFile(files: readonly LoginCodeFile[], resources: readonly pulumi.CustomResource[]): pulumi.Output<Record<string, string>> {
    return pulumi.all(resources.map((r) => r.id)).apply((ids) => Object.fromEntries(files.map((f, i) => [f.name, ids[i]])));
}

/**
 * `secretsWoVersion` for a list of write-only secrets: it changes whenever any name or value does
 * (writeOnlyVersion).
 */
function secretsVersion(secrets: readonly { name: string; value: pulumi.Input<string> }[]): pulumi.Output<number> {
    return writeOnlyVersion(pulumi.all(secrets.map((s) => pulumi.all([s.name, s.value]))));
}
