// Backups as the page shows them: the schedule's policy value taken apart
// and put back together, ages and due times in words, labels for the
// history, warnings about a drive, and a sentence for each way a backup
// file can fail to open.
import type { DriveView, ErrorCode } from "./bindings";
import { sizeLabel } from "./format";

export type ScheduleKind = "off" | "daily" | "weekly";
export type Day = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** The `backup_schedule` policy value, as the form edits it. */
export interface ScheduleParts {
  kind: ScheduleKind;
  /** The day of a weekly schedule. */
  day: Day;
  /** `HH:MM`, local time. */
  time: string;
}

export const DAYS: { value: Day; label: string }[] = [
  { value: "mon", label: "Monday" },
  { value: "tue", label: "Tuesday" },
  { value: "wed", label: "Wednesday" },
  { value: "thu", label: "Thursday" },
  { value: "fri", label: "Friday" },
  { value: "sat", label: "Saturday" },
  { value: "sun", label: "Sunday" },
];

const DEFAULT_TIME = "18:00";

/** `H:MM` or `HH:MM` from 00:00 to 23:59, as `HH:MM`; null otherwise. */
export function normalTime(t: string): string | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, "0")}:${m[2]}`;
}

function isDay(s: string): s is Day {
  return DAYS.some((d) => d.value === s);
}

/**
 * Reads a policy value (`off`, `daily HH:MM`, `weekly ddd HH:MM`; any case
 * and spacing, as core reads it). Anything unreadable reads as off, with
 * the form's defaults for day and time.
 */
export function parseSchedule(value: string): ScheduleParts {
  const words = value.trim().toLowerCase().split(/\s+/);
  const off: ScheduleParts = { kind: "off", day: "mon", time: DEFAULT_TIME };
  if (words[0] === "daily" && words.length === 2) {
    const time = normalTime(words[1]);
    return time ? { kind: "daily", day: "mon", time } : off;
  }
  if (words[0] === "weekly" && words.length === 3 && isDay(words[1])) {
    const time = normalTime(words[2]);
    return time ? { kind: "weekly", day: words[1], time } : off;
  }
  return off;
}

/** The policy value for the form's choices; null when the time is not a time of day. */
export function scheduleValue(p: ScheduleParts): string | null {
  if (p.kind === "off") return "off";
  const time = normalTime(p.time);
  if (!time) return null;
  return p.kind === "daily" ? `daily ${time}` : `weekly ${p.day} ${time}`;
}

/** The schedule in words: `Every day at 18:30`, `Every Friday at 07:05`, `Off`. */
export function scheduleLabel(value: string): string {
  const p = parseSchedule(value);
  if (p.kind === "daily") return `Every day at ${p.time}`;
  if (p.kind === "weekly") return `Every ${DAYS.find((d) => d.value === p.day)?.label ?? p.day} at ${p.time}`;
  return "Off";
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function amount(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A span in the largest whole unit that fits: `3 hours`, `2 days`. */
export function spanLabel(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return "less than a minute";
  if (abs < HOUR) return amount(Math.floor(abs / MINUTE), "minute");
  if (abs < 2 * DAY) return amount(Math.floor(abs / HOUR), "hour");
  return amount(Math.floor(abs / DAY), "day");
}

/** How long ago an RFC 3339 time was: `3 hours ago`, `just now`; empty when unknown. */
export function ageLabel(rfc3339: string | null | undefined, now: Date = new Date()): string {
  if (!rfc3339) return "";
  const t = new Date(rfc3339).getTime();
  if (Number.isNaN(t)) return "";
  const ms = now.getTime() - t;
  if (ms < 0) return `${spanLabel(ms)} from now`;
  if (ms < MINUTE) return "just now";
  return `${spanLabel(ms)} ago`;
}

/** When the next run is due: `in 5 hours`, or `now` when its time has come. */
export function dueLabel(rfc3339: string | null | undefined, now: Date = new Date()): string {
  if (!rfc3339) return "";
  const t = new Date(rfc3339).getTime();
  if (Number.isNaN(t)) return "";
  const ms = t - now.getTime();
  return ms <= 0 ? "now" : `in ${spanLabel(ms)}`;
}

/** A count with its noun: `1 patient`, `3 patients`, `2 audit entries`. */
export function countLabel(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why a backup was made, in words. */
export function reasonLabel(reason: string): string {
  switch (reason) {
    case "manual":
      return "By hand";
    case "scheduled":
      return "Scheduled";
    case "catch_up":
      return "Catch-up (a scheduled time was missed)";
    default:
      return reason;
  }
}

/** How a run or a check ended, in words. */
export function outcomeLabel(outcome: string): string {
  switch (outcome) {
    case "verified":
    case "good":
      return "Verified";
    case "failed":
      return "Failed";
    case "cancelled":
      return "Cancelled";
    case "interrupted":
      return "Interrupted";
    case "damaged":
      return "Damaged";
    case "wrong_password":
      return "Wrong password";
    default:
      return outcome.charAt(0).toUpperCase() + outcome.slice(1).replace(/_/g, " ");
  }
}

/**
 * What to know about a drive before backing up to it: the vault's own
 * disk, little room left, a file-size limit (FAT32) the backup may exceed.
 * `expected` is a size the backup may reach (the last one's), if known.
 */
export function driveNotes(d: DriveView, expected: number | null = null): string[] {
  const notes: string[] = [];
  if (d.same_disk_as_vault) {
    notes.push("This is the vault's own disk: a failing disk would take the vault and its backup together. Use an external drive.");
  }
  if (d.max_file_size !== null) {
    const over = expected !== null && expected > d.max_file_size;
    notes.push(
      `Its file system (${d.file_system || "FAT"}) holds files of at most ${sizeLabel(d.max_file_size)}` +
        (over ? `; the last backup was ${sizeLabel(expected)}, too large for it.` : "."),
    );
  }
  if (expected !== null && d.available < expected) {
    notes.push(`Only ${sizeLabel(d.available)} free; the last backup was ${sizeLabel(expected)}.`);
  }
  return notes;
}

/** What opens a backup file, as the commands name it. */
export type OpensWith = "password" | "recovery_code" | "passphrase";

/**
 * The sentence for a backup that could not be checked or restored. Rust's
 * message names the specific failure (which part is damaged, whose vault it
 * is, which format); a damaged file also says what to do, and a refused
 * password what opens a backup.
 */
export function backupErrorText(e: { code: ErrorCode; message: string }): string {
  switch (e.code) {
    case "damaged":
      return `This backup file is damaged and cannot be trusted: use another copy. (${e.message})`;
    case "wrong_password":
      return `${e.message} A backup opens with the passwords and recovery code of the day it was made, or with its own passphrase.`;
    case "cancelled":
      return "Stopped: nothing was changed.";
    default:
      return e.message;
  }
}
