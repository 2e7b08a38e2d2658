export const TESTKIT_VERSION = '0.1.0';
