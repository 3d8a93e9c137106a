/** Requests a tenant received, per audience identifier: what a test reads to see how often the login code called. */
export class RequestCounts {
    private readonly tokens = new Map<string, number>();
    private readonly calls = new Map<string, number>();

    /** One token request for `audience`, whatever its outcome. */
    countToken(audience: string): void {
        this.tokens.set(audience, this.tokenRequests(audience) + 1);
    }

    /** One API call whose endpoint has `audience`. */
    countCall(audience: string): void {
        this.calls.set(audience, this.apiCalls(audience) + 1);
    }

    tokenRequests(audience: string): number {
        return this.tokens.get(audience) ?? 0;
    }

    apiCalls(audience: string): number {
        return this.calls.get(audience) ?? 0;
    }

    reset(): void {
        this.tokens.clear();
        this.calls.clear();
    }
}
