/** `review-stack-config`: the entry point of tools/reviewStackConfig.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../tools/reviewStackConfig";

export { command };

if (require.main === module) void runCommand(command);
