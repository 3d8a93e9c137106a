import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { StackFile } from "../../local/engine/cliConfig";
import { OperationResult, ROOT } from "../../local/engine/operation";
import { Step } from "../../local/engine/deployment";
import { reviewStackConfig } from "../../scripts/review-stack-config";

export const REVIEW_STACK = "pr-7";

/** A stack's file as the workflows give it to the CLI: committed, or generated for a review stack. */
export function stackFileOf(stack: string): StackFile {
    const text = stack.startsWith("pr-")
        ? reviewStackConfig(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"), stack.slice(3)).text
        : fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
    const raw = yaml.load(text) as { config?: Record<string, unknown>; encryptionsalt?: string };
    return { config: raw.config ?? {}, encryptionsalt: raw.encryptionsalt };
}

/** Fails with what the CLI would print when an operation did not succeed. */
export function explain(result: OperationResult): string {
    if (result.stage === "config") return `config: ${result.error}`;
    return [
        result.error ?? "",
        ...result.violations.map((v) => `violation: ${v.urn}: ${v.message}`),
        ...result.diagnostics.filter((d) => d.severity === "error").map((d) => `error: ${d.message}`),
        ...result.policy.filter((p) => p.enforcement === "mandatory").map((p) => `policy ${p.policy}: ${p.message}`),
        result.error ? result.stderr.slice(-3000) : "",
    ]
        .filter(Boolean)
        .join("\n");
}

export function stepsOf(result: OperationResult): readonly Step[] {
    if (result.stage === "config") throw new Error(explain(result));
    return result.steps;
}

/** `op type name` lines of the steps that change something. */
export function changes(result: OperationResult): string[] {
    return stepsOf(result)
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.type} ${s.name}${s.replaceReasons.length ? ` [${s.replaceReasons.map((r) => r.split(" ")[0]).join(",")}]` : ""}`);
}
