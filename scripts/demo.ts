/** `npm run demo`: the entry point of local/sim/demo.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../local/sim/demo";

export { command };

if (require.main === module) void runCommand(command);
