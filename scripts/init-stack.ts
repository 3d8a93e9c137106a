/** `npm run init`: the entry point of tools/initStack.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/initStack";

export { command };

if (require.main === module) void runCommand(command);
