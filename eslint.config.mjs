// Lint: typescript-eslint's recommended type-checked rules plus Pulumi's own plugin, which
// catches Outputs used inside template literals (pulumi.interpolate is the fix).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

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
);
