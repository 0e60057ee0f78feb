import { describe, expect, it } from "vitest";
import {
  ageLabel,
  backupErrorText,
  countLabel,
  driveNotes,
  dueLabel,
  normalTime,
  outcomeLabel,
  parseSchedule,
  reasonLabel,
  scheduleLabel,
  scheduleValue,
  spanLabel,
} from "./backup";
import type { DriveView } from "./bindings";

describe("schedule values", () => {
  it("reads the forms core writes, and the ones a person types", () => {
    expect(parseSchedule("off")).toEqual({ kind: "off", day: "mon", time: "18:00" });
    expect(parseSchedule("daily 18:30")).toEqual({ kind: "daily", day: "mon", time: "18:30" });
    expect(parseSchedule("weekly fri 07:05")).toEqual({ kind: "weekly", day: "fri", time: "07:05" });
    expect(parseSchedule("  Weekly   SUN 7:05 ")).toEqual({ kind: "weekly", day: "sun", time: "07:05" });
    expect(parseSchedule("Daily 0:00")).toEqual({ kind: "daily", day: "mon", time: "00:00" });
  });

  it("reads anything it cannot understand as off", () => {
    for (const v of ["", "hourly", "daily", "daily 24:00", "daily 12:60", "daily 1230", "weekly 18:30", "weekly fry 18:30", "daily 18:30 extra"]) {
      expect(parseSchedule(v).kind, v).toBe("off");
    }
  });

  it("builds the value core accepts, and refuses a time that is not one", () => {
    expect(scheduleValue({ kind: "off", day: "tue", time: "nonsense" })).toBe("off");
    expect(scheduleValue({ kind: "daily", day: "tue", time: "9:15" })).toBe("daily 09:15");
    expect(scheduleValue({ kind: "weekly", day: "sat", time: "23:59" })).toBe("weekly sat 23:59");
    expect(scheduleValue({ kind: "daily", day: "mon", time: "" })).toBeNull();
    expect(scheduleValue({ kind: "weekly", day: "mon", time: "25:00" })).toBeNull();
  });

  it("round-trips every value it builds", () => {
    for (const v of ["off", "daily 00:00", "daily 23:59", "weekly mon 12:00", "weekly sun 06:45"]) {
      expect(scheduleValue(parseSchedule(v))).toBe(v);
    }
  });

  it("checks a time of day", () => {
    expect(normalTime("7:05")).toBe("07:05");
    expect(normalTime("23:59")).toBe("23:59");
    expect(normalTime("24:00")).toBeNull();
    expect(normalTime("7:5")).toBeNull();
  });

  it("says the schedule in words", () => {
    expect(scheduleLabel("off")).toBe("Off");
    expect(scheduleLabel("daily 18:30")).toBe("Every day at 18:30");
    expect(scheduleLabel("weekly fri 07:05")).toBe("Every Friday at 07:05");
  });
});

describe("ages", () => {
  const now = new Date("2026-05-10T12:00:00Z");

  it("says how long ago in the largest unit that fits", () => {
    expect(ageLabel("2026-05-10T11:59:30Z", now)).toBe("just now");
    expect(ageLabel("2026-05-10T11:59:00Z", now)).toBe("1 minute ago");
    expect(ageLabel("2026-05-10T11:15:00Z", now)).toBe("45 minutes ago");
    expect(ageLabel("2026-05-10T09:00:00Z", now)).toBe("3 hours ago");
    expect(ageLabel("2026-05-09T00:00:00Z", now)).toBe("36 hours ago");
    expect(ageLabel("2026-05-07T12:00:00Z", now)).toBe("3 days ago");
    expect(ageLabel("2026-05-10T14:00:00+02:00", now)).toBe("just now");
  });

  it("does not pretend a time in the future is past, and keeps unknowns empty", () => {
    expect(ageLabel("2026-05-12T12:00:00Z", now)).toBe("2 days from now");
    expect(ageLabel(null, now)).toBe("");
    expect(ageLabel("garbage", now)).toBe("");
  });

  it("says when the next run is due", () => {
    expect(dueLabel("2026-05-10T17:00:00Z", now)).toBe("in 5 hours");
    expect(dueLabel("2026-05-10T12:00:00Z", now)).toBe("now");
    expect(dueLabel("2026-05-10T08:00:00Z", now)).toBe("now");
    expect(dueLabel(null, now)).toBe("");
  });

  it("counts spans in whole units", () => {
    expect(spanLabel(59_999)).toBe("less than a minute");
    expect(spanLabel(2 * 86_400_000 - 1)).toBe("47 hours");
    expect(spanLabel(-3 * 60_000)).toBe("3 minutes");
  });
});

describe("counts", () => {
  it("says one thing in the singular and the rest in the plural", () => {
    expect(countLabel(1, "patient")).toBe("1 patient");
    expect(countLabel(0, "patient")).toBe("0 patients");
    expect(countLabel(2, "audit entry", "audit entries")).toBe("2 audit entries");
    expect(countLabel(1, "audit entry", "audit entries")).toBe("1 audit entry");
  });
});

describe("history labels", () => {
  it("names reasons and outcomes", () => {
    expect(reasonLabel("manual")).toBe("By hand");
    expect(reasonLabel("catch_up")).toContain("Catch-up");
    expect(reasonLabel("scheduled")).toBe("Scheduled");
    expect(outcomeLabel("verified")).toBe("Verified");
    expect(outcomeLabel("good")).toBe("Verified");
    expect(outcomeLabel("damaged")).toBe("Damaged");
    expect(outcomeLabel("not_a_backup")).toBe("Not a backup");
  });
});

function drive(over: Partial<DriveView>): DriveView {
  return {
    mount_point: "/media/ada/USB",
    name: "USB",
    file_system: "ext4",
    available: 50_000_000_000,
    total: 64_000_000_000,
    same_disk_as_vault: false,
    max_file_size: null,
    ...over,
  };
}

describe("drive notes", () => {
  it("has nothing to say about a roomy external drive", () => {
    expect(driveNotes(drive({}), 1_000_000)).toEqual([]);
  });

  it("warns of the vault's own disk", () => {
    const notes = driveNotes(drive({ same_disk_as_vault: true }));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("vault's own disk");
  });

  it("names FAT32's file-size limit, and says when the last backup would not fit", () => {
    const fat = drive({ file_system: "vfat", max_file_size: 4_294_967_295 });
    expect(driveNotes(fat, 1_000_000)).toEqual(["Its file system (vfat) holds files of at most 4.3 GB."]);
    expect(driveNotes(fat, 5_000_000_000)[0]).toContain("too large for it");
  });

  it("warns when the last backup would not fit in the free space", () => {
    const notes = driveNotes(drive({ available: 1_000_000 }), 2_000_000);
    expect(notes).toEqual(["Only 1.0 MB free; the last backup was 2.0 MB."]);
  });
});

describe("backup errors", () => {
  it("says a damaged file cannot be trusted, keeping where Rust found the damage", () => {
    const damaged = backupErrorText({ code: "damaged", message: "The backup /m/b.cvbackup is damaged or was altered: page 12." });
    expect(damaged).toMatch(/^This backup file is damaged and cannot be trusted/);
    expect(damaged).toContain("page 12.");
  });

  it("says what opens a backup when the password is refused", () => {
    const refused = backupErrorText({ code: "wrong_password", message: "The password does not open this backup." });
    expect(refused).toMatch(/^The password does not open this backup\. /);
    expect(refused).toContain("of the day it was made");
  });

  it("keeps Rust's own sentence for another vault, a newer format, not a backup, and other errors", () => {
    for (const code of ["other_vault", "newer_format", "not_a_backup", "io", "conflict"] as const) {
      expect(backupErrorText({ code, message: "Exactly this." })).toBe("Exactly this.");
    }
  });

  it("says a cancel changed nothing", () => {
    expect(backupErrorText({ code: "cancelled", message: "The backup was cancelled; nothing was kept." })).toBe("Stopped: nothing was changed.");
  });
});
