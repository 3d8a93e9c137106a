import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { readFigures, RotationFigures } from "../../../local/sim/figures";
import { formatRotationReport } from "../../../local/sim/rotationReport";
import { ROOT } from "../../../tools/stack/program";

const FIXTURES = path.join(ROOT, "test", "fixtures", "figures");

describe("local/sim/rotationReport", () => {
    it("must print the figures of rotation.json as the tables in rotation.txt, line for line", () => {
        const figures = readFigures(fs.readFileSync(path.join(FIXTURES, "rotation.json"), "utf8"), "rotation.json") as RotationFigures;
        const expected = fs.readFileSync(path.join(FIXTURES, "rotation.txt"), "utf8");
        assert.strictEqual(`${formatRotationReport(figures).join("\n")}\n`, expected);
    });
});
