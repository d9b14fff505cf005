/**
 * Counts turns of the event loop: a timer that sets itself again each time
 * it runs. Work that never yields leaves it at one turn at most however long
 * it takes; work that yields lets it count.
 *
 * @module
 */

/** A running count of event-loop turns. */
export interface TurnCounter {
  /** Turns counted so far. */
  readonly turns: number;
  /** Stops counting (the pending timer runs once more, uncounted after this). */
  stop(): void;
}

/** Starts counting turns from the next one. */
export function countTurns(): TurnCounter {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    turns++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    get turns() {
      return turns;
    },
    stop() {
      running = false;
    },
  };
}
