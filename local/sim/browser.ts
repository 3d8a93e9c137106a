/**
 * A real browser for the local tenant: Debian's Chromium, headless, driven by playwright-core
 * (which ships no browser: the executable path is explicit). It trusts the local tenant's
 * throwaway certificate by its public key only (--ignore-certificate-errors-spki-list), not every
 * certificate, so a wrong certificate still fails as it would for a person.
 */
import { createHash, X509Certificate } from "node:crypto";
import { accessSync, constants } from "node:fs";
import type { Browser } from "playwright-core";
import { testTls } from "../tenant/tls";

/** Debian's package `chromium` installs it here; CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why Chromium cannot be launched (how to install it), or undefined when it can. */
export function chromiumMissing(): string | undefined {
    try {
        accessSync(CHROMIUM_PATH, constants.X_OK);
        return undefined;
    } catch {
        return `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH`;
    }
}

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's SPKI list takes it. */
export function spkiHash(certPem: string): string {
    const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
    return createHash("sha256").update(spki).digest("base64");
}

/**
 * Headless Chromium that trusts the local tenant's certificate (and no other untrusted one):
 * this process's (testTls), or `certPem`, another process's (the one npm run tenant prints).
 */
export async function launchChromium(certPem?: string): Promise<Browser> {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    const { chromium } = await import("playwright-core");
    const cert = certPem ?? (await testTls()).cert;
    return chromium.launch({
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [`--ignore-certificate-errors-spki-list=${spkiHash(cert)}`, "--no-first-run", "--disable-dev-shm-usage"],
    });
}
