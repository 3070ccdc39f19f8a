/**
 * Groups calls that arrive while earlier groups are running. A call runs as soon as one of
 * `lanes` is free, together with every call queued by then (at most `maxSize`); so under
 * light load each call runs at once and alone, and under heavy load the groups grow and
 * share their fixed costs (a transaction and its round trips). `run` returns one result per
 * item, in order. If a group fails, its items are run again one by one, so one bad item
 * fails alone.
 */
export function batcher<T, R>(
  run: (items: T[]) => Promise<R[]>,
  opts: { maxSize: number; lanes: number },
): (item: T) => Promise<R> {
  interface Waiting {
    item: T;
    resolve: (value: R) => void;
    reject: (err: unknown) => void;
  }
  const queue: Waiting[] = [];
  let running = 0;

  const settle = async (group: Waiting[]) => {
    try {
      const results = await run(group.map((w) => w.item));
      for (const [i, w] of group.entries()) w.resolve(results[i] as R);
    } catch (err) {
      if (group.length === 1) {
        group[0]?.reject(err);
        return;
      }
      for (const w of group) {
        await run([w.item]).then(([result]) => w.resolve(result as R), w.reject);
      }
    }
  };

  const pump = () => {
    while (running < opts.lanes && queue.length > 0) {
      const group = queue.splice(0, opts.maxSize);
      running++;
      void settle(group).finally(() => {
        running--;
        pump();
      });
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // Calls made in the same turn of the event loop go together.
      if (queue.length === 1) queueMicrotask(pump);
      else if (running < opts.lanes && queue.length >= opts.maxSize) pump();
    });
}
