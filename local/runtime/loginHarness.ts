import { join } from "node:path";
import { ROOT } from "../../tools/repository";
import { ExtensibilityMode, LoginSettingName } from "../../infra/loginContract";
import { ActionsRuntime } from "./actions";
import { trustedNetwork, TrustedNetwork } from "./network";
import { RulesRuntime } from "./rules";
import { LoginContainer, LoginResult, LoginTransaction } from "./types";
import { NetworkDistance } from "../tenant/https";
import { LocalTenant, LocalTenantOptions } from "../tenant/localTenant";
import { TenantModel } from "../tenant/model";
import { testTls } from "../tenant/tls";


/** The deployed files, in the stack's default order. */
export const LOGIN_FILES: Record<ExtensibilityMode, string[]> = {
    rules: [join(ROOT, "rules/require-verified-email.js"), join(ROOT, "rules/enrich-from-apis.js")],
    actions: [join(ROOT, "actions/require-verified-email.js"), join(ROOT, "actions/enrich-from-apis.js")],
};

export type SettingsOverrides = Partial<Record<LoginSettingName, string | undefined>>;

/**
 * A local tenant and one runtime (Rules or Actions) pointed at it. `login` presents the user as
 * the tenant stores it now and, for Actions, persists setAppMetadata as Auth0 does after the flow.
 */
export class Harness {
    private readonly containers: LoginContainer[] = [];

    private constructor(
        readonly mode: ExtensibilityMode,
        readonly tenant: LocalTenant,
        private readonly network: TrustedNetwork,
        readonly runtime: RulesRuntime | ActionsRuntime,
    ) {}

    /**
     * `files` default to the deployed files; `observe` sees the duration of every request the
     * code makes; `distance` puts the tenant's servers that far from the code (default: loopback);
     * `tenant` sets the tenant's port and request log.
     */
    static async start(
        mode: ExtensibilityMode,
        model: TenantModel,
        options: {
            files?: readonly string[];
            observe?: (elapsedMs: number) => void;
            distance?: NetworkDistance;
            /** The tenant's port and request log (`distance` above wins over theirs). */
            tenant?: Omit<LocalTenantOptions, "distance">;
        } = {},
    ): Promise<Harness> {
        const tenant = await LocalTenant.start(model, { ...options.tenant, distance: options.distance });
        const network = trustedNetwork((await testTls()).cert, options.observe);
        const files = options.files ?? LOGIN_FILES[mode];
        const runtime =
            mode === "rules"
                ? new RulesRuntime({ files, network, auth0Domain: tenant.domain })
                : new ActionsRuntime({ files, network });
        return new Harness(mode, tenant, network, runtime);
    }

    /** The settings the stack would provide, with overrides (undefined = not provided). */
    settings(overrides: SettingsOverrides = {}): Record<string, string | undefined> {
        return { ...this.tenant.loginSettings(this.mode), ...overrides };
    }

    container(overrides: SettingsOverrides = {}): LoginContainer {
        const container = this.runtime.newContainer(this.settings(overrides));
        this.containers.push(container);
        return container;
    }

    /** `transaction`: the application and protocol the code is told of (default: the runtimes' own). */
    async login(container: LoginContainer, userId = "auth0|alice", transaction?: LoginTransaction): Promise<LoginResult> {
        const result = await container.login(this.tenant.user(userId), transaction);
        if (this.mode === "actions" && result.outcome === "allowed" && Object.keys(result.appMetadataUpdates).length > 0) {
            this.tenant.mergeAppMetadata(userId, result.appMetadataUpdates);
        }
        return result;
    }

    /** Every log line and platform violation of every container this harness made. */
    get logs(): string[] {
        return this.containers.flatMap((container) => [...container.logs]);
    }

    get violations(): string[] {
        return this.containers.flatMap((container) => [...container.violations]);
    }

    async stop(): Promise<void> {
        await this.tenant.stop();
        await this.network.close();
    }
}
