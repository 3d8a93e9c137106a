/**
 * api.cache as Auth0 documents its limits (Actions limitations, "Cached data"): keys up to 64
 * bytes, values (strings) up to 4 KB, at most 20 entries, keys and values together at most 8 KB,
 * lifetimes up to 24 h. Writes that break a limit return `{ type: "error", code }` instead of
 * throwing, as the platform's CacheWriteResult does. The error codes are this runtime's names.
 */
export const ACTION_CACHE_LIMITS = {
    maxKeyBytes: 64,
    maxValueBytes: 4096,
    maxEntries: 20,
    maxTotalBytes: 8192,
    maxTtlMs: 24 * 3600 * 1000,
    /** Lifetime of an entry set without ttl or expires_at. */
    defaultTtlMs: 15 * 60 * 1000,
} as const;

export interface CacheRecord {
    readonly value: string;
    readonly expires_at: number;
}

export type CacheWriteResult =
    | { readonly type: "success"; readonly record?: CacheRecord }
    | { readonly type: "error"; readonly code: string };

export interface CacheSetOptions {
    readonly ttl?: number;
    readonly expires_at?: number;
}

/** The cache one Action sees; shared by every execution of that Action, across containers. */
export class ActionCacheStore {
    private readonly entries = new Map<string, CacheRecord>();
    readonly writes: { key: string; result: CacheWriteResult["type"] }[] = [];

    constructor(private readonly now: () => number = Date.now) {}

    get(key: string): CacheRecord | undefined {
        this.evictExpired();
        const record = this.entries.get(key);
        return record ? { ...record } : undefined;
    }

    set(key: string, value: unknown, options: CacheSetOptions = {}): CacheWriteResult {
        const result = this.write(key, value, options);
        this.writes.push({ key, result: result.type });
        return result;
    }

    delete(key: string): CacheWriteResult {
        return this.entries.delete(key) ? { type: "success" } : { type: "error", code: "NOT_FOUND" };
    }

    get size(): number {
        this.evictExpired();
        return this.entries.size;
    }

    private write(key: string, value: unknown, options: CacheSetOptions): CacheWriteResult {
        if (typeof key !== "string" || Buffer.byteLength(key) > ACTION_CACHE_LIMITS.maxKeyBytes) return { type: "error", code: "INVALID_KEY" };
        if (typeof value !== "string") return { type: "error", code: "INVALID_VALUE" };
        if (Buffer.byteLength(value) > ACTION_CACHE_LIMITS.maxValueBytes) return { type: "error", code: "VALUE_TOO_LARGE" };
        this.evictExpired();
        const now = this.now();
        const requested =
            options.expires_at !== undefined ? options.expires_at : now + (options.ttl ?? ACTION_CACHE_LIMITS.defaultTtlMs);
        if (!(requested > now)) return { type: "error", code: "INVALID_EXPIRY" };
        const record = { value, expires_at: Math.min(requested, now + ACTION_CACHE_LIMITS.maxTtlMs) };
        const others = [...this.entries].filter(([k]) => k !== key);
        if (others.length + 1 > ACTION_CACHE_LIMITS.maxEntries) return { type: "error", code: "TOO_MANY_ENTRIES" };
        const total = others.reduce((sum, [k, r]) => sum + Buffer.byteLength(k) + Buffer.byteLength(r.value), 0);
        if (total + Buffer.byteLength(key) + Buffer.byteLength(value) > ACTION_CACHE_LIMITS.maxTotalBytes) {
            return { type: "error", code: "CACHE_FULL" };
        }
        this.entries.set(key, record);
        return { type: "success", record: { ...record } };
    }

    private evictExpired(): void {
        const now = this.now();
        for (const [key, record] of this.entries) if (record.expires_at <= now) this.entries.delete(key);
    }
}
