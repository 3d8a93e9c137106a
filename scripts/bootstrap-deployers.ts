/** `npm run bootstrap`: the entry point of tools/bootstrapDeployers.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/bootstrapDeployers";

export { command };

if (require.main === module) void runCommand(command);
