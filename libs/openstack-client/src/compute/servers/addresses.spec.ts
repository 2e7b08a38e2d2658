import { AddressSelectionError } from '../../common/errors';
import { WireReader } from '../../common/wire';
import {
  serverGetBuildRespV271,
  serverGetRespV271,
} from './__fixtures__/server-get-resp.v2-71.fixture';
import { extractAddress } from './addresses';
import { parseServerResponse, type Server } from './results';

const wire = new WireReader({
  service: 'compute',
  method: 'GET',
  url: 'http://test/servers/x',
  status: 200,
});
const read = (body: { server: Record<string, unknown> }): Server => parseServerResponse(wire, body);

describe('extractAddress', () => {
  // private: 192.168.1.30 (v4 fixed), fd00:1::30 (v6 fixed), 172.24.4.10 (v4 floating)
  const server = read(serverGetRespV271());

  it('defaults to IPv4 and prefers the fixed address over the floating one', () => {
    expect(extractAddress(server)).toBe('192.168.1.30');
  });

  it('picks by type and IP version', () => {
    expect(extractAddress(server, { type: 'floating' })).toBe('172.24.4.10');
    expect(extractAddress(server, { ipVersion: 6 })).toBe('fd00:1::30');
    expect(extractAddress(server, { networkName: 'private', ipVersion: 4, type: 'fixed' })).toBe(
      '192.168.1.30',
    );
  });

  it('does not take the first address of the first network: the floating address listed first is skipped', () => {
    const reordered = read(
      serverGetRespV271({
        addresses: {
          private: [
            { 'OS-EXT-IPS:type': 'floating', addr: '172.24.4.10', version: 4 },
            { 'OS-EXT-IPS:type': 'fixed', addr: 'fd00:1::30', version: 6 },
            { 'OS-EXT-IPS:type': 'fixed', addr: '192.168.1.30', version: 4 },
          ],
        },
      }),
    );
    expect(extractAddress(reordered)).toBe('192.168.1.30');
  });

  it('names what the server has when nothing matches', () => {
    expect(() => extractAddress(server, { ipVersion: 6, type: 'floating' })).toThrow(
      new AddressSelectionError(
        server.id,
        'none',
        `server ${server.id} (new-server-test) has no IPv6 floating address; it has private: 192.168.1.30 (IPv4 fixed), private: fd00:1::30 (IPv6 fixed), private: 172.24.4.10 (IPv4 floating)`,
      ),
    );
  });

  it('names the networks when the wanted one is missing', () => {
    expect(() => extractAddress(server, { networkName: 'public' })).toThrow(
      /is not on network "public" \(networks: private\)/,
    );
  });

  it('refuses to guess between networks', () => {
    const twoNetworks = read(
      serverGetRespV271({
        addresses: {
          blue: [{ 'OS-EXT-IPS:type': 'fixed', addr: '10.0.0.5', version: 4 }],
          green: [{ 'OS-EXT-IPS:type': 'fixed', addr: '10.1.0.5', version: 4 }],
        },
      }),
    );
    let error: unknown;
    try {
      extractAddress(twoNetworks);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AddressSelectionError);
    expect((error as AddressSelectionError).reason).toBe('ambiguous');
    expect((error as Error).message).toContain(
      'on several networks (blue, green); pass networkName',
    );
    expect(extractAddress(twoNetworks, { networkName: 'green' })).toBe('10.1.0.5');
  });

  it('says a BUILD server has no addresses yet', () => {
    const building = read(serverGetBuildRespV271());
    expect(() => extractAddress(building)).toThrow(/it has no addresses yet \(status BUILD\)/);
  });
});
