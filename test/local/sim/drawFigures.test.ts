import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runChild } from "../../../tools/childProcess";
import { readFigures, renderSvg, RotationFigures, rotationTimelineSpec } from "../../../local/sim/figures";
import { ROOT } from "../../../tools/repository";
import { FIXTURE_ENV } from "../../support/fixtureStacks";

const FIXTURES = path.join(ROOT, "test", "fixtures", "figures");
const fixtureText = (name: string) => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const rotation = () => readFigures(fixtureText("rotation.json"), "rotation.json") as RotationFigures;

describe("local/sim/drawFigures", () => {
    it("must write every figure and the JSON it was drawn from with npm run figures", async function () {
        this.timeout(60_000);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "figures-test-"));
        try {
            const result = await runChild(
                process.execPath,
                ["--import", "tsx", "scripts/figures.ts", "--bench", path.join(FIXTURES, "bench.json"), "--rotation", path.join(FIXTURES, "rotation.json"), "--out", out],
                { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...FIXTURE_ENV } },
            );
            assert.strictEqual(result.code, 0, result.stderr);
            assert.deepStrictEqual(fs.readdirSync(out).sort(), ["bench.json", "login-latency.svg", "rotation-timeline.svg", "rotation.json", "token-requests.svg"]);
            assert.strictEqual(fs.readFileSync(path.join(out, "bench.json"), "utf8"), fixtureText("bench.json"));
            assert.strictEqual(fs.readFileSync(path.join(out, "rotation-timeline.svg"), "utf8"), await renderSvg(rotationTimelineSpec(rotation())));
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
