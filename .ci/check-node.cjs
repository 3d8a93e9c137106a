// Stops every npm script on a Node older than package.json's engines.node, with one line saying
// what is needed and how to get it. `npm ci` itself stops earlier, before installing anything,
// on .npmrc's engine-strict (npm's EBADENGINE error); without it npm only warns and goes on, and
// this check, as the preinstall script, stops the install after the dependencies are in. Plain CommonJS with nothing imported, so it runs
// on whatever node the shell has.
"use strict";
const path = require("path");

/** The line to print when `version` does not satisfy `range` (a ">=N" range), else undefined. */
function nodeProblem(version, range, nodePath) {
    const needed = /^>=\s*(\d+)/.exec(range || "");
    if (!needed) return `package.json engines.node is ${JSON.stringify(range)}; expected ">=<major>"`;
    const major = Number(String(version).replace(/^v/, "").split(".")[0]);
    if (major >= Number(needed[1])) return undefined;
    return (
        `This project needs Node ${needed[1]} or newer (package.json engines.node ${range}); this shell runs node v${String(version).replace(/^v/, "")}` +
        `${nodePath ? ` (${nodePath})` : ""}. Run \`source .ci/node22.sh\` first: it puts Node 22 from the npm registry on PATH.`
    );
}

if (require.main === module) {
    const engines = require(path.join(__dirname, "..", "package.json")).engines || {};
    const problem = nodeProblem(process.versions.node, engines.node, process.execPath);
    if (problem) {
        console.error(problem);
        process.exit(1);
    }
}

module.exports = { nodeProblem };
