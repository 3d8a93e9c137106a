/** `npm run bench:tenant`: the entry point of local/sim/benchTenant.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../local/sim/benchTenant";

export { command };

if (require.main === module) void runCommand(command);
