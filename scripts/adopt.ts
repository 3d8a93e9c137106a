/** `npm run adopt`: the entry point of tools/adoptCommand.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/adoptCommand";

export { command };

if (require.main === module) void runCommand(command);
