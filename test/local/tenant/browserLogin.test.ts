/**
 * The local OpenID Provider in a real browser: Debian's Chromium, headless, one browser for every
 * scenario, a fresh context (no cookies) per person. Without Chromium the suite fails under
 * CI=true and is skipped, with the reason printed, elsewhere.
 *
 * Screenshots (the login page, the claims, a refusal) go to a temporary directory; with
 * WRITE_SCREENSHOTS=1 to docs/local-login/, where docs/local-login.md shows them.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromiumMissing, launchChromium } from "../../../local/sim/browser";
import { deployTenant } from "../../../local/tenant/deployedTenant";
import { SAMPLE_PASSWORD } from "../../../local/tenant/loginDirectory";
import { ROOT } from "../../../tools/stack/program";
import { OpenIdProvider, SAMPLE_CLIENT_ID, WRONG_CREDENTIALS } from "../../../local/tenant/openidProvider";
import { AUTHZ_EXTENSION_API } from "../../../local/tenant/model";

const CAROL_REASON = "Please verify your email address before logging in.";
const GROUPS_DENIAL = "Login is not available right now: group membership could not be verified.";
const SIGNED_IN_OR_NOT = '#status[data-state="signed-in"], #status[data-state="refused"], #status[data-state="error"]';

describe("local/tenant/openidProvider in a browser (Chromium, headless)", function () {
    this.timeout(60_000);
    let browser: Browser;
    let op: OpenIdProvider;
    let namespace: string;
    const logLines: string[] = [];
    const pageTokens: string[] = [];
    const writeDocs = process.env.WRITE_SCREENSHOTS === "1";
    const shots = writeDocs ? join(ROOT, "docs", "local-login") : mkdtempSync(join(tmpdir(), "browser-login-"));

    before(async function () {
        const missing = chromiumMissing();
        if (missing) {
            if (process.env.CI === "true") throw new Error(`${missing} (CI=true: the browser tests must run)`);
            console.log(`    browser tests skipped: ${missing}`);
            this.skip();
        }
        // pulumi up of the dev stack through the engine and provider doubles (kept once done: local/engine/localDeploy.ts).
        this.timeout(120_000);
        const deployed = await deployTenant({ stack: "dev" });
        namespace = deployed.settings.CLAIM_NAMESPACE ?? "";
        [op, browser] = await Promise.all([OpenIdProvider.start({ deployed, log: (line) => logLines.push(line) }), launchChromium()]);
    });

    after(async function () {
        await browser?.close();
        await op?.stop();
        if (!writeDocs) rmSync(shots, { recursive: true, force: true });
    });

    /** A person with no cookies yet, on the sample page; every URL the page is sent to is kept. */
    async function newPerson(): Promise<{ context: BrowserContext; page: Page; visited: string[] }> {
        const context = await browser.newContext({ viewport: { width: 1000, height: 720 } });
        const page = await context.newPage();
        const visited: string[] = [];
        page.on("framenavigated", (frame) => {
            if (frame === page.mainFrame()) visited.push(frame.url());
        });
        await page.goto(op.appUrl);
        await page.waitForSelector('#status[data-state="signed-out"]');
        return { context, page, visited };
    }

    async function logIn(page: Page, email: string, password: string, screenshot?: string): Promise<void> {
        await page.click("#login");
        await page.waitForSelector("#email");
        await page.fill("#email", email);
        await page.fill("#password", password);
        if (screenshot) await page.screenshot({ path: join(shots, screenshot) });
        await page.click("button[type=submit]");
    }

    async function decoded(page: Page, id: string): Promise<Record<string, unknown>> {
        return JSON.parse((await page.textContent(id)) ?? "") as Record<string, unknown>;
    }

    /** What the sample page keeps in sessionStorage (the ID token, for the logout). */
    async function storedTokens(page: Page): Promise<string[]> {
        return JSON.parse(await page.evaluate<string>("JSON.stringify(Object.values(sessionStorage))")) as string[];
    }

    function expectedClaims(userId: string) {
        const groups = op.tenant.model.groups.filter((g) => g.members.includes(userId)).map((g) => ({ name: g.name, description: g.description }));
        return { [`${namespace}groups`]: groups, [`${namespace}entitlements`]: op.tenant.model.entitlements[userId] };
    }

    function tokenRequestsFor(audience: string): number {
        return op.requests.filter((r) => r.path === "/oauth/token" && r.grantType === "client_credentials" && r.audience === audience).length;
    }

    it("must log alice in with PKCE and show the groups and entitlements the Actions read from the local APIs, in both tokens", async () => {
        const { context, page } = await newPerson();
        await logIn(page, "alice@example.test", SAMPLE_PASSWORD, "login-page.png");
        await page.waitForSelector(SIGNED_IN_OR_NOT);
        assert.equal(await page.getAttribute("#status", "data-state"), "signed-in", await page.textContent("#status") ?? "");
        assert.match((await page.textContent("#status-detail")) ?? "", /signature verified with key /);
        const idToken = await decoded(page, "#id-token");
        const accessToken = await decoded(page, "#access-token");
        const expected = expectedClaims("auth0|alice");
        assert.deepEqual(expected["https://claims.fixture.test/entitlements"], ["reports:read", "billing:view"]);
        for (const [name, value] of Object.entries(expected)) {
            assert.deepEqual(idToken[name], value, `ID token ${name}`);
            assert.deepEqual(accessToken[name], value, `access token ${name}`);
        }
        assert.equal(idToken.iss, op.issuer);
        assert.equal(idToken.aud, SAMPLE_CLIENT_ID);
        assert.equal(idToken.sub, "auth0|alice");
        assert.equal(accessToken.aud, op.tenant.model.customApi);
        assert.equal(accessToken.iss, op.issuer);
        // The Actions ran in the order the stack binds them, and persisted app_metadata.
        assert.deepEqual(op.logins.at(-1)?.files, ["require-verified-email.js", "enrich-from-apis.js"]);
        assert.deepEqual(op.tenant.user("auth0|alice").app_metadata?.groups, ["admins", "readers"]);
        assert.deepEqual(op.logins.at(-1)?.appMetadataUpdates, ["groups"]);
        await page.screenshot({ path: join(shots, "claims.png"), fullPage: true });
        // The refresh token grant, at the same /oauth/token: the post-login code runs again, so
        // the new tokens carry what the APIs answer now (alice's entitlements changed meanwhile).
        const refreshes = op.requests.filter((r) => r.grantType === "refresh_token").length;
        const entitlements = op.tenant.model.entitlements as Record<string, readonly string[]>;
        const before = entitlements["auth0|alice"];
        entitlements["auth0|alice"] = ["reports:read"];
        try {
            await page.click("#refresh");
            await page.waitForSelector('#status-detail:has-text("(refreshed)")');
        } finally {
            entitlements["auth0|alice"] = before;
        }
        assert.equal(op.requests.filter((r) => r.grantType === "refresh_token" && r.status === 200).length, refreshes + 1);
        assert.deepEqual((await decoded(page, "#id-token"))[`${namespace}entitlements`], ["reports:read"]);
        assert.deepEqual((await decoded(page, "#access-token"))[`${namespace}entitlements`], ["reports:read"]);
        assert.deepEqual((await decoded(page, "#id-token"))[`${namespace}groups`], expected[`${namespace}groups`]);
        assert.deepEqual(
            [op.logins.at(-1)?.protocol, op.logins.at(-1)?.outcome, op.logins.length],
            ["oauth2-refresh-token", "allowed", 2],
        );
        pageTokens.push(...(await storedTokens(page)));
        // Alice's groups cannot be verified now (FAILURE_POLICY_GROUPS deny): the next exchange is
        // refused with access_denied and the Action's reason, and issues no token.
        op.tenant.faults.inject("groups", { kind: "status", status: 503 });
        await page.click("#refresh");
        await page.waitForSelector('#status[data-state="error"]');
        assert.equal(await page.textContent("#status-detail"), `access_denied: ${GROUPS_DENIAL}`);
        const refused = op.requests.filter((r) => r.grantType === "refresh_token").at(-1);
        assert.equal(refused?.status, 403);
        assert.deepEqual([op.logins.at(-1)?.protocol, op.logins.at(-1)?.outcome, op.logins.at(-1)?.reason], ["oauth2-refresh-token", "denied", GROUPS_DENIAL]);
        const loginsBeforeSecond = op.logins.length;

        // The second login: the session skips the login page, the Actions run again, the M2M
        // tokens come from the Action's cache (no new token request), app_metadata is already set.
        const groupsTokens = tokenRequestsFor(AUTHZ_EXTENSION_API);
        const apiTokens = tokenRequestsFor(op.tenant.model.customApi);
        const groupsCalls = op.requests.filter((r) => r.service === "authzExtension").length;
        assert.equal(groupsTokens, 1);
        await page.goto(op.appUrl);
        await page.waitForSelector('#status[data-state="signed-out"]');
        await page.click("#login");
        await page.waitForSelector(SIGNED_IN_OR_NOT);
        assert.equal(await page.getAttribute("#status", "data-state"), "signed-in");
        assert.deepEqual((await decoded(page, "#id-token"))["https://claims.fixture.test/groups"], expected["https://claims.fixture.test/groups"]);
        assert.equal(op.logins.length, loginsBeforeSecond + 1);
        assert.equal(tokenRequestsFor(AUTHZ_EXTENSION_API), groupsTokens, "a token request for the extension at the second login");
        assert.equal(tokenRequestsFor(op.tenant.model.customApi), apiTokens);
        assert.equal(op.requests.filter((r) => r.service === "authzExtension").length, groupsCalls + 1, "the groups call ran again");
        assert.deepEqual(op.logins.at(-1)?.appMetadataUpdates, [], "the second login saw the app_metadata the first one set");
        assert.ok(logLines.some((l) => /\[login\] auth0\|alice: .*app_metadata unchanged/.test(l)), logLines.join("\n"));
        pageTokens.push(...(await storedTokens(page)));
        await context.close();
    });

    it("must tell the Actions the application that logs in and the protocol: the authorization code, then the refresh token exchange", async () => {
        // A provider whose flow ends with an Action that copies event.client and event.transaction.protocol into the ID token.
        const deployed = await deployTenant({ stack: "dev" });
        const echo = join(ROOT, "test", "fixtures", "echo-transaction-action.js");
        const echoing = await OpenIdProvider.start({ deployed: { ...deployed, loginFiles: [...deployed.loginFiles, echo] } });
        const context = await browser.newContext();
        try {
            const page = await context.newPage();
            await page.goto(echoing.appUrl);
            await page.waitForSelector('#status[data-state="signed-out"]');
            await logIn(page, "bob@example.test", SAMPLE_PASSWORD);
            await page.waitForSelector(SIGNED_IN_OR_NOT);
            assert.equal(await page.getAttribute("#status", "data-state"), "signed-in", (await page.textContent("#status")) ?? "");
            const client = { client_id: SAMPLE_CLIENT_ID, name: "Local sample app" };
            assert.deepEqual((await decoded(page, "#id-token"))["https://local.test/client"], client);
            assert.equal((await decoded(page, "#id-token"))["https://local.test/protocol"], "oidc-basic-profile");
            await page.click("#refresh");
            await page.waitForSelector('#status-detail:has-text("(refreshed)")');
            assert.deepEqual((await decoded(page, "#id-token"))["https://local.test/client"], client);
            assert.equal((await decoded(page, "#id-token"))["https://local.test/protocol"], "oauth2-refresh-token");
            assert.deepEqual(echoing.logins.map((l) => [l.clientId, l.protocol]), [[SAMPLE_CLIENT_ID, "oidc-basic-profile"], [SAMPLE_CLIENT_ID, "oauth2-refresh-token"]]);
        } finally {
            await context.close();
            await echoing.stop();
        }
    });

    it("must send carol back to the redirect URI with access_denied and the Action's reason", async () => {
        const { context, page, visited } = await newPerson();
        await logIn(page, "carol@example.test", SAMPLE_PASSWORD);
        await page.waitForSelector(SIGNED_IN_OR_NOT);
        assert.equal(await page.getAttribute("#status", "data-state"), "refused");
        const callback = visited.map((u) => new URL(u)).find((u) => u.origin + "/" === op.appUrl && u.searchParams.has("error"));
        assert.ok(callback, visited.join("\n"));
        assert.equal(callback.searchParams.get("error"), "access_denied");
        assert.equal(callback.searchParams.get("error_description"), CAROL_REASON);
        assert.equal(callback.searchParams.has("code"), false);
        assert.equal(await page.textContent("#error-description"), CAROL_REASON);
        assert.equal(op.logins.at(-1)?.outcome, "denied");
        assert.equal(op.tenant.user("auth0|carol").app_metadata?.groups, undefined);
        await page.screenshot({ path: join(shots, "refusal.png") });
        await context.close();
    });

    it("must show the login page again, with Auth0's message, for a wrong password, and run no post-login code", async () => {
        const { context, page, visited } = await newPerson();
        const logins = op.logins.length;
        await logIn(page, "alice@example.test", "not-the-password");
        await page.waitForSelector('[role="alert"]');
        assert.equal((await page.textContent('[role="alert"]'))?.trim(), WRONG_CREDENTIALS);
        assert.match(new URL(page.url()).pathname, /^\/interaction\/[^/]+\/login$/);
        assert.equal(await page.inputValue("#email"), "alice@example.test");
        assert.equal(await page.inputValue("#password"), "");
        assert.equal(op.logins.length, logins);
        assert.ok(!visited.some((u) => u.includes("code=")), visited.join("\n"));
        await context.close();
    });

    it("must answer an unknown client_id and a redirect_uri that does not match with the provider's own errors", async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        const authorize = (params: Record<string, string>) => {
            const url = new URL("authorize", op.issuer);
            const all = { response_type: "code", scope: "openid", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256", ...params };
            Object.entries(all).forEach(([k, v]) => url.searchParams.set(k, v));
            return url.toString();
        };
        const unknown = await page.goto(authorize({ client_id: "no-such-client", redirect_uri: op.appUrl }));
        assert.equal(unknown?.status(), 400);
        assert.equal(await page.textContent("#error"), "invalid_client");
        assert.equal(await page.textContent("#error_description"), "client is invalid");
        const mismatch = await page.goto(authorize({ client_id: SAMPLE_CLIENT_ID, redirect_uri: "http://127.0.0.1:1/elsewhere" }));
        assert.equal(mismatch?.status(), 400);
        assert.equal(await page.textContent("#error"), "invalid_redirect_uri");
        assert.match((await page.textContent("#error_description")) ?? "", /redirect_uri did not match/);
        assert.ok(new URL(page.url()).origin + "/" === op.issuer, "the browser stayed at the provider");
        await context.close();
    });

    it("must keep every token, client secret and password out of the request log", () => {
        const secrets = [
            ...op.tenant.issuedTokens,
            ...pageTokens,
            ...op.tenant.model.clients.map((c) => c.secret),
            SAMPLE_PASSWORD,
            "not-the-password",
        ];
        assert.ok(op.tenant.issuedTokens.length >= 2 && pageTokens.length >= 2, "tokens were issued and seen");
        const log = logLines.join("\n");
        assert.ok(log.includes("grant_type=authorization_code"), log);
        for (const secret of secrets) assert.ok(!log.includes(secret), "a secret or token in the request log");
        assert.ok(!/[?&](code|state)=/.test(log), "a query string in the request log");
    });

    it("must save the screenshots the docs show", () => {
        for (const name of ["login-page.png", "claims.png", "refusal.png"]) assert.ok(statSync(join(shots, name)).size > 5000, name);
    });

    it("must stop every server: the issuer and the sample page refuse connections afterwards", async () => {
        const issuer = op.issuer;
        const app = op.appUrl;
        await op.stop();
        const page = await browser.newPage();
        await assert.rejects(page.goto(issuer), /ERR_CONNECTION_REFUSED/);
        await assert.rejects(page.goto(app), /ERR_CONNECTION_REFUSED/);
        await page.close();
    });
});
