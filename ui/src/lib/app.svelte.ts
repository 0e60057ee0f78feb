// The page's view of where the app stands. Rust is the source of truth:
// after anything that may change it, `refresh()` asks again.
import { listen } from "@tauri-apps/api/event";
import { commands, type BackupCheckView, type BackupStatusView, type Progress, type RestoreDoneView, type Status } from "./bindings";
import { CommandError, toCommandError } from "./call";

export const app = $state({
  status: null as Status | null,
  /** A message for the whole app (the vault could not be read, say). */
  fatal: null as string | null,
  /** The first-run wizard is still showing its one-time screens. */
  wizard: false,
  /** A sensitive action waits for the password again. */
  reauth: null as null | { resolve: (ok: boolean) => void },
  /** Long work under way (the progress dialog shows while set). */
  working: false,
  /** Its last progress report. */
  progress: null as Progress | null,
  /** Where backups stand, for those who may make them (the frame's warning). */
  backup: null as BackupStatusView | null,
  /**
   * A restore just replaced the vault: what it did is shown (the aside
   * folder, a new recovery code once) before the sign-in screen.
   */
  restored: null as null | { done: RestoreDoneView; backup: BackupCheckView; firstRun: boolean },
});

/**
 * Asks again where backups stand (not counted as activity). Quiet: a lock,
 * a sign-out or a refusal leaves the last answer alone rather than sending
 * the app anywhere; the next command that matters does that.
 */
export async function refreshBackupStatus(): Promise<void> {
  try {
    app.backup = await commands.backupStatus();
  } catch {
    // Locked, signed out or refused: nothing to show now.
  }
}

/** After a restore was shown: everyone signs in again to the restored vault. */
export async function leaveRestored(): Promise<void> {
  app.restored = null;
  app.backup = null;
  app.wizard = false;
  await refresh();
}

/** Runs long work with the progress dialog showing until it ends. */
export async function working<T>(f: () => Promise<T>): Promise<T> {
  return act(async () => {
    app.working = true;
    app.progress = null;
    try {
      return await f();
    } finally {
      app.working = false;
      app.progress = null;
    }
  });
}

export async function refresh(): Promise<void> {
  try {
    app.status = await commands.status();
    app.fatal = null;
  } catch (e) {
    app.fatal = toCommandError(e).message;
  }
}

/** Sets the status from a command that returns it; the error to show, if any. */
export async function toStatus(f: () => Promise<Status>): Promise<string | null> {
  try {
    app.status = await f();
    return null;
  } catch (e) {
    return toCommandError(e).message;
  }
}

/** Asks for the password again; resolves true once it was accepted. */
export function askPassword(): Promise<boolean> {
  return new Promise((resolve) => {
    app.reauth = { resolve };
  });
}

/**
 * Runs a command the way every screen wants: a lock or sign-out sends the
 * app to its screen; a sensitive action asks for the password and is tried
 * once more. Returns the result, or throws the CommandError to show.
 */
export async function act<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const err = toCommandError(e);
    if (err.code === "password_needed") {
      if (await askPassword()) return await act(f);
      throw new CommandError({ code: "cancelled", message: "Not done: the password was not entered." });
    }
    if (err.code === "locked" || err.code === "signed_out" || err.code === "must_change_password" || err.code === "totp_enrolment_required") {
      await refresh();
    }
    throw err;
  }
}

export async function watchEvents(): Promise<void> {
  await listen<Progress>("progress", (e) => {
    if (app.working) app.progress = e.payload;
  });
  await listen("locked", () => {
    void refresh();
  });
}
