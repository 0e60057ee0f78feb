import { describe, expect, it } from "vitest";
import { CommandError, isIpcError, toCommandError } from "./call";

describe("command errors", () => {
  it("keep the code and message Rust sent", () => {
    const e = toCommandError({ code: "denied", message: "Not allowed. Nothing was changed." });
    expect(e).toBeInstanceOf(CommandError);
    expect(e.code).toBe("denied");
    expect(e.message).toBe("Not allowed. Nothing was changed.");
  });

  it("turn anything else into an internal error with a message", () => {
    expect(toCommandError("boom").code).toBe("internal");
    expect(toCommandError(new Error("x")).message).toBe("x");
    expect(toCommandError(undefined).message.length).toBeGreaterThan(0);
    expect(isIpcError({ code: 1, message: "m" })).toBe(false);
  });
});
