// Keyboard and pointer activity resets the idle lock in Rust; telling it
// once in a while is enough (the shortest idle timeout is a minute).

export const ACTIVITY_EVERY_MS = 15_000;

/** Calls `send` at most once per `everyMs` however often `poke` is called. */
export function throttle(send: () => void, everyMs: number = ACTIVITY_EVERY_MS, now: () => number = Date.now) {
  let last = -Infinity;
  return function poke() {
    const t = now();
    if (t - last >= everyMs) {
      last = t;
      send();
    }
  };
}
