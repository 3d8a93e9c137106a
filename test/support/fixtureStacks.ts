/**
 * Mocha's first require (.mocharc.cjs): every test reads the fixture stack files of
 * test/fixtures/stacks, never the committed Pulumi.<stack>.yaml, whose values are a team's own
 * tenant's. Set before mocha forks its workers, so they and every command a test starts inherit
 * it (tools/stack/stackFiles.ts). The one test of the committed files passes ROOT explicitly
 * (test/committedStackFiles.test.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { STACK_FILES_ENV } from "../../tools/stack/stackFiles";

/** The fixtures' directory: Pulumi.dev.yaml, Pulumi.prod.yaml and Pulumi.rules.yaml. */
export const FIXTURE_STACKS = path.resolve(__dirname, "..", "fixtures", "stacks");

process.env[STACK_FILES_ENV] = FIXTURE_STACKS;

/** For a command a test starts with an environment of its own: read the fixtures, as the test does. */
export const FIXTURE_ENV: Readonly<Record<string, string>> = { [STACK_FILES_ENV]: FIXTURE_STACKS };

/** A scratch copy of the fixtures, one stack's file changed, for a command a test starts. */
export interface ScratchStacks {
    /** The changed stack file's name. */
    readonly file: string;
    /** The environment that points a command at the copy. */
    readonly env: Readonly<Record<string, string>>;
    remove(): void;
}

/** A scratch copy of the fixtures, unchanged, for a command a test starts that writes a stack file. */
export function scratchFixtureStacks(): Omit<ScratchStacks, "file"> & { readonly dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fixture-stacks-"));
    fs.cpSync(FIXTURE_STACKS, dir, { recursive: true });
    return { dir, env: { [STACK_FILES_ENV]: dir }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the fixtures to a scratch directory and appends `configLines` (indented YAML) to `stack`'s config. */
export function fixtureStacksWith(stack: string, configLines: string): ScratchStacks {
    const { dir, env, remove } = scratchFixtureStacks();
    const file = `Pulumi.${stack}.yaml`;
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    // Every fixture ends with its config section, so appended lines land in it.
    fs.writeFileSync(path.join(dir, file), `${text.trimEnd()}\n${configLines.trimEnd()}\n`);
    return { file, env, remove };
}
