/** `npm run docs:scopes`: the entry point of tools/scopeDocs.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/scopeDocs";

export { command };

if (require.main === module) void runCommand(command);
