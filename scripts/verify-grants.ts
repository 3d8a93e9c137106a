/** `verify-grants`: the entry point of tools/verifyGrants.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/verifyGrants";

export { command };

if (require.main === module) void runCommand(command);
