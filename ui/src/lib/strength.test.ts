import { describe, expect, it } from "vitest";
import { passwordsMatch, strengthLabel } from "./strength";

describe("the password meter", () => {
  it("names every score and clamps the rest", () => {
    expect([0, 1, 2, 3, 4].map(strengthLabel)).toEqual(["Very weak", "Weak", "Fair", "Strong", "Very strong"]);
    expect(strengthLabel(-3)).toBe("Very weak");
    expect(strengthLabel(9)).toBe("Very strong");
  });

  it("accepts a confirmation only when both are typed and equal", () => {
    expect(passwordsMatch("", "")).toBe(false);
    expect(passwordsMatch("a long phrase", "a long phrase")).toBe(true);
    expect(passwordsMatch("a long phrase", "a long phrase ")).toBe(false);
  });
});
