// Nova API reference, "Keypairs (keypairs)".
export const keypairsUrl = (): string => '/os-keypairs';
export const keypairUrl = (name: string): string => `/os-keypairs/${encodeURIComponent(name)}`;
