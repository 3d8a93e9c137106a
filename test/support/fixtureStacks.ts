/**
 * Mocha's first require (.mocharc.cjs): every test reads the fixture stack files of
 * test/fixtures/stacks, never the committed Pulumi.<stack>.yaml, whose values are a team's own
 * tenant's. Set before mocha forks its workers, so they and every command a test starts inherit
 * it (local/stack/stackFiles.ts). The one test of the committed files passes ROOT explicitly
 * (test/committedStackFiles.test.ts).
 */
import * as path from "node:path";
import { STACK_FILES_ENV } from "../../local/stack/stackFiles";

/** The fixtures' directory: Pulumi.dev.yaml, Pulumi.prod.yaml and Pulumi.rules.yaml. */
export const FIXTURE_STACKS = path.resolve(__dirname, "..", "fixtures", "stacks");

process.env[STACK_FILES_ENV] = FIXTURE_STACKS;

/** For a command a test starts with an environment of its own: read the fixtures, as the test does. */
export const FIXTURE_ENV: Readonly<Record<string, string>> = { [STACK_FILES_ENV]: FIXTURE_STACKS };
