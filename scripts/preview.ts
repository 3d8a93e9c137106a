/** `npm run preview`: the entry point of local/engine/preview.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../local/engine/preview";

export { command };

if (require.main === module) void runCommand(command);
