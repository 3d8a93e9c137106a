/**
 * What every section reader of the configuration shares: the stack's raw values, the one list of
 * problems they all add to (so loadConfig reports every problem at once), and the checks more
 * than one section makes.
 */
import { CONFIG_DEFAULTS, ProjectConfigKey } from "./keys";

/** Where the program reads its configuration from; tests substitute their own. */
export interface ConfigSource {
    readonly project: string;
    readonly stack: string;
    /** Value of `<namespace>:<key>` as stored (JSON text for objects and arrays). */
    get(namespace: string, key: string): string | undefined;
    /** Every `<namespace>:<key>` the stack sets, after the CLI applied Pulumi.yaml's defaults. */
    keys(): readonly string[];
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Directory holding `rules/` and `actions/`. */
    readonly rootDir: string;
}

/** The keys whose default is a boolean. */
type BooleanConfigKey = { [K in keyof typeof CONFIG_DEFAULTS]: (typeof CONFIG_DEFAULTS)[K] extends boolean ? K : never }[keyof typeof CONFIG_DEFAULTS];

/** One stack's configuration as the section readers see it, with the problems found so far. */
export interface ConfigReader {
    readonly source: ConfigSource;
    readonly project: string;
    readonly stack: string;
    /** Every problem found, each naming the key and the expected form; readers only add to it. */
    readonly problems: string[];
    /** `<project>:<key>`, as a problem names it. */
    readonly key: (k: ProjectConfigKey) => string;
    /** The value as stored, undefined when unset. */
    readonly raw: (k: ProjectConfigKey) => string | undefined;
    /** The value parsed as JSON; undefined (with a problem when it is not JSON) when unset or unreadable. */
    readonly parseJson: <T>(k: ProjectConfigKey, expected: string) => T | undefined;
    /** `true` or `false`; the key's default when unset or refused. */
    readonly bool: (k: BooleanConfigKey) => boolean;
    /** An https URL without credentials, or undefined with a problem naming `label`. */
    readonly httpsUrl: (label: string, value: unknown, example: string) => string | undefined;
}

export function configReader(source: ConfigSource): ConfigReader {
    const problems: string[] = [];
    const { project, stack } = source;
    const key = (k: ProjectConfigKey) => `${project}:${k}`;
    const raw = (k: ProjectConfigKey) => source.get(project, k);
    const parseJson = <T>(k: ProjectConfigKey, expected: string): T | undefined => {
        const text = raw(k);
        if (text === undefined) return undefined;
        try {
            return JSON.parse(text) as T;
        } catch {
            problems.push(`${key(k)}: not valid JSON; expected ${expected}`);
            return undefined;
        }
    };
    const bool = (k: BooleanConfigKey): boolean => {
        const fallback = CONFIG_DEFAULTS[k];
        const text = raw(k);
        if (text === undefined) return fallback;
        if (text === "true" || text === "false") return text === "true";
        problems.push(`${key(k)}: ${JSON.stringify(text)} is not a boolean; expected true or false`);
        return fallback;
    };
    const httpsUrl = (label: string, value: unknown, example: string): string | undefined => {
        if (typeof value !== "string" || value.length === 0) {
            problems.push(`${label}: missing; expected an https URL, e.g. ${example}`);
            return undefined;
        }
        const shown = JSON.stringify(withoutUserinfo(value));
        let url: URL;
        try {
            url = new URL(value);
        } catch {
            problems.push(`${label}: ${shown} is not a URL; expected an https URL, e.g. ${example}`);
            return undefined;
        }
        if (url.username || url.password) {
            problems.push(`${label}: ${shown} carries credentials before the host; expected a URL without user:password@, e.g. ${example}`);
            return undefined;
        }
        if (url.protocol !== "https:") {
            problems.push(`${label}: ${shown} must use https; expected e.g. ${example}`);
            return undefined;
        }
        return value;
    };
    return { source, project, stack, problems, key, raw, parseJson, bool, httpsUrl };
}

/** A scope as Auth0 writes them: `<action>:<resource>`, e.g. `read:entitlements`. */
const SCOPE_PATTERN = /^[a-z][a-z0-9_.-]*:[a-z0-9_.:-]+$/i;

/** A JSON array of distinct, well-formed scopes; each bad entry is a problem naming `label[i]`. */
export function readScopeList(label: string, value: unknown, opts: { allowEmpty: boolean }, problems: string[]): string[] {
    if (!Array.isArray(value)) {
        problems.push(`${label}: expected a JSON array of scopes such as ["read:users"]`);
        return [];
    }
    if (!opts.allowEmpty && value.length === 0) {
        problems.push(`${label}: empty; expected at least one scope such as "read:entitlements"`);
    }
    const seen = new Set<string>();
    const scopes: string[] = [];
    value.forEach((scope: unknown, i) => {
        if (typeof scope !== "string" || scope.length === 0) {
            problems.push(`${label}[${i}]: empty; expected a scope such as "read:users"`);
        } else if (seen.has(scope)) {
            problems.push(`${label}[${i}]: ${scope} is listed twice; expected each scope once`);
        } else if (scope !== "*" && !SCOPE_PATTERN.test(scope)) {
            problems.push(`${label}[${i}]: ${JSON.stringify(scope)} is malformed; expected <action>:<resource>, e.g. "read:users"`);
        } else {
            seen.add(scope);
            scopes.push(scope);
        }
    });
    return scopes;
}

/**
 * A URL or host as it may be shown in a message: any `user:password@` before the host (with or
 * without a scheme) replaced, so no credential is echoed.
 */
export function withoutUserinfo(text: string): string {
    return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i, "$1***@");
}
