import { ROOT } from "../../tools/repository";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const RECORDED = path.join(ROOT, "test", "fixtures", "github-api", "matching");

/**
 * A stand-in for the GitHub CLI: answers `gh api --method GET <path>` from the recorded files
 * (file name: the path after repos/<owner>/<repo>/, `/` as `.`, no query), logs each request, and
 * refuses any other method.
 */
const FAKE_GH = `#!/usr/bin/env bash
[ "$1" = api ] && [ "$2" = --method ] && [ "$3" = GET ] || { echo "fake gh: only gh api --method GET, got: $*" >&2; exit 3; }
rel="\${4#repos/*/*/}"; rel="\${rel%%\\?*}"; file="$FAKE_GH_ANSWERS/\${rel//\\//.}"
echo "$4" >> "$FAKE_GH_ANSWERS/requests.log"
if [ -n "$FAKE_GH_FAIL" ]; then echo "$FAKE_GH_FAIL" >&2; exit 1; fi
if [ -f "$file.404" ]; then echo "gh: Not Found (HTTP 404)" >&2; exit 1; fi
if [ -f "$file.json" ]; then cat "$file.json"; exit 0; fi
echo "gh: no recorded answer for $4 (HTTP 500)" >&2; exit 1
`;

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    requests: string[];
}

/** Runs the command as a user would, with the fake gh first on PATH and the recorded answers changed by `edit`. */
function checkGithub(edit: (answers: string) => void = () => undefined, options: { withoutGh?: boolean; ghFails?: string; args?: string[] } = {}): Run {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-github-"));
    try {
        const bin = path.join(dir, "bin");
        const answers = path.join(dir, "answers");
        fs.mkdirSync(bin);
        fs.cpSync(RECORDED, answers, { recursive: true });
        edit(answers);
        if (!options.withoutGh) fs.writeFileSync(path.join(bin, "gh"), FAKE_GH, { mode: 0o755 });
        const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "check-github-settings.ts"), ...(options.args ?? ["--repo", "acme/tenant-as-code"])], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, FAKE_GH_ANSWERS: answers, FAKE_GH_FAIL: options.ghFails ?? "" },
        });
        const log = path.join(answers, "requests.log");
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, requests: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [] };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function editJson(file: string, change: (answer: Record<string, unknown>) => void) {
    const answer = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    change(answer);
    fs.writeFileSync(file, JSON.stringify(answer));
}
type Environments = { environments: { name: string; protection_rules: { type: string }[]; deployment_branch_policy: unknown }[] };
const environment = (answer: Record<string, unknown>, name: string) => (answer as unknown as Environments).environments.find((e) => e.name === name)!;

describe("npm run check:github (scripts/check-github-settings.ts against recorded GitHub answers)", function () {
    this.timeout(60000);

    it("must exit 0 when the repository matches .github/pipeline.json, asking with GET only", () => {
        const run = checkGithub();
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.equal(run.stdout.trim(), "the repository matches .github/pipeline.json");
        assert.ok(run.requests.includes("repos/acme/tenant-as-code/environments?per_page=100"));
        for (const p of ["actions/secrets?per_page=100", "branches/main/protection", "actions/permissions/workflow", "environments/prod/deployment-branch-policies?per_page=100", "environments/review/secrets?per_page=100", "environments/review/variables?per_page=100"]) {
            assert.ok(run.requests.includes(`repos/acme/tenant-as-code/${p}`), p);
        }
    });

    it("must name a repository-level secret and exit 1", () => {
        const run = checkGithub((a) => editJson(path.join(a, "actions.secrets.json"), (s) => Object.assign(s, { total_count: 1, secrets: [{ name: "PULUMI_ACCESS_TOKEN", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }] })));
        assert.equal(run.status, 1);
        assert.match(run.stdout, /^repository secret PULUMI_ACCESS_TOKEN: every job of any branch can read a repository secret/m);
    });

    it("must name prod without required reviewers", () => {
        const run = checkGithub((a) => editJson(path.join(a, "environments.json"), (s) => (environment(s, "prod").protection_rules = environment(s, "prod").protection_rules.filter((r) => r.type !== "required_reviewers"))));
        assert.equal(run.status, 1);
        assert.deepEqual(run.stdout.trim().split("\n"), ["environment prod: no required reviewers; the table requires a reviewer's approval", "1 difference(s) from .github/pipeline.json"]);
    });

    it("must name required reviewers who may approve a run they started themselves", () => {
        const run = checkGithub((a) =>
            editJson(path.join(a, "environments.json"), (s) => {
                const rule = (name: string) => environment(s, name).protection_rules.find((r) => r.type === "required_reviewers") as Record<string, unknown>;
                rule("prod").prevent_self_review = false;
                delete rule("prod-preview").prevent_self_review;
            }),
        );
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.deepEqual(run.stdout.trim().split("\n"), [
            "environment prod-preview: a required reviewer may approve a run they started (prevent_self_review is off); the table requires a reviewer's approval",
            "environment prod: a required reviewer may approve a run they started (prevent_self_review is off); the table requires a reviewer's approval",
            "2 difference(s) from .github/pipeline.json",
        ]);
    });

    it("must name dev and prod admitting any tag", () => {
        const run = checkGithub((a) => {
            for (const name of ["dev", "prod"]) {
                editJson(path.join(a, `environments.${name}.deployment-branch-policies.json`), (s) => {
                    (s.branch_policies as unknown[]).push({ id: 361480, node_id: "MDE2OkdhdGVCcmFuY2hQb2xpY3kzNjE0ODA=", name: "*", type: "tag" });
                    s.total_count = 2;
                });
            }
        });
        assert.equal(run.status, 1, run.stdout + run.stderr);
        assert.match(run.stdout, /^environment dev: admits tags \["\*"\]; the table admits no tag$/m);
        assert.match(run.stdout, /^environment prod: admits tags \["\*"\]; the table admits no tag$/m);
        assert.match(run.stdout, /^2 difference\(s\)/m);
    });

    it("must name dev admitting any branch", () => {
        const run = checkGithub((a) => editJson(path.join(a, "environments.json"), (s) => (environment(s, "dev").deployment_branch_policy = null)));
        assert.equal(run.status, 1);
        assert.match(run.stdout, /^environment dev: admits any branch; the table admits only main$/m);
    });

    it("must name a missing environment, a missing secret and a deployment branch other than main", () => {
        const run = checkGithub((a) => {
            editJson(path.join(a, "environments.json"), (s) => ((s as unknown as Environments).environments = (s as unknown as Environments).environments.filter((e) => e.name !== "review")));
            editJson(path.join(a, "environments.dev-drift.secrets.json"), (s) => (s.secrets = (s.secrets as { name: string }[]).filter((x) => x.name !== "AUTH0_CLIENT_SECRET")));
            editJson(path.join(a, "environments.prod.deployment-branch-policies.json"), (s) => ((s.branch_policies as { name: string }[])[0].name = "*"));
        });
        assert.equal(run.status, 1);
        assert.match(run.stdout, /^environment review: missing$/m);
        assert.match(run.stdout, /^environment dev-drift: secret AUTH0_CLIENT_SECRET missing$/m);
        assert.match(run.stdout, /^environment prod: deployment branches \["\*"\]; the table admits \["main"\]$/m);
        assert.match(run.stdout, /^3 difference\(s\)/m);
    });

    it("must name an unprotected main and the Actions setting for rotation pull requests", () => {
        const run = checkGithub((a) => {
            fs.rmSync(path.join(a, "branches.main.protection.json"));
            fs.writeFileSync(path.join(a, "branches.main.protection.404"), "");
            editJson(path.join(a, "actions.permissions.workflow.json"), (s) => (s.can_approve_pull_request_reviews = false));
        });
        assert.equal(run.status, 1);
        assert.match(run.stdout, /^branch main: not protected; the table requires status checks \["npm test"\] and 1 approving review\(s\)$/m);
        assert.match(run.stdout, /"Allow GitHub Actions to create and approve pull requests" is off; the table needs it on \(the organization must allow it first\)/);
    });

    it("must say clearly when gh is missing or fails, and exit 1", () => {
        const missing = checkGithub(undefined, { withoutGh: true });
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /^check-github-settings: the GitHub CLI \(gh\) is not on PATH; install it \(https:\/\/cli\.github\.com\) and run gh auth login$/m);
        const failing = checkGithub(undefined, { ghFails: "HTTP 401: Bad credentials (https://api.github.com/repos/acme/tenant-as-code/environments)" });
        assert.equal(failing.status, 1);
        assert.match(failing.stderr, /^check-github-settings: gh api repos\/acme\/tenant-as-code\/environments\?per_page=100 failed: HTTP 401: Bad credentials/m);
    });

    it("must refuse a --repo that is not owner/name with exit 2", () => {
        const run = checkGithub(undefined, { args: ["--repo", "../../etc"] });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /--repo: expected owner\/name/);
        assert.deepEqual(run.requests, []);
    });
});
