import { describe, expect, it } from "vitest";
import { actionLabel, fromLocalInput, localTime, percent, sizeLabel } from "./format";

describe("times", () => {
  it("shows an RFC 3339 UTC time in the workstation's zone and reads a local input back as UTC", () => {
    const local = "2026-03-04T05:06";
    const utc = fromLocalInput(local);
    expect(utc).not.toBeNull();
    const back = new Date(utc!);
    expect(back.getFullYear()).toBe(2026);
    expect(back.getMonth()).toBe(2);
    expect(back.getDate()).toBe(4);
    expect(back.getHours()).toBe(5);
    expect(back.getMinutes()).toBe(6);
    expect(localTime(utc, "en-GB")).toContain("2026");
  });

  it("keeps an empty or unreadable time harmless", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("not a time")).toBeNull();
    expect(localTime(null)).toBe("");
    expect(localTime("garbage")).toBe("garbage");
  });
});

describe("labels", () => {
  it("turns stored action names into words", () => {
    expect(actionLabel("login_failed")).toBe("Login failed");
    expect(actionLabel("lock")).toBe("Lock");
  });
});

describe("progress", () => {
  it("is a bounded whole percentage, unknown without a total", () => {
    expect(percent(0, 0)).toBeNull();
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 4)).toBe(100);
    expect(percent(-1, 4)).toBe(0);
  });
});

describe("sizeLabel", () => {
  it("uses the unit a person expects", () => {
    expect(sizeLabel(96)).toBe("96 bytes");
    expect(sizeLabel(812_400)).toBe("812 kB");
    expect(sizeLabel(2_400_000)).toBe("2.4 MB");
    expect(sizeLabel(999_949_999)).toBe("999.9 MB");
    expect(sizeLabel(4_294_967_295)).toBe("4.3 GB");
    expect(sizeLabel(2_000_000_000_000)).toBe("2.0 TB");
  });
});
