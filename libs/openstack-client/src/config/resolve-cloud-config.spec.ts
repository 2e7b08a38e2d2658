import { inspect } from 'node:util';
import { ConfigError } from '../common/errors';
import type { CloudConfigFiles, PasswordAuth, ApplicationCredentialAuth } from './cloud-config';
import { resolveCloudConfig } from './resolve-cloud-config';

const CWD = '/work/project';
const HOME = '/home/alice';

/** A fake file system: path -> text. */
function files(map: Record<string, string>): CloudConfigFiles & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read(path: string) {
      reads.push(path);
      return map[path];
    },
  };
}

function resolve(
  env: Record<string, string | undefined>,
  fileMap: Record<string, string> = {},
  cloudName?: string,
) {
  return resolveCloudConfig({ env, files: files(fileMap), cwd: CWD, homeDir: HOME, cloudName });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** What `openstack` openrc files (and the devcloud's /var/lib/devcloud/openrc) export. */
const OPENRC = {
  OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
  OS_IDENTITY_API_VERSION: '3',
  OS_USERNAME: 'admin',
  OS_PASSWORD: 'openrc-password',
  OS_PROJECT_NAME: 'admin',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
  OS_INTERFACE: 'public',
};

/** The devcloud's clouds.yaml shape (/var/lib/devcloud/clouds.yaml). */
const DEVCLOUD_CLOUDS_YAML = `clouds:
  devcloud-admin:
    auth: {auth_url: 'http://127.0.0.1:5000/v3', username: admin, password: yaml-admin-pw, project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    identity_api_version: 3
  devcloud:
    auth: {auth_url: 'http://127.0.0.1:5000/v3', username: demo, password: yaml-demo-pw, project_name: demo, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    identity_api_version: 3
`;

describe('resolveCloudConfig: OS_* variables', () => {
  it('reads an openrc environment', () => {
    const config = resolve(OPENRC);
    const auth = config.auth as PasswordAuth;
    expect(config.source).toBe('environment (OS_* variables)');
    expect(auth).toMatchObject({
      type: 'password',
      authUrl: 'http://127.0.0.1:5000/v3',
      username: 'admin',
      userDomainName: 'Default',
      projectName: 'admin',
      projectDomainName: 'Default',
    });
    expect(auth.password.reveal()).toBe('openrc-password');
    expect(config).toMatchObject({ regionName: 'RegionOne', interface: 'public', insecure: false });
  });

  it('defaults missing domains to the domain with id "default", like the CLI', () => {
    const { OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME, ...env } = OPENRC;
    void OS_USER_DOMAIN_NAME;
    void OS_PROJECT_DOMAIN_NAME;
    const auth = resolve(env).auth as PasswordAuth;
    expect(auth.userDomainId).toBe('default');
    expect(auth.projectDomainId).toBe('default');
    expect(auth.userDomainName).toBeUndefined();
  });

  it('honours OS_DEFAULT_DOMAIN for missing domains', () => {
    const auth = resolve({
      ...OPENRC,
      OS_USER_DOMAIN_NAME: undefined,
      OS_PROJECT_DOMAIN_NAME: undefined,
      OS_DEFAULT_DOMAIN: 'corp',
    }).auth as PasswordAuth;
    expect(auth).toMatchObject({ userDomainId: 'corp', projectDomainId: 'corp' });
  });

  it('scopes by project id when given (and then needs no project domain)', () => {
    const auth = resolve({ ...OPENRC, OS_PROJECT_NAME: undefined, OS_PROJECT_ID: 'p-123' })
      .auth as PasswordAuth;
    expect(auth.projectId).toBe('p-123');
    expect(auth.projectName).toBeUndefined();
    expect(auth.projectDomainName).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    const auth = resolve({ ...OPENRC, OS_PROJECT_ID: '', OS_USER_ID: '  ' }).auth as PasswordAuth;
    expect(auth.projectName).toBe('admin');
    expect(auth.userId).toBeUndefined();
  });

  it('prefers OS_PROJECT_NAME over the legacy OS_TENANT_NAME', () => {
    expect(
      (resolve({ ...OPENRC, OS_TENANT_NAME: 'legacy' }).auth as PasswordAuth).projectName,
    ).toBe('admin');
    expect(
      (
        resolve({ ...OPENRC, OS_PROJECT_NAME: undefined, OS_TENANT_NAME: 'legacy' })
          .auth as PasswordAuth
      ).projectName,
    ).toBe('legacy');
  });

  it('reads application credentials (OS_AUTH_TYPE=v3applicationcredential)', () => {
    const config = resolve({
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_AUTH_URL: 'https://keystone.example:5000',
      OS_APPLICATION_CREDENTIAL_ID: 'ac-1',
      OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret',
      OS_REGION_NAME: 'RegionOne',
    });
    const auth = config.auth as ApplicationCredentialAuth;
    expect(auth.type).toBe('v3applicationcredential');
    expect(auth.applicationCredentialId).toBe('ac-1');
    expect(auth.applicationCredentialSecret.reveal()).toBe('ac-secret');
  });

  it('infers application-credential auth from the secret alone', () => {
    const auth = resolve({
      OS_AUTH_URL: 'https://k:5000/v3',
      OS_APPLICATION_CREDENTIAL_ID: 'ac-1',
      OS_APPLICATION_CREDENTIAL_SECRET: 's',
    }).auth;
    expect(auth.type).toBe('v3applicationcredential');
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    [
      'nothing at all',
      {},
      'OS_CLOUD: is not set, and neither are OS_AUTH_URL and the other OS_* variables: there are no OpenStack credentials (set OS_CLOUD to a clouds.yaml entry, or source an openrc file)',
    ],
    [
      'no auth URL',
      { ...OPENRC, OS_AUTH_URL: undefined },
      'OS_AUTH_URL: is not set (expected the Keystone URL, e.g. https://keystone.example:5000/v3)',
    ],
    [
      'a bad auth URL',
      { ...OPENRC, OS_AUTH_URL: 'keystone:5000' },
      'OS_AUTH_URL: "keystone:5000" is not an http(s) URL (expected e.g. https://keystone.example:5000/v3)',
    ],
    [
      'no password',
      { ...OPENRC, OS_PASSWORD: undefined },
      'OS_PASSWORD: is not set, nor is an application credential secret (set OS_PASSWORD or OS_APPLICATION_CREDENTIAL_SECRET)',
    ],
    [
      'no user',
      { ...OPENRC, OS_USERNAME: undefined },
      'OS_USERNAME: is not set (set OS_USERNAME or OS_USER_ID)',
    ],
    [
      'no project',
      { ...OPENRC, OS_PROJECT_NAME: undefined },
      'OS_PROJECT_NAME: is not set: Nova, Glance and Neutron need a project-scoped token (set OS_PROJECT_NAME or OS_PROJECT_ID)',
    ],
    [
      'a bad interface',
      { ...OPENRC, OS_INTERFACE: 'private' },
      'OS_INTERFACE: "private" is not an endpoint interface (allowed: public, internal, admin)',
    ],
    [
      'a bad OS_INSECURE',
      { ...OPENRC, OS_INSECURE: 'maybe' },
      'OS_INSECURE: "maybe" is not a boolean (allowed: true, false, yes, no, 1, 0)',
    ],
    [
      'Keystone v2',
      { ...OPENRC, OS_IDENTITY_API_VERSION: '2' },
      'OS_IDENTITY_API_VERSION: is "2"; only Keystone v3 is supported (allowed: 3)',
    ],
    [
      'an unsupported auth type',
      { ...OPENRC, OS_AUTH_TYPE: 'v3oidcpassword' },
      'OS_AUTH_TYPE: "v3oidcpassword" is not supported by @osa/openstack-client (allowed: password, v3password, v3applicationcredential)',
    ],
    [
      'both a password and an application credential',
      { ...OPENRC, OS_APPLICATION_CREDENTIAL_ID: 'ac', OS_APPLICATION_CREDENTIAL_SECRET: 's' },
      'OS_AUTH_TYPE: is not set, and both OS_PASSWORD and OS_APPLICATION_CREDENTIAL_SECRET are: the auth method is ambiguous (set it to password or v3applicationcredential)',
    ],
    [
      'an application credential name without its user',
      {
        OS_AUTH_URL: 'https://k/v3',
        OS_AUTH_TYPE: 'v3applicationcredential',
        OS_APPLICATION_CREDENTIAL_NAME: 'ac',
        OS_APPLICATION_CREDENTIAL_SECRET: 's',
      },
      'OS_USERNAME: is not set: an application credential given by name needs its user (set OS_USERNAME or OS_USER_ID, or use OS_APPLICATION_CREDENTIAL_ID)',
    ],
    [
      'a bad compute microversion',
      { ...OPENRC, OS_COMPUTE_API_VERSION: '2' },
      'OS_COMPUTE_API_VERSION: "2" is not a microversion (allowed: "X.Y" such as "2.79", or "latest")',
    ],
    [
      'a missing CA file',
      { ...OPENRC, OS_CACERT: 'certs/ca.pem' },
      'OS_CACERT: names /work/project/certs/ca.pem, which does not exist (expected the path of a PEM CA bundle)',
    ],
  ])('refuses %s with one clear message', (_case, env, message) => {
    const error = errorOf(() => resolve(env));
    expect(error.message).toBe(message);
  });

  it('accepts legacy publicURL-style interfaces and OS_INSECURE', () => {
    const config = resolve(
      { ...OPENRC, OS_INTERFACE: 'internalURL', OS_INSECURE: 'true', OS_CACERT: '/etc/ssl/ca.pem' },
      { '/etc/ssl/ca.pem': 'PEM' },
    );
    expect(config).toMatchObject({
      interface: 'internal',
      insecure: true,
      cacertPath: '/etc/ssl/ca.pem',
    });
  });

  it('keeps secrets out of JSON and inspect output of the config', () => {
    const config = resolve(OPENRC);
    expect(JSON.stringify(config)).not.toContain('openrc-password');
    expect(inspect(config, { depth: 10 })).not.toContain('openrc-password');
  });
});

describe('resolveCloudConfig: clouds.yaml and secure.yaml', () => {
  const cwdClouds = `${CWD}/clouds.yaml`;
  const homeClouds = `${HOME}/.config/openstack/clouds.yaml`;
  const homeSecure = `${HOME}/.config/openstack/secure.yaml`;

  it('reads the devcloud clouds.yaml by OS_CLOUD', () => {
    const config = resolve({ OS_CLOUD: 'devcloud' }, { [homeClouds]: DEVCLOUD_CLOUDS_YAML });
    const auth = config.auth as PasswordAuth;
    expect(config.cloudName).toBe('devcloud');
    expect(config.source).toBe(`clouds.yaml ${homeClouds} (cloud "devcloud")`);
    expect(auth).toMatchObject({
      authUrl: 'http://127.0.0.1:5000/v3',
      username: 'demo',
      projectName: 'demo',
      userDomainName: 'Default',
    });
    expect(auth.password.reveal()).toBe('yaml-demo-pw');
    expect(config.regionName).toBe('RegionOne');
  });

  it('uses the first clouds.yaml found: ./ before ~/.config/openstack/ before /etc/openstack/', () => {
    const cwdYaml =
      'clouds:\n  c:\n    auth: {auth_url: "https://cwd.example/v3", username: u, password: p, project_name: p}\n';
    const etcYaml =
      'clouds:\n  c:\n    auth: {auth_url: "https://etc.example/v3", username: u, password: p, project_name: p}\n';
    const fs = {
      [cwdClouds]: cwdYaml,
      '/etc/openstack/clouds.yaml': etcYaml,
      [homeClouds]: DEVCLOUD_CLOUDS_YAML,
    };
    expect(resolve({ OS_CLOUD: 'c' }, fs).auth.authUrl).toBe('https://cwd.example/v3');
    const { [cwdClouds]: _skip, ...withoutCwd } = fs;
    void _skip;
    // ~/.config/openstack/clouds.yaml is found next, and it has no cloud "c" (only the first file counts).
    expect(errorOf(() => resolve({ OS_CLOUD: 'c' }, withoutCwd)).message).toBe(
      `OS_CLOUD: is "c" but ${homeClouds} has no such cloud (clouds there: devcloud-admin, devcloud)`,
    );
    expect(resolve({ OS_CLOUD: 'c' }, { '/etc/openstack/clouds.yaml': etcYaml }).auth.authUrl).toBe(
      'https://etc.example/v3',
    );
  });

  it('merges secure.yaml (its values win) into the cloud', () => {
    const clouds =
      'clouds:\n  prod:\n    auth:\n      auth_url: https://k.example/v3\n      username: bob\n      project_name: web\n    region_name: R1\n';
    const secure = 'clouds:\n  prod:\n    auth:\n      password: from-secure-yaml\n';
    const config = resolve({ OS_CLOUD: 'prod' }, { [cwdClouds]: clouds, [homeSecure]: secure });
    expect((config.auth as PasswordAuth).password.reveal()).toBe('from-secure-yaml');
    expect(config.source).toBe(
      `clouds.yaml ${cwdClouds} (cloud "prod") + secure.yaml ${homeSecure}`,
    );
  });

  it('lets OS_* variables override single clouds.yaml settings, like the CLI', () => {
    const config = resolve(
      { OS_CLOUD: 'devcloud', OS_REGION_NAME: 'RegionTwo', OS_PASSWORD: 'env-pw' },
      { [homeClouds]: DEVCLOUD_CLOUDS_YAML },
    );
    expect(config.regionName).toBe('RegionTwo');
    expect((config.auth as PasswordAuth).password.reveal()).toBe('env-pw');
    expect(config.source).toContain('+ OS_PASSWORD, OS_REGION_NAME');
  });

  it('refuses an OS_AUTH_URL that contradicts the cloud (an openrc sourced on top of OS_CLOUD)', () => {
    const error = errorOf(() =>
      resolve(
        { ...OPENRC, OS_AUTH_URL: 'https://other.example:5000/v3', OS_CLOUD: 'devcloud' },
        { [homeClouds]: DEVCLOUD_CLOUDS_YAML },
      ),
    );
    expect(error.path).toBe('OS_AUTH_URL');
    expect(error.message).toBe(
      `OS_AUTH_URL: is "https://other.example:5000/v3" but ${homeClouds}: clouds.devcloud.auth.auth_url is "http://127.0.0.1:5000/v3": these settings mix two clouds (unset OS_AUTH_URL (e.g. after sourcing an openrc) or unset OS_CLOUD)`,
    );
  });

  it('accepts an OS_AUTH_URL equal to the cloud one, with or without /v3', () => {
    const config = resolve(
      { OS_CLOUD: 'devcloud', OS_AUTH_URL: 'http://127.0.0.1:5000/' },
      { [homeClouds]: DEVCLOUD_CLOUDS_YAML },
    );
    expect(config.auth.authUrl).toBe('http://127.0.0.1:5000/');
  });

  it('names the clouds.yaml key of a missing setting', () => {
    const yaml =
      'clouds:\n  c:\n    auth:\n      username: u\n      password: p\n      project_name: p\n';
    expect(errorOf(() => resolve({ OS_CLOUD: 'c' }, { [cwdClouds]: yaml })).message).toBe(
      `${cwdClouds}: clouds.c.auth.auth_url (or OS_AUTH_URL): is not set (expected the Keystone URL, e.g. https://keystone.example:5000/v3)`,
    );
  });

  it('says where it looked when there is no clouds.yaml', () => {
    const error = errorOf(() => resolve({ OS_CLOUD: 'devcloud' }));
    expect(error.message).toBe(
      `OS_CLOUD: is "devcloud" but no clouds.yaml was found (looked for clouds.yaml in: ${CWD}/clouds.yaml, ${CWD}/clouds.yml, ${CWD}/clouds.json, ${HOME}/.config/openstack/clouds.yaml, ${HOME}/.config/openstack/clouds.yml, ${HOME}/.config/openstack/clouds.json, /etc/openstack/clouds.yaml, /etc/openstack/clouds.yml, /etc/openstack/clouds.json; OS_CLIENT_CONFIG_FILE can name another file)`,
    );
  });

  it("searches openstacksdk's order: ./, $XDG_CONFIG_HOME/openstack/, ~/.config/openstack/, /etc/openstack/; .yaml, .yml, .json in each", () => {
    const xdg = '/home/alice/xdg';
    const cloudAt = (host: string): string =>
      `clouds:\n  c:\n    auth: {auth_url: "https://${host}/v3", username: u, password: p, project_name: p}\n`;
    const fs: Record<string, string> = {
      [`${xdg}/openstack/clouds.yml`]: cloudAt('xdg.example'),
      [homeClouds]: cloudAt('home.example'),
    };
    // XDG_CONFIG_HOME's directory comes before ~/.config/openstack/ ...
    expect(resolve({ OS_CLOUD: 'c', XDG_CONFIG_HOME: xdg }, fs).auth.authUrl).toBe(
      'https://xdg.example/v3',
    );
    // ... and is not searched without the variable (or with a relative one).
    expect(resolve({ OS_CLOUD: 'c' }, fs).auth.authUrl).toBe('https://home.example/v3');
    expect(resolve({ OS_CLOUD: 'c', XDG_CONFIG_HOME: 'xdg' }, fs).auth.authUrl).toBe(
      'https://home.example/v3',
    );
    const error = errorOf(() => resolve({ OS_CLOUD: 'c', XDG_CONFIG_HOME: xdg }));
    expect(error.message).toContain(
      `${CWD}/clouds.json, ${xdg}/openstack/clouds.yaml, ${xdg}/openstack/clouds.yml, ${xdg}/openstack/clouds.json, ${HOME}/.config/openstack/clouds.yaml`,
    );
  });

  it('reads clouds.json (and secure.json) as JSON, after clouds.yaml and clouds.yml of the same directory', () => {
    const json = JSON.stringify({
      clouds: {
        c: { auth: { auth_url: 'https://json.example/v3', username: 'u', project_name: 'p' } },
      },
    });
    const secure = JSON.stringify({ clouds: { c: { auth: { password: 'from-secure-json' } } } });
    const config = resolve(
      { OS_CLOUD: 'c' },
      { [`${CWD}/clouds.json`]: json, [`${HOME}/.config/openstack/secure.json`]: secure },
    );
    expect(config.auth.authUrl).toBe('https://json.example/v3');
    expect((config.auth as PasswordAuth).password.reveal()).toBe('from-secure-json');
    expect(
      resolve(
        { OS_CLOUD: 'c' },
        {
          [`${CWD}/clouds.json`]: json,
          [`${CWD}/clouds.yml`]:
            'clouds:\n  c:\n    auth: {auth_url: "https://yml.example/v3", username: u, password: p, project_name: p}\n',
        },
      ).auth.authUrl,
    ).toBe('https://yml.example/v3');
    expect(
      errorOf(() => resolve({ OS_CLOUD: 'c' }, { [`${CWD}/clouds.json`]: '{"clouds": ' })).message,
    ).toMatch(new RegExp(`^${CWD}/clouds.json: is not valid JSON: `));
  });

  it('uses OS_CLIENT_CONFIG_FILE first, and refuses one that does not exist', () => {
    const config = resolve(
      { OS_CLOUD: 'devcloud', OS_CLIENT_CONFIG_FILE: '/srv/clouds.yaml' },
      { '/srv/clouds.yaml': DEVCLOUD_CLOUDS_YAML, [cwdClouds]: 'clouds: {}' },
    );
    expect(config.source).toContain('/srv/clouds.yaml');
    expect(
      errorOf(() => resolve({ OS_CLOUD: 'devcloud', OS_CLIENT_CONFIG_FILE: 'missing.yaml' }))
        .message,
    ).toBe(`OS_CLIENT_CONFIG_FILE: names ${CWD}/missing.yaml, which does not exist`);
  });

  it('the cloudName argument wins over OS_CLOUD (fromCloud)', () => {
    const config = resolve(
      { OS_CLOUD: 'devcloud' },
      { [homeClouds]: DEVCLOUD_CLOUDS_YAML },
      'devcloud-admin',
    );
    expect((config.auth as PasswordAuth).username).toBe('admin');
    expect(errorOf(() => resolve({}, { [homeClouds]: DEVCLOUD_CLOUDS_YAML }, 'nope')).message).toBe(
      `cloudName: is "nope" but ${homeClouds} has no such cloud (clouds there: devcloud-admin, devcloud)`,
    );
  });

  it('reports invalid YAML with the file name', () => {
    const error = errorOf(() =>
      resolve({ OS_CLOUD: 'c' }, { [cwdClouds]: 'clouds:\n  c: [unclosed\n' }),
    );
    expect(error.path).toBe(cwdClouds);
    expect(error.message).toMatch(/^\/work\/project\/clouds\.yaml: is not valid YAML: /);
  });

  it('lets OS_INSECURE override the file in both directions, and refuses a file that says both', () => {
    const fileWith = (tls: string) =>
      `clouds:\n  c:\n    auth: {auth_url: "https://k/v3", username: u, password: p, project_id: pid}\n${tls}`;
    expect(
      resolve(
        { OS_CLOUD: 'c', OS_INSECURE: 'false' },
        { [cwdClouds]: fileWith('    verify: false\n') },
      ).insecure,
    ).toBe(false);
    expect(
      resolve(
        { OS_CLOUD: 'c', OS_INSECURE: 'false' },
        { [cwdClouds]: fileWith('    insecure: true\n') },
      ).insecure,
    ).toBe(false);
    expect(
      resolve(
        { OS_CLOUD: 'c', OS_INSECURE: 'true' },
        { [cwdClouds]: fileWith('    verify: true\n') },
      ).insecure,
    ).toBe(true);
    expect(
      resolve(
        { OS_CLOUD: 'c' },
        { [cwdClouds]: fileWith('    verify: false\n    insecure: true\n') },
      ).insecure,
    ).toBe(true);
    const error = errorOf(() =>
      resolve(
        { OS_CLOUD: 'c' },
        { [cwdClouds]: fileWith('    verify: false\n    insecure: false\n') },
      ),
    );
    expect(error.message).toMatch(
      /verify.*: is "false" but .*insecure.* is "false": one says verify TLS certificates, the other says do not \(keep one of the two settings\)$/,
    );
  });

  it('reads verify: false, cacert relative to the working directory, regions, interface and compute_api_version', () => {
    const yaml = `clouds:
  c:
    auth: {auth_url: "https://k/v3", username: u, password: p, project_id: pid}
    regions: [East, West]
    interface: internal
    verify: false
    cacert: ~/ca.pem
    compute_api_version: "2.60"
`;
    const config = resolve({ OS_CLOUD: 'c' }, { [cwdClouds]: yaml, [`${HOME}/ca.pem`]: 'PEM' });
    expect(config).toMatchObject({
      regionName: 'East',
      interface: 'internal',
      insecure: true,
      cacertPath: `${HOME}/ca.pem`,
      computeMicroversion: '2.60',
    });
  });

  it('reads application-credential clouds', () => {
    const yaml = `clouds:
  ac:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://k/v3
      application_credential_name: bake
      username: carol
      user_domain_name: Corp
      application_credential_secret: s3cr3t
`;
    const auth = resolve({ OS_CLOUD: 'ac' }, { [cwdClouds]: yaml })
      .auth as ApplicationCredentialAuth;
    expect(auth).toMatchObject({
      type: 'v3applicationcredential',
      applicationCredentialName: 'bake',
      username: 'carol',
      userDomainName: 'Corp',
    });
    expect(auth.applicationCredentialSecret.reveal()).toBe('s3cr3t');
  });

  it('refuses values of the wrong kind with the key path', () => {
    const yaml = 'clouds:\n  c:\n    auth:\n      auth_url: [a, b]\n';
    expect(errorOf(() => resolve({ OS_CLOUD: 'c' }, { [cwdClouds]: yaml })).message).toBe(
      `${cwdClouds}: clouds.c.auth.auth_url: should be a single value, got a list`,
    );
    expect(
      errorOf(() =>
        resolve({ OS_CLOUD: 'c' }, { [cwdClouds]: 'clouds:\n  c:\n    profile: vexxhost\n' }),
      ).path,
    ).toBe(`${cwdClouds}: clouds.c.profile`);
  });
});
