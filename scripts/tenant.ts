/** `npm run tenant`: the entry point of local/tenant/serveStack.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../local/tenant/serveStack";

export { command };

if (require.main === module) void runCommand(command);
