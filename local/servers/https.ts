import { createServer, Server } from "node:https";
import { IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo, Socket } from "node:net";
import { testTls } from "./tls";

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

/** An HTTPS server on 127.0.0.1 at an ephemeral port, which `stop()` really stops (hung requests too). */
export class LocalHttpsServer {
    private readonly sockets = new Set<Socket>();

    private constructor(
        private readonly server: Server,
        readonly port: number,
    ) {
        server.on("connection", (socket: Socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
        });
    }

    static async start(handler: Handler): Promise<LocalHttpsServer> {
        const tls = await testTls();
        const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (chunk: Buffer) => chunks.push(chunk));
            req.on("end", () => {
                Promise.resolve(handler(req, Buffer.concat(chunks).toString("utf8"), res)).catch(() => {
                    if (!res.headersSent) sendJson(res, 500, { error: "server_error" });
                });
            });
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return new LocalHttpsServer(server, (server.address() as AddressInfo).port);
    }

    get origin(): string {
        return `https://127.0.0.1:${this.port}`;
    }

    async stop(): Promise<void> {
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        this.sockets.forEach((socket) => socket.destroy());
        await closed;
    }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
}
