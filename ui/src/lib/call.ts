// The one door to Rust: every command goes through `call`, and every
// failure comes back as an IpcError {code, message}.
import { invoke } from "@tauri-apps/api/core";
import type { ErrorCode, IpcError } from "./bindings";

export class CommandError extends Error {
  readonly code: ErrorCode;
  constructor(e: IpcError) {
    super(e.message);
    this.code = e.code;
  }
}

export function isIpcError(e: unknown): e is IpcError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as IpcError).code === "string" &&
    typeof (e as IpcError).message === "string"
  );
}

/** Whatever a rejected command gave, as a CommandError. */
export function toCommandError(e: unknown): CommandError {
  if (e instanceof CommandError) return e;
  if (isIpcError(e)) return new CommandError(e);
  const message = e instanceof Error ? e.message : String(e);
  return new CommandError({ code: "internal", message: message || "Something went wrong." });
}

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}
