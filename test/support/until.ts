/** Reads until `done` holds or the time is up; returns the last value read (the test's assertion says what was wrong). */
export async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
