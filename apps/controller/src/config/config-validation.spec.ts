import { IntegerIn, Section, TextOfLength } from './config-rules';
import { validateConfigObject } from './config-validation';
import { SecretField } from './secret-field';

class CredentialsSection {
  @TextOfLength(1, 64, 'a user name')
  user = 'admin';

  @SecretField()
  @TextOfLength(8, 128, 'a password')
  password = 'change-me-please';
}

class SchemaWithSecret {
  @Section(() => CredentialsSection)
  credentials = new CredentialsSection();

  @IntegerIn(1, 10)
  retries = 3;
}

describe('validateConfigObject', () => {
  it('masks the value of a field marked @SecretField in its message', () => {
    const { problems } = validateConfigObject(SchemaWithSecret, {
      credentials: { password: 'short' },
    });
    expect(problems).toEqual([
      {
        path: 'credentials.password',
        shownValue: '***',
        message: 'must be a password of 8 to 128 characters',
        source: undefined,
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain('short');
  });

  it('keeps defaults inline and returns an instance of each section class', () => {
    const { config, problems } = validateConfigObject(SchemaWithSecret, { retries: 5 });
    expect(problems).toEqual([]);
    expect(config.credentials).toBeInstanceOf(CredentialsSection);
    expect(config).toMatchObject({ retries: 5, credentials: { user: 'admin' } });
  });

  it('rejects a section given as a scalar or a list, naming the path', () => {
    const { problems } = validateConfigObject(SchemaWithSecret, {
      credentials: 'admin:pw',
      retries: 11,
    });
    expect(problems.map((problem) => `${problem.path}: ${problem.message}`)).toEqual([
      'credentials: must be a mapping of keys (a section)',
      'retries: must be an integer from 1 to 10',
    ]);
  });
});
