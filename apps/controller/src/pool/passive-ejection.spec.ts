import { Logger } from '@nestjs/common';
import { HealthConfig } from '../config/health.config';
import { TrafficConfig } from '../config/traffic.config';
import { SystemClock } from '../clock/clock';
import { InstancePool } from './instance-pool';
import { PassiveEjection } from './passive-ejection';
import { PoolInstance } from './pool-instance';

describe('PassiveEjection', () => {
  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  let pool: InstancePool;
  let ejections: string[];
  beforeEach(() => {
    pool = new InstancePool(new SystemClock());
    ejections = [];
    pool.events.on('ejected', (instance, reason, by) =>
      ejections.push(`${instance.id} by ${by}: ${reason}`),
    );
  });

  function admitted(id: string): PoolInstance {
    const instance = pool.register({
      id,
      name: `vm-${id}`,
      role: 'clone',
      phase: 'health-checking',
      backend: { id, host: '127.0.10.9', port: 5000 },
    });
    pool.admit(id);
    return instance;
  }

  function ejection(overrides: Partial<TrafficConfig> = {}): PassiveEjection {
    return new PassiveEjection(
      Object.assign(new TrafficConfig(), overrides),
      new HealthConfig(),
      pool,
    );
  }

  it('ejects after passiveFailuresToEject transport failures in a row; a success or a client abort in between changes that as it should', () => {
    const instance = admitted('a');
    const passive = ejection({ passiveFailuresToEject: 3 });
    passive.observe(instance, 'connect-failed');
    passive.observe(instance, 'reset');
    passive.observe(instance, 'ok'); // resets the count
    passive.observe(instance, 'reset');
    passive.observe(instance, 'client-aborted'); // says nothing about the backend
    passive.observe(instance, 'timeout');
    expect(instance.health).toBe('healthy');
    passive.observe(instance, 'connect-failed');
    expect(instance.health).toBe('ejected');
    expect(instance.ejectedBy).toBe('passive');
    expect(ejections).toEqual([
      'a by passive: 3 request(s) in a row failed at the transport (last: connect-failed)',
    ]);
    passive.observe(instance, 'connect-failed'); // already out: no second ejection
    expect(ejections).toHaveLength(1);
  });

  it('needs passesToAdmit fresh passing checks after the ejection, and starts counting failures from zero once restored', () => {
    const instance = admitted('a');
    const passive = ejection({ passiveFailuresToEject: 1 });
    // Health checks passed for a while before the requests started failing ...
    for (let n = 0; n < 5; n++) pool.recordCheck('a', { ok: true, detail: 'HTTP 200', at: '' });
    passive.observe(instance, 'reset');
    // ... but those passes do not count towards coming back.
    expect(instance.consecutiveCheckPasses).toBe(0);
    pool.restore('a');
    expect(instance).toMatchObject({
      health: 'healthy',
      ejectedBy: undefined,
      consecutiveTransportFailures: 0,
    });
  });

  it('does nothing when disabled, and never ejects an instance that is not admitted', () => {
    const instance = admitted('a');
    const disabled = ejection({ passiveEjection: false, passiveFailuresToEject: 1 });
    disabled.observe(instance, 'connect-failed');
    expect(instance.health).toBe('healthy');
    const leaving = admitted('b');
    pool.setPhase('b', 'deleting');
    ejection({ passiveFailuresToEject: 1 }).observe(leaving, 'connect-failed');
    expect(leaving.health).toBe('healthy');
    expect(ejections).toEqual([]);
  });
});
