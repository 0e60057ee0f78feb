import { describe, expect, it } from "vitest";
import { ageLabel, ageYears } from "./age";

describe("age", () => {
  const today = new Date(2026, 10, 30);
  it("counts whole years, the birthday itself included", () => {
    expect(ageYears("1906-12-09", today)).toBe(119);
    expect(ageYears("2000-11-30", today)).toBe(26);
    expect(ageYears("2000-12-01", today)).toBe(25);
    expect(ageYears("nonsense", today)).toBeNull();
    expect(ageYears("2027-01-01", today)).toBeNull();
  });
  it("shows months under two years", () => {
    expect(ageLabel("2026-05-30", today)).toBe("6 mo");
    expect(ageLabel("2025-01-15", today)).toBe("22 mo");
    expect(ageLabel("1980-01-01", today)).toBe("46 y");
  });
});
