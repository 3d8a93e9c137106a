import { createServer as createHttpsServer, Server } from "node:https";
import { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { testTls } from "./tls";

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

/**
 * How far the server is from its clients. Every request waits `rttMs` (plus up to `jitterMs`,
 * uniformly drawn from a seeded generator, so a run can be repeated) before it is handled: one
 * round trip per request, as over a kept-alive connection. Connection set-up (TCP and TLS
 * handshakes) is not charged.
 */
export interface NetworkDistance {
    readonly rttMs: number;
    /** Extra delay, 0 to `jitterMs` ms per request. Default 0. */
    readonly jitterMs?: number;
    /** Seed of the jitter's generator. Default 1. */
    readonly seed?: number;
}

export interface LocalHttpsServerOptions {
    readonly distance?: NetworkDistance;
    /** The port to listen on (default 0: an ephemeral one). */
    readonly port?: number;
    /**
     * Sees each request before its body is read; returns true when it has taken the request (and
     * answers it itself), false to leave it to the handler. For a framework that reads the body.
     */
    readonly takeOver?: (req: IncomingMessage, res: ServerResponse) => boolean;
    /** Called once each response is sent. */
    readonly onResponse?: (req: IncomingMessage, res: ServerResponse, elapsedMs: number) => void;
}

/**
 * An HTTPS server on 127.0.0.1 at an ephemeral port, which `stop()` really stops (hung requests
 * too). A plain TCP listener in front hands each accepted connection to the TLS server, so a test
 * can hold connections before their TLS handshake (`stallHandshakes`): a server slow to connect.
 */
export class LocalHttpsServer {
    private readonly sockets = new Set<Socket>();
    private handshakeDelayMs = 0;

    private constructor(
        private readonly front: TcpServer,
        private readonly server: Server,
        readonly port: number,
    ) {
        front.on("connection", (socket: Socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
            const handOver = () => {
                if (!socket.destroyed) server.emit("connection", socket);
            };
            if (this.handshakeDelayMs > 0) setTimeout(handOver, this.handshakeDelayMs).unref();
            else handOver();
        });
    }

    static async start(handler: Handler, options: LocalHttpsServerOptions = {}): Promise<LocalHttpsServer> {
        const tls = await testTls();
        const wait = distanceDelay(options.distance);
        const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
            const started = performance.now();
            if (options.onResponse) res.once("finish", () => options.onResponse?.(req, res, performance.now() - started));
            if (options.takeOver?.(req, res)) return;
            const chunks: Buffer[] = [];
            req.on("data", (chunk: Buffer) => chunks.push(chunk));
            req.on("end", () => {
                const handle = async () => {
                    const ms = wait();
                    if (ms > 0) await delay(ms);
                    await handler(req, Buffer.concat(chunks).toString("utf8"), res);
                };
                handle().catch(() => {
                    if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
                });
            });
        });
        const front = createTcpServer();
        await new Promise<void>((resolve, reject) => {
            front.once("error", reject);
            front.listen(options.port ?? 0, "127.0.0.1", () => resolve());
        });
        return new LocalHttpsServer(front, server, (front.address() as AddressInfo).port);
    }

    get origin(): string {
        return `https://127.0.0.1:${this.port}`;
    }

    /** New connections wait `ms` before their TLS handshake starts (0: at once). */
    stallHandshakes(ms: number): void {
        this.handshakeDelayMs = ms;
    }

    async stop(): Promise<void> {
        const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
        this.sockets.forEach((socket) => socket.destroy());
        this.server.closeAllConnections();
        await closed;
    }
}

/** The delay each request waits under `distance`, drawn from its own seeded generator. */
function distanceDelay(distance: NetworkDistance | undefined): () => number {
    if (!distance || (distance.rttMs <= 0 && !distance.jitterMs)) return () => 0;
    const random = mulberry32(distance.seed ?? 1);
    const jitter = distance.jitterMs ?? 0;
    return () => distance.rttMs + (jitter > 0 ? random() * jitter : 0);
}

/** A small seeded PRNG (mulberry32): reproducible jitter, not cryptography. */
function mulberry32(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
}

/** The request's path, without its query string (which may carry a code or a state). */
export function pathOf(req: IncomingMessage): string {
    return new URL(req.url ?? "/", "https://local").pathname;
}

/** A form-encoded or JSON body as an object; anything else (no body, bad JSON, a JSON scalar) is `{}`. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
    if ((contentType ?? "").includes("application/x-www-form-urlencoded")) {
        return Object.fromEntries(new URLSearchParams(raw));
    }
    try {
        const parsed: unknown = JSON.parse(raw);
        return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

/** A route's path template as a regular expression: each `{name}` matches one segment, captured. */
export function pathPattern(template: string): RegExp {
    const source = template
        .split(/\{[a-z_]+\}/)
        .map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("([^/]+)");
    return new RegExp(`^${source}$`);
}

/**
 * A request whose body was read, with that body to read again, for a handler that reads it. A
 * stream of its own (not an IncomingMessage on the same socket, which would close the socket
 * once read), carrying the request's method, URL, headers and socket.
 */
export function replay(req: IncomingMessage, body: string): IncomingMessage {
    const copy = Readable.from([Buffer.from(body, "utf8")]);
    return Object.assign(copy, {
        method: req.method,
        url: req.url,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        httpVersion: req.httpVersion,
        httpVersionMajor: req.httpVersionMajor,
        httpVersionMinor: req.httpVersionMinor,
        socket: req.socket,
        connection: req.socket,
    }) as unknown as IncomingMessage;
}
