/** `npm run lint:workflows`: the entry point of tools/lintWorkflows.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/lintWorkflows";

export { command };

if (require.main === module) void runCommand(command);
