import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { ExtensibilityMode } from "../../../infra/loginContract";
import { Harness, LOGIN_FILES } from "../../../local/runtime/loginHarness";
import { NetworkDistance } from "../../../local/tenant/https";
import { LOCAL_CLAIM_NAMESPACE } from "../../../local/tenant/localTenant";
import { LoginResult } from "../../../local/runtime/types";
import { aTenant, ENTITLEMENTS_OF_MEMBERS, GROUPS_OF_MEMBERS, M2M_CLIENT, TenantBuilder } from "./builders";

export const GROUPS_CLAIM = `${LOCAL_CLAIM_NAMESPACE}groups`;
export const ENTITLEMENTS_CLAIM = `${LOCAL_CLAIM_NAMESPACE}entitlements`;
export const EXPECTED_GROUPS = GROUPS_OF_MEMBERS.map(({ name, description }) => ({ name, description }));

/**
 * A numeric constant of the deployed enrich-from-apis file of `mode` (`const NAME = 123;`), so
 * the spec follows the file rather than a copy of its numbers.
 */
export function loginCodeConstant(mode: ExtensibilityMode, name: string): number {
    const file = LOGIN_FILES[mode].find((path) => path.endsWith("enrich-from-apis.js"));
    if (!file) throw new Error(`no enrich-from-apis.js among the ${mode} files`);
    const found = new RegExp(`const ${name} = (\\d+);`).exec(readFileSync(file, "utf8"));
    if (!found) throw new Error(`${file} declares no numeric constant ${name}`);
    return Number(found[1]);
}

export function assertAllowedWithEverything(result: LoginResult): void {
    assert.equal(result.outcome, "allowed", result.reason);
    for (const claims of [result.idTokenClaims, result.accessTokenClaims]) {
        assert.deepEqual(claims[GROUPS_CLAIM], EXPECTED_GROUPS);
        assert.deepEqual(claims[ENTITLEMENTS_CLAIM], ENTITLEMENTS_OF_MEMBERS);
    }
}

/**
 * Harnesses for one describe block: `start` makes one (several may run in a test), and after
 * each test they are stopped and their logs checked for user_id and step, for the client secret
 * and for any issued token, and their containers for platform violations.
 */
/**
 * Stops a harness and checks what every login test must leave behind: each log line names its
 * user and step, none holds a secret, a token or anything shaped like a JWT, and the runtime saw
 * no violation of Auth0's rules.
 */
export async function stopAndCheck(harness: Harness): Promise<void> {
    await harness.stop();
    const secrets = [M2M_CLIENT.secret, ...harness.tenant.issuedTokens];
    for (const line of harness.logs) {
        assert.match(line, /user_id=\S+ step=\w+/, `log line without user_id and step: ${line}`);
        assert.ok(!secrets.some((secret) => line.includes(secret)), "a log line contains a secret or a token");
        assert.ok(!line.includes("eyJ"), "a log line contains something shaped like a JWT");
    }
    assert.deepEqual(harness.violations, []);
}

export function harnessesFor(mode: ExtensibilityMode): {
    start(tenant?: TenantBuilder, options?: { distance?: NetworkDistance }): Promise<Harness>;
} {
    let started: Harness[] = [];
    afterEach(async function () {
        const harnesses = started;
        started = [];
        // A second callback would arrive after the first: give it a moment to show up.
        await delay(20);
        for (const harness of harnesses) await stopAndCheck(harness);
    });
    return {
        async start(tenant = aTenant(mode), options = {}) {
            const harness = await Harness.start(mode, tenant.build(), options);
            started.push(harness);
            return harness;
        },
    };
}
