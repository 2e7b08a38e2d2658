/**
 * Lazy lists: an async iterable that fetches one page at a time and follows the service's own
 * "next" link (Nova `servers_links`, Glance `next`, Neutron `*_links`). Nothing is fetched until
 * the caller starts iterating; breaking out of `for await` stops fetching.
 */

export interface Page<T> {
  items: T[];
  /** Absolute URL or service-relative path of the next page, or undefined on the last page. */
  next: string | undefined;
  /** Items the service returned before any client-side filtering (defaults to items.length). */
  rawCount?: number;
}

export type PageFetcher<T> = (nextLink: string | undefined) => Promise<Page<T>>;

/** Upper bound on pages followed, so a service that links a page to itself cannot loop forever. */
export const MAX_PAGES = 10_000;

export class ResourceList<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: PageFetcher<T>) {}

  async *pages(): AsyncGenerator<T[], void, undefined> {
    let next: string | undefined;
    const seen = new Set<string>();
    for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
      const page = await this.fetchPage(next);
      yield page.items;
      if (!page.next || (page.rawCount ?? page.items.length) === 0 || seen.has(page.next)) return;
      seen.add(page.next);
      next = page.next;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const items of this.pages()) {
      yield* items;
    }
  }

  /** Reads every page into an array (stops early after `limit` items, when given). */
  async toArray(limit = Number.POSITIVE_INFINITY): Promise<T[]> {
    const out: T[] = [];
    if (limit <= 0) return out;
    for await (const item of this) {
      out.push(item);
      if (out.length >= limit) break;
    }
    return out;
  }
}
