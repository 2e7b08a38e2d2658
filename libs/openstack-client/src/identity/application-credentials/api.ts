import { NotFoundError } from '../../common/errors';
import { ResourceList } from '../../common/pagination';
import { readJsonObject } from '../../common/wire';
import type { CallOptions } from '../../session/session-types';
import type { Session } from '../../session/session';
import {
  buildApplicationCredentialBody,
  type CreateApplicationCredentialOptions,
} from './requests';
import {
  parseApplicationCredential,
  parseApplicationCredentialPage,
  parseCreatedApplicationCredential,
  type ApplicationCredential,
  type CreatedApplicationCredential,
} from './results';
import * as urls from './urls';

export interface ApplicationCredentialCallOptions extends CallOptions {
  /** Whose credentials; default the user of the current token. */
  userId?: string;
}

/**
 * Keystone v3 application credentials of a user (API reference "Application Credentials"). A
 * credential is bound to the project of the token that creates it. Requests go to the Keystone
 * the client authenticates against (its auth URL), like the token request itself.
 */
export class ApplicationCredentialsApi {
  constructor(private readonly session: Session) {}

  /** POST: creates a credential on the token's project; its secret is in the answer only. */
  async create(
    name: string,
    options: CreateApplicationCredentialOptions = {},
  ): Promise<CreatedApplicationCredential> {
    const json = buildApplicationCredentialBody(name, options);
    const userId = await this.userId(options);
    const res = await this.session.request('identity', {
      method: 'POST',
      path: urls.applicationCredentialsUrl(this.session.options.auth.authUrl, userId),
      json,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseCreatedApplicationCredential(wire, root);
  }

  async get(
    id: string,
    options: ApplicationCredentialCallOptions = {},
  ): Promise<ApplicationCredential> {
    const userId = await this.userId(options);
    const res = await this.session.request('identity', {
      method: 'GET',
      path: urls.applicationCredentialUrl(this.session.options.auth.authUrl, userId, id),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseApplicationCredential(wire, wire.object(root, 'application_credential', 'body'));
  }

  /** GET, optionally `?name=` (exact match, as Keystone filters). */
  list(
    options: ApplicationCredentialCallOptions & { name?: string } = {},
  ): ResourceList<ApplicationCredential> {
    return new ResourceList<ApplicationCredential>(async (next) => {
      const userId = await this.userId(options);
      const res = await this.session.request('identity', {
        method: 'GET',
        path: next ?? urls.applicationCredentialsUrl(this.session.options.auth.authUrl, userId),
        query: next || options.name === undefined ? undefined : { name: options.name },
        signal: options.signal,
      });
      const { wire, root } = readJsonObject(res);
      return parseApplicationCredentialPage(wire, root);
    });
  }

  /** DELETE; false when already gone (ignoreMissing, default true). */
  async delete(
    id: string,
    options: ApplicationCredentialCallOptions & { ignoreMissing?: boolean } = {},
  ): Promise<boolean> {
    const userId = await this.userId(options);
    try {
      await this.session.request('identity', {
        method: 'DELETE',
        path: urls.applicationCredentialUrl(this.session.options.auth.authUrl, userId, id),
        signal: options.signal,
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError && (options.ignoreMissing ?? true)) return false;
      throw err;
    }
  }

  private async userId(options: { userId?: string; signal?: AbortSignal }): Promise<string> {
    return options.userId ?? (await this.session.token()).userId;
  }
}
