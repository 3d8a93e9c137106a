/** `check-login-drift`: the entry point of tools/checkLoginDrift.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/checkLoginDrift";

export { command };

if (require.main === module) void runCommand(command);
