/** `npm run test:times`: the entry point of test/support/testTimes.ts (its usage, arguments and exit codes are there). */
import { runCommand } from "../tools/cli";
import { command } from "../test/support/testTimes";

export { command };

if (require.main === module) void runCommand(command);
