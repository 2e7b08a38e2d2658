/**
 * Step 4: the controller VM's own Keystone application credential, made by the user's session
 * (the password never leaves this machine): bound to the token's project, restricted (it cannot
 * make credentials or trusts), with only the `member` role, and limited by access rules to the
 * calls the controller makes.
 *
 * Access rules are enforced by each service's keystonemiddleware, and only where it knows its own
 * service type; elsewhere a token of such a credential is refused (401) even for allowed calls.
 * So the new credential is tried at once with a call the controller makes. `--access-rules=auto`
 * then falls back to a credential without rules (still project- and role-bound) and says so;
 * `required` fails instead; `off` never sets rules.
 *
 * Each credential gets a unique name (osa-controller-<vm>-<deploy id>), so nothing that existed
 * before is ever replaced; --destroy removes every credential of this VM that the tool made.
 */
import {
  ForbiddenError,
  OpenStackClient,
  UnauthorizedError,
  type CreatedApplicationCredential,
} from '@osa/openstack-client';
import { BakeFailure, cloudFailure, messageOf } from '../../bake-image/bake-errors';
import { CONTROLLER_ACCESS_RULES } from '../controller-access-rules';
import { applicationCredentialName, MADE_BY, type DeployContext } from '../deploy-context';

export interface ControllerCredential {
  credential: CreatedApplicationCredential;
  accessRules: 'enforced' | 'not supported by this cloud (project and role only)' | 'off';
}

export async function createAppCredential(
  ctx: DeployContext,
  roles: string[],
): Promise<ControllerCredential> {
  const { options, progress } = ctx;
  const say = (line: string): void => progress.line('credential', line);
  const delegated = pickRoles(roles);
  if (options.accessRules !== 'off') {
    const withRules = await create(ctx, delegated, true);
    const refusal = await refusedCall(ctx, withRules);
    if (!refusal) {
      say(
        `access rules enforced: ${CONTROLLER_ACCESS_RULES.length} rules, the controller's calls only`,
      );
      return { credential: withRules, accessRules: 'enforced' };
    }
    await ctx.client.identity.applicationCredentials.delete(withRules.id).catch(() => undefined);
    if (options.accessRules === 'required') {
      throw new BakeFailure(
        `application credential ${withRules.name}`,
        `this cloud refuses calls the access rules allow (${refusal}): its services do not enforce access rules`,
        ctx.requests.last('compute'),
        'Pass --access-rules=auto to fall back to a credential bound to the project and the member role only.',
      );
    }
    say(
      `this cloud refused an allowed call with access rules (${refusal}): its services cannot enforce them; using a credential bound to the project and role ${delegated.join(', ')} only`,
    );
  }
  const plain = await create(ctx, delegated, false);
  return {
    credential: plain,
    accessRules:
      options.accessRules === 'off' ? 'off' : 'not supported by this cloud (project and role only)',
  };
}

function pickRoles(roles: string[]): string[] {
  const member = roles.find((r) => r.toLowerCase() === 'member');
  // The controller creates and deletes servers: member is enough; never delegate admin.
  if (member) return [member];
  const withoutAdmin = roles.filter((r) => r.toLowerCase() !== 'admin');
  if (withoutAdmin.length === 0)
    throw new BakeFailure(
      'application credential',
      `the token's roles (${roles.join(', ')}) include no member role to delegate`,
      null,
      'Ask for the member role on the project.',
    );
  return withoutAdmin;
}

async function create(
  ctx: DeployContext,
  roles: string[],
  withRules: boolean,
): Promise<CreatedApplicationCredential> {
  const name = `${applicationCredentialName(ctx.options.vmName)}-${ctx.deployId}${withRules ? '' : '-norules'}`;
  const made = await ctx.cleanup
    .adopt(
      ctx.client.identity.applicationCredentials.create(name, {
        description: `${MADE_BY}: controller VM ${ctx.options.vmName}`,
        roles,
        unrestricted: false,
        accessRules: withRules ? [...CONTROLLER_ACCESS_RULES] : undefined,
        signal: ctx.signal,
      }),
      (c) => ({
        resource: `application credential ${c.name} (${c.id})`,
        undo: async () => {
          await ctx.client.identity.applicationCredentials.delete(c.id);
          return 'removed';
        },
      }),
    )
    .catch((err: unknown) => {
      throw cloudFailure(
        `application credential ${name}`,
        'creating it',
        err,
        ctx.requests,
        'identity',
        'Keystone 3.10 (Queens) or newer is needed; your user must be allowed to create application credentials.',
      );
    });
  ctx.progress.line(
    'credential',
    `created ${name} (${made.value.id}), roles ${made.value.roles.map((r) => r.name).join(', ')}, restricted${withRules ? ', with access rules' : ''}`,
  );
  return made.value;
}

/** Undefined when the credential can make a call the controller makes; else what refused it. */
async function refusedCall(
  ctx: DeployContext,
  credential: CreatedApplicationCredential,
): Promise<string | undefined> {
  const session = ctx.client.session.options;
  const probe = new OpenStackClient({
    auth: {
      type: 'v3applicationcredential',
      authUrl: session.auth.authUrl,
      applicationCredentialId: credential.id,
      applicationCredentialSecret: credential.secret,
    },
    regionName: session.regionName,
    interface: session.interface,
    timeoutMs: 30_000,
    retry: { maxRetries: 1 },
  });
  try {
    await probe.compute.servers
      .list({ exactName: ctx.options.vmName, signal: ctx.signal })
      .toArray();
    return undefined;
  } catch (err) {
    if (err instanceof UnauthorizedError || err instanceof ForbiddenError) return messageOf(err);
    throw cloudFailure(
      `application credential ${credential.name}`,
      'trying it',
      err,
      ctx.requests,
      'compute',
    );
  } finally {
    probe.close();
  }
}
