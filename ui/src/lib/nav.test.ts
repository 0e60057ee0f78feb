import { describe, expect, it } from "vitest";
import type { Me } from "./bindings";
import { landing, navFor, patientFromHash, viewFromHash } from "./nav";

function me(permissions: string[]): Me {
  return {
    username: "sam",
    display_name: "Sam",
    role: "staff",
    role_label: "Staff",
    clinic: "Riverside",
    must_change_password: false,
    totp_enrolled: false,
    totp_required: false,
    permissions,
    idle_timeout_minutes: 10,
    rollback_warning: null,
  };
}

describe("navigation", () => {
  it("offers a screen only with a permission that makes it useful, and My account always", () => {
    expect(navFor(me([])).map((n) => n.view)).toEqual(["account"]);
    expect(navFor(me(["audit_read"])).map((n) => n.view)).toEqual(["audit", "account"]);
    expect(navFor(me(["audit_read", "deidentified_export"])).map((n) => n.view)).toEqual(["audit", "research", "account"]);
    expect(navFor(me(["patient_read"])).map((n) => n.view)).toEqual(["patients", "account"]);
    const admin = navFor(me(["user_admin", "policy_admin", "audit_read", "emergency_review"])).map((n) => n.view);
    expect(admin).toEqual(["users", "emergency", "audit", "settings", "account"]);
    const withBackups = navFor(me(["user_admin", "policy_admin", "audit_read", "backup_create", "backup_restore"]));
    expect(withBackups.map((n) => n.view)).toEqual(["users", "audit", "backups", "settings", "account"]);
    expect(navFor(me(["backup_restore"])).map((n) => n.view)).toEqual(["account"]);
  });

  it("lands each role on its first screen", () => {
    expect(landing(me([]))).toBe("account");
    expect(landing(me(["audit_read"]))).toBe("audit");
    expect(landing(me(["user_admin"]))).toBe("users");
  });

  it("reads a screen from the location hash, and nothing from an unknown one", () => {
    expect(viewFromHash("#/users")).toBe("users");
    expect(viewFromHash("#audit")).toBe("audit");
    expect(viewFromHash("#/nowhere")).toBeNull();
    expect(viewFromHash("")).toBeNull();
    expect(viewFromHash("#/patients/12")).toBe("patients");
    expect(viewFromHash("#/backups")).toBe("backups");
  });

  it("reads a chart's patient from the hash, and only a plain number", () => {
    expect(patientFromHash("#/patients/12")).toBe(12);
    expect(patientFromHash("#/patients")).toBeNull();
    expect(patientFromHash("#/patients/12x")).toBeNull();
    expect(patientFromHash("#/patients/-1")).toBeNull();
  });
});
