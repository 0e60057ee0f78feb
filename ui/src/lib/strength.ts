// The words under the password meter.

export const STRENGTH_LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"] as const;

export function strengthLabel(score: number): string {
  const i = Math.max(0, Math.min(4, Math.round(score)));
  return STRENGTH_LABELS[i];
}

/** Whether two typed passwords may be submitted: both filled and equal. */
export function passwordsMatch(a: string, b: string): boolean {
  return a.length > 0 && a === b;
}
