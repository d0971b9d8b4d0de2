/**
 * MLflow's paged endpoints (experiments/search, runs/search, metrics/get-history) read to the
 * end: the one loop over `next_page_token` that every "all pages" call of the client, and
 * anything built on it, goes through.
 */

/** One page as the loop needs it: its items and the token of the next page. */
export interface Page<T> {
  items: T[];
  /** Undefined or empty on the last page (either may come from the server). */
  nextPageToken: string | undefined;
}

/** Every item of every page, in the server's order. `fetchPage` is given no token for the first page. */
export async function readAllPages<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await fetchPage(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken || undefined;
  } while (pageToken);
  return items;
}
