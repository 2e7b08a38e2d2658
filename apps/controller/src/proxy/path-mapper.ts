import type { PathMapping } from '../config/proxy.config';

/** Exact-path rewrites (`GET /` -> `/work`, seed section 16); the query string is kept. */
export class PathMapper {
  private readonly byMethodAndPath = new Map<string, string>();

  constructor(mappings: readonly PathMapping[]) {
    // For one method and path the first mapping wins; a method-specific one beats an any-method one.
    for (const m of mappings) {
      const key = `${m.method ?? '*'} ${m.from}`;
      if (!this.byMethodAndPath.has(key)) this.byMethodAndPath.set(key, m.to);
    }
  }

  /** The backend path for `method target` (target in origin form: `/path?query`). */
  map(method: string, target: string): string {
    if (this.byMethodAndPath.size === 0) return target;
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const to =
      this.byMethodAndPath.get(`${method} ${path}`) ?? this.byMethodAndPath.get(`* ${path}`);
    if (to === undefined) return target;
    return q < 0 ? to : to + target.slice(q);
  }
}
