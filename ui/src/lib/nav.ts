// Which screens the navigation offers. Only a convenience: core checks
// every action, and a screen opened without the permission shows the
// refusal core gives.
import type { Me } from "./bindings";

export type View = "users" | "emergency" | "audit" | "settings" | "account";

export interface NavItem {
  view: View;
  label: string;
  /** A permission that makes it worth showing; none: everyone. */
  needs: string | null;
}

export const NAV: NavItem[] = [
  { view: "users", label: "Users", needs: "user_admin" },
  { view: "emergency", label: "Emergency access", needs: "emergency_review" },
  { view: "audit", label: "Audit trail", needs: "audit_read" },
  { view: "settings", label: "Settings", needs: "policy_admin" },
  { view: "account", label: "My account", needs: null },
];

export function navFor(me: Me): NavItem[] {
  return NAV.filter((n) => n.needs === null || me.permissions.includes(n.needs));
}

/** The screen named by a location hash (`#/audit`), if any. */
export function viewFromHash(hash: string): View | null {
  const name = hash.replace(/^#\/?/, "");
  return NAV.some((n) => n.view === name) ? (name as View) : null;
}

/** Where a user lands after signing in. */
export function landing(me: Me): View {
  return navFor(me)[0]?.view ?? "account";
}
