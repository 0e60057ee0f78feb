// Which screens the navigation offers. Only a convenience: core checks
// every action, and a screen opened without the permission shows the
// refusal core gives.
import type { Me } from "./bindings";

export type View = "patients" | "users" | "emergency" | "audit" | "research" | "backups" | "settings" | "account";

export interface NavItem {
  view: View;
  label: string;
  /** A permission that makes it worth showing; none: everyone. */
  needs: string | null;
}

export const NAV: NavItem[] = [
  { view: "patients", label: "Patients", needs: "patient_read" },
  { view: "users", label: "Users", needs: "user_admin" },
  { view: "emergency", label: "Emergency access", needs: "emergency_review" },
  { view: "audit", label: "Audit trail", needs: "audit_read" },
  { view: "research", label: "De-identified export", needs: "deidentified_export" },
  { view: "backups", label: "Backups", needs: "backup_create" },
  { view: "settings", label: "Settings", needs: "policy_admin" },
  { view: "account", label: "My account", needs: null },
];

export function navFor(me: Me): NavItem[] {
  return NAV.filter((n) => n.needs === null || me.permissions.includes(n.needs));
}

/** The screen named by a location hash (`#/audit`, `#/patients/12`), if any. */
export function viewFromHash(hash: string): View | null {
  const name = hash.replace(/^#\/?/, "").split("/")[0];
  return NAV.some((n) => n.view === name) ? (name as View) : null;
}

/** The patient whose chart a hash opens (`#/patients/12` → 12), if any. */
export function patientFromHash(hash: string): number | null {
  const m = /^#\/?patients\/(\d{1,15})$/.exec(hash);
  return m ? Number(m[1]) : null;
}

/** Where a user lands after signing in. */
export function landing(me: Me): View {
  return navFor(me)[0]?.view ?? "account";
}
