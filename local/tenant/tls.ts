import { generate } from "selfsigned";

/** A throwaway certificate for 127.0.0.1 and localhost; also the CA the runtimes trust. */
export interface TestTls {
    readonly cert: string;
    readonly key: string;
}

let pending: Promise<TestTls> | undefined;

/** One certificate per process, generated on first use: every local server presents it. */
export function testTls(): Promise<TestTls> {
    pending ??= generate([{ name: "commonName", value: "localhost" }], {
        keyType: "ec",
        curve: "P-256",
        algorithm: "sha256",
        notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
        extensions: [
            { name: "basicConstraints", cA: true },
            { name: "keyUsage", digitalSignature: true, keyCertSign: true },
            { name: "extKeyUsage", serverAuth: true },
            {
                name: "subjectAltName",
                altNames: [
                    { type: 2, value: "localhost" },
                    { type: 7, ip: "127.0.0.1" },
                ],
            },
        ],
    }).then((pems) => ({ cert: pems.cert, key: pems.private }));
    return pending;
}
