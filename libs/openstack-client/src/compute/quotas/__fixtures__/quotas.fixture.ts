// Nova GET /limits and GET /os-quota-sets/{project}/detail as the Debian Zed devcloud answered
// at 2.93 (shapes of nova doc/api_samples/limits/v2.57/limit-get-resp.json and
// os-quota-sets/v2.57/quotas-show-detail-get-resp.json).
export const limitsResp = {
  limits: {
    rate: [],
    absolute: {
      maxTotalInstances: 50,
      maxTotalCores: 50,
      maxTotalRAMSize: 100000,
      maxServerMeta: 128,
      maxTotalKeypairs: 100,
      maxServerGroups: 10,
      maxServerGroupMembers: 10,
      totalRAMUsed: 1024,
      totalCoresUsed: 2,
      totalInstancesUsed: 2,
      totalServerGroupsUsed: 1,
    },
  },
};

export const quotaDetailResp = (projectId: string) => ({
  quota_set: {
    id: projectId,
    cores: { limit: 50, in_use: 2, reserved: 0 },
    instances: { limit: 50, in_use: 2, reserved: 0 },
    key_pairs: { limit: 100, in_use: 0, reserved: 0 },
    metadata_items: { limit: 128, in_use: 0, reserved: 0 },
    ram: { limit: 100000, in_use: 1024, reserved: 0 },
    server_group_members: { limit: 10, in_use: 0, reserved: 0 },
    server_groups: { limit: 10, in_use: 1, reserved: 0 },
  },
});
