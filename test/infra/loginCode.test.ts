import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readLoginCode, settingsRead } from "../../infra/loginCode";
import { LOGIN_SETTINGS } from "../../infra/loginContract";
import { ROOT } from "../../tools/stack/program";

/** Every directory tempRoot made, removed after the suite. */
const tempRoots: string[] = [];

function tempRoot(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "login-code-"));
    tempRoots.push(dir);
    for (const [name, code] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), code);
    }
    return dir;
}

describe("infra/loginCode", () => {
    after(() => {
        for (const dir of tempRoots.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("must derive the settings a rule reads from configuration.NAME, in order of first use", () => {
        const code = "function r(user, context, callback) { const a = configuration.M2M_CLIENT_ID; const b = configuration.AUTH0_DOMAIN + configuration.M2M_CLIENT_ID; }";
        assert.deepStrictEqual(settingsRead("r", code, "rules"), ["M2M_CLIENT_ID", "AUTH0_DOMAIN"]);
    });

    it("must derive the settings an action reads from event.secrets.NAME", () => {
        const code = "exports.onExecutePostLogin = async (event, api) => { fetch(event.secrets.API_BASE_URL, event.secrets.M2M_CLIENT_SECRET); };";
        assert.deepStrictEqual(settingsRead("a", code, "actions"), ["API_BASE_URL", "M2M_CLIENT_SECRET"]);
    });

    it("must ignore the access form when it only appears in comments", () => {
        const code = "/** read as configuration.NAME */\n// configuration.OTHER\nfunction r() { return configuration.CLAIM_NAMESPACE; }";
        assert.deepStrictEqual(settingsRead("r", code, "rules"), ["CLAIM_NAMESPACE"]);
    });

    it("must refuse a setting the stack does not provide, naming it and the file", () => {
        assert.throws(() => settingsRead("rules/x.js", "configuration.SLACK_TOKEN", "rules"), /rules\/x\.js: reads configuration\.SLACK_TOKEN, which the stack does not provide/);
        assert.throws(() => settingsRead("actions/x.js", "event.secrets.SLACK_TOKEN", "actions"), /actions\/x\.js: reads event\.secrets\.SLACK_TOKEN/);
    });

    for (const [mode, code] of [
        ["rules", "const key = 'M2M_CLIENT_ID'; configuration[key]"],
        ["rules", "const { M2M_CLIENT_ID } = configuration;"],
        ["actions", "event.secrets['M2M_CLIENT_ID']"],
        ["actions", "const { M2M_CLIENT_SECRET } = event.secrets;"],
        ["actions", "const s = event.secrets; s.M2M_CLIENT_SECRET"],
    ] as const) {
        it(`must refuse settings read in a form it cannot derive: ${code}`, () => {
            assert.throws(() => settingsRead("f.js", code, mode), /reads settings dynamically; read each as/);
        });
    }

    it("must read every deployed file byte for byte and find only catalogued settings", () => {
        for (const mode of ["rules", "actions"] as const) {
            const files = readLoginCode(ROOT, mode);
            assert.deepStrictEqual(files.map((f) => f.name), ["enrich-from-apis", "require-verified-email"]);
            for (const file of files) {
                assert.strictEqual(file.code, fs.readFileSync(path.join(ROOT, mode, `${file.name}.js`), "utf8"));
                for (const s of file.settings) assert.ok(s in LOGIN_SETTINGS, s);
            }
            const enrich = files.find((f) => f.name === "enrich-from-apis")!;
            // Rules read the credential as one value (one rule-config write switches it); actions, whose
            // deploy carries every secret at once, read the id and the secret.
            const credential = mode === "rules" ? ["M2M_CREDENTIALS"] : ["M2M_CLIENT_ID", "M2M_CLIENT_SECRET"];
            assert.deepStrictEqual(enrich.settings.filter((s) => s.startsWith("M2M_")), credential, `${mode} enrich reads the client secret`);
        }
    });

    it("must refuse a directory without login code", () => {
        assert.throws(() => readLoginCode(tempRoot({ "rules/readme.txt": "" }), "rules"), /rules\/: no \.js files/);
    });

    it("must refuse a file name that is not kebab-case", () => {
        assert.throws(() => readLoginCode(tempRoot({ "actions/Enrich_From_APIs.js": "" }), "actions"), /file names must be kebab-case/);
    });
});
