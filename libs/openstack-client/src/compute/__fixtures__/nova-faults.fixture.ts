/**
 * Nova fault bodies: one envelope key named for the fault (Compute API reference, "Faults").
 * Messages as the devcloud (Nova 26.2.2, Zed) sent them:
 * - itemNotFound: /work/captures/nova/41b-server-delete-again-404.txt
 * - forbidden (quota): /work/captures/nova/53-server-create-quota-exceeded.txt (403, not 413)
 * - conflictingRequest: /work/captures/nova/36c-server-createImage-conflict.txt
 * - badRequest: /work/captures/nova/23b-server-create-2.79-no-networks.txt
 * - computeFault 500: api-ref "Faults" (computeFault)
 */
export const itemNotFound = (serverId: string) => ({
  itemNotFound: { code: 404, message: `Instance ${serverId} could not be found.` },
});

export const quotaExceededForbidden = {
  forbidden: {
    code: 403,
    message: 'Quota exceeded for instances: Requested 1, but already used 3 of 3 instances',
  },
};

export const policyForbidden = {
  forbidden: {
    code: 403,
    message: "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.",
  },
};

export const conflictingRequest = (serverId: string) => ({
  conflictingRequest: {
    code: 409,
    message: `Cannot 'createImage' instance ${serverId} while it is in task_state image_snapshot`,
  },
});

export const computeFault = {
  computeFault: {
    code: 500,
    message:
      'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.',
  },
};
