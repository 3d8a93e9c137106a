/**
 * The tenant's users as the Management API stores them: what PATCH /api/v2/users/{id} changes
 * (local/tenant/managementApi.ts) and what a test reads back.
 */
import type { UserModel } from "./model";

export class UserStore {
    private readonly byId = new Map<string, UserModel>();

    /** Stores a copy of `user`, replacing any user with its user_id. */
    put(user: UserModel): void {
        this.byId.set(user.user_id, structuredClone(user));
    }

    has(userId: string): boolean {
        return this.byId.has(userId);
    }

    /** A copy of the user as stored now. */
    get(userId: string): UserModel {
        const user = this.byId.get(userId);
        if (!user) throw new Error(`local tenant: no user ${userId}`);
        return structuredClone(user);
    }

    /**
     * Merges app_metadata as the Management API does: top-level keys, and null deletes one
     * (https://auth0.com/docs/manage-users/user-accounts/metadata/manage-metadata-api,
     * "Merge user metadata": root-level properties merge, and a property set to null is deleted).
     */
    mergeAppMetadata(userId: string, patch: Record<string, unknown>): void {
        const user = this.get(userId);
        const appMetadata: Record<string, unknown> = { ...(user.app_metadata ?? {}) };
        for (const [key, value] of Object.entries(patch)) {
            if (value === null) delete appMetadata[key];
            else appMetadata[key] = value;
        }
        this.byId.set(userId, { ...user, app_metadata: appMetadata });
    }
}
