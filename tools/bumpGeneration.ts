/**
 * Bumps `auth0-tenant:secretGeneration` in `Pulumi.<stack>.yaml`: a secret rotation as a
 * reviewed change (docs/rotation.md). The scheduled workflow `.github/workflows/rotate-secrets.yml`
 * runs it and opens a pull request with the result.
 *
 *   npx tsx scripts/bump-generation.ts <stack> [--by 1|2]
 *
 * `--by 1` (default) is a routine rotation: the idle slot gets a new secret and becomes active.
 * `--by 2` is the emergency rotation: both slots get new secrets in one update (a window of
 * seconds in which logins needing a fresh token fail). Only that one line of the file changes;
 * comments, order and every other value stay byte for byte. Prints one line naming the stack,
 * both generations and the slot that becomes active; with GITHUB_OUTPUT set, also writes
 * `from`, `to` and `slot` there. Exit 0 on success, 2 on unusable input.
 */
import { ROOT } from "./repository";
import { readYaml as readYamlText } from "./untrustedInput";
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import * as yaml from "js-yaml";
import { slotFor, Slot } from "../infra/rotation";
import { wantsHelp } from "./cli";

const USAGE = `usage: npx tsx scripts/bump-generation.ts <stack> [--by 1|2]

Raises auth0-tenant:secretGeneration in Pulumi.<stack>.yaml, changing only that line.
  --by 1  routine rotation (default): the idle slot gets a new secret and becomes active
  --by 2  emergency rotation: both slots get new secrets in one update
With GITHUB_OUTPUT set, also writes from, to and slot there. Exit 0 done, 2 unusable input.`;

export const KEY = "auth0-tenant:secretGeneration";
/** The generation a stack file without the key runs at (Pulumi.yaml's default). */
export const DEFAULT_GENERATION = 1;

export interface Bump {
    readonly text: string;
    readonly from: number;
    readonly to: number;
    /** The slot serving `to`: the one whose secret this update regenerates and the code moves to. */
    readonly slot: Slot;
}

const KEY_LINE = /^(\s+)auth0-tenant:secretGeneration:[ \t]*([^#\r\n]*?)([ \t]*(?:#.*)?)$/m;

/** The stack file's text with the generation raised by `by`; throws naming what is wrong. */
export function bumpGeneration(text: string, by = 1): Bump {
    if (by !== 1 && by !== 2) throw new Error(`--by must be 1 (routine rotation) or 2 (emergency rotation), not ${by}`);
    // The caller names the file; a problem says where it breaks, never what it holds.
    const read = readYamlText(text, "a stack file with a config: mapping");
    if ("problem" in read) throw new Error(read.problem);
    const before = read.value as { config?: Record<string, unknown> } | undefined;
    if (!before || typeof before.config !== "object" || before.config === null) throw new Error("the stack file has no config: mapping");
    const current = before.config[KEY] ?? DEFAULT_GENERATION;
    if (typeof current !== "number" || !Number.isInteger(current) || current < 1) {
        throw new Error(`${KEY} must be a positive whole number, found ${JSON.stringify(current)}`);
    }
    const to = current + by;
    let next: string;
    if (KEY in before.config) {
        const matches = text.match(new RegExp(KEY_LINE.source, "gm")) ?? [];
        if (matches.length !== 1) throw new Error(`expected ${KEY} on exactly one line of its own, found ${matches.length}`);
        next = text.replace(KEY_LINE, (_line, indent: string, _value: string, trailing: string) => `${indent}${KEY}: ${to}${trailing}`);
    } else {
        // Absent: the stack runs at the default; declare the key right under `config:`, indented as its siblings.
        const configLine = /^config:[ \t]*(?:#.*)?\r?\n/m.exec(text);
        const sibling = /^config:[^\n]*\n(?:[ \t]*(?:#.*)?\n)*?([ \t]+)\S/m.exec(text);
        if (!configLine) throw new Error("config: must be a block mapping to add the key to");
        const eol = configLine[0].endsWith("\r\n") ? "\r\n" : "\n";
        const at = configLine.index + configLine[0].length;
        next = `${text.slice(0, at)}${sibling?.[1] ?? "  "}${KEY}: ${to}${eol}${text.slice(at)}`;
    }
    // Only the generation changed: everything else parses exactly as before.
    const after = yaml.load(next) as { config: Record<string, unknown> };
    if (after.config[KEY] !== to || !isDeepStrictEqual({ ...after, config: { ...after.config, [KEY]: current } }, { ...before, config: { ...before.config, [KEY]: current } })) {
        throw new Error(`editing ${KEY} would change more than the generation; edit the file by hand`);
    }
    return { text: next, from: current, to, slot: slotFor(to) };
}

/** The command line: returns the exit code. */
export function main(argv: readonly string[]): number {
    if (wantsHelp(argv)) {
        console.log(USAGE);
        return 0;
    }
    const [stack, flag, value] = argv;
    if (!stack || !/^[a-z0-9][a-z0-9-]*$/.test(stack) || (flag !== undefined && flag !== "--by") || argv.length > 3) {
        console.error(`bump-generation: cannot use ${argv.length ? argv.map((a) => JSON.stringify(a)).join(" ") : "no arguments"}\n\n${USAGE}`);
        return 2;
    }
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        console.error(`no stack file Pulumi.${stack}.yaml`);
        return 2;
    }
    let bump: Bump;
    try {
        bump = bumpGeneration(fs.readFileSync(file, "utf8"), flag ? Number(value) : 1);
    } catch (err) {
        console.error(`Pulumi.${stack}.yaml: ${err instanceof Error ? err.message : String(err)}`);
        return 2;
    }
    fs.writeFileSync(file, bump.text);
    console.log(`Pulumi.${stack}.yaml: ${KEY} ${bump.from} -> ${bump.to}; the ${bump.slot} slot gets a new secret and becomes active`);
    if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, `from=${bump.from}\nto=${bump.to}\nslot=${bump.slot}\n`);
    return 0;
}

