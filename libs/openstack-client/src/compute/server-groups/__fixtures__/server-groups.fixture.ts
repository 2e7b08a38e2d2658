// Nova os-server-groups answers, as the Debian Zed devcloud gave them (same shapes as nova
// doc/api_samples/os-server-groups/server-groups-post-resp.json and v2.64/...): 2.64 has
// `policy` + `rules` + project_id/user_id; 2.1 has `policies` + `metadata`.
export const groupV264 = {
  server_group: {
    id: '24c96569-6c6e-41c7-a10b-55f20de7ce0c',
    name: 'osa-acc-probe-sg',
    policy: 'anti-affinity',
    rules: { max_server_per_host: 1 },
    members: [],
    project_id: '3505de1a466c4068b283a04aa4c226cd',
    user_id: '3a9893fabe514b78bb6ff6b9eca5a76a',
  },
};

export const groupsV21 = {
  server_groups: [
    {
      id: '24c96569-6c6e-41c7-a10b-55f20de7ce0c',
      name: 'osa-acc-probe-sg',
      policies: ['anti-affinity'],
      metadata: {},
      members: ['22c44d42-7f4a-4951-99ed-ab508261b91a'],
    },
  ],
};

/** 404 for an unknown group id (devcloud). */
export const groupNotFound = (id: string) => ({
  itemNotFound: { code: 404, message: `Instance group ${id} could not be found.` },
});
