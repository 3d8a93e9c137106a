/**
 * Who can log in at the local OpenID Provider: the sample directory (alice, bob, carol) with one
 * published sample password, plus users loaded from a JSON file. Passwords are kept as scrypt
 * hashes in memory and compared in constant time; none is ever printed.
 *
 * The users file:
 *
 *   { "users": [ { "email": "dave@example.test", "password": "at least 8 characters",
 *                  "email_verified": true, "user_id": "auth0|dave",
 *                  "groups": ["admins"], "entitlements": ["reports:read"], "app_metadata": {} } ] }
 *
 * `email` and `password` are required; `user_id` defaults to `auth0|<local part of the email>`,
 * `email_verified` to false (as Auth0 creates a database user), the rest to empty. A group named
 * that does not exist yet is created. Every problem is reported at once, each naming the entry,
 * the field and the expected form, before anything starts.
 */
import { readJson } from "../../tools/untrustedInput";
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { SAMPLE_DIRECTORY, SampleDirectory } from "./sampleDirectory";
import { GroupModel, UserModel } from "./model";

/**
 * The sample users' password. Not a secret: it is published here, in docs/local-login.md and on
 * the login page, and guards three made-up users of a tenant that lives on 127.0.0.1.
 */
export const SAMPLE_PASSWORD = "sample-password";

const MIN_PASSWORD_LENGTH = 8;
const USER_FIELDS = ["email", "password", "email_verified", "user_id", "groups", "entitlements", "app_metadata"];

/** A refusal of the users file: every problem found, each naming the field and the expected form. */
export class UsersFileError extends Error {
    constructor(
        readonly file: string,
        readonly problems: readonly string[],
    ) {
        super(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    }
}

interface Credential {
    readonly userId: string;
    readonly salt: Buffer;
    /** Hashed in libuv's thread pool: loading a directory does not hold up the thread that serves. */
    readonly hash: Promise<Buffer>;
}

const HASH_BYTES = 32;

function scryptHash(password: string, salt: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => scrypt(password, salt, HASH_BYTES, (err, hash) => (err ? reject(err) : resolve(hash))));
}

/** The users, groups and entitlements the local tenant serves, and how each user logs in. */
export class LoginDirectory {
    private readonly credentials = new Map<string, Credential>();

    private constructor(
        readonly directory: SampleDirectory,
        passwords: ReadonlyMap<string, string>,
        /** Emails of the sample users, whose password is SAMPLE_PASSWORD. */
        readonly sampleEmails: readonly string[],
    ) {
        for (const user of directory.users) {
            const password = passwords.get(user.email);
            if (password === undefined) continue;
            const salt = randomBytes(16);
            const hash = scryptHash(password, salt);
            // Never rejects for a string password; caught so an unused directory raises nothing.
            hash.catch(() => undefined);
            this.credentials.set(user.email.toLowerCase(), { userId: user.user_id, salt, hash });
        }
    }

    /** The sample directory, every user with SAMPLE_PASSWORD; plus the users of `usersFile`, if given. */
    static load(usersFile?: string): LoginDirectory {
        const passwords = new Map(SAMPLE_DIRECTORY.users.map((user) => [user.email, SAMPLE_PASSWORD]));
        const sampleEmails = SAMPLE_DIRECTORY.users.map((user) => user.email);
        if (usersFile === undefined) return new LoginDirectory(SAMPLE_DIRECTORY, passwords, sampleEmails);
        const added = parseUsersFile(usersFile, readUsersFile(usersFile));
        const users: UserModel[] = [...SAMPLE_DIRECTORY.users];
        const groups: GroupModel[] = SAMPLE_DIRECTORY.groups.map((group) => ({ ...group, members: [...group.members] }));
        const entitlements: Record<string, readonly string[]> = { ...SAMPLE_DIRECTORY.entitlements };
        const problems: string[] = [];
        for (const [index, entry] of added.entries()) {
            if (users.some((user) => user.user_id === entry.user.user_id)) problems.push(`users[${index}].user_id: ${JSON.stringify(entry.user.user_id)} is already a user`);
            if (users.some((user) => user.email.toLowerCase() === entry.user.email.toLowerCase())) problems.push(`users[${index}].email: ${JSON.stringify(entry.user.email)} is already a user's`);
            users.push(entry.user);
            passwords.set(entry.user.email, entry.password);
            for (const name of entry.groups) {
                const group = groups.find((g) => g.name === name);
                if (group) (group.members as string[]).push(entry.user.user_id);
                else groups.push({ _id: `g-${name}`, name, description: `${name} (from ${usersFile})`, members: [entry.user.user_id] });
            }
            if (entry.entitlements.length > 0) entitlements[entry.user.user_id] = entry.entitlements;
        }
        if (problems.length > 0) throw new UsersFileError(usersFile, problems);
        return new LoginDirectory({ users, groups, entitlements }, passwords, sampleEmails);
    }

    /** The user id for this email and password, or undefined (a wrong password and an unknown email look alike). */
    async authenticate(email: string, password: string): Promise<string | undefined> {
        const credential = this.credentials.get(email.trim().toLowerCase());
        // An unknown email costs the same hash as a known one.
        const salt = credential?.salt ?? randomBytes(16);
        const hash = await scryptHash(password, salt);
        return credential && timingSafeEqual(hash, await credential.hash) ? credential.userId : undefined;
    }

    /** The emails users log in with, in directory order. */
    get emails(): string[] {
        return this.directory.users.map((user) => user.email);
    }
}

function readUsersFile(file: string): unknown {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsersFileError(file, [`cannot read the users file (${code ?? String(err)}); expected a readable JSON file`]);
    }
    // The problem says where the text breaks, never what it holds (passwords, or a file named by mistake).
    const read = readJson(text, '{ "users": [ { "email": ..., "password": ... } ] }');
    if ("problem" in read) throw new UsersFileError(file, [read.problem]);
    return read.value;
}

interface FileUser {
    readonly user: UserModel;
    readonly password: string;
    readonly groups: readonly string[];
    readonly entitlements: readonly string[];
}

function parseUsersFile(file: string, parsed: unknown): FileUser[] {
    const root = parsed as { users?: unknown } | null;
    if (typeof root !== "object" || root === null || Array.isArray(root) || !Array.isArray(root.users)) {
        throw new UsersFileError(file, ['users: expected an object { "users": [ ... ] } with a list of users']);
    }
    const problems: string[] = [];
    const users: FileUser[] = [];
    root.users.forEach((raw: unknown, index: number) => {
        const at = `users[${index}]`;
        if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
            problems.push(`${at}: expected an object with at least "email" and "password"`);
            return;
        }
        const entry = raw as Record<string, unknown>;
        const before = problems.length;
        for (const key of Object.keys(entry)) {
            if (!USER_FIELDS.includes(key)) problems.push(`${at}.${key}: not a field of a user; expected one of ${USER_FIELDS.join(", ")}`);
        }
        const { email, password } = entry;
        if (typeof email !== "string" || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
            problems.push(`${at}.email: expected an email address such as "dave@example.test"`);
        }
        // The value is never echoed: it is a password.
        if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) {
            problems.push(`${at}.password: expected a string of at least ${MIN_PASSWORD_LENGTH} characters`);
        }
        const userId = entry.user_id ?? (typeof email === "string" ? `auth0|${email.split("@")[0]}` : undefined);
        if (typeof userId !== "string" || !/^[A-Za-z0-9-]+\|[^\s/]+$/.test(userId)) {
            problems.push(`${at}.user_id: expected "<connection>|<id>" such as "auth0|dave", without spaces or slashes`);
        }
        if (entry.email_verified !== undefined && typeof entry.email_verified !== "boolean") {
            problems.push(`${at}.email_verified: expected true or false`);
        }
        const strings = (key: "groups" | "entitlements"): string[] => {
            const value = entry[key] ?? [];
            if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item === "")) {
                problems.push(`${at}.${key}: expected a list of non-empty strings`);
                return [];
            }
            return value as string[];
        };
        const groups = strings("groups");
        const entitlements = strings("entitlements");
        const appMetadata = entry.app_metadata ?? {};
        if (typeof appMetadata !== "object" || appMetadata === null || Array.isArray(appMetadata)) {
            problems.push(`${at}.app_metadata: expected an object`);
        }
        if (problems.length > before) return;
        users.push({
            user: {
                user_id: userId as string,
                email: email as string,
                email_verified: entry.email_verified === true,
                app_metadata: appMetadata as Record<string, unknown>,
            },
            password: password as string,
            groups,
            entitlements,
        });
    });
    if (root.users.length === 0) problems.push("users: expected at least one user");
    if (problems.length > 0) throw new UsersFileError(file, problems);
    return users;
}
