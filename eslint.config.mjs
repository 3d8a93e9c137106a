// Lint: typescript-eslint's recommended type-checked rules plus Pulumi's own plugin, which
// catches Outputs used inside template literals (pulumi.interpolate is the fix).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";


/**
 * The rooms and which way imports go (README, "Layout"): the program imports only itself; what runs
 * against a real tenant or in the pipeline (tools/) imports only the program; the offline tenant,
 * engine and simulations (local/) are never imported by either. Patterns are gitignore-style and
 * match the relative specifier as written ("../local/x", "../../tools/y").
 */
const room = (files, forbidden, why) => ({
  files,
  rules: {
    "no-restricted-imports": ["error", { patterns: [{ group: forbidden.flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]), message: why }] }],
  },
});

export default tseslint.config(
  { ignores: ["node_modules/**", ".ci/**", "dist/**"] },
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // rules/ and actions/ are the scripts Auth0 runs: plain JavaScript, linted as such.
    files: ["rules/**/*.js", "actions/**/*.js", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: "commonjs", ecmaVersion: 2022, globals: {} },
  },
  {
    // Both runtimes: Node's module scope and the globals every Node script sees.
    files: ["rules/**/*.js", "actions/**/*.js", "bench/variants/**/*.js"],
    languageOptions: {
      globals: {
        require: "readonly", exports: "writable", module: "readonly", console: "readonly",
        fetch: "readonly", AbortSignal: "readonly", AbortController: "readonly", Buffer: "readonly", setTimeout: "readonly",
        clearTimeout: "readonly", URL: "readonly",
      },
    },
    rules: { "no-undef": "error", "no-unused-vars": ["error", { args: "none" }] },
  },
  {
    // A rule file is one function Auth0 calls with (user, context, callback); the Rules
    // runtime provides these globals. Linted as a script, so the named top-level function (named
    // for readability, never referenced) is a global, which "local" leaves alone.
    files: ["rules/**/*.js", "bench/variants/rules/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: { configuration: "readonly", auth0: "readonly", UnauthorizedError: "readonly", global: "writable" },
    },
    rules: { "no-unused-vars": ["error", { vars: "local", args: "none" }] },
  },
  room(["infra/**/*.ts", "policy/**/*.ts"], ["tools", "local", "scripts", "bench", "test"], "infra/ and policy/ are the product: they import nothing of ours from outside infra/."),
  room(["tools/**/*.ts"], ["local", "scripts", "bench", "test", "policy"], "tools/ runs against a real tenant or in the pipeline: it imports only infra/ and tools/."),
  room(["local/**/*.ts"], ["scripts", "bench", "test"], "local/ is the offline tenant, engine and simulations: it imports infra/, tools/ and local/ only."),
);
