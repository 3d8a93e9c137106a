/**
 * Where offline runs find a stack's `Pulumi.<stack>.yaml`. The Pulumi CLI reads it from the
 * project's directory (pulumi/pulumi sdk/go/common/workspace/paths.go `DetectProjectStackPath`:
 * `Pulumi.<stack>.yaml` beside `Pulumi.yaml`), so that is the default: the commands a user runs
 * read the committed files. Setting TENANT_STACK_FILES to a directory makes every offline reader
 * (the program under mocks, the engine double, the local tenant, the commands) read that
 * directory's files instead — how the tests run the program against fixtures of their own
 * (test/fixtures/stacks) rather than against a team's own tenant values.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./tokens";

/** The environment variable naming a directory of `Pulumi.<stack>.yaml` files to read instead of the repository's. */
export const STACK_FILES_ENV = "TENANT_STACK_FILES";

/** The directory the stack files are read from: TENANT_STACK_FILES, else the repository root. */
export function stackFilesDir(env: NodeJS.ProcessEnv = process.env): string {
    const dir = env[STACK_FILES_ENV];
    return dir ? path.resolve(dir) : ROOT;
}

/** The path of `Pulumi.<stack>.yaml` in `dir` (default: stackFilesDir()). */
export function stackFilePath(stack: string, dir: string = stackFilesDir()): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

export function hasStackFile(stack: string, dir: string = stackFilesDir()): boolean {
    return fs.existsSync(stackFilePath(stack, dir));
}

/** One line for a command's --help saying where its stack files come from. */
export const STACK_FILES_HELP = `Reads Pulumi.<stack>.yaml from the repository root, or from the directory
${STACK_FILES_ENV} names (how the tests run it on fixture stack files).`;

/** The stack of every `Pulumi.<stack>.yaml` in `dir` (default: stackFilesDir()), sorted. */
export function stackNames(dir: string = stackFilesDir()): string[] {
    return fs
        .readdirSync(dir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}
