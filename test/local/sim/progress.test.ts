import * as assert from "assert";
import { Progress, ProgressStream, wrap } from "../../../local/sim/progress";

function stream(isTTY: boolean): ProgressStream & { written: string[] } {
    const written: string[] = [];
    return { isTTY, columns: 200, written, write: (text: string) => written.push(text) > 0 };
}

describe("local/sim/progress", () => {
    it("must report progress on one rewritten line of a terminal, and clear it when done", () => {
        const tty = stream(true);
        const progress = new Progress(tty);
        progress.update("run 1/6: actions");
        progress.update("run 2/6: actions");
        progress.done();
        assert.match(tty.written[0], /^\r\x1b\[2K\d+\.\d s {2}run 1\/6: actions$/);
        assert.match(tty.written[1], /^\r\x1b\[2K\d+\.\d s {2}run 2\/6: actions$/);
        assert.strictEqual(tty.written.at(-1), "\r\x1b[2K");
    });

    it("must write nothing when stderr is not a terminal", () => {
        const pipe = stream(false);
        const progress = new Progress(pipe);
        progress.update("run 1/6: actions");
        progress.done();
        assert.deepStrictEqual(pipe.written, []);
    });

    it("must keep a progress line within the terminal and 120 columns", () => {
        const narrow = { ...stream(true), columns: 40 };
        const progress = new Progress(narrow);
        progress.update("x".repeat(100));
        progress.done();
        assert.ok(narrow.written[0].replace("\r\x1b[2K", "").length <= 39, narrow.written[0]);
    });

    it("must wrap words within the width, indents counted", () => {
        const lines = wrap("alpha beta gamma delta epsilon", 16, "  - ", "    ");
        assert.deepStrictEqual(lines, ["  - alpha beta", "    gamma delta", "    epsilon"]);
        for (const line of lines) assert.ok(line.length <= 16);
    });
});
