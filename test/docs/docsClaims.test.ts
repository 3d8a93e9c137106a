import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loginSecretsStaySecret } from "../../policy/policies";
import { ROOT } from "../../tools/stack/program";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
/** Claims that write-only inputs are absent from Pulumi state, or that a secret input is plaintext there. */
const ABSENT_FROM_STATE = /never stored in state|not stored in (the )?state|stored (in state )?as plain ?text|in state as plain ?text/i;

describe("what the docs and the policy pack say Pulumi does", function () {
    it("must not claim write-only inputs are absent from Pulumi state (pulumi-terraform-bridge #3201: stored encrypted)", function () {
        for (const file of ["docs/delivery.md", "README.md", "policy/policies.ts"]) assert.doesNotMatch(read(file), ABSENT_FROM_STATE, file);
        assert.doesNotMatch(loginSecretsStaySecret.description ?? "", ABSENT_FROM_STATE);
        assert.match(read("docs/delivery.md"), /encrypted, as a secret \(pulumi-terraform-bridge #3201\)/);
    });

    it("must not warn about inline scopes on a ResourceServer that has none in @pulumi/auth0 3.49.0", function () {
        const args = read("node_modules/@pulumi/auth0/resourceServer.d.ts").split("export interface ResourceServerArgs")[1];
        assert.doesNotMatch(args, /^\s+scopes\?:/m, "ResourceServerArgs has scopes again: revisit infra/api.ts");
        assert.doesNotMatch(read("infra/api.ts"), /inline/);
    });

    it("must start a new stack with npm run init and pulumi stack init, credentials from the environment, and name the sample values to replace", function () {
        const readme = read("README.md");
        const section = readme.slice(readme.indexOf("## Deploying to a tenant"), readme.indexOf("### The provider pin"));
        const quickstart = section.slice(section.indexOf("```sh"), section.indexOf("```", section.indexOf("```sh") + 5));
        assert.match(quickstart, /npm run init -- --stack <stack> --domain /);
        assert.match(quickstart, /pulumi stack init <stack>/);
        assert.doesNotMatch(quickstart, /pulumi stack select dev/);
        assert.doesNotMatch(quickstart, /auth0:client(Id|Secret)|config set --secret/, "the deployer's credentials come from the environment");
        assert.match(quickstart, /^pulumi preview --policy-pack policy$/m, "as CI runs it");
        assert.match(quickstart, /^pulumi up --policy-pack policy$/m, "as CI runs it");
        assert.ok(quickstart.indexOf("npm run init") < quickstart.indexOf("pulumi preview"));
        for (const key of ["auth0:domain", "apiBaseUrl", "authzExtensionUrl"]) assert.match(section, new RegExp(`Before the first preview,\\s+replace[\\s\\S]*\`${key}\``), key);
        assert.doesNotMatch(section, /`pulumi up`\s+succeeds, until/, "the verification runs inside up: up fails");
    });
});

describe("docs/README.md, the index of docs/", function () {
    it("must list every document of docs/ in the index, under operate, develop or reference", function () {
        const index = read("docs/README.md");
        const sections = ["## Operate", "## Develop", "## Reference"].map((heading) => index.indexOf(heading));
        assert.ok(sections.every((at, i) => at > 0 && (i === 0 || at > sections[i - 1])), "docs/README.md: Operate, Develop, Reference, in that order");
        const listed = [...index.matchAll(/^\| `([^`]+\.md)` \|/gm)].map((m) => m[1]);
        const documents = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md") && f !== "README.md");
        assert.deepEqual(documents.filter((f) => !listed.includes(f)), [], "docs/README.md must list these");
        assert.deepEqual(listed.filter((f) => !fs.existsSync(path.join(ROOT, "docs", f))), [], "docs/README.md lists documents that do not exist");
    });
});

/** The public pages the bench's two approach labels stand for (docs/origins.md). */
const LABELLED_PAGES: Record<string, string> = {
    "000": "https://community.auth0.com/t/call-api-from-rule/106093",
    "002": "https://community.auth0.com/t/how-do-i-get-an-access-token-to-call-management-api-v2-from-a-rule/5970",
};

/** Every text file of the repository but node_modules, .git and the generated figures (the bench's output, labels included). */
function textFiles(dir = ""): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const file = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) return ["node_modules", ".git", "docs/figures"].includes(file) ? [] : textFiles(file);
        return /\.(ts|js|cjs|mjs|md|ya?ml|json)$/.test(entry.name) ? [file] : [];
    });
}

describe("citations of the pages the project answers", function () {
    it("must name a public page, not a design document's number: only the bench's labels say 'seed NNN', beside the page or docs/origins.md", function () {
        const files = textFiles().filter((f) => f !== "package-lock.json");
        assert.ok(files.includes("docs/origins.md") && files.some((f) => f.startsWith("infra/")), "the scan reaches docs/ and infra/");
        const wrong = files.flatMap((file) => {
            const text = read(file);
            const numbers = new Set([...text.matchAll(/\bseeds? ?(0\d\d)\b/gi)].map((m) => m[1]));
            return [...numbers]
                .filter((n) => !(n in LABELLED_PAGES) || !(text.includes(LABELLED_PAGES[n]) || text.includes("origins.md")))
                .map((n) => `${file}: seed ${n}`);
        });
        assert.deepEqual(wrong, []);
    });
});
