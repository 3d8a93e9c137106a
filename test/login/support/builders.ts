import { randomBytes } from "node:crypto";
import { Audience, ExtensibilityMode } from "../../../infra/loginContract";
import {
    AUTHZ_EXTENSION_API,
    contractGrants,
    GrantModel,
    GroupModel,
    MANAGEMENT_API,
    TenantModel,
    UserModel,
} from "../../../local/tenant/model";

export const CUSTOM_API = "https://entitlements.tenant.local";
export const CUSTOM_API_SCOPES = ["read:entitlements", "write:entitlements"];
export const AUTHZ_EXTENSION_SCOPES = ["read:users", "read:groups", "update:groups"];

/** Fresh per process, so a leak check can look for the exact value. */
export const M2M_CLIENT = { id: "login-code-m2m", secret: `m2m-secret-${randomBytes(18).toString("hex")}` };

export class UserBuilder {
    private user: UserModel;

    constructor(userId: string) {
        this.user = { user_id: userId, email: `${userId.replace(/\W/g, "-")}@example.test`, email_verified: true };
    }

    withEmailVerified(verified: boolean): this {
        this.user = { ...this.user, email_verified: verified };
        return this;
    }

    withAppMetadata(appMetadata: Record<string, unknown>): this {
        this.user = { ...this.user, app_metadata: appMetadata };
        return this;
    }

    build(): UserModel {
        return structuredClone(this.user);
    }
}

/** A user with a verified email, member of "admins" and "readers" in aTenant(). */
export function aUser(userId = "auth0|alice"): UserBuilder {
    return new UserBuilder(userId);
}

export const GROUPS_OF_MEMBERS = [
    { _id: "g-admins", name: "admins", description: "Tenant administrators" },
    { _id: "g-readers", name: "readers", description: "Read-only access to reports" },
];
export const ENTITLEMENTS_OF_MEMBERS = ["reports:read", "billing:view"];

export class TenantBuilder {
    private users: UserModel[] = [aUser().build()];
    private grants: GrantModel[];
    private authzExtension = true;
    private tokenLifetimeS: number | undefined;
    private groups: readonly Omit<GroupModel, "members">[] = GROUPS_OF_MEMBERS;
    private entitlements: readonly string[] = ENTITLEMENTS_OF_MEMBERS;

    constructor(mode: ExtensibilityMode) {
        this.grants = contractGrants(mode, M2M_CLIENT.id, CUSTOM_API);
    }

    /** Replaces the users; every user is a member of the groups and has the entitlements. */
    withUsers(...users: UserBuilder[]): this {
        this.users = users.map((user) => user.build());
        return this;
    }

    /** `count` verified users auth0|user-0 … */
    withManyUsers(count: number): this {
        return this.withUsers(...Array.from({ length: count }, (_, i) => aUser(`auth0|user-${i}`)));
    }

    withoutScope(audience: Audience, scope: string): this {
        const identifier = identifierOf(audience);
        this.grants = this.grants.map((grant) =>
            grant.audience === identifier ? { ...grant, scopes: grant.scopes.filter((s) => s !== scope) } : grant,
        );
        return this;
    }

    withoutGrant(audience: Audience): this {
        const identifier = identifierOf(audience);
        this.grants = this.grants.filter((grant) => grant.audience !== identifier);
        return this;
    }

    withGrant(grant: GrantModel): this {
        this.grants = [...this.grants, grant];
        return this;
    }

    withoutAuthzExtension(): this {
        this.authzExtension = false;
        return this;
    }

    /** Replaces the groups every user is a member of. */
    withGroups(groups: readonly Omit<GroupModel, "members">[]): this {
        this.groups = groups;
        return this;
    }

    /** Replaces the entitlements every user has. */
    withEntitlements(entitlements: readonly string[]): this {
        this.entitlements = entitlements;
        return this;
    }

    withTokenLifetime(seconds: number): this {
        this.tokenLifetimeS = seconds;
        return this;
    }

    build(): TenantModel {
        const members = this.users.map((user) => user.user_id);
        const groups: GroupModel[] = this.groups.map((group) => ({ ...group, members }));
        return {
            clients: [M2M_CLIENT],
            apis: [
                { identifier: CUSTOM_API, scopes: CUSTOM_API_SCOPES, tokenLifetimeS: this.tokenLifetimeS },
                ...(this.authzExtension ? [{ identifier: AUTHZ_EXTENSION_API, scopes: AUTHZ_EXTENSION_SCOPES, tokenLifetimeS: this.tokenLifetimeS }] : []),
            ],
            grants: this.grants.filter((grant) => this.authzExtension || grant.audience !== AUTHZ_EXTENSION_API),
            users: this.users,
            groups,
            entitlements: Object.fromEntries(members.map((id) => [id, this.entitlements])),
            customApi: CUSTOM_API,
        };
    }
}

/** The tenant the stack declares for `mode`: grants carry exactly the contract's scopes. */
export function aTenant(mode: ExtensibilityMode): TenantBuilder {
    return new TenantBuilder(mode);
}

function identifierOf(audience: Audience): string {
    return audience === "api" ? CUSTOM_API : audience === "authzExtension" ? AUTHZ_EXTENSION_API : MANAGEMENT_API;
}
