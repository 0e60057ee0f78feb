// Points of an SVG polyline for a series with gaps (missing readings are
// skipped), scaled into a box.

export function trendPoints(values: (number | null)[], width: number, height: number, lo: number, hi: number): string {
  const n = values.length;
  if (n === 0 || hi <= lo) return "";
  const step = n > 1 ? width / (n - 1) : 0;
  const pts: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    const clamped = Math.max(lo, Math.min(hi, v));
    const y = height - ((clamped - lo) / (hi - lo)) * height;
    pts.push(`${(i * step).toFixed(1)},${y.toFixed(1)}`);
  });
  return pts.join(" ");
}
