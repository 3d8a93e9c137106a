/** Where the repository is: every path the tools, the offline tenant and the tests read is under it. */
import * as path from "node:path";

/** The repository's root directory (this file is `tools/repository.ts`). */
export const ROOT = path.resolve(__dirname, "..");
