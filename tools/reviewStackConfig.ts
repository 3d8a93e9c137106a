/**
 * Writes the configuration of a pull request's review stack, `Pulumi.pr-<number>.yaml`, from the
 * dev stack's file and the review tenant of `.github/pipeline.json` (`reviewStacks`). Run by
 * .github/workflows/pull-request.yml before `pulumi up` on the review stack, and by
 * pull-request-closed.yml before it is destroyed:
 *
 *   npx tsx scripts/review-stack-config.ts <pull request number>
 *
 * A review stack runs the branch's code with a write deployer, so it lives in a tenant of its own
 * (the `review` environment's deployer), never dev's (docs/threat-model.md). From dev it takes
 * what describes the program, not a tenant: the login code and its order, the API's scopes and
 * token lifetime, the Management API scopes, the claim namespace, the failure policies, the
 * secret generation. What names another tenant it does not take:
 * - `auth0:domain` is the review tenant's (`reviewStacks.auth0Domain`).
 * - `apiBaseUrl` is the review tenant's API (`reviewStacks.apiBaseUrl`): dev's API trusts dev's
 *   tenant, never the review tenant's tokens.
 * - The Authorization Extension is dev's tenant's (its URL names dev's webtask): a review stack
 *   grants the review tenant's extension at `reviewStacks.authzExtensionUrl`, and without one runs
 *   with `authzExtensionEnabled: false`.
 * And what must not be shared between review stacks:
 * - `apiIdentifier` is `urn:auth0-tenant:pr-<number>:api`, unique per stack (every other Auth0
 *   name already derives from `<project>-<stack>`). It is written out, not left unset: the key has
 *   no default in Pulumi.yaml, and the CLI refuses a stack that leaves such a key unset
 *   (pulumi/pulumi pkg/workspace/config.go mergeConfig).
 * - `loginFlowOwner` is false: the post-login binding is tenant-wide, and every open pull request
 *   shares the review tenant.
 * - `extensibility` is actions: rules are tenant-wide too (every enabled rule runs on every login
 *   of the tenant), so a review stack never deploys them.
 * - `protect` is false: the stack is destroyed when the pull request closes.
 * - `apiProbeEnabled` is false: the stack's tokens carry its own audience,
 *   `urn:auth0-tenant:pr-<number>:api`, which no served API accepts (an API checks its own
 *   audience), so a probe would fail every review stack's `pulumi up` on an API it does not own.
 *   The verification still gets every token of both slots and checks its scopes, which is what
 *   the stack owns (infra/index.ts, probesSkipped).
 * - `secure:` values are dropped: they are encrypted for the dev stack. The workflow provides the
 *   deploying client's credentials through AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET instead.
 */
import { parseYamlInput } from "./untrustedInput";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { loadPipelineTable, PipelineTable } from "./pipelineTable";
import { STACK_FILES_HELP, stackFilePath } from "./stack/stackFiles";
import { Command, parseStrict, UsageError } from "./cli";

const USAGE = `usage: npx tsx scripts/review-stack-config.ts <pull request number>

Writes Pulumi.pr-<number>.yaml, the review stack's configuration: Pulumi.dev.yaml's program
settings on the review tenant of .github/pipeline.json (its domain, API URL and extension), a new
API identifier, no login-flow ownership, actions, no protect, no probe of the API (its tokens
carry the stack's own audience), no secure: values.
${STACK_FILES_HELP}
Writes the review stack's file beside Pulumi.dev.yaml.`;

const PROJECT = "auth0-tenant";

/** Values every review stack sets, whatever dev says. */
const REVIEW_OVERRIDES: Readonly<Record<string, unknown>> = {
    [`${PROJECT}:extensibility`]: "actions",
    [`${PROJECT}:loginFlowOwner`]: false,
    [`${PROJECT}:protect`]: false,
    [`${PROJECT}:apiProbeEnabled`]: false,
};
/** Keys naming the review tenant instead of dev's. */
function tenantValues(tenant: ReviewTenant): Record<string, unknown> {
    const values: Record<string, unknown> = {
        "auth0:domain": tenant.auth0Domain,
        [`${PROJECT}:apiBaseUrl`]: tenant.apiBaseUrl,
        [`${PROJECT}:authzExtensionEnabled`]: tenant.authzExtensionUrl !== null,
    };
    if (tenant.authzExtensionUrl !== null) values[`${PROJECT}:authzExtensionUrl`] = tenant.authzExtensionUrl;
    return values;
}

/** Keys that must not be copied from dev: each review stack gets its own value. */
const PER_STACK_VALUES: Readonly<Record<string, (stack: string) => string>> = {
    [`${PROJECT}:apiIdentifier`]: (stack) => `urn:${PROJECT}:${stack}:api`,
};

/** The tenant review stacks deploy to (`.github/pipeline.json`, `reviewStacks`). */
export interface ReviewTenant {
    readonly auth0Domain: string;
    readonly apiBaseUrl: string;
    /** The review tenant's Authorization Extension API; null: review stacks run without it. */
    readonly authzExtensionUrl: string | null;
}

/** The review tenant the table declares. */
export function reviewTenantOf(table: PipelineTable): ReviewTenant {
    const { auth0Domain, apiBaseUrl, authzExtensionUrl } = table.reviewStacks;
    return { auth0Domain, apiBaseUrl, authzExtensionUrl };
}

export interface ReviewStackConfig {
    readonly stack: string;
    /** The file's text, ready to write as `Pulumi.<stack>.yaml`. */
    readonly text: string;
    /** Keys whose `secure:` values were not copied (names only). */
    readonly droppedSecrets: readonly string[];
}

/** The review stack name for a pull request number, refusing anything but a positive integer. */
export function reviewStackName(prNumber: string): string {
    if (!/^[1-9][0-9]{0,9}$/.test(prNumber)) {
        throw new Error(`pull request number: ${JSON.stringify(prNumber)} is not valid; expected a positive integer, e.g. 42`);
    }
    return `pr-${prNumber}`;
}

/** Derives the review stack's configuration from the dev stack file's text and the review tenant. */
export function reviewStackConfig(devStackFile: string, prNumber: string, tenant: ReviewTenant = reviewTenantOf(loadPipelineTable())): ReviewStackConfig {
    const stack = reviewStackName(prNumber);
    const dev = parseYamlInput(devStackFile, "Pulumi.dev.yaml", "the dev stack's configuration") as { config?: Record<string, unknown> } | undefined;
    if (!dev?.config) throw new Error("Pulumi.dev.yaml: no config section; expected the dev stack's configuration");
    const config: Record<string, unknown> = {};
    const droppedSecrets: string[] = [];
    for (const [key, value] of Object.entries(dev.config)) {
        if (key in PER_STACK_VALUES || key === `${PROJECT}:authzExtensionUrl`) continue;
        if (value && typeof value === "object" && "secure" in value) {
            droppedSecrets.push(key);
            continue;
        }
        config[key] = value;
    }
    for (const [key, value] of Object.entries(PER_STACK_VALUES)) config[key] = value(stack);
    Object.assign(config, REVIEW_OVERRIDES, tenantValues(tenant));
    const header =
        `# Review stack of pull request #${prNumber} in the review tenant, generated by scripts/review-stack-config.ts\n` +
        "# from Pulumi.dev.yaml and .github/pipeline.json (reviewStacks).\n" +
        "# Not committed: regenerated on every run, destroyed with the stack when the pull request closes.\n";
    return { stack, text: header + yaml.dump({ config }, { lineWidth: -1 }), droppedSecrets };
}

function main(prNumber: string): void {
    const devFile = fs.readFileSync(stackFilePath("dev"), "utf8");
    const { stack, text, droppedSecrets } = reviewStackConfig(devFile, prNumber);
    const target = stackFilePath(stack);
    fs.writeFileSync(target, text);
    console.log(`wrote ${path.relative(process.cwd(), target)} for stack ${stack}`);
    if (droppedSecrets.length) {
        console.log(`not copied (encrypted for dev; provide them through the environment): ${droppedSecrets.join(", ")}`);
    }
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<string> = {
    name: "review-stack-config",
    usage: USAGE,
    parse: (argv) => {
        const { positionals } = parseStrict(argv, {}, true);
        if (positionals.length !== 1) throw new UsageError("expected exactly one argument, the pull request number");
        return positionals[0];
    },
    run: (prNumber) => main(prNumber),
};

