/** This package's version (sent in the User-Agent); `version.spec.ts` keeps it equal to package.json's. */
export const CLIENT_VERSION = '0.2.0';
