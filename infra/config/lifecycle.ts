import { CONFIG_DEFAULTS } from "./keys";
import { ConfigReader } from "./reader";

export interface LifecycleSection {
    /** Rotation counter of the login code's M2M secret (see README, "Rotating secrets"). */
    readonly secretGeneration: number;
    readonly protect: boolean;
}

/** How the stack's resources live on: the secret's rotation counter (secretGeneration) and protect. */
export function readLifecycle({ problems, key, raw, bool }: ConfigReader): LifecycleSection {
    const generationText = raw("secretGeneration") ?? String(CONFIG_DEFAULTS.secretGeneration);
    const secretGeneration = Number(generationText);
    if (!Number.isInteger(secretGeneration) || secretGeneration < 1) {
        problems.push(`${key("secretGeneration")}: ${JSON.stringify(generationText)} is not valid; expected a whole number from 1 (bump it by one to rotate)`);
    }
    const protect = bool("protect");
    return { secretGeneration, protect };
}
