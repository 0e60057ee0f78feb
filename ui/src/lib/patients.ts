// Small helpers for patient screens.
import type { PatientInput } from "./bindings";

export function emptyPatient(): PatientInput {
  return {
    given_name: "",
    family_name: "",
    date_of_birth: "",
    sex: "unknown",
    phone: null,
    email: null,
    address: null,
    postal_code: null,
    notes: null,
    restricted: false,
  };
}

/** "Hopper, Grace" */
export function displayName(p: { given_name: string; family_name: string }): string {
  return `${p.family_name}, ${p.given_name}`;
}

/** Runs `f` at most once per `ms` of quiet: the last call wins. */
export function debounce<A extends unknown[]>(f: (...a: A) => void, ms: number) {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    clearTimeout(t);
    t = setTimeout(() => f(...a), ms);
  };
}
