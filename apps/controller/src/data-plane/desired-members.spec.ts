import { PoolInstance } from '../pool/pool-instance';
import { desiredMembers, MEMBER_WEIGHT } from './desired-members';

function instance(id: string, phase: PoolInstance['phase'], withBackend = true): PoolInstance {
  return {
    id,
    name: id,
    role: 'clone',
    phase,
    health: 'healthy',
    backend: withBackend ? { id, host: `127.0.0.${id.length}`, port: 5000 } : undefined,
    registeredAtMs: 0,
    registeredAt: '',
    requestsServed: 0,
    inFlight: 0,
    consecutiveCheckFailures: 0,
    consecutiveCheckPasses: 0,
    consecutiveTransportFailures: 0,
  };
}

describe('desiredMembers', () => {
  it('serving instances ready, other admitted ones in maint, removals draining, launches not yet members', () => {
    const members = desiredMembers(
      [
        instance('served', 'admitted'),
        instance('previous', 'admitted'),
        instance('leaving', 'deleting'),
        instance('booting', 'booting', false),
        instance('checking', 'health-checking'),
      ],
      new Set(['served']),
    );
    expect(members.map((member) => [member.backend.id, member.state, member.weight])).toEqual([
      ['served', 'ready', MEMBER_WEIGHT],
      ['previous', 'maint', MEMBER_WEIGHT],
      ['leaving', 'drain', MEMBER_WEIGHT],
    ]);
  });
});
