/**
 * The HTML the local OpenID Provider shows a person: the login page (Auth0's Universal Login,
 * reduced to email and password), the error page, and the logout pages. Self-contained: no
 * fonts or scripts from elsewhere, nothing a page loads leaves 127.0.0.1.
 */

const STYLE = `body{font-family:system-ui,sans-serif;background:#eef0f3;margin:0;padding:40px 12px;color:#1e212a}
.box{max-width:360px;margin:0 auto;background:#fff;border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.15);padding:28px 32px}
h1{font-size:1.35em;margin:0 0 4px}p.sub{color:#65676e;margin:0 0 18px;font-size:.92em}
label{display:block;font-size:.85em;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:9px;border:1px solid #c9cace;border-radius:4px;font-size:1em}
button{margin-top:18px;width:100%;padding:10px;border:0;border-radius:4px;background:#635dff;color:#fff;font-size:1em;cursor:pointer}
button.secondary{background:#e4e5e9;color:#1e212a}
.error{background:#fde8e8;color:#9b1c1c;border-radius:4px;padding:8px 10px;font-size:.9em;margin-bottom:8px}
.hint{margin-top:20px;font-size:.8em;color:#65676e;border-top:1px solid #e4e5e9;padding-top:12px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:8px;border-radius:4px}`;

export function htmlEscape(text: string): string {
    return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

function page(title: string, body: string): string {
    return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)}</title><style>${STYLE}</style></head><body><div class="box">${body}</div></body></html>`;
}

export interface LoginPageOptions {
    /** Where the form posts. */
    readonly action: string;
    /** The application's name, as Universal Login shows it. */
    readonly clientName: string;
    readonly email?: string;
    /** Shown above the form, e.g. after a wrong password. */
    readonly error?: string;
    /** The sample users, listed with their published password; empty when there are none. */
    readonly sampleEmails: readonly string[];
    readonly samplePassword: string;
    /** Users loaded from a file, listed without a password. */
    readonly otherEmails: readonly string[];
}

export function loginPage(options: LoginPageOptions): string {
    const samples = options.sampleEmails.map((e) => `<code>${htmlEscape(e)}</code>`).join(", ");
    const others = options.otherEmails.map((e) => `<code>${htmlEscape(e)}</code>`).join(", ");
    return page(
        "Log in",
        `<h1>Log in</h1><p class="sub">to continue to ${htmlEscape(options.clientName)}</p>
${options.error ? `<div class="error" role="alert">${htmlEscape(options.error)}</div>` : ""}
<form method="post" action="${htmlEscape(options.action)}" autocomplete="off">
<label for="email">Email address</label><input id="email" name="email" type="email" required autofocus value="${htmlEscape(options.email ?? "")}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Continue</button></form>
<div class="hint">${samples ? `Sample users: ${samples}; password <code>${htmlEscape(options.samplePassword)}</code>.` : ""}
${others ? ` From the users file: ${others}.` : ""}</div>`,
    );
}

/** The provider's error page: the error and description oidc-provider reports, nothing else. */
export function errorPage(out: Record<string, unknown>): string {
    const rows = Object.entries(out)
        .map(([key, value]) => `<pre><strong>${htmlEscape(key)}</strong>: <span id="${htmlEscape(key)}">${htmlEscape(String(value))}</span></pre>`)
        .join("");
    return page("Error", `<h1>Something went wrong</h1><p class="sub">The local tenant refused the request.</p>${rows}`);
}

/** RP-initiated logout: `form` is oidc-provider's hidden form, submitted by either button. */
export function logoutPage(form: string, host: string): string {
    return page(
        "Log out",
        `<h1>Log out of ${htmlEscape(host)}?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, log me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay logged in</button>`,
    );
}

export function loggedOutPage(): string {
    return page("Logged out", `<h1>Logged out</h1><p class="sub">You are logged out of the local tenant.</p>`);
}
