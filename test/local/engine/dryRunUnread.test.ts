/**
 * The default matrix (test/local/engine/matrix.ts operationsFor) applies "no change" only on prod in
 * actions mode and previews it elsewhere: with every step a same step, a preview and an update
 * hand the program the same outputs, and differ only in whether the program is told it is a dry
 * run. That holds while infra/ never asks. If this fails, either stop reading it or apply "no
 * change" on every stack again in operationsFor.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../../local/engine/operation";

/** What tells a Pulumi nodejs program it runs in a preview (sdk/nodejs/runtime/settings.ts isDryRun, cmd/run's --dry-run). */
const DRY_RUN_READERS = /\bisDryRun\b|--dry-run|\bdryRun\b|PULUMI_DRY_RUN|PULUMI_NODEJS_DRY_RUN/;

function sources(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((file) => /\.(ts|js)$/.test(file))
        .map((file) => path.join(dir, file));
}

describe("the program and the dry-run flag", () => {
    it("must not read whether it runs in a preview (the default matrix applies no change on prod only)", () => {
        const readers = sources(path.join(ROOT, "infra")).flatMap((file) =>
            fs
                .readFileSync(file, "utf8")
                .split("\n")
                .flatMap((line, i) => (DRY_RUN_READERS.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
        );
        assert.deepEqual(readers, []);
    });
});
