// A patient's age for the chart header, from the date of birth.

/** Whole years from `dob` (YYYY-MM-DD) to `today`; null if unreadable. */
export function ageYears(dob: string, today: Date = new Date()): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < mo || (today.getMonth() + 1 === mo && today.getDate() < d)) age -= 1;
  return age >= 0 ? age : null;
}

/** The same as shown: "42 y", or months for babies. */
export function ageLabel(dob: string, today: Date = new Date()): string {
  const years = ageYears(dob, today);
  if (years === null) return "";
  if (years >= 2) return `${years} y`;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob)!;
  let months = (today.getFullYear() - Number(m[1])) * 12 + (today.getMonth() + 1 - Number(m[2]));
  if (today.getDate() < Number(m[3])) months -= 1;
  return `${Math.max(0, months)} mo`;
}
