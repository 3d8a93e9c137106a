/**
 * `npm run bench:tenant`: the figures of `npm run tenant`, measured, never asserted. Starts the
 * command as a person does (scripts/tenant.ts in its own process), times it until it prints that
 * it is ready, logs alice in through the sample page in headless Chromium several times (the first
 * in a fresh browser context: the login page, cold M2M tokens; the others with the session and
 * the Action's token cache), then stops it with SIGINT and times the shutdown.
 */
import { readFileSync } from "node:fs";
import { launchChromium } from "./browser";
import { SAMPLE_PASSWORD } from "../tenant/loginDirectory";
import { startTenantCommand } from "./tenantCommand";
import { STACK_FILES_HELP } from "../../tools/stack/stackFiles";
import { Command, parseStrict, UsageError } from "../../tools/cli";

const USAGE = `usage: npm run bench:tenant [-- --logins <n>] [--json]

Measures npm run tenant: from starting the command to "ready", then browser logins of alice
through the sample page in headless Chromium (/usr/bin/chromium, or CHROMIUM_PATH): the first
with the login page and cold M2M tokens, the rest with the session and the Action's token cache;
then the shutdown on SIGINT. Prints the figures; asserts nothing.

  --logins <n>   browser logins to time (default 5, at least 1)
  --json         print the figures as JSON
  --help         this text
${STACK_FILES_HELP}`;

interface Args {
    readonly logins: number;
    readonly json: boolean;
}

function parse(argv: readonly string[]): Args {
    const { values } = parseStrict(argv, { logins: { type: "string" }, json: { type: "boolean" } });
    const logins = values.logins === undefined ? 5 : Number(values.logins);
    if (!Number.isInteger(logins) || logins < 1) throw new UsageError(`--logins ${values.logins}: expected a whole number, at least 1`);
    return { logins, json: values.json === true };
}

async function bench(args: Args): Promise<void> {
    const running = await startTenantCommand(["--stack", "dev", "--port", "0", "--app-port", "0"]);
    const browser = await launchChromium(readFileSync(running.caFile, "utf8")).catch(async (err: unknown) => {
        await running.stop();
        throw err;
    });
    const loginMs: number[] = [];
    let loginPageMs = 0;
    let submitted = 0;
    let submitToTokensMs = 0;
    let stop: { code: number | null; stopMs: number } | undefined;
    try {
        const context = await browser.newContext();
        const page = await context.newPage();
        for (let i = 0; i < args.logins; i++) {
            await page.goto(running.appUrl);
            await page.waitForSelector('#status[data-state="signed-out"]');
            const started = performance.now();
            await page.click("#login");
            if (i === 0) {
                await page.waitForSelector("#email");
                loginPageMs = performance.now() - started;
                await page.fill("#email", "alice@example.test");
                await page.fill("#password", SAMPLE_PASSWORD);
                submitted = performance.now();
                await page.click("button[type=submit]");
            }
            await page.waitForSelector('#status[data-state="signed-in"], #status[data-state="refused"], #status[data-state="error"]');
            const elapsed = performance.now() - started;
            if ((await page.getAttribute("#status", "data-state")) !== "signed-in") throw new Error(`login ${i + 1} did not sign in: ${await page.textContent("#status")}`);
            loginMs.push(elapsed);
            if (i === 0) submitToTokensMs = performance.now() - submitted;
        }
    } finally {
        await browser.close();
        stop = await running.stop("SIGINT");
    }
    const figures = {
        readyMs: Math.round(running.readyMs),
        startupSteps: running.startup,
        firstLoginMs: Math.round(loginMs[0]),
        firstLoginPageMs: Math.round(loginPageMs),
        firstSubmitToTokensMs: Math.round(submitToTokensMs),
        warmLoginsMs: loginMs.slice(1).map(Math.round),
        warmLoginMedianMs: loginMs.length > 1 ? Math.round(median(loginMs.slice(1))) : undefined,
        stopMs: Math.round(stop.stopMs),
        exitCode: stop.code,
    };
    if (args.json) return void process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`npm run tenant -- --stack dev, measured (${args.logins} browser login${args.logins === 1 ? "" : "s"} of alice, headless Chromium):`);
    out(`  ready                 ${figures.readyMs} ms from starting the process to "ready" (discovery answered)`);
    const steps = Object.entries(figures.startupSteps).map(([step, ms]) => `${step} ${ms}`);
    if (steps.length > 0) out(`    steps (ms)          ${steps.join(", ")}`);
    out(`  first browser login   ${figures.firstLoginMs} ms from "Log in" to the decoded tokens (login page typed by the script, cold M2M tokens)`);
    out(`    of which            ${figures.firstLoginPageMs} ms to the login page, ${figures.firstSubmitToTokensMs} ms from "Continue" to the decoded tokens`);
    if (figures.warmLoginMedianMs !== undefined) out(`  later browser logins  median ${figures.warmLoginMedianMs} ms (${figures.warmLoginsMs.join(", ")}; session, cached M2M tokens)`);
    out(`  shutdown on SIGINT    ${figures.stopMs} ms, exit ${figures.exitCode}`);
}

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** This script's command line (tools/cli.ts): its usage, how it reads its arguments, what it runs. */
export const command: Command<Args> = { name: "bench:tenant", usage: USAGE, parse, run: bench };
