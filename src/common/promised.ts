/** A callback-style call (express-session's regenerate, save, destroy) as a promise. */
export function promised(call: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => call((err) => (err ? reject(err) : resolve())));
}
