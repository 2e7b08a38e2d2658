// @osa/openstack-testkit: a stateful fake OpenStack on loopback, for tests only.
export { FakeOpenStack, type CredentialsFileOptions } from './fake-openstack';
export type {
  CallRecord,
  FakeCloudState,
  FakeComputeHost,
  FakeCredentials,
  FakeEndpoints,
  FakeFlavor,
  FakeHealthMonitor,
  FakeLbStats,
  FakeListener,
  FakeLoadBalancer,
  FakeMember,
  FakeOctaviaObject,
  FakePool,
  FakeProvisioningStatus,
  OctaviaBehaviour,
  FakeFloatingIp,
  FakeImage,
  FakeKeypair,
  FakeNetwork,
  FakeOpenStackOptions,
  FakePort,
  FakeQuota,
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  FakeServer,
  FakeServerAction,
  FakeServerAddress,
  FakeServerFault,
  FakeServerGroup,
  FakeSubnet,
  FaultHandle,
  FaultRule,
  ImageBehaviour,
  ImageStatus,
  ServerBehaviour,
  ServerStatus,
  ServiceName,
} from './fake-openstack.types';
export { MASK } from './http/call-log';
export type { FakeApplicationCredential } from './fixtures/keystone-application-credential-response.v3';
// Helpers for acceptance suites against a real cloud (not the fake).
export {
  ACCEPTANCE_NAME_PREFIX,
  AcceptanceCleanup,
  CLOUD_CONFIGURED,
  describeWithCloud,
  acceptanceRunTag,
  assertLoopback,
  httpGet,
  isLoopbackCidr,
  isLoopbackIPv4,
  type HttpAnswer,
} from './real-cloud/acceptance-support';
// Suites that need a system program skip with one line where it is missing.
export {
  describeWithTools,
  findSystemTool,
  missingToolsReason,
  SYSTEM_TOOLS,
  type SystemTool,
} from './real-cloud/system-tools';
export { describeOrSkip } from './real-cloud/describe-or-skip';
export { cloudInitSchemaCheck, type CloudInitSchemaVerdict } from './real-cloud/cloud-init-schema';
