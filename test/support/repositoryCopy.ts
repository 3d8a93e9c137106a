import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../../tools/stack/program";

/** A throw-away copy of the repository's working tree, for commands that write into it. */
export interface RepositoryCopy {
    readonly dir: string;
    remove(): void;
}

/**
 * Copies every file git tracks or would track (the working copy, uncommitted changes included;
 * nothing ignored) into a directory of the temporary directory, with node_modules linked rather
 * than copied.
 *
 * The directory is the same on every run for a given checkout and `prefix`, emptied first: the
 * engine double compiles the program and the policy pack with the SDK's ts-node, whose compile
 * cache (node_modules/.cache/engine-double, shared through the link) files its entries under a
 * digest of the compiler's options (node_modules/@pulumi/pulumi/vendor/ts-node@7.0.1/index.js
 * 2854-2861, 3097-3099), which hold the absolute path of the tsconfig.json they were read from
 * (its readConfig, 3045: parseJsonConfigFileContent with the file's name). A copy at a new path
 * would type-check both from scratch on every run, and add to the cache each time.
 * So one `prefix` must be used by one test file only.
 */
export function copyRepository(prefix: string): RepositoryCopy {
    const dir = path.join(os.tmpdir(), `${prefix}-${crypto.createHash("sha256").update(ROOT).digest("hex").slice(0, 12)}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
