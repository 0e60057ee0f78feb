import { describe, expect, it } from "vitest";
import { trendPoints } from "./trend";

describe("trend points", () => {
  it("scales values into the box, skipping gaps and clamping outliers", () => {
    expect(trendPoints([40, null, 220], 100, 50, 40, 220)).toBe("0.0,50.0 100.0,0.0");
    expect(trendPoints([500], 100, 50, 40, 220)).toBe("0.0,0.0");
    expect(trendPoints([], 100, 50, 40, 220)).toBe("");
  });
});
