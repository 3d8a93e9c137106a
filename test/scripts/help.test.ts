import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { runChild } from "../../local/childProcess";
import { ROOT } from "../../local/stack/program";

const SCRIPTS = path.join(ROOT, "scripts");
/** Every file in scripts/ is a command; what they share lives elsewhere (tools/cli.ts). */
const commands = fs.readdirSync(SCRIPTS).filter((f) => f.endsWith(".ts")).sort();

function run(script: string, args: string[]) {
    return runChild(process.execPath, ["--import", "tsx", path.join("scripts", script), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
}

describe("every script's command line", function () {
    this.timeout(60_000);

    it("must run each command in scripts/ only as an entry point, so importing one runs nothing", () => {
        assert.ok(commands.length >= 8, commands.join(", "));
        for (const f of commands) assert.match(fs.readFileSync(path.join(SCRIPTS, f), "utf8"), /if \(require\.main === module\)/, f);
    });

    it("must reach every npm script the README names that runs a file of scripts/ through that file", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        const named = [...new Set([...readme.matchAll(/npm run ([a-z]+(?:[:-][a-z]+)*)/g)].map((m) => m[1]))];
        assert.ok(named.includes("demo") && named.includes("adopt") && named.includes("simulate:rotation"), named.join(", "));
        for (const name of named) {
            const command = pkg.scripts[name];
            assert.ok(command, `README names npm run ${name}, which package.json lacks`);
            const file = /tsx scripts\/([a-z-]+\.ts)$/.exec(command)?.[1];
            if (file) assert.ok(commands.includes(file), `npm run ${name} runs ${file}`);
        }
    });

    for (const script of commands) {
        it(`must print the usage of scripts/${script} for --help and exit 0; for an unknown option print it to stderr and exit 2`, async () => {
            const [help, unknown] = await Promise.all([run(script, ["--help"]), run(script, ["--no-such-option"])]);
            assert.strictEqual(help.code, 0, help.stderr);
            assert.match(help.stdout, /^usage: /);
            assert.strictEqual(help.stderr, "");
            assert.strictEqual(unknown.code, 2, unknown.stdout + unknown.stderr);
            assert.match(unknown.stderr, /usage: /);
            assert.match(unknown.stderr, /--no-such-option/);
            for (const line of help.stdout.split("\n")) assert.ok(line.length <= 100, `${script} --help: ${line.length} columns: ${line}`);
        });
    }
});
