import { PROJECT_CONFIG_KEYS } from "./keys";
import { ConfigReader } from "./reader";

/**
 * Refuses every key of the project's namespace that Pulumi.yaml does not declare. Such a key is a
 * typo or a leftover: the CLI passes it through without a word (pulumi/pulumi
 * pkg/workspace/config.go at 1b59498: validateStackConfigValues, lines 83-88, and mergeConfig,
 * lines 297-303, walk only project.Config), so the program refuses it here.
 */
export function readUndeclaredKeys({ source, project, problems }: ConfigReader): void {
    for (const fullKey of source.keys()) {
        if (!fullKey.startsWith(`${project}:`)) continue;
        const name = fullKey.slice(project.length + 1);
        if ((PROJECT_CONFIG_KEYS as readonly string[]).includes(name)) continue;
        const closest = closestKey(name, PROJECT_CONFIG_KEYS);
        problems.push(
            `${fullKey}: not a key of this project; ` +
                (closest ? `did you mean \`${closest}\`?` : `expected one of: ${PROJECT_CONFIG_KEYS.join(", ")}`),
        );
    }
}

/**
 * The declared key nearest to a mistyped one (case-insensitive Levenshtein distance), when it is
 * near enough to be the key meant: at most a third of the longer name's letters differ.
 */
function closestKey(typed: string, declared: readonly string[]): string | undefined {
    let best: { key: string; distance: number } | undefined;
    for (const candidate of declared) {
        const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase());
        if (!best || distance < best.distance) best = { key: candidate, distance };
    }
    return best && best.distance <= Math.max(2, Math.ceil(Math.max(typed.length, best.key.length) / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}
