/** Operations handled per turn of the event loop: the bot (and the watchdog) get a turn between. */
const PER_TURN = 32;

/**
 * A sandbox's host operations, handled in arrival order on later turns of the event loop, a few per
 * turn: however many a plugin sends at once, the bot keeps answering in between.
 */
export class OperationQueue {
  #items: (() => void)[] = [];
  #head = 0;
  #scheduled = false;

  push(operation: () => void): void {
    this.#items.push(operation);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#run());
  }

  #run(): void {
    const end = Math.min(this.#head + PER_TURN, this.#items.length);
    while (this.#head < end) {
      const operation = this.#items[this.#head] as () => void;
      this.#items[this.#head++] = noop;
      operation();
    }
    if (this.#head < this.#items.length) {
      // Under steady load the queue never empties: drop what is done now and then, so it cannot grow.
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      setImmediate(() => this.#run());
      return;
    }
    this.#items = [];
    this.#head = 0;
    this.#scheduled = false;
  }
}

function noop(): void {}
