import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));

const { act, app, leaveRestored, refreshBackupStatus, working } = await import("./app.svelte");

const status = { phase: "locked", vault_dir: "/v", default_vault_dir: "/v", me: null, pending_user: null };

beforeEach(() => {
  invoke.mockReset();
  app.reauth = null;
  app.status = null;
});

describe("act", () => {
  it("asks for the password when core needs it, then tries once more", async () => {
    let calls = 0;
    const f = async () => {
      calls++;
      if (calls === 1) throw { code: "password_needed", message: "Enter your password." };
      return "done";
    };
    const result = act(f);
    await vi.waitFor(() => expect(app.reauth).not.toBeNull());
    app.reauth!.resolve(true);
    await expect(result).resolves.toBe("done");
    expect(calls).toBe(2);
  });

  it("gives up, changing nothing, when the password is not given", async () => {
    let calls = 0;
    const result = act(async () => {
      calls++;
      throw { code: "password_needed", message: "Enter your password." };
    });
    await vi.waitFor(() => expect(app.reauth).not.toBeNull());
    app.reauth!.resolve(false);
    await expect(result).rejects.toMatchObject({ code: "cancelled" });
    expect(calls).toBe(1);
  });

  it("sends a locked session to the lock screen by asking Rust where the app stands", async () => {
    invoke.mockResolvedValue(status);
    await expect(act(async () => Promise.reject({ code: "locked", message: "Locked." }))).rejects.toMatchObject({
      code: "locked",
    });
    expect(invoke).toHaveBeenCalledWith("status", undefined);
    expect(app.status?.phase).toBe("locked");
  });

  it("passes other refusals on untouched", async () => {
    await expect(act(async () => Promise.reject({ code: "denied", message: "No. Nothing was changed." }))).rejects.toMatchObject({
      code: "denied",
      message: "No. Nothing was changed.",
    });
    expect(invoke).not.toHaveBeenCalled();
  });
});

describe("working", () => {
  it("shows the progress dialog only while the work runs, even when it fails", async () => {
    let seen = false;
    await expect(
      working(async () => {
        seen = app.working;
        throw { code: "io", message: "Disk full." };
      }),
    ).rejects.toMatchObject({ code: "io" });
    expect(seen).toBe(true);
    expect(app.working).toBe(false);
  });
});

describe("backup status", () => {
  const view = {
    last_verified_at: null,
    last_folder: null,
    overdue: true,
    warn_after_hours: 48,
    schedule: "off",
    folder: null,
    folder_present: false,
    next_due: null,
    last_error: null,
    running: false,
  };

  it("keeps the last answer, and sends the app nowhere, when the session is locked", async () => {
    invoke.mockResolvedValueOnce(view);
    await refreshBackupStatus();
    expect(invoke).toHaveBeenCalledWith("backup_status", undefined);
    expect(app.backup?.overdue).toBe(true);
    invoke.mockRejectedValueOnce({ code: "locked", message: "Locked." });
    await refreshBackupStatus();
    expect(app.backup?.overdue).toBe(true);
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(invoke).not.toHaveBeenCalledWith("status", undefined);
  });

  it("leaves a restore's screen for the sign-in screen Rust reports", async () => {
    app.backup = view;
    app.wizard = true;
    app.restored = {
      done: { aside: "/v/before-restore", recovery_code: null, users_without_password: [] },
      backup: {} as never,
      firstRun: false,
    };
    invoke.mockResolvedValue({ ...status, phase: "signed_out" });
    await leaveRestored();
    expect(app.restored).toBeNull();
    expect(app.backup).toBeNull();
    expect(app.wizard).toBe(false);
    expect(app.status?.phase).toBe("signed_out");
  });
});
