/**
 * What test/ci/fixturesOnly.test.ts looks for: the tenant values a committed stack file holds, and
 * whether a test's source depends on the committed stack files.
 */
import * as yaml from "js-yaml";

/** Keys whose values name a tenant, an API or an extension (not a mode, a scope or a number). */
const TENANT_KEYS = ["auth0:domain", "auth0-tenant:apiIdentifier", "auth0-tenant:apiBaseUrl", "auth0-tenant:authzExtensionUrl", "auth0-tenant:claimNamespace"];

/** Shorter strings than this are too common to mean a stack file's value. */
const MIN_LENGTH = 8;

/** What a committed stack file's tenant values look like in a test: each value, its host, the extension's id. */
export function sampleValues(stackFileTexts: readonly string[]): string[] {
    const found = new Set<string>();
    for (const text of stackFileTexts) {
        const config = ((yaml.load(text) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
        for (const key of TENANT_KEYS) {
            const value = config[key];
            if (typeof value !== "string") continue;
            found.add(value.replace(/\/$/, ""));
            const url = URL.parse(value);
            if (url?.hostname) found.add(url.hostname);
            // The extension's id: the path segment a webtask URL carries before /api.
            for (const segment of url?.pathname.split("/") ?? []) if (/^[0-9a-f]{24,}$/i.test(segment)) found.add(segment);
        }
    }
    return [...found].filter((v) => v.length >= MIN_LENGTH).sort();
}

/** Why `source` (a test file's text) depends on the committed stack files, or nothing. */
export function dependenceOnCommittedFiles(source: string, stacks: readonly string[], values: readonly string[]): string[] {
    // Regular expressions escape what they match (https:\/\/…\.com): compare without the escapes.
    const text = source.replace(/\\/g, "");
    const why: string[] = [];
    for (const stack of stacks) if (text.includes(`Pulumi.${stack}.yaml`)) why.push(`names Pulumi.${stack}.yaml`);
    if (/Pulumi\.\$\{/.test(text)) why.push("builds a Pulumi.<stack>.yaml path of its own");
    if (/stackDir:\s*ROOT\b|stackFilePath\([^)]*,\s*ROOT\)/.test(text)) why.push("reads the repository's stack files (ROOT)");
    if (/TENANT_STACK_FILES|STACK_FILES_ENV/.test(text)) why.push("changes where stack files are read from");
    for (const value of values) {
        const at = new RegExp(`(^|[^A-Za-z0-9.-])${value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}($|[^A-Za-z0-9-])`);
        if (at.test(text)) why.push(`holds ${value}, a value of a committed stack file`);
    }
    return why;
}
