/**
 * Another team's values for the committed stack files: what a team taking this repository writes
 * over our sample values (README.md, "Deploying to a tenant"). The copy test writes them into a
 * copy of the repository; run as a script, this rewrites the stack files of a directory, to
 * measure what the tests assume about the sample values:
 *
 *   npx tsx test/support/anotherTenant.ts <dir> [--readme-only]
 */
import * as fs from "fs";
import * as path from "path";

/** The three values README.md tells a team to replace. */
export const README_KEYS = ["auth0:domain", "auth0-tenant:apiBaseUrl", "auth0-tenant:authzExtensionUrl"] as const;

/** Another tenant's value of every key that names our sample tenant or tunes it, per stack. */
export const ANOTHER_TENANT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    dev: {
        "auth0:domain": "acme-dev.uk.auth0.com",
        "auth0-tenant:apiBaseUrl": "https://entitlements.dev.acme-widgets.net",
        "auth0-tenant:authzExtensionUrl": "https://acme-dev.uk12.webtask.run/0123456789abcdef0123456789abcdef/api",
        "auth0-tenant:apiIdentifier": "https://entitlements.acme-widgets.net/dev",
        "auth0-tenant:claimNamespace": "https://acme-widgets.net/login/",
        "auth0-tenant:apiTokenLifetime": "1800",
    },
    staging: {
        "auth0:domain": "acme-staging.uk.auth0.com",
        "auth0-tenant:apiBaseUrl": "https://entitlements.staging.acme-widgets.net",
        "auth0-tenant:authzExtensionUrl": "https://acme-staging.uk12.webtask.run/abcdef0123456789abcdef0123456789/api",
        "auth0-tenant:apiIdentifier": "https://entitlements.acme-widgets.net/staging",
        "auth0-tenant:claimNamespace": "https://acme-widgets.net/login/",
        "auth0-tenant:apiTokenLifetime": "900",
    },
    prod: {
        "auth0:domain": "acme.au.auth0.com",
        "auth0-tenant:apiBaseUrl": "https://entitlements.acme-widgets.net",
        "auth0-tenant:authzExtensionUrl": "https://acme.au12.webtask.run/fedcba9876543210fedcba9876543210/api",
        "auth0-tenant:apiIdentifier": "urn:acme:entitlements",
        "auth0-tenant:claimNamespace": "https://acme-widgets.net/login/",
        "auth0-tenant:apiTokenLifetime": "43200",
        "auth0-tenant:failurePolicyGroups": "continue",
        "auth0-tenant:failurePolicyApi": "continue",
    },
};

/**
 * `text` (a stack file) with each top-level `config:` value of `values` replaced in place, keeping
 * comments and order; a key the file lacks is added at the end of `config:`.
 */
export function replaceValues(text: string, values: Readonly<Record<string, string>>): string {
    const lines = text.split("\n");
    const left = new Map(Object.entries(values));
    const out = lines.map((line) => {
        const m = /^( {2})([\w.-]+:[\w.-]+):( .*)?$/.exec(line);
        if (!m || !left.has(m[2])) return line;
        const value = left.get(m[2])!;
        left.delete(m[2]);
        return `${m[1]}${m[2]}: ${value}`;
    });
    const end = out.length && out[out.length - 1] === "" ? out.length - 1 : out.length;
    out.splice(end, 0, ...[...left].map(([k, v]) => `  ${k}: ${v}`));
    return out.join("\n");
}

if (require.main === module) {
    const [dir, flag] = process.argv.slice(2);
    if (!dir || (flag !== undefined && flag !== "--readme-only")) {
        console.error("usage: npx tsx test/support/anotherTenant.ts <dir> [--readme-only]");
        process.exit(2);
    }
    for (const [stack, values] of Object.entries(ANOTHER_TENANT)) {
        if (stack === "staging") continue;
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        const chosen = flag ? Object.fromEntries(Object.entries(values).filter(([k]) => (README_KEYS as readonly string[]).includes(k))) : values;
        fs.writeFileSync(file, replaceValues(fs.readFileSync(file, "utf8"), chosen));
        console.log(`${file}: ${Object.keys(chosen).join(", ")}`);
    }
}
