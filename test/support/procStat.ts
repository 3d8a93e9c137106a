/**
 * `/proc/<pid>/stat` as proc(5) lays it out, for the test timers (test/support/fileTimes.ts,
 * testTimes.ts, processCensus.ts): `pid (comm) state ppid … utime stime cutime cstime … starttime …`.
 */
import * as fs from "node:fs";

/** Clock ticks per second: 100 on Linux (sysconf(_SC_CLK_TCK), USER_HZ). */
export const TICKS_PER_S = 100;

/**
 * The fields after the command name (which is in parentheses and may hold spaces): index 0 is the
 * state (field 3 of proc(5)), so field N is at index N - 3: ppid 1, utime 11, stime 12, cutime 13,
 * cstime 14, starttime 19. Undefined when the file cannot be read (no /proc, or the process is gone).
 */
export function statFields(file: string): string[] | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
}
