import assert from "node:assert/strict";
import { deployerScopes } from "../../tools/deployerScopes";
import { command, DeclaredLoginFlow, loginFlowDrift, Tenant } from "../../tools/checkLoginDrift";
import { readCommandLine } from "../../tools/cli";
import { LocalManagementApi } from "../../local/tenant/managementApi";

/** A rules stack's login flow as its state declares it: no Action, no binding, no credential to verify. */
const RULES_FLOW: DeclaredLoginFlow = { domain: "fixture-rules.us.auth0.com", actions: [], verification: [] };
const noVerification = () => Promise.resolve([]);

/** The local Management API as check-login-drift calls it, with a token carrying `scopes`. */
function tenantWith(api: LocalManagementApi, scopes: readonly string[]): Tenant {
    return {
        get: (path) => {
            const url = new URL(path, "https://tenant.invalid");
            return Promise.resolve(api.handle("GET", url.pathname, url.searchParams, {}, scopes));
        },
    };
}

describe("scripts/check-login-drift.ts: the tenant's failed logins", function () {
    it("must report the failed logins (type f) after the time given, and no other event or earlier one", async function () {
        const api = new LocalManagementApi();
        api.logEvent({ date: "2026-12-05T23:59:00.000Z", type: "f", description: "before the window" });
        api.logEvent({ date: "2026-12-06T08:00:00.000Z", type: "fp", description: "Wrong email or password." });
        api.logEvent({ date: "2026-12-06T09:00:00.000Z", type: "f", description: "Login is not available right now: the login service is misconfigured." });
        api.logEvent({ date: "2026-12-07T10:00:00.000Z", type: "f", description: "Login is not available right now: the login service is misconfigured." });
        const { ok, drift } = await loginFlowDrift(RULES_FLOW, tenantWith(api, deployerScopes("preview", "rules")), noVerification, "2026-12-06T00:00:00.000Z");
        assert.deepEqual(ok, []);
        assert.equal(drift.length, 1, drift.join("\n"));
        assert.match(drift[0], /^tenant logs: 2 failed logins \(type f\) since 2026-12-06T00:00:00.000Z, e\.g\. "Login is not available right now: the login service is misconfigured\."; a rule config or Action secret changed by hand/);
    });

    it("must not count, the day after a repair, the failed logins of that day from before the repair", async function () {
        const api = new LocalManagementApi();
        api.logEvent({ date: "2026-12-06T08:00:00.000Z", type: "f", description: "Login is not available right now: the login service is misconfigured." });
        api.logEvent({ date: "2026-12-06T09:14:59.000Z", type: "f", description: "Login is not available right now: the login service is misconfigured." });
        const repairedAt = "2026-12-06T09:15:00.000Z";
        const quiet = await loginFlowDrift(RULES_FLOW, tenantWith(api, deployerScopes("preview", "rules")), noVerification, repairedAt);
        assert.deepEqual(quiet, { ok: [`tenant logs: no failed login since ${repairedAt}`], drift: [] });
        api.logEvent({ date: "2026-12-07T05:00:00.000Z", type: "f", description: "Login is not available right now: entitlements could not be loaded." });
        const { drift } = await loginFlowDrift(RULES_FLOW, tenantWith(api, deployerScopes("preview", "rules")), noVerification, repairedAt);
        assert.equal(drift.length, 1, drift.join("\n"));
        assert.match(drift[0], /^tenant logs: 1 failed logins \(type f\) since 2026-12-06T09:15:00\.000Z, e\.g\. "Login is not available right now: entitlements could not be loaded\."/);
    });

    it("must take --since as an ISO 8601 UTC timestamp and refuse anything else, naming the option", function () {
        assert.deepEqual(readCommandLine(command, ["--since", "2026-12-06T09:15:00.000Z"]), { args: { since: "2026-12-06T09:15:00.000Z" } });
        for (const bad of ["yesterday", "2026-12-06", "2026-12-06T09:15:00+01:00", "2026-13-06T09:15:00Z"]) {
            const line = readCommandLine(command, ["--since", bad]);
            assert.ok("exitCode" in line && line.exitCode === 2, bad);
            assert.match(line.stderr, /--since .*: expected an ISO 8601 UTC timestamp \(YYYY-MM-DDTHH:MM:SS\[\.mmm\]Z/, bad);
        }
    });

    it("must say so when nothing failed", async function () {
        const { ok, drift } = await loginFlowDrift(RULES_FLOW, tenantWith(new LocalManagementApi(), deployerScopes("preview", "rules")), noVerification, "2026-12-06T00:00:00.000Z");
        assert.deepEqual(drift, []);
        assert.deepEqual(ok, ["tenant logs: no failed login since 2026-12-06T00:00:00.000Z"]);
    });

    it("must report a drift check whose client cannot read the logs, rather than pass", async function () {
        const withoutLogs = deployerScopes("preview", "rules").filter((s) => s !== "read:logs");
        const { drift } = await loginFlowDrift(RULES_FLOW, tenantWith(new LocalManagementApi(), withoutLogs), noVerification, "2026-12-06T00:00:00.000Z");
        assert.deepEqual(drift, ["tenant logs: the Management API answered 403; cannot count failed logins (the drift check's client needs read:logs)"]);
    });
});
