import * as fs from "fs";
import * as path from "path";
import { ExtensibilityMode, LOGIN_SETTINGS, LoginSettingName } from "./loginContract";

/** One file of login code, exactly as Auth0 will run it. */
export interface LoginCodeFile {
    /** File name without `.js`, e.g. `require-verified-email`. */
    readonly name: string;
    readonly path: string;
    /** The file's contents, byte for byte. */
    readonly code: string;
    /** The settings the code reads, in order of first use. */
    readonly settings: readonly LoginSettingName[];
}

const KEBAB_JS = /^[a-z0-9]+(-[a-z0-9]+)*\.js$/;

/** How each mode's code reads a setting: literal member access, so it can be derived. */
const SETTING_ACCESS: Record<ExtensibilityMode, { literal: RegExp; dynamic: RegExp; form: string }> = {
    rules: {
        literal: /\bconfiguration\.([A-Za-z_$][\w$]*)/g,
        dynamic: /\bconfiguration\s*\[|\{[^{}]*\}\s*=\s*configuration\b/,
        form: "configuration.NAME",
    },
    actions: {
        literal: /\bevent\.secrets\.([A-Za-z_$][\w$]*)/g,
        dynamic: /\bevent\.secrets\s*\[|\{[^{}]*\}\s*=\s*event\.secrets\b|=\s*event\.secrets\s*[;,)]/,
        form: "event.secrets.NAME",
    },
};

/**
 * Reads `<rootDir>/<mode>/*.js` and derives the settings each file reads. Throws when a file
 * reads a setting the stack does not know how to provide, or reads settings in a form that
 * cannot be derived (computed keys, destructuring, aliasing the whole object).
 */
export function readLoginCode(rootDir: string, mode: ExtensibilityMode): LoginCodeFile[] {
    const dir = path.join(rootDir, mode);
    const entries = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".js")).sort() : [];
    if (entries.length === 0) {
        throw new Error(`${mode}/: no .js files; the ${mode} extensibility mode deploys one ${mode === "rules" ? "rule" : "action"} per file there`);
    }
    return entries.map((entry) => {
        const filePath = path.join(dir, entry);
        if (!KEBAB_JS.test(entry)) {
            throw new Error(`${mode}/${entry}: file names must be kebab-case .js, e.g. require-verified-email.js`);
        }
        const code = fs.readFileSync(filePath, "utf8");
        return { name: entry.slice(0, -3), path: filePath, code, settings: settingsRead(`${mode}/${entry}`, code, mode) };
    });
}

/** The settings `code` reads, checked against the catalogue in loginContract.ts. */
export function settingsRead(label: string, code: string, mode: ExtensibilityMode): LoginSettingName[] {
    const access = SETTING_ACCESS[mode];
    // Comments may mention the access form ("read as configuration.NAME"); only code counts.
    code = withoutComments(code);
    if (access.dynamic.test(code)) {
        throw new Error(`${label}: reads settings dynamically; read each as ${access.form} so the stack can derive what to provide`);
    }
    const names: LoginSettingName[] = [];
    for (const match of code.matchAll(access.literal)) {
        const name = match[1];
        if (!(name in LOGIN_SETTINGS)) {
            throw new Error(
                `${label}: reads ${access.form.replace("NAME", name)}, which the stack does not provide; ` +
                    `expected one of ${Object.keys(LOGIN_SETTINGS).join(", ")} (add new settings to infra/loginContract.ts)`,
            );
        }
        if (!names.includes(name as LoginSettingName)) names.push(name as LoginSettingName);
    }
    return names;
}

/** Drops block comments and whole-line `//` comments (not `//` inside strings such as URLs). */
function withoutComments(code: string): string {
    return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}
