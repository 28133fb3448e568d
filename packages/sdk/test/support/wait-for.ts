/** Resolves once `condition` holds, checking every 5 ms (the test's own timeout bounds it). */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
