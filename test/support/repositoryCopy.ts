import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../../local/stack/program";

/** A throw-away copy of the repository's working tree, for commands that write into it. */
export interface RepositoryCopy {
    readonly dir: string;
    remove(): void;
}

/**
 * Copies every file git tracks or would track (the working copy, uncommitted changes included;
 * nothing ignored) into a temporary directory, with node_modules linked rather than copied.
 */
export function copyRepository(prefix: string): RepositoryCopy {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
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
