import { parseShowStat } from './haproxy-stats';

/** `show stat` as HAProxy 2.6.12 printed it (columns cut after those we read, plus one we do not). */
const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,lbtot,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,req_tot,future_column,';
const CSV = [
  HEADER,
  'osa-clients,FRONTEND,,,0,1,100,3,249,800,0,0,0,,,,,OPEN,,,0,4,0,0,2,0,6,x,',
  'osa-instances,slot1,2,3,5,6,256,40,0,0,,0,,1,2,0,0,UP,100,40,0,30,0,2,1,0,40,x,',
  'osa-instances,slot2,0,0,0,1,256,7,0,0,,0,,0,0,0,0,DRAIN,100,7,0,7,0,0,0,0,7,x,',
  'osa-instances,BACKEND,2,3,5,6,256,48,0,0,0,0,,1,2,0,1,UP,200,48,0,37,0,2,2,0,48,x,',
  '',
].join('\n');

describe('parseShowStat', () => {
  it('reads our frontend, backend and servers by column name', () => {
    const stats = parseShowStat(CSV, 'osa-clients', 'osa-instances');
    expect(stats.frontend).toEqual({ requests: 6 });
    expect(stats.backend).toEqual({ serverSelections: 48, redispatches: 1 });
    expect(stats.servers.get('slot1')).toEqual({
      requests: 40,
      inFlight: 7,
      errors: 3,
      responses: 33,
      status: 'UP',
    });
    expect(stats.servers.get('slot2')).toMatchObject({ inFlight: 0, status: 'DRAIN' });
    expect([...stats.servers.keys()]).toEqual(['slot1', 'slot2']);
  });

  it('says what is missing instead of reading zeros', () => {
    expect(() => parseShowStat('Unknown command', 'osa-clients', 'osa-instances')).toThrow(
      /expected a "# pxname,..." header/,
    );
    expect(() =>
      parseShowStat(HEADER.replace('lbtot,', ''), 'osa-clients', 'osa-instances'),
    ).toThrow(/column lbtot is missing/);
    expect(() => parseShowStat(CSV, 'other', 'osa-instances')).toThrow(/frontend other is missing/);
  });
});
