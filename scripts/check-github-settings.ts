/** `npm run check:github`: the entry point of tools/checkGithubSettings.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/checkGithubSettings";

export { command };

if (require.main === module) void runCommand(command);
