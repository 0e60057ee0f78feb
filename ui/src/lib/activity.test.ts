import { describe, expect, it } from "vitest";
import { throttle } from "./activity";

describe("activity reports", () => {
  it("go to Rust at most once per interval however busy the keyboard is", () => {
    let now = 0;
    let sent = 0;
    const poke = throttle(() => sent++, 15_000, () => now);
    for (let i = 0; i < 100; i++) {
      poke();
      now += 100;
    }
    expect(sent).toBe(1);
    now = 15_000;
    poke();
    expect(sent).toBe(2);
    now = 29_999;
    poke();
    expect(sent).toBe(2);
  });
});
