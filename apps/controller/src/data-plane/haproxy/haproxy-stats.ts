/**
 * Reads the Runtime API's `show stat` CSV (HAProxy 2.6 management guide, section 9.1): a header
 * line `# pxname,svname,...` then one line per frontend, server and backend. Columns are found by
 * name, not position, so a newer HAProxy that appends columns still reads right.
 */

/** The figures the control plane uses from one `show stat` reading. */
export interface HaproxyStats {
  readonly frontend: { readonly requests: number };
  /** The backend row: `lbtot` (a server was chosen), `wredis` (chosen again after a failed connect). */
  readonly backend: { readonly serverSelections: number; readonly redispatches: number };
  /** By server name (our slots: slot1, slot2, ...). */
  readonly servers: ReadonlyMap<string, HaproxyServerStats>;
}

export interface HaproxyServerStats {
  /** `stot`: requests (HTTP streams) sent to it. */
  readonly requests: number;
  /** `scur` + `qcur`: being served, or waiting in its queue. */
  readonly inFlight: number;
  /** `econ` + `eresp`: failed connects, and responses cut or timed out (server aborts included). */
  readonly errors: number;
  /** `hrsp_1xx` .. `hrsp_other`: responses it sent, whatever their status. */
  readonly responses: number;
  /** `status`: UP, DRAIN, MAINT, no check, ... */
  readonly status: string;
}

const RESPONSE_COLUMNS = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'];

/** Parses `show stat` for our one frontend and backend; throws with the reason on anything else. */
export function parseShowStat(
  csv: string,
  frontendName: string,
  backendName: string,
): HaproxyStats {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0];
  if (!header?.startsWith('# '))
    throw new Error(
      `show stat: expected a "# pxname,..." header, got ${JSON.stringify(header?.slice(0, 80) ?? '')}`,
    );
  const columns = new Map(
    header
      .slice(2)
      .split(',')
      .map((name, index) => [name, index] as const),
  );
  for (const required of [
    'pxname',
    'svname',
    'stot',
    'scur',
    'qcur',
    'econ',
    'eresp',
    'lbtot',
    'wredis',
    'req_tot',
    'status',
    ...RESPONSE_COLUMNS,
  ]) {
    if (!columns.has(required))
      throw new Error(`show stat: column ${required} is missing (HAProxy 2.6 or later is needed)`);
  }
  let frontend: HaproxyStats['frontend'] | undefined;
  let backend: HaproxyStats['backend'] | undefined;
  const servers = new Map<string, HaproxyServerStats>();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const text = (column: string): string => cells[columns.get(column) as number] ?? '';
    const number = (column: string): number => {
      const value = Number(text(column));
      return Number.isFinite(value) ? value : 0;
    };
    const [proxy, name] = [text('pxname'), text('svname')];
    if (proxy === frontendName && name === 'FRONTEND') frontend = { requests: number('req_tot') };
    else if (proxy === backendName && name === 'BACKEND')
      backend = { serverSelections: number('lbtot'), redispatches: number('wredis') };
    else if (proxy === backendName) {
      servers.set(name, {
        requests: number('stot'),
        inFlight: number('scur') + number('qcur'),
        errors: number('econ') + number('eresp'),
        responses: RESPONSE_COLUMNS.reduce((sum, column) => sum + number(column), 0),
        status: text('status'),
      });
    }
  }
  if (!frontend) throw new Error(`show stat: frontend ${frontendName} is missing`);
  if (!backend) throw new Error(`show stat: backend ${backendName} is missing`);
  return { frontend, backend, servers };
}
