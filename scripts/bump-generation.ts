/** `bump-generation`: the entry point of tools/bumpGeneration.ts (its usage, arguments and exit codes are there). */
import { main } from "../tools/bumpGeneration";

export { main };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
