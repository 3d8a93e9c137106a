/**
 * The Command provider double (local/engine/providers/command.ts): what each operation runs, and
 * the verification of infra/grantVerification.ts really run inside `up` against a local tenant
 * served over HTTPS, the provider double deploying through its Management API.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deployerScopes } from "../../../tools/deployerScopes";
import { OperationResult, operate } from "../../../local/engine/operation";
import { Auth0ProviderDouble, inProcessTransport, ManagementTransport } from "../../../local/engine/providers/auth0";
import { CommandFailed, CommandRun, CommandRunner, commandRunOf, shellRunner } from "../../../local/engine/providers/command";
import { reveal, Secret } from "../../../local/engine/wire";
import { LocalTenant } from "../../../local/tenant/localTenant";
import { testTls } from "../../../local/tenant/tls";
import { copyRepository, RepositoryCopy } from "../../support/repositoryCopy";
import { explain, modeSettings, stackFileOf, stepsOf } from "./support";
import { compileCacheWarm } from "./warmCompileCache";

const URN = "urn:pulumi:dev::auth0-tenant::command:local:Command::check";

describe("local/engine/providers/command (pulumi-command v1.2.1 local.Command)", function () {
    it("must run create on create, update (else create) on update, and delete only when set", function () {
        const inputs = { create: "echo created", dir: "..", environment: { A: new Secret("a") } };
        const created = commandRunOf("create", URN, inputs, "/repo/infra")!;
        assert.deepEqual([created.command, created.interpreter, created.dir, created.environment], ["echo created", ["/bin/sh", "-c"], "/repo", { A: "a" }]);
        assert.equal(commandRunOf("update", URN, inputs, "/repo/infra")!.command, "echo created");
        assert.equal(commandRunOf("update", URN, { ...inputs, update: "echo updated" }, "/repo/infra")!.command, "echo updated");
        assert.equal(commandRunOf("delete", URN, inputs, "/repo/infra"), undefined);
        assert.equal(commandRunOf("delete", URN, { ...inputs, delete: "echo deleted" }, "/repo/infra")!.command, "echo deleted");
        // The previous output is offered to the next run unless addPreviousOutputInEnv is false (commandOutputs.go 88-95).
        assert.equal(commandRunOf("update", URN, inputs, "/repo/infra", { stdout: new Secret("before") })!.environment.PULUMI_COMMAND_STDOUT, "before");
        assert.equal(commandRunOf("update", URN, { ...inputs, addPreviousOutputInEnv: false }, "/repo/infra", { stdout: "before" })!.environment.PULUMI_COMMAND_STDOUT, undefined);
    });

    it("must run in dir with the provider's environment plus the Command's, and fail on a non-zero exit with both streams in the message", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "command-"));
        try {
            const run = (command: string): CommandRun => ({ urn: URN, operation: "create", command, interpreter: ["/bin/sh", "-c"], dir, environment: { FROM_COMMAND: "c" } });
            const runner = shellRunner({ env: { PATH: process.env.PATH, FROM_PROVIDER: "p" } });
            const ok = await runner(run('echo "$FROM_PROVIDER $FROM_COMMAND $(pwd)"; echo warn >&2'));
            assert.deepEqual(ok, { stdout: `p c ${fs.realpathSync(dir)}`, stderr: "warn" });
            await assert.rejects(runner(run("echo out; echo err >&2; exit 3")), (err: Error) => {
                assert.ok(err instanceof CommandFailed);
                assert.equal(err.message, 'exit status 3: running "echo out; echo err >&2; exit 3":\nout\nerr\n');
                return true;
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the verification inside up, run for real against a local tenant over HTTPS", function () {
    this.timeout(300_000);
    const STACK = "dev";
    const MODE = "actions";
    const file = stackFileOf(STACK);
    const domain = String(file.config["auth0:domain"]);
    // The extension's API and the custom API's entitlements are not served by this tenant's model:
    // the verification checks the tokens of both slots for the API.
    const settings = { ...modeSettings(MODE), authzExtensionEnabled: false, apiProbeEnabled: false };
    let caFile: string;
    let copy: RepositoryCopy;

    /** A tenant with nothing in it yet but the custom API its servers answer for (the deploy creates the rest). */
    const emptyTenant = () => {
        const customApi = String(file.config["auth0-tenant:apiIdentifier"]);
        return LocalTenant.start({ clients: [], apis: [{ identifier: customApi, scopes: ["read:entitlements"] }], grants: [], users: [], groups: [], entitlements: {}, customApi });
    };

    /** The write deployer's double against `tenant`'s Management API; `tamper` may change a request first. */
    const writer = (tenant: LocalTenant, tamper: (method: string, p: string, body: Record<string, unknown>) => Record<string, unknown> = (_m, _p, b) => b) => {
        const transport = inProcessTransport(tenant.management, deployerScopes("write", MODE));
        const tampered: ManagementTransport = (method, p, query, body) => transport(method, p, query, tamper(method, p, body));
        return new Auth0ProviderDouble(tampered);
    };

    /**
     * The real script in a child process, the stack's domain pointed at the tenant, trusting its CA;
     * without the 30 s settle retry (the local tenant applies a change at once). Counts the runs.
     */
    const runs: CommandRun[] = [];
    const runner = (tenant: LocalTenant): CommandRunner => {
        const shell = shellRunner({ env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, hosts: { [domain]: tenant.domain } });
        return (run) => {
            runs.push(run);
            return shell({ ...run, environment: { ...run.environment, VERIFY_GRANTS_SETTLE_S: "0" } });
        };
    };

    before(async () => {
        await compileCacheWarm();
        caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "command-ca-")), "ca.pem");
        fs.writeFileSync(caFile, (await testTls()).cert);
    });
    after(() => {
        copy?.remove();
        fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
    });

    it("must fail the up at the verification, with the script's exit 1 and its message, when a grant lacks a scope", async () => {
        const tenant = await emptyTenant();
        try {
            // The first grant is created without its scopes, as if the tenant had dropped them.
            let tampered = false;
            const provider = writer(tenant, (method, p, body) => {
                if (method !== "POST" || p !== "/api/v2/client-grants" || tampered) return body;
                tampered = true;
                return { ...body, scope: [] };
            });
            const up = await operate({ stack: STACK, stackFile: file, set: settings, dryRun: false, provider, commands: runner(tenant) });
            assert.equal(up.ok, false);
            assert.ok(up.stage !== "config");
            // The program's unhandled error, as the SDK reports it through the engine's log.
            const said = [up.error ?? "", up.stderr, ...up.diagnostics.map((d) => d.message)].join("\n");
            assert.match(said, /exit status 1: running "node --import tsx scripts\/verify-grants\.ts"/, said);
            assert.match(said, /missing scopes read:entitlements \(declared, not in the token\)/, said);
            assert.match(said, /verify-grants: 1 of 2 grants do not work as declared/, said);
            // The engine reports the failed step on its URN and shuts the monitor down; the program
            // ends without an unhandled-exception report of its own (./deployment.test.ts).
            assert.ok(up.diagnostics.some((d) => d.severity === "error" && d.urn.endsWith("command:local:Command::verify-grants-check") && /exit status 1/.test(d.message)), said);
            assert.doesNotMatch(said, /unhandled exception/, said);
            for (const run of runs) {
                for (const client of JSON.parse(run.environment.VERIFY_GRANTS_CLIENTS) as Array<{ clientSecret: string }>) {
                    assert.ok(!said.includes(client.clientSecret), "no client secret in the output");
                }
            }
        } finally {
            await tenant.stop();
        }
    });

    describe("a stack deployed with the verification passing", () => {
        let tenant: LocalTenant;
        let deployed: OperationResult;
        const up = (prior: OperationResult, set: Record<string, unknown> = {}) => {
            assert.ok(prior.stage !== "config");
            return operate({ stack: STACK, stackFile: file, set: { ...settings, ...set }, dryRun: false, prior: prior.state, provider: writer(tenant), commands: runner(tenant), root: copy.dir });
        };
        const verificationStep = (result: OperationResult) => stepsOf(result).find((s) => s.name === "verify-grants-check" && !s.replaced)!;

        before(async () => {
            // A checkout of its own, whose login code the last case edits.
            copy = copyRepository("command-provider");
            tenant = await emptyTenant();
            runs.length = 0;
            deployed = await operate({ stack: STACK, stackFile: file, set: settings, dryRun: false, provider: writer(tenant), commands: runner(tenant), root: copy.dir });
            assert.ok(deployed.ok, explain(deployed));
        });
        after(() => tenant?.stop());

        it("must run it once, in the repository root, its output kept as a secret output", () => {
            assert.ok(deployed.stage !== "config");
            assert.deepEqual(runs.map((r) => [r.operation, r.command, r.dir]), [["create", "node --import tsx scripts/verify-grants.ts", path.resolve(copy.dir)]]);
            const check = deployed.state.find((r) => r.name === "verify-grants-check")!;
            assert.ok(check.outputs.stdout instanceof Secret);
            assert.match(reveal(check.outputs.stdout) as string, /verify-grants: all 2 grants of 2 clients work as declared/);
        });

        it("must re-run it when a trigger changes (a rotation replaces it)", async () => {
            const before = runs.length;
            const rotated = await up(deployed, { secretGeneration: 2 });
            assert.ok(rotated.ok, explain(rotated));
            assert.equal(verificationStep(rotated).op, "replace");
            assert.equal(runs.length, before + 1);
            deployed = rotated;
        });

        it("must re-run it when only an Action's code changes", async () => {
            const before = runs.length;
            fs.appendFileSync(path.join(copy.dir, "actions", "require-verified-email.js"), "\n// a change to the login code alone\n");
            const edited = await up(deployed);
            assert.ok(edited.ok, explain(edited));
            assert.equal(verificationStep(edited).op, "replace");
            assert.equal(runs.length, before + 1);
            assert.equal(runs[runs.length - 1].operation, "create");
        });
    });
});
