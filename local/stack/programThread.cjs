// The worker thread of declareTenantAside (local/declaredTenant.ts). TypeScript is compiled as
// tsx compiles it (esbuild, to CommonJS), but only the .ts files: tsx's require hook also parses
// every JavaScript file it loads, to tell ES modules from CommonJS, which doubles the load time
// of the Pulumi SDK (about 750 CommonJS files, typescript.js among them: 0.45 s plain, 0.9 s
// under tsx/cjs on this machine). Node's own resolver finds `./x` as `./x.ts` once `.ts` is a
// registered extension.
const { readFileSync } = require("node:fs");
const { transformSync } = require("esbuild");

require.extensions[".ts"] = (module, filename) => {
    const { code } = transformSync(readFileSync(filename, "utf8"), { loader: "ts", format: "cjs", target: "node22", sourcefile: filename });
    module._compile(code, filename);
};
require("./programThread.ts");
