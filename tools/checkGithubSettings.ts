/**
 * Compares the live GitHub repository with the settings the pipeline relies on, as declared in
 * `.github/pipeline.json`: environments, their reviewers, deployment branches, secrets and
 * variables; no repository-level secret; main's branch protection; the Actions settings. Reads
 * through `gh api` (GET only; tools/githubSettings.ts), so it runs with the maintainer's own
 * `gh auth login`.
 *
 *   npm run check:github [-- --repo owner/name]
 *
 * Without --repo, gh resolves {owner}/{repo} from the current directory's git remote.
 */
import { loadPipelineTable } from "./pipelineTable";
import { compareWithTable, ghCli } from "./githubSettings";
import { Command, parseStrict, UsageError } from "./cli";

const USAGE = `usage: npm run check:github [-- --repo owner/name]

Compares the repository's environments (reviewers, deployment branches, secrets, variables),
repository secrets, main's branch protection and Actions settings with .github/pipeline.json,
through gh api (GET only; needs the GitHub CLI, logged in).
  --repo owner/name   the repository (default: the current directory's, as gh resolves it)
Prints one line per difference. Exit 0 all match, 1 differences or gh failed, 2 bad arguments.`;

const REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<string> = {
    name: "check-github-settings",
    usage: USAGE,
    parse: (argv) => {
        const { values } = parseStrict(argv, { repo: { type: "string" } });
        if (values.repo !== undefined && !REPO.test(values.repo)) throw new UsageError("--repo: expected owner/name, e.g. acme/tenant-as-code");
        return values.repo ?? "{owner}/{repo}";
    },
    run: async (repo) => {
        const differences = await compareWithTable(repo, loadPipelineTable(), ghCli());
        for (const line of differences) console.log(line);
        console.log(differences.length ? `${differences.length} difference(s) from .github/pipeline.json` : "the repository matches .github/pipeline.json");
        return differences.length ? 1 : 0;
    },
};
